"""Failed logins: django-axes counts them and locks, this module writes each event to the
audit log and answers a locked login with one Chinese page.

django-axes (``AXES_*`` in settings.py) counts the failures per username and per address; at
``LOGIN_FAILURE_LIMIT`` of either within ``LOGIN_LOCKOUT_MINUTES`` the login is refused for that
long (each attempt while locked starts the period again), whether the password is right or not
and whether the username exists or not. A wrong second-factor code counts like a wrong password
(``count_failed_code``), so a stolen password does not buy unlimited guesses at the code.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_failure_limit
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from disclosure.audit.models import AccessAction
from disclosure.audit.services import audit_record

from .pages import page_context

# The ``credentials`` a failed second-factor code is reported with (``user_login_failed``).
SECOND_FACTOR = "second_factor"


class AuditedAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler (``AXES_HANDLER``), which also writes every login, failed
    login, lockout and logout to the audit log (``disclosure.audit``), with time and address."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        failures = getattr(request, "axes_failures_since_start", None) or 0
        limit = get_failure_limit(request, credentials)
        username = get_client_username(request, credentials) or ""
        what = "动态口令错误" if credentials.get(SECOND_FACTOR) else "用户名或密码错误"
        if failures > limit:
            what = f"锁定期间再次尝试（{what}）"
        audit_record(
            request=request, action=AccessAction.LOGIN_FAILED, username=username, detail=what
        )
        if failures == limit:
            audit_record(
                request=request,
                action=AccessAction.LOGIN_LOCKED,
                username=username,
                detail=f"连续{limit}次登录失败，锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟",
            )

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        audit_record(request=request, action=AccessAction.LOGIN, user=user, detail="密码正确")

    def user_logged_out(self, sender, request, user, **kwargs):
        super().user_logged_out(sender, request, user, **kwargs)
        if user is not None:
            detail = getattr(request, "logout_reason", "") or "退出"
            audit_record(request=request, action=AccessAction.LOGOUT, user=user, detail=detail)


def is_locked(request: HttpRequest, username: str) -> bool:
    """Whether logins of ``username`` from this request's address are refused now."""
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def count_failed_code(request: HttpRequest, username: str) -> bool:
    """Count a wrong second-factor code as a failed login of ``username``; whether that locked
    the login (``request.axes_locked_out``, which also makes ``AxesMiddleware`` answer with
    ``lockout_response``)."""
    user_login_failed.send(
        sender=__name__, credentials={"username": username, SECOND_FACTOR: True}, request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the same page (429) for every locked login, whether the
    username exists or not."""
    response = TemplateResponse(
        request,
        "identity/locked.html",
        {**page_context("登录已锁定"), "minutes": settings.LOGIN_LOCKOUT_MINUTES},
        status=429,
    )
    return response.render()
