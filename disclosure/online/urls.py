"""The public's application pages, mounted under the ``disclosure`` namespace before the public
site's ``<slug:code>/…`` patterns (disclosure/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<slug:code>/apply/", views.apply, name="online_apply"),
    path("<slug:code>/apply/receipt/", views.receipt, name="online_receipt"),
    path("<slug:code>/apply/captcha.png", views.captcha_image, name="online_captcha"),
    path("<slug:code>/apply/status/", views.status, name="online_status"),
    path("<slug:code>/apply/status/letter/", views.status_letter, name="online_status_letter"),
]
