"""The public page cache: a page is rendered once, and every write to what it shows retires it."""

import datetime
import os
import shutil
import tempfile
from io import StringIO
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from disclosure.models import Category, Disclosure
from disclosure.public import pagecache
from disclosure.records import services
from tests.adminforms import admin_post_data
from tests.factories import (
    log_in,
    make_agency,
    make_attachment,
    make_disclosure,
    make_manager,
    make_report_version,
    make_user,
)

HEADER = pagecache.HEADER


class UnwritableCache(LocMemCache):
    """A cache that reads but cannot write, as a full disk or a read-only Redis replica."""

    def __init__(self, name="unwritable", params=None):
        super().__init__(name, params or {})

    def set(self, *args, **kwargs):
        raise OSError("No space left on device")

    add = delete = set


class PageCacheTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.item = make_disclosure(cls.agency, title="关于垃圾分类的通知")
        cls.manager = make_manager("manager", cls.agency)

    def setUp(self):
        self.list_url = reverse("disclosure:item_list", args=[self.agency.code])

    def get(self, url):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        return response

    def test_the_second_request_is_served_without_touching_the_database(self):
        self.assertEqual(self.get(self.list_url)[HEADER], "MISS")
        with self.assertNumQueries(0):
            response = self.get(self.list_url)
        self.assertEqual(response[HEADER], "HIT")
        self.assertContains(response, "关于垃圾分类的通知")
        self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")

    def test_each_query_string_is_its_own_page(self):
        self.get(self.list_url)
        response = self.get(f"{self.list_url}?q=不存在的词")
        self.assertEqual(response[HEADER], "MISS")
        self.assertNotContains(response, "关于垃圾分类的通知")

    def test_a_withdrawn_item_leaves_every_page_at_once(self):
        pages = [
            self.list_url,
            f"{self.list_url}?q=垃圾分类",
            self.item.get_absolute_url(),
            self.agency.get_absolute_url(),
            reverse("disclosure:feed_rss", args=[self.agency.code]),
            reverse("disclosure:sitemap_section", args=["items"]),
        ]
        for url in pages:
            self.assertContains(self.get(url), "垃圾分类" if "sitemap" not in url else "/items/")
        services.disclosure_withdraw(disclosure=self.item, user=self.manager)
        for url in pages[:2] + pages[3:5]:
            with self.subTest(url=url):
                self.assertNotContains(self.get(url), "关于垃圾分类的通知")
        self.assertEqual(self.client.get(self.item.get_absolute_url()).status_code, 404)
        self.assertNotContains(self.get(pages[5]), self.item.get_absolute_url())

    def test_an_edit_through_the_admin_shows_at_once(self):
        self.get(self.item.get_absolute_url())
        log_in(self.client, self.manager)
        change_url = reverse("admin:disclosure_disclosure_change", args=[self.item.pk])
        data = admin_post_data(self.client.get(change_url), title="关于垃圾分类的补充通知")
        response = self.client.post(change_url, data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.client.logout()
        self.assertContains(self.get(self.item.get_absolute_url()), "关于垃圾分类的补充通知")

    def test_renaming_a_category_or_the_agency_shows_at_once(self):
        self.get(self.agency.get_absolute_url())
        category = Category.objects.get(pk=self.item.category_id)
        category.name = "通知公告（新）"
        category.save()
        self.assertContains(self.get(self.agency.get_absolute_url()), "通知公告（新）")
        self.agency.name = "温州市机关事务局"
        self.agency.save()
        self.assertContains(self.get(self.agency.get_absolute_url()), "温州市机关事务局")

    def test_an_attachment_added_or_deleted_shows_at_once(self):
        self.get(self.item.get_absolute_url())
        attachment = make_attachment(self.item, title="分类指南")
        self.assertContains(self.get(self.item.get_absolute_url()), "分类指南")
        attachment.delete()
        self.assertNotContains(self.get(self.item.get_absolute_url()), "分类指南")

    def test_a_published_report_shows_at_once(self):
        url = reverse("disclosure:report_list", args=[self.agency.code])
        self.assertNotContains(self.get(url), "2020年政府信息公开工作年度报告")
        make_report_version(self.agency, year=2020)
        self.assertContains(self.get(url), "2020年政府信息公开工作年度报告")

    def test_an_item_dated_tomorrow_appears_on_its_day(self):
        today = datetime.date(2026, 11, 26)
        make_disclosure(self.agency, title="明天发布的通知", published_on=today.replace(day=27))
        with mock.patch("django.utils.timezone.localdate", return_value=today):
            self.assertNotContains(self.get(self.list_url), "明天发布的通知")
        with mock.patch("django.utils.timezone.localdate", return_value=today.replace(day=27)):
            self.assertContains(self.get(self.list_url), "明天发布的通知")

    def test_the_home_counts_follow_a_withdrawal(self):
        make_disclosure(self.agency, title="另一条通知", category=self.item.category.slug)
        self.assertContains(self.get(self.agency.get_absolute_url()), "全部信息（2条）")
        services.disclosure_withdraw(disclosure=self.item, user=self.manager)
        self.assertContains(self.get(self.agency.get_absolute_url()), "全部信息（1条）")

    def test_signed_in_users_always_get_the_page_rendered_and_never_stored(self):
        log_in(self.client, self.manager)
        self.assertFalse(self.get(self.list_url).has_header(HEADER))
        self.client.logout()
        self.assertEqual(self.get(self.list_url)[HEADER], "MISS")

    def test_it_serves_a_forged_session_cookie_from_the_cache(self):
        self.assertEqual(self.get(self.list_url)[HEADER], "MISS")
        for forged, queries in [("x", 0), ("k" * 32, 1)]:  # a well-formed key is looked up
            self.client.cookies[settings.SESSION_COOKIE_NAME] = forged
            with self.assertNumQueries(queries):
                response = self.get(self.list_url)
            self.assertEqual(response[HEADER], "HIT")

    def test_it_serves_an_expired_session_from_the_cache(self):
        log_in(self.client, self.manager)
        self.client.session.flush()  # signed out elsewhere: the cookie stays, the session is gone
        self.get(self.list_url)
        self.assertEqual(self.get(self.list_url)[HEADER], "HIT")

    def test_it_drops_unknown_parameters_from_the_key(self):
        self.assertEqual(self.get(self.list_url)[HEADER], "MISS")
        for query in ["?x=1", "?utm_source=wechat&from=timeline", "?x=1&x=2"]:
            with self.subTest(query=query):
                self.assertEqual(self.get(self.list_url + query)[HEADER], "HIT")
        self.assertEqual(self.get(f"{self.list_url}?q=垃圾分类&x=1")[HEADER], "MISS")
        self.assertEqual(self.get(f"{self.list_url}?q=垃圾分类&y=2")[HEADER], "HIT")
        detail = self.item.get_absolute_url()
        self.get(detail)
        self.assertEqual(self.get(f"{detail}?page=2&q=x")[HEADER], "HIT")  # reads neither

    def test_it_keys_known_parameters_in_a_fixed_order(self):
        self.get(f"{self.list_url}?q=垃圾分类&year=2020")
        response = self.get(f"{self.list_url}?year=2020&q=垃圾分类")
        self.assertEqual(response[HEADER], "HIT")

    def test_it_never_echoes_unknown_parameters(self):
        for _ in range(25):  # two pages: the list links to page 2
            make_disclosure(self.agency, title="另一条通知")
        response = self.get(f"{self.list_url}?q=通知&evil=injected")
        self.assertContains(response, "page=2")
        self.assertNotContains(response, "evil")
        self.assertNotContains(response, "injected")
        response = self.get(f"{self.agency.get_absolute_url()}?q=injected")  # the search box
        self.assertNotContains(response, "injected")

    def test_a_cache_that_cannot_be_written_fails_an_admin_edit_with_a_message(self):
        change_url = reverse("admin:disclosure_disclosure_change", args=[self.item.pk])
        log_in(self.client, self.manager)
        data = admin_post_data(self.client.get(change_url), title="改过的标题")
        with self.settings(CACHES=self.broken_caches()):
            with self.assertLogs("disclosure.public.pagecache", "ERROR"):
                response = self.client.post(change_url, data)
            self.assertRedirects(response, change_url, fetch_redirect_response=False)
            page = self.client.get(change_url)
        self.assertContains(page, "公开网站的页面缓存无法写入，本次修改已撤销")
        self.item.refresh_from_db()
        self.assertEqual(self.item.title, "关于垃圾分类的通知")

    def test_a_cache_that_cannot_be_written_fails_an_admin_delete_with_a_message(self):
        delete_url = reverse("admin:disclosure_disclosure_delete", args=[self.item.pk])
        log_in(self.client, make_user("root", superuser=True))
        with self.settings(CACHES=self.broken_caches()):
            with self.assertLogs("disclosure.public.pagecache", "ERROR"):
                response = self.client.post(delete_url, {"post": "yes"})
            self.assertRedirects(response, delete_url, fetch_redirect_response=False)
            self.assertContains(self.client.get(delete_url), "本次修改已撤销")
        self.assertTrue(Disclosure.objects.filter(pk=self.item.pk).exists())

    def broken_caches(self):
        return {
            "default": {"BACKEND": "tests.test_public_cache.UnwritableCache"},
            "fragments": settings.CACHES["fragments"],
        }

    def test_the_host_is_part_of_the_key(self):
        self.get(self.list_url)
        response = self.client.get(self.list_url, HTTP_HOST="localhost")
        self.assertEqual(response[HEADER], "MISS")

    def test_a_withdrawal_that_cannot_retire_the_pages_is_undone(self):
        self.get(self.list_url)
        with mock.patch.object(cache, "set", side_effect=OSError("磁盘已满")):
            with self.assertRaisesMessage(pagecache.PublicCacheUnwritable, "本次修改已撤销"):
                services.disclosure_withdraw(disclosure=self.item, user=self.manager)
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, "published")  # the page still shown is still true
        self.assertContains(self.get(self.list_url), "关于垃圾分类的通知")

    def test_pages_are_rendered_when_the_cache_cannot_be_read(self):
        with mock.patch.object(cache, "get", side_effect=PermissionError("var/cache")):
            with self.assertLogs("disclosure.public.pagecache", "WARNING"):
                response = self.get(self.list_url)
        self.assertContains(response, "关于垃圾分类的通知")

    def test_a_deploy_or_an_upgrade_changes_the_code_stamp(self):
        stamp = pagecache._code_stamp.__wrapped__  # uncached: what a restarted server computes
        before = stamp()
        with mock.patch("disclosure.public.pagecache.metadata.version", return_value="99.0"):
            self.assertNotEqual(stamp(), before)
        self.assertEqual(stamp(), before)

    def test_the_command_retires_every_page(self):
        self.get(self.list_url)
        call_command("public_changed", stdout=StringIO())
        self.assertEqual(self.get(self.list_url)[HEADER], "MISS")

    def test_the_version_changes_again_when_the_transaction_commits(self):
        # A page rendered by another worker between the write and its commit read the old rows:
        # it must be filed under a version that is gone once the write is committed.
        with self.captureOnCommitCallbacks(execute=True):
            services.disclosure_withdraw(disclosure=self.item, user=self.manager)
            during = pagecache._version()
        self.assertNotEqual(pagecache._version(), during)

    @override_settings(PUBLIC_PAGE_CACHE_SECONDS=0)
    def test_it_can_be_turned_off(self):
        self.get(self.list_url)
        response = self.get(self.list_url)
        self.assertFalse(response.has_header(HEADER))
        with self.assertNumQueries(5):  # the agency, years and categories are read again too
            self.get(self.list_url)

    def file_caches(self, **options):
        backend = {"BACKEND": "disclosure.public.pagecache.FileCache", "LOCATION": self.tmp_dir()}
        return {
            "default": {**backend, "OPTIONS": options},
            "fragments": settings.CACHES["fragments"],
        }

    def test_it_works_with_the_file_cache_the_servers_share(self):
        with self.settings(CACHES=self.file_caches()):
            self.assertEqual(self.get(self.list_url)[HEADER], "MISS")
            self.assertEqual(self.get(self.list_url)[HEADER], "HIT")
            services.disclosure_withdraw(disclosure=self.item, user=self.manager)
            self.assertNotContains(self.get(self.list_url), "关于垃圾分类的通知")

    def test_the_file_cache_never_culls_the_version(self):
        caches = self.file_caches(MAX_ENTRIES=3, CULL_FREQUENCY=1)  # cull everything it may
        location = caches["default"]["LOCATION"]
        with self.settings(CACHES=caches):
            version = pagecache._version()
            with mock.patch("disclosure.public.pagecache.random.random", return_value=0):
                for n in range(6):
                    cache.set(f"page{n}", n)
            self.assertEqual(pagecache._version(), version)
            self.assertLess(len(os.listdir(location)), 6)

    def tmp_dir(self) -> str:
        path = tempfile.mkdtemp(prefix="pagecache-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def test_downloads_and_other_methods_are_not_cached(self):
        attachment = make_attachment(self.item)
        url = reverse(
            "disclosure:attachment_download",
            args=[self.agency.code, self.item.pk, attachment.pk],
        )
        self.assertFalse(self.client.get(url).has_header(HEADER))
        self.assertFalse(self.client.head(self.list_url).has_header(HEADER))
