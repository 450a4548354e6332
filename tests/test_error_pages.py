"""The error pages: Chinese 404 and 500, and a calm 503 when the database is down — rendered
without touching the database, with no inline script or style (the CSP allows neither)."""

import re
from unittest import mock

from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, TestCase, override_settings

from tests.factories import log_in, make_agency, make_manager


def database_down():
    """Every connection attempt fails, as when PostgreSQL is stopped or unreachable."""
    return mock.patch.object(
        BaseDatabaseWrapper,
        "ensure_connection",
        side_effect=OperationalError("could not connect to server: Connection refused"),
    )


@override_settings(PUBLIC_PAGE_CACHE_SECONDS=0)
class ErrorPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.manager = make_manager("manager", cls.agency)

    def setUp(self):
        self.client = Client(raise_request_exception=False)

    def assert_calm_page(self, response, status, heading):
        self.assertContains(response, heading, status_code=status)
        self.assertContains(response, '<html lang="zh-CN">', status_code=status)
        self.assertNotContains(response, "Server Error", status_code=status)
        html = response.content.decode()
        self.assertNotIn("style=", html)
        self.assertEqual(re.findall(r"<script(?![^>]*\ssrc=)", html), [])  # no inline script

    def test_it_shows_a_chinese_404(self):
        self.assert_calm_page(self.client.get("/nope/"), 404, "页面不存在")

    def test_it_shows_a_chinese_500_for_an_unexpected_error(self):
        with mock.patch("disclosure.public.views.public_agency", side_effect=RuntimeError("bug")):
            with self.assertLogs("django.request", "ERROR"):
                response = self.client.get("/wzjgsw/")
        self.assert_calm_page(response, 500, "系统出错")
        self.assertFalse(response.has_header("Retry-After"))

    def test_it_shows_a_calm_503_when_the_database_is_down(self):
        log_in(self.client, self.manager)
        for url in ["/wzjgsw/items/", "/admin/"]:
            with self.subTest(url=url), database_down() as connect:
                with self.assertLogs("django.request", "ERROR"):
                    response = self.client.get(url)
                self.assertEqual(connect.call_count, 1)  # the page itself asked for nothing
                self.assert_calm_page(response, 503, "系统暂时无法访问")
                self.assertEqual(response["Retry-After"], "60")

    def test_it_falls_back_to_a_fixed_page_when_the_error_page_cannot_be_rendered(self):
        with (
            mock.patch("disclosure.public.views.public_agency", side_effect=RuntimeError("bug")),
            mock.patch("disclosure.views.loader.render_to_string", side_effect=ValueError),
        ):
            with self.assertLogs("disclosure.views", "ERROR"), self.assertLogs("django.request"):
                response = self.client.get("/wzjgsw/")
        self.assert_calm_page(response, 500, "系统暂时无法访问")
