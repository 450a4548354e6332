from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = "政府信息公开"

    def ready(self):
        from .pagecache import connect_signals

        connect_signals()
