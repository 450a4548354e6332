"""/healthz for the load balancer: the database and the cache, 200 or 503 naming what failed."""

from unittest import mock

from django.core.cache import cache
from django.test import TestCase
from django.urls import reverse

from disclosure.public.pagecache import HEADER
from tests.factories import log_in, make_agency, make_manager
from tests.test_error_pages import database_down


class HealthzTests(TestCase):
    url = reverse("healthz")

    def test_it_answers_ok_when_the_database_and_the_cache_work(self):
        with self.assertNumQueries(1):  # SELECT 1
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok", "cache": "ok"})

    def test_it_is_a_503_naming_the_database_when_it_is_down(self):
        with database_down(), self.assertLogs("disclosure.views", "WARNING"):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "error", "cache": "ok"})

    def test_it_is_a_503_naming_the_cache_when_it_cannot_be_written(self):
        with (
            mock.patch.object(cache, "set", side_effect=OSError("No space left on device")),
            self.assertLogs("disclosure.views", "WARNING"),
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "ok", "cache": "error"})

    def test_it_is_a_503_when_the_cache_loses_what_it_was_given(self):
        with (
            mock.patch.object(cache, "get", return_value=None),  # a cache that keeps nothing
            self.assertLogs("disclosure.views", "WARNING"),
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["cache"], "error")

    def test_it_reports_a_cache_turned_off_without_failing(self):
        dummy = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}  # CACHE_URL=none
        with self.settings(CACHES={"default": dummy}):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok", "cache": "off"})

    def test_it_reads_no_session_and_is_never_cached(self):
        log_in(self.client, make_manager("manager", make_agency()))
        with self.assertNumQueries(1):
            response = self.client.get(self.url)
        self.assertEqual(response.cookies, {})
        self.assertNotIn("Cookie", response.get("Vary", ""))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertFalse(response.has_header(HEADER))
        self.assertEqual([k for k in cache._cache if "healthz" in k], [])  # its key is gone

    def test_it_refuses_other_methods(self):
        self.assertEqual(self.client.post(self.url).status_code, 405)
