"""The second factor's writes: enrolment, checking a code, recovery codes, resetting a user's
authenticator, unlocking a locked login. Each leaves a row in the audit log."""

from __future__ import annotations

import base64

import django_otp
import segno
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.audit.models import AccessAction
from disclosure.audit.services import audit_record

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "身份验证器"
RECOVERY_NAME = "恢复码"


def enrolment_device(user) -> TOTPDevice:
    """The authenticator being set up: the user's unconfirmed TOTP device (a new random key the
    first time), so that reloading the page shows the same QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it when typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as a QR code, an SVG ``data:`` URI drawn here (segno):
    the key never leaves the server for a QR service."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def otp_enrol(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a code from the app. On success it replaces the user's other
    authenticators, new recovery codes replace the old ones, the session counts as verified
    and the codes are returned (to be shown once); None for a wrong code."""
    if not device.verify_token(token):
        return None
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    _verified(request, device)
    audit_record(request=request, action=AccessAction.OTP_ENROLLED, detail=device.name)
    return codes


def otp_verify(*, request: HttpRequest, token: str):
    """Check a code of ``request.user``: six digits against the authenticator, anything else
    against the recovery codes (eight characters, each works once). The device that accepted
    it, the session now verified; or None."""
    user = request.user
    token = "".join(token.split()).lower()
    model = TOTPDevice if len(token) == 6 and token.isdigit() else StaticDevice
    with transaction.atomic():
        device = None
        for candidate in model.objects.devices_for_user(user).select_for_update():
            if candidate.verify_token(token):
                device = candidate
                break
    if device is None:
        return None
    _verified(request, device)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        detail = f"使用恢复码（剩余{left}个）"
    else:
        detail = "动态口令"
    audit_record(request=request, action=AccessAction.OTP_VERIFIED, detail=detail)
    return device


@transaction.atomic
def recovery_codes_replace(*, request: HttpRequest) -> list[str]:
    """New recovery codes for ``request.user``; the old ones stop working."""
    codes = _new_recovery_codes(request.user)
    audit_record(request=request, action=AccessAction.RECOVERY_CODES)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def otp_reset(*, request: HttpRequest, user) -> None:
    """Delete ``user``'s authenticators and recovery codes (a lost phone): their sessions lose
    the second factor, and the next login asks them to enrol again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        request=request, action=AccessAction.OTP_RESET, obj=user, detail=user.get_username()
    )


@transaction.atomic
def login_unlock(*, request: HttpRequest, attempts: QuerySet) -> int:
    """Unlock the usernames and addresses of ``attempts``: every failed login counted against
    any of them is deleted. The number of usernames and addresses unlocked."""
    usernames = {u for u in attempts.values_list("username", flat=True) if u is not None}
    addresses = {a for a in attempts.values_list("ip_address", flat=True) if a is not None}
    counted = attempts.model.objects.filter(Q(username__in=usernames) | Q(ip_address__in=addresses))
    counted.delete()
    unlocked = [f"用户名 {u}" for u in sorted(usernames)] + [f"地址 {a}" for a in sorted(addresses)]
    for what in unlocked:
        audit_record(request=request, action=AccessAction.LOGIN_UNLOCKED, detail=what)
    return len(unlocked)


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _verified(request: HttpRequest, device) -> None:
    """The session counts as signed in with both factors, under a new session key."""
    django_otp.login(request, device)
    request.session.cycle_key()
