"""The project URLconf: the admin, staff downloads of uploaded files, the public site, the load
balancer's ``/healthz`` and the server-error page.

This module and ``views`` are the project layer: the one place where ``disclosure`` reaches
``reports`` (the report archive joins the public site's ``disclosure`` namespace and sitemap).
docs/architecture.md lists the allowed import directions.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from disclosure.online import urls as online_urls
from disclosure.public import urls as public_urls
from disclosure.public.sitemaps import SITEMAPS
from reports import public as report_pages

from .views import healthz, server_error, staff_media

sitemaps = {**SITEMAPS, "reports": report_pages.ReportSitemap}
public_site = [
    *public_urls.sitemap_urls(sitemaps),
    # The public's applications (never page-cached), before the agency's catch patterns.
    *online_urls.urlpatterns,
    *public_urls.urlpatterns,
    *report_pages.urlpatterns,
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The second factor's pages, under the admin's address (before the admin's catch-all).
    path("admin/otp/", include("disclosure.identity.urls")),
    path("admin/", admin.site.urls),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", staff_media, name="staff_media"),
    path("", include((public_site, "disclosure"))),
]

# 404: Django's view with templates/404.html. 500: ours, which also gives the 503 page.
handler500 = server_error
