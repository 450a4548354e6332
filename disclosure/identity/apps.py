from django.apps import AppConfig
from django.core import checks

from .checks import check_identity_settings


class IdentityConfig(AppConfig):
    """Logins of the staff: lockouts, the second factor, sessions, password rules."""

    name = "disclosure.identity"
    label = "identity"
    verbose_name = "登录与身份验证"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        checks.register(check_identity_settings, checks.Tags.security)
