from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .views import staff_media

urlpatterns = [
    path("admin/", admin.site.urls),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", staff_media, name="staff_media"),
    path("", include("disclosure.public_urls")),
]
