"""Two gates every request passes after Django's ``AuthenticationMiddleware`` and django-otp's
``OTPMiddleware`` (settings.MIDDLEWARE):

- ``IdleTimeoutMiddleware``: a session left alone for ``SESSION_IDLE_MINUTES`` is signed out
  at its next staff page.
- ``SecondFactorMiddleware``: a user signed in with the password only, who has an authenticator
  or needs one (``policy.pending_step``), reaches nothing of the admin but the code page or the
  enrolment page; elsewhere (staff downloads, the public site) they are an anonymous visitor.
"""

from __future__ import annotations

import time
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from .policy import ENROL, pending_step

LAST_SEEN = "identity_last_seen"
# The last-seen time is written at most this often (seconds): a session is saved (one UPDATE)
# about once a minute of activity, not on every request.
LAST_SEEN_RESOLUTION = 60


class IdleTimeoutMiddleware:
    """Sign out a session idle for longer than ``SESSION_IDLE_MINUTES``. The session stores when
    it was last used for the staff's pages (to the minute); the database row expires a little
    later (``SESSION_COOKIE_AGE``), so a session nobody comes back to is also cleared by
    ``clearsessions``. Other addresses (the public site, ``/healthz``) read no session here."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def staff_prefixes(self) -> tuple[str, ...]:
        """The admin (the identity pages included) and the stored files (``staff_media``)."""
        return (reverse("admin:index"), settings.MEDIA_URL)

    def __call__(self, request):
        if request.path.startswith(self.staff_prefixes):
            self.check(request)
        return self.get_response(request)

    def check(self, request) -> None:
        session = request.session
        if SESSION_KEY not in session:
            return
        now = int(time.time())
        last_seen = session.get(LAST_SEEN)
        idle = settings.SESSION_IDLE_MINUTES
        if last_seen is not None and now - last_seen > idle * 60:
            request.logout_reason = f"空闲超过{idle}分钟，自动退出"
            logout(request)
            messages.info(request, f"超过{idle}分钟未操作，已自动退出登录，请重新登录。")
        elif last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = now


class SecondFactorMiddleware:
    """Until the second factor: under the admin's address a redirect to the code page (or the
    enrolment page), elsewhere an anonymous visitor (looked up only when a view asks who the
    user is: ``/healthz`` and the public pages' cache read nothing). The code and enrolment
    pages themselves and logging out stay open."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def admin_prefix(self) -> str:
        return reverse("admin:index")

    @cached_property
    def open_paths(self) -> frozenset[str]:
        return frozenset(
            reverse(name) for name in ("identity:otp_verify", "identity:otp_setup", "admin:logout")
        )

    def __call__(self, request):
        if not request.path.startswith(self.admin_prefix):
            user = request.user
            request.user = SimpleLazyObject(lambda: AnonymousUser() if _pending(user) else user)
        elif request.path not in self.open_paths and (step := _pending(request.user)):
            name = "identity:otp_setup" if step == ENROL else "identity:otp_verify"
            return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _pending(user) -> str | None:
    """What a user signed in with the password only still has to do (``policy.pending_step``);
    None for a visitor or a user signed in with both factors."""
    if not user.is_authenticated or user.is_verified():
        return None
    return pending_step(user)
