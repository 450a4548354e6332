from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

from .public.pagecache import connect_signals


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = "政府信息公开"

    def ready(self):
        connect_signals()


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with ``admin.site`` the scoped site: a refused page is a 404, like a
    missing record (``disclosure.access.ScopedAdminSite``)."""

    default = False  # "disclosure" itself stays DisclosureConfig
    default_site = "disclosure.access.ScopedAdminSite"
