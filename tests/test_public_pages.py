"""The public site's pages: agency list and home, item lists, item pages, attachments."""

import datetime
from unittest import mock
from urllib.parse import urlencode

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from disclosure.models import Category, Disclosure
from disclosure.public.search import ElasticPaginator
from tests.factories import (
    SMALL_PDF,
    make_agency,
    make_attachment,
    make_disclosure,
    make_report_version,
)


def list_url(agency, **params):
    url = reverse("disclosure:item_list", args=[agency.code])
    return f"{url}?{urlencode(params)}" if params else url


class HomeTests(TestCase):
    def test_it_redirects_to_the_only_agency(self):
        agency = make_agency("wz", "温州市人民政府")
        response = self.client.get("/")
        self.assertRedirects(response, agency.get_absolute_url())

    def test_it_lists_each_government_followed_by_its_departments(self):
        city = make_agency("wz", "温州市人民政府")
        make_agency("a-county", "某县人民政府")
        make_agency("wzjgsw", "温州市机关事务管理局", parent=city)
        response = self.client.get("/")
        self.assertEqual(
            [(agency.code, depth) for agency, depth in response.context["rows"]],
            [("a-county", 0), ("wz", 0), ("wzjgsw", 1)],
        )
        self.assertContains(response, 'href="/wzjgsw/"')

    def test_it_shows_the_catalog_with_counts_the_newest_items_and_the_guide(self):
        agency = make_agency("wzjgsw", "温州市机关事务管理局", contact_office="局办公室")
        make_disclosure(agency, title="通知一", category="notice")
        make_disclosure(agency, title="通知二", category="notice")
        make_disclosure(agency, title="草稿通知", category="notice", status="draft")
        make_disclosure(agency, title="本局政府信息公开指南", category="guide", body="申请方式……")
        response = self.client.get(agency.get_absolute_url())
        catalog = response.context["categories"]
        counts = {category.slug: count for category, count in catalog}
        self.assertEqual(counts["notice"], 2)
        self.assertEqual(counts["guide"], 1)
        self.assertEqual(counts["policy"], 0)
        self.assertEqual(response.context["total"], 3)
        self.assertEqual(response.context["guide"].title, "本局政府信息公开指南")
        self.assertContains(response, "通知二")
        self.assertNotContains(response, "草稿通知")
        self.assertContains(response, "尚未发布年度报告")

    def test_it_links_the_current_annual_reports(self):
        agency = make_agency("wzjgsw", "温州市机关事务管理局")
        make_report_version(agency, year=2020, version=1)
        make_report_version(agency, year=2020, version=2)
        make_report_version(agency, year=2019, version=1)
        response = self.client.get(agency.get_absolute_url())
        self.assertEqual(
            [(r.year, r.version) for r in response.context["reports"]], [(2020, 2), (2019, 1)]
        )
        self.assertContains(response, reverse("disclosure:report_pdf", args=["wzjgsw", 2020, 2]))

    def test_it_is_a_404_for_an_unknown_agency(self):
        self.assertEqual(self.client.get("/nope/").status_code, 404)

    def test_its_home_runs_a_fixed_number_of_queries(self):
        agency = make_agency("wzjgsw", "温州市机关事务管理局")
        for n in range(15):
            make_disclosure(agency, category="notice" if n % 2 else "guide")
        # agency, counts per category, categories, newest items, guide, reports
        with self.assertNumQueries(6):
            self.client.get(agency.get_absolute_url())


class PageShellTests(TestCase):
    """The layout every public page shares: language, landmarks, skip link, local assets."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.item = make_disclosure(cls.agency, title="一条信息")

    def test_it_declares_chinese_landmarks_and_a_skip_link(self):
        for url in [
            self.agency.get_absolute_url(),
            list_url(self.agency),
            self.item.get_absolute_url(),
            reverse("disclosure:report_list", args=[self.agency.code]),
        ]:
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                self.assertIn('<html lang="zh-CN">', html)
                self.assertIn('<a class="skip-link" href="#main">', html)
                self.assertIn('<main id="main"', html)
                self.assertIn("<header", html)
                self.assertIn("<footer", html)
                self.assertIn('aria-label="当前位置"', html)

    def test_it_serves_every_asset_from_static(self):
        html = self.client.get(list_url(self.agency)).content.decode()
        self.assertIn("/static/vendor/bootstrap/bootstrap.min.css", html)
        self.assertIn("/static/vendor/bootstrap/bootstrap.bundle.min.js", html)
        self.assertNotRegex(html, r'(src|href)="(https?:)?//')

    def test_it_labels_every_form_field(self):
        html = self.client.get(list_url(self.agency)).content.decode()
        for field in ["id_q", "id_category", "id_year", "site-search-q"]:
            self.assertIn(f'for="{field}"', html)

    def test_it_shows_a_chinese_404_page(self):
        with self.settings(DEBUG=False):
            response = self.client.get("/wzjgsw/items/999999/")
        self.assertContains(response, "页面不存在", status_code=404)


class ItemListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.other = make_agency("other", "别的机关")
        start = datetime.date(2019, 12, 1)
        for n in range(45):
            make_disclosure(
                cls.agency,
                title=f"第{n:02d}条",
                category="notice" if n % 3 else "policy",
                published_on=start + datetime.timedelta(days=n),
            )
        make_disclosure(cls.agency, title="一份草稿", status="draft")
        make_disclosure(cls.agency, title="撤回的信息", status="withdrawn", published_on=start)
        make_disclosure(
            cls.agency,
            title="明天发布",
            published_on=timezone.localdate() + datetime.timedelta(days=1),
        )
        make_disclosure(cls.other, title="别的机关的信息")

    def test_it_lists_published_items_newest_first_twenty_a_page(self):
        response = self.client.get(list_url(self.agency))
        titles = [item.title for item in response.context["items"]]
        self.assertEqual(titles[:3], ["第44条", "第43条", "第42条"])
        self.assertEqual(len(titles), 20)
        self.assertEqual(response.context["total"], 45)
        self.assertContains(response, "共45条")
        last = self.client.get(list_url(self.agency, page=3))
        self.assertEqual([item.title for item in last.context["items"]][-1], "第00条")
        self.assertEqual(self.client.get(list_url(self.agency, page=4)).status_code, 404)

    def test_it_answers_an_absurd_page_number_with_a_404_not_a_server_error(self):
        # 99999999999999999999 overflowed the database's integer (SQLite datatype mismatch,
        # PostgreSQL bigint out of range): a 500 for anyone who typed it.
        for page in ("99999999999999999999", "100001", "-3", "0", "abc", "1e9"):
            for params in ({}, {"q": "第44"}):
                with self.subTest(page=page, **params):
                    response = self.client.get(list_url(self.agency, page=page, **params))
                    self.assertEqual(response.status_code, 404)

    def test_it_never_lists_drafts_withdrawn_future_or_other_agencies_items(self):
        seen = []
        for page in (1, 2, 3):
            response = self.client.get(list_url(self.agency, page=page))
            seen += [item.title for item in response.context["items"]]
        self.assertEqual(len(seen), 45)
        for title in ["一份草稿", "撤回的信息", "明天发布", "别的机关的信息"]:
            self.assertNotIn(title, seen)

    def test_it_filters_by_category_and_year(self):
        response = self.client.get(list_url(self.agency, category="policy"))
        self.assertEqual(response.context["total"], 15)
        self.assertEqual(response.context["heading"], "政策文件")
        self.assertContains(
            response, reverse("disclosure:category_feed_rss", args=["wzjgsw", "policy"])
        )
        response = self.client.get(list_url(self.agency, year=2019))
        self.assertEqual([i.title for i in response.context["items"]][0], "第30条")
        self.assertEqual(response.context["total"], 31)  # 1 Dec - 31 Dec 2019

    def test_it_offers_only_years_that_have_items(self):
        response = self.client.get(list_url(self.agency))
        self.assertEqual(
            response.context["form"].fields["year"].choices,
            [("", "全部年份"), (2020, "2020年"), (2019, "2019年")],
        )

    def test_it_reports_a_bad_filter_and_keeps_the_good_ones(self):
        response = self.client.get(list_url(self.agency, category="nope", year=2019))
        self.assertContains(response, "选择一个有效的选项")
        self.assertEqual(response.context["total"], 31)

    def test_it_runs_a_fixed_number_of_queries(self):
        # agency, year span, categories, count (stops ten pages ahead), page
        with self.assertNumQueries(5):
            self.client.get(list_url(self.agency))
        # Another page: the agency, its years and the categories are remembered until a write.
        with self.assertNumQueries(2):
            self.client.get(list_url(self.agency, category="notice", page=2))

    def test_a_new_year_or_category_reaches_the_filter_at_once(self):
        self.client.get(list_url(self.agency))
        make_disclosure(self.agency, title="新年份", published_on=datetime.date(2021, 1, 4))
        Category.objects.create(name="新栏目", slug="new-section", position=99)
        response = self.client.get(list_url(self.agency, page=2))
        self.assertContains(response, '<option value="2021">2021年</option>', html=True)
        self.assertContains(response, '<option value="new-section">新栏目</option>', html=True)

    def test_it_counts_only_a_few_pages_ahead(self):
        with mock.patch.object(ElasticPaginator, "lookahead_pages", 1):
            response = self.client.get(list_url(self.agency))
        self.assertEqual(response.context["total"], 40)
        self.assertTrue(response.context["more"])
        self.assertContains(response, "40条以上")
        self.assertContains(response, "page=2")


class ItemDetailTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.item = make_disclosure(
            cls.agency,
            title="温州市市级机关办公用房管理办法",
            category="policy",
            kind="normative_document",
            document_number="温机管〔2020〕3号",
            index_number="wzjgsw/2020-00007",
            made_on=datetime.date(2020, 3, 2),
            published_on=datetime.date(2020, 3, 5),
            body="第一条 为规范……\n\n第二条 本办法适用于……",
        )

    def test_it_shows_the_metadata_table_and_the_body(self):
        response = self.client.get(self.item.get_absolute_url())
        html = response.content.decode()
        for label, value in [
            ("索引号", "wzjgsw/2020-00007"),
            ("发布机构", "温州市机关事务管理局"),
            ("文号", "温机管〔2020〕3号"),
            ("成文日期", "2020年3月2日"),
            ("发布日期", "2020年3月5日"),
            ("分类", "政策文件"),
            ("有效性", "有效"),
        ]:
            self.assertRegex(html, rf'<th scope="row">{label}</th><td>(<a [^>]+>)?{value}')
        self.assertContains(response, "<p>第一条 为规范……</p>", html=True)
        self.assertContains(response, '<h1 class="item-title" id="item-title">')

    def test_it_escapes_the_body(self):
        item = make_disclosure(self.agency, body="<script>alert(1)</script>")
        response = self.client.get(item.get_absolute_url())
        self.assertNotContains(response, "<script>alert(1)")
        self.assertContains(response, "&lt;script&gt;")

    def test_it_is_a_404_unless_published(self):
        today = timezone.localdate()
        for status, published_on in [
            ("draft", None),
            ("withdrawn", datetime.date(2020, 1, 1)),
            ("published", today + datetime.timedelta(days=3)),
        ]:
            item = make_disclosure(self.agency, status=status, published_on=published_on)
            with self.subTest(status=status):
                self.assertEqual(self.client.get(item.get_absolute_url()).status_code, 404)

    def test_it_is_a_404_under_another_agency_code(self):
        other = make_agency("other", "别的机关")
        url = reverse("disclosure:item_detail", args=[other.code, self.item.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_shows_the_item_as_published_today(self):
        item = make_disclosure(self.agency, title="今天发布", published_on=timezone.localdate())
        self.assertContains(self.client.get(item.get_absolute_url()), "今天发布")


class AttachmentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.item = make_disclosure(cls.agency, title="公开的信息")
        cls.draft = make_disclosure(cls.agency, title="草稿", status="draft")

    def url(self, item, attachment):
        return reverse(
            "disclosure:attachment_download", args=[self.agency.code, item.pk, attachment.pk]
        )

    def test_it_streams_the_attachment_of_a_published_item(self):
        attachment = make_attachment(self.item, title="实施细则", name="rules.pdf")
        page = self.client.get(self.item.get_absolute_url())
        self.assertContains(page, self.url(self.item, attachment))
        self.assertNotContains(page, "/media/")
        response = self.client.get(self.url(self.item, attachment))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), SMALL_PDF)
        self.assertIn("attachment;", response["Content-Disposition"])
        self.assertIn(
            "filename*=utf-8''%E5%AE%9E%E6%96%BD%E7%BB%86%E5%88%99.pdf",
            response["Content-Disposition"],
        )

    def test_it_is_a_404_for_the_attachment_of_a_draft_or_withdrawn_item(self):
        attachment = make_attachment(self.draft, content=b"secret draft file")
        self.assertEqual(self.client.get(self.url(self.draft, attachment)).status_code, 404)
        self.item.status = Disclosure.Status.WITHDRAWN
        self.item.save()
        attachment = make_attachment(self.item)
        self.assertEqual(self.client.get(self.url(self.item, attachment)).status_code, 404)

    def test_it_is_a_404_for_an_attachment_asked_through_another_item(self):
        attachment = make_attachment(self.draft, content=b"secret draft file")
        self.assertEqual(self.client.get(self.url(self.item, attachment)).status_code, 404)

    def test_it_is_a_404_when_the_file_is_missing(self):
        attachment = make_attachment(self.item)
        attachment.file.storage.delete(attachment.file.name)
        self.assertEqual(self.client.get(self.url(self.item, attachment)).status_code, 404)
        self.assertEqual(self.client.get(self.item.get_absolute_url()).status_code, 200)


class CategoryOrderTests(TestCase):
    def test_it_shows_the_catalog_in_the_managers_order(self):
        agency = make_agency("wzjgsw", "温州市机关事务管理局")
        Category.objects.filter(slug="guide").update(position=0)
        response = self.client.get(agency.get_absolute_url())
        self.assertEqual(response.context["categories"][0][0].slug, "guide")
