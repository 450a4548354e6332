"""The public site (政府信息公开). Every view here starts from ``.published()``."""

from django.urls import path

app_name = "disclosure"

urlpatterns: list = []
