"""System checks of the audit settings: a bad value stops ``manage.py check`` (and every
command), not a prune that has already deleted too much."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from .retention import RetentionTooShort, retention_check


def check_audit_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    try:
        retention_check(settings.AUDIT_RETENTION_DAYS)
    except RetentionTooShort as exc:
        errors.append(checks.Error(f"AUDIT_RETENTION_DAYS: {exc}", id="audit.E001"))
    if settings.TRUSTED_PROXY_COUNT < 0:
        errors.append(
            checks.Error("TRUSTED_PROXY_COUNT 不能为负数。", id="audit.E002"),
        )
    return errors
