"""Writes. Every change to a record that carries a rule goes through a function here, so the
admin, the importers and the commands apply the same rules. Each service validates with
``full_clean()`` (clear messages) and the database constraints are the hard stop behind it.
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from disclosure.clock.rules import request_check
from disclosure.clock.services import request_deadline_fill

from . import numbering
from .applications import Case, DisclosureRequest
from .models import Agency, Attachment, Disclosure


def request_number_next(*, agency: Agency, received_on: datetime.date) -> str:
    return numbering.next_number(
        DisclosureRequest.objects.filter(agency=agency),
        numbering.prefix(numbering.REQUEST_PREFIX, received_on),
    )


def case_number_next(*, agency: Agency, filed_on: datetime.date) -> str:
    return numbering.next_number(
        Case.objects.filter(agency=agency), numbering.prefix(numbering.CASE_PREFIX, filed_on)
    )


def _save_numbered(instance, next_number) -> None:
    """Validate and save, generating the number when blank (retrying a concurrent clash)."""
    generated = not instance.number
    for _attempt in range(5):
        if generated:
            instance.number = next_number()
        instance.full_clean()
        try:
            with transaction.atomic():
                instance.save()
            return
        except IntegrityError:
            if not generated:
                raise
    raise ValidationError({"number": "无法生成唯一编号，请手工填写。"})


def request_save(*, request: DisclosureRequest) -> DisclosureRequest:
    """Create or update a disclosure request (its cached due date is recomputed)."""
    request_deadline_fill(request=request)
    _save_numbered(
        request,
        lambda: request_number_next(agency=request.agency, received_on=request.received_on),
    )
    return request


def case_save(*, case: Case) -> Case:
    """Create or update a review or litigation case."""
    _save_numbered(case, lambda: case_number_next(agency=case.agency, filed_on=case.filed_on))
    return case


def request_decide(
    *, request: DisclosureRequest, outcome: str, decided_on: datetime.date
) -> DisclosureRequest:
    """Record the decision on a request: its outcome category and the date of the answer.

    Ending a request because the applicant let the 补正 or payment period pass
    (``other_no_correction``, ``other_unpaid_fee``) needs the notice on record and its period
    over; see ``request_check``.
    """
    request.outcome = outcome
    request.decided_on = decided_on
    request_check(request=request)
    return request_save(request=request)


def _check_can_publish(user) -> None:
    if not user.has_perm("disclosure.publish_disclosure"):
        raise PermissionDenied("只有负责人可以发布或撤回主动公开信息。")


def disclosure_index_number_next(*, disclosure: Disclosure) -> str:
    """索引号 in the common "<agency code>/<year>-<sequence>" shape."""
    year = (disclosure.published_on or disclosure.made_on or datetime.date.today()).year
    prefix = numbering.index_prefix(disclosure.agency.code, year)
    existing = Disclosure.objects.filter(
        agency=disclosure.agency, index_number__startswith=prefix
    ).values_list("index_number", flat=True)
    return numbering.index_number_after(prefix, existing)


def disclosure_save(*, disclosure: Disclosure) -> Disclosure:
    """Save an item as edited (the admin form); a published item without a 索引号 gets one."""
    if disclosure.status == Disclosure.Status.PUBLISHED and not disclosure.index_number:
        disclosure.index_number = disclosure_index_number_next(disclosure=disclosure)
    disclosure.full_clean()
    disclosure.save()
    return disclosure


@transaction.atomic  # if the public pages cannot be retired (pagecache), the write is undone
def disclosure_publish(
    *, disclosure: Disclosure, user, published_on: datetime.date | None = None
) -> Disclosure:
    """Publish a draft or withdrawn item (managers only)."""
    _check_can_publish(user)
    disclosure.status = Disclosure.Status.PUBLISHED
    disclosure.published_on = published_on or disclosure.published_on or datetime.date.today()
    if not disclosure.index_number:
        disclosure.index_number = disclosure_index_number_next(disclosure=disclosure)
    disclosure.full_clean()
    disclosure.save()
    return disclosure


@transaction.atomic
def disclosure_withdraw(*, disclosure: Disclosure, user) -> Disclosure:
    """Take a published item off the public site (managers only); its record is kept."""
    _check_can_publish(user)
    disclosure.status = Disclosure.Status.WITHDRAWN
    disclosure.full_clean()
    disclosure.save()
    return disclosure


def attachment_add_sealed(
    *, disclosure: Disclosure, title: str, filename: str, content: bytes
) -> Attachment:
    """Attach a file published as a fixed version (an annual report's PDF), sealed with the
    SHA-256 of ``content``: it cannot be replaced, edited or deleted afterwards
    (``Attachment.clean``, the admin's inline) and is checked against the hash before it is sent
    (``uploads.check_sealed``). A correction is a new version, attached beside it."""
    attachment = Attachment(
        disclosure=disclosure, title=title, sha256=hashlib.sha256(content).hexdigest()
    )
    attachment.file.save(filename, ContentFile(content), save=False)
    attachment.full_clean()
    attachment.save()
    return attachment


@transaction.atomic
def agency_add(*, code: str, name: str, parent_code: str | None = None) -> tuple[Agency, bool]:
    """Create an agency; the same code and name again is a no-op. Returns (agency, created)."""
    parent = None
    if parent_code:
        try:
            parent = Agency.objects.get(code=parent_code)
        except Agency.DoesNotExist:
            raise ValidationError(f"上级机关代码“{parent_code}”不存在。") from None
    existing = Agency.objects.filter(code=code).first()
    if existing:
        if existing.name != name:
            raise ValidationError(
                f"机关代码“{code}”已被“{existing.name}”使用，不能再用于“{name}”。"
            )
        if parent_code and existing.parent_id != parent.pk:
            raise ValidationError(f"机关“{name}”已存在，但上级机关不同。")
        return existing, False
    agency = Agency(code=code, name=name, parent=parent)
    agency.full_clean()
    agency.save()
    return agency, True
