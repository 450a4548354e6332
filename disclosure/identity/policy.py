"""Who needs a second factor, and what a signed-in user still has to do before the admin opens."""

from __future__ import annotations

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.roles import MANAGER, SYSTEM

VERIFY = "verify"  # has an authenticator: enter a code from it (or a recovery code)
ENROL = "enrol"  # needs one and has none: set one up


def second_factor_required(user) -> bool:
    """Superusers, managers (负责人) and system administrators (系统管理员) always; everyone else
    (clerks) when ``OTP_REQUIRED_FOR_CLERKS`` is on."""
    if user.is_superuser or settings.OTP_REQUIRED_FOR_CLERKS:
        return True
    return user.groups.filter(name__in=[MANAGER, SYSTEM]).exists()


def has_authenticator(user) -> bool:
    """A confirmed TOTP device (recovery codes come with it and go with it)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user) -> str | None:
    """``VERIFY``, ``ENROL`` or None (nothing left) for a user signed in with the password only.
    A user who has an authenticator is always asked for a code, required or not. Two small
    queries at most, on each request of such a user only."""
    if has_authenticator(user):
        return VERIFY
    if second_factor_required(user):
        return ENROL
    return None
