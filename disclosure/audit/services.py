"""Writing and pruning the access log."""

from __future__ import annotations

import datetime
import ipaddress

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from .models import AccessEvent
from .retention import retention_check


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` reverse
    proxies the entry the outermost of them appended to X-Forwarded-For (counted from the
    right: the entries further left are whatever the client sent, free to forge)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(hops) >= count and (address := _ip(hops[-count])):
            return address
    return _ip(request.META.get("REMOTE_ADDR", ""))


def audit_record(
    *,
    request: HttpRequest,
    action: AccessEvent.Action | str,
    obj: models.Model | None = None,
    agency=None,
    detail: str = "",
    user=None,
    username: str = "",
) -> AccessEvent:
    """Record that ``request.user`` did ``action`` on ``obj`` (of ``agency``, else of
    ``obj.agency``). One INSERT (the record type is cached per process); an error propagates, so
    what cannot be recorded is not shown. ``detail`` is short and never holds personal data:
    a request number, a file format, a field's name — not a name, an ID number or a phone.

    A login event names ``user`` when ``request.user`` is not them yet (the user logging in), or
    only the ``username`` typed for a failed login (which may belong to nobody)."""
    if user is None:
        user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if not signed_in:
        username = username.replace("\0", "")[: AccessEvent._meta.get_field("username").max_length]
    event = AccessEvent(
        user_id=user.pk if signed_in else None,
        username=user.get_username() if signed_in else username,
        address=client_address(request),
        action=action,
        detail=detail[: AccessEvent._meta.get_field("detail").max_length],
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(obj)
        event.object_id = obj.pk
    event.agency_id = agency.pk if agency is not None else getattr(obj, "agency_id", None)
    # Field checks only: checking the foreign keys and the constraints would each cost a query,
    # and the database holds both constraints.
    event.full_clean(
        exclude=["user", "content_type", "agency"],
        validate_unique=False,
        validate_constraints=False,
    )
    event.save(force_insert=True)
    return event


def audit_prune(
    *, days: int, now: datetime.datetime | None = None
) -> tuple[int, datetime.datetime]:
    """Delete the rows older than ``days`` (never fewer than six months); return how many were
    deleted and the cut-off time."""
    retention_check(days)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _ = AccessEvent.objects.filter(at__lt=cutoff).delete()
    return deleted, cutoff
