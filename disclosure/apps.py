from django.apps import AppConfig

from .public.pagecache import connect_signals


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = "政府信息公开"

    def ready(self):
        connect_signals()
