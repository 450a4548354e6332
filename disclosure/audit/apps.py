from django.apps import AppConfig
from django.core import checks

from .checks import check_audit_settings


class AuditConfig(AppConfig):
    """The access audit log: one model, read-only in the admin, pruned by ``audit_prune``."""

    name = "disclosure.audit"
    label = "audit"
    verbose_name = "访问审计"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        checks.register(check_audit_settings, checks.Tags.security)
