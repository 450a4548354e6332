"""Lockouts and authenticators in the admin, in Chinese, in place of the English admins that
django-axes (``AXES_ENABLE_ADMIN`` off) and django-otp would register.

- 登录失败与锁定: a system administrator (``identity.view_loginattempt``,
  ``identity.unlock_loginattempt``: the 系统管理员 group) or a superuser sees the failed logins
  counted now, which usernames and addresses they lock until when, and unlocks them. Nobody
  adds, changes or deletes a row otherwise.
- 动态口令设备: a superuser sees who has an authenticator and resets a lost one by deleting it
  (the recovery codes go with it). The key is never shown.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import Authenticator, LoginAttempt

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _failures_since(threshold, **same):
    """The failures counted since ``threshold`` of the rows that share ``same`` with the row."""
    rows = LoginAttempt.objects.filter(attempt_time__gte=threshold, **same)
    return Coalesce(
        Subquery(
            rows.values(*same).annotate(total=Sum("failures_since_start")).values("total")[:1]
        ),
        0,
    )


def _shown(field: str, label: str, *, ordering: bool = True):
    """A third-party field under a Chinese column name (django-axes and django-otp have no
    Chinese translations)."""

    @admin.display(description=label, ordering=field if ordering else None)
    def show(self, obj):
        return getattr(obj, field)

    return show


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    list_display = ["login", "address", "failures", "last_failure", "status"]
    search_fields = ["username", "ip_address"]
    search_help_text = "按用户名或地址查找。"
    date_hierarchy = "attempt_time"
    fields = ["login", "address", "browser", "failures", "last_failure", "status"]
    readonly_fields = fields
    actions = ["unlock"]

    login = _shown("username", "用户名")
    address = _shown("ip_address", "地址")
    browser = _shown("user_agent", "浏览器", ordering=False)
    failures = _shown("failures_since_start", "失败次数")
    last_failure = _shown("attempt_time", "最近一次失败")

    def get_queryset(self, request):
        threshold = timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                username_failures=_failures_since(threshold, username=OuterRef("username")),
            )
        )
        if settings.LOGIN_LOCKOUT_BY_ADDRESS:
            queryset = queryset.annotate(
                address_failures=_failures_since(threshold, ip_address=OuterRef("ip_address"))
            )
        return queryset

    @admin.display(description="状态")
    def status(self, obj):
        locks = getattr(obj, "username_failures", 0) >= settings.LOGIN_FAILURE_LIMIT or (
            getattr(obj, "address_failures", 0) >= settings.LOGIN_FAILURE_LIMIT
        )
        lock_period = datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        until = obj.attempt_time + lock_period
        if locks and until > timezone.now():
            return f"已锁定，至 {timezone.localtime(until):%H:%M}"
        return "未锁定" if until > timezone.now() else "已过期"

    @admin.action(description="解除所选用户名和地址的登录锁定", permissions=["unlock"])
    def unlock(self, request, queryset):
        count = services.login_unlock(request=request, attempts=queryset)
        self.message_user(request, f"已解除{count}个用户名或地址的登录锁定。", messages.SUCCESS)

    def has_unlock_permission(self, request):
        return request.user.has_perm("identity.unlock_loginattempt")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["owner", "label", "bound", "since", "last_used"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    search_help_text = "按用户名查找。"
    fields = list_display
    readonly_fields = fields
    actions = ["reset"]

    owner = _shown("user", "用户")
    label = _shown("name", "名称", ordering=False)
    since = _shown("created_at", "添加时间")
    last_used = _shown("last_used_at", "最近使用")

    @admin.display(description="状态", ordering="confirmed")
    def bound(self, obj):
        return "已绑定" if obj.confirmed else "绑定中（未确认）"

    @admin.action(
        description="重置所选用户的动态口令（下次登录须重新绑定）", permissions=["delete"]
    )
    def reset(self, request, queryset):
        users = {device.user for device in queryset.select_related("user")}
        for user in users:
            services.otp_reset(request=request, user=user)
        self.message_user(request, f"已重置{len(users)}个用户的动态口令。", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a reset also removes the recovery codes
        return actions

    def delete_model(self, request, obj):
        services.otp_reset(request=request, user=obj.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
