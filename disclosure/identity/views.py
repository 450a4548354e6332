"""The second factor's pages: the code after the password, enrolment by QR code, and the user's
own page (their authenticator, new recovery codes). Each answers ``no-store``: they show keys
and codes."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .forms import CodeForm
from .lockout import count_failed_code, is_locked, lockout_response
from .pages import page_context
from .policy import ENROL, has_authenticator, pending_step, second_factor_required

# The recovery codes just made, shown once by the next page and then dropped from the session.
NEW_CODES = "identity_new_codes"
WRONG_CODE = "动态口令不正确或已用过。请输入身份验证器上当前显示的6位数字。"
WRONG_CODE_OR_RECOVERY = (
    "动态口令不正确或已用过。请输入身份验证器上当前显示的6位数字，或一个未用过的恢复码。"
)


def _next(request) -> str:
    """Where to go afterwards: ``next`` if it is an address of this site, else the admin."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else reverse("admin:index")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    """After the password: a code from the authenticator, or a recovery code. A wrong code
    counts as a failed login (the lockout of ``lockout.py``)."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    next_url = _next(request)
    step = None if user.is_verified() else pending_step(user)
    if step is None:
        return redirect(next_url)
    if step == ENROL:
        return redirect(_with_next("identity:otp_setup", next_url))
    username = user.get_username()
    if is_locked(request, username):
        request.logout_reason = "登录已锁定"
        logout(request)
        return lockout_response(request)
    form = CodeForm(request.POST or None, recovery=True)
    if form.is_valid():
        if services.otp_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(next_url)
        if count_failed_code(request, username):
            request.logout_reason = "登录已锁定"
            logout(request)
            return lockout_response(request)
        form.add_error("token", WRONG_CODE_OR_RECOVERY)
    context = {**page_context("输入动态口令"), "form": form, "next": next_url}
    return render(request, "identity/verify.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    """Set up an authenticator app: scan the QR code (or type the key), enter a code it shows.
    Also how a signed-in user replaces a lost or new phone's app."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    next_url = _next(request)
    if not user.is_verified() and has_authenticator(user):
        # Whoever has an authenticator proves it before setting up another.
        return redirect(_with_next("identity:otp_verify", next_url))
    device = services.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = services.otp_enrol(request=request, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            request.session[NEW_CODES] = codes
            return redirect(_with_next("identity:otp_manage", next_url))
        form.add_error("token", WRONG_CODE)
    context = {
        **page_context("绑定身份验证器"),
        "form": form,
        "next": next_url,
        "qr": services.qr_data_uri(device),
        "secret": services.secret_text(device),
        "required": second_factor_required(user),
        "replacing": user.is_verified(),
    }
    return render(request, "identity/setup.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def otp_manage(request):
    """The user's second factor: the authenticator and when it was last used, how many recovery
    codes are left, new recovery codes (shown once), a new authenticator."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    next_url = _next(request)
    device = TOTPDevice.objects.devices_for_user(user).order_by("-pk").first()
    if request.method == "POST":
        if device is None or not user.is_verified():
            return redirect(_with_next("identity:otp_setup", next_url))
        request.session[NEW_CODES] = services.recovery_codes_replace(request=request)
        return redirect(_with_next("identity:otp_manage", next_url))
    context = {
        **page_context("动态口令"),
        "has_permission": True,  # a fully signed-in user: the admin's user tools
        "device": device,
        "codes": request.session.pop(NEW_CODES, None),
        "codes_left": services.recovery_codes_left(user),
        "required": second_factor_required(user),
        "next": next_url,
    }
    return render(request, "identity/manage.html", context)
