"""The identity pages, under the admin's address (``admin/otp/``, mounted by disclosure.urls
before the admin) so that a proxy rule guarding ``/admin/`` guards them too."""

from django.urls import path

from . import views

app_name = "identity"
urlpatterns = [
    path("", views.otp_manage, name="otp_manage"),
    path("verify/", views.otp_verify, name="otp_verify"),
    path("setup/", views.otp_setup, name="otp_setup"),
]
