"""One row per look at, or export of, applicants' data, and per login event of the staff."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AccessAction(models.TextChoices):
    REQUEST_VIEW = "request_view", "查看申请"
    LEDGER_EXPORT = "ledger_export", "导出台账"
    LETTER = "letter", "生成答复书"
    PERSONAL_DATA = "personal_data", "查看个人信息"
    AUDIT_EXPORT = "audit_export", "导出审计日志"
    # Logins and the second factor (disclosure/identity, docs/identity.md).
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGIN_LOCKED = "login_locked", "登录锁定"
    LOGIN_UNLOCKED = "login_unlocked", "解除登录锁定"
    LOGOUT = "logout", "退出登录"
    OTP_VERIFIED = "otp_verified", "动态口令验证"
    OTP_ENROLLED = "otp_enrolled", "绑定动态口令"
    OTP_RESET = "otp_reset", "重置动态口令"
    RECOVERY_CODES = "recovery_codes", "重新生成恢复码"


class AccessEvent(models.Model):
    """Who (user id and the username at the time), when, from which address, which record
    (content type, id, agency) and what (the action and a short detail without personal data).

    The log outlives what it names: the user, record type and agency are kept by id with no
    database constraint, so deleting a user or an agency neither deletes its rows nor is blocked
    by them. No add/change/delete permission exists (``default_permissions``): rows are written
    only by ``services.audit_record`` and deleted only by ``audit_prune``.
    """

    Action = AccessAction

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField("用户名", max_length=150, blank=True, help_text="访问时的用户名")
    address = models.GenericIPAddressField("访问地址", null=True, blank=True)
    action = models.CharField("操作", max_length=20, choices=Action)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name="记录类型",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the (content_type, object_id) index serves it
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField("记录ID", null=True, blank=True)
    agency = models.ForeignKey(
        "disclosure.Agency",
        verbose_name="机关",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    detail = models.CharField(
        "说明", max_length=200, blank=True, help_text="如申请编号、文件格式；不含个人信息"
    )

    class Meta:
        verbose_name = "访问记录"
        verbose_name_plural = "访问审计日志"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_event_record")]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AccessAction.values),
                name="audit_event_action_known",
                violation_error_message="访问记录的操作类型无效。",
            ),
            models.CheckConstraint(
                condition=Q(content_type__isnull=True, object_id__isnull=True)
                | Q(content_type__isnull=False, object_id__isnull=False),
                name="audit_event_record_complete",
                violation_error_message="记录类型和记录ID须同时填写或同时留空。",
            ),
        ]

    def __str__(self):
        return (
            f"{timezone.localtime(self.at):%Y-%m-%d %H:%M:%S} {self.username} "
            f"{self.get_action_display()}"
        )
