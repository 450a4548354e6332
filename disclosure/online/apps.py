from django.apps import AppConfig


class OnlineConfig(AppConfig):
    """Applications typed in by the public on the site (网上申请), before a clerk confirms them."""

    name = "disclosure.online"
    label = "online"
    verbose_name = "网上申请"
    default_auto_field = "django.db.models.BigAutoField"
