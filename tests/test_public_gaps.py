"""Gaps of the public site seen when it was tried as a citizen would (issue 13, point 6)."""

import datetime
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from disclosure.public.search import highlight, passage
from reports.models import Report
from reports.selectors import report_compile
from tests.factories import make_agency, make_disclosure, make_report_version


def list_url(agency, **params):
    return f"{reverse('disclosure:item_list', args=[agency.code])}?{urlencode(params)}"


class YearFilterTests(TestCase):
    def test_it_offers_no_year_without_published_items(self):
        agency = make_agency("wz", "温州市人民政府")
        make_disclosure(agency, published_on=datetime.date(2020, 3, 1))
        make_disclosure(agency, published_on=datetime.date(2017, 3, 1))
        make_disclosure(agency, published_on=datetime.date(2018, 3, 1), status="draft")
        response = self.client.get(list_url(agency))
        self.assertEqual(
            response.context["form"].fields["year"].choices,
            [("", "全部年份"), (2020, "2020年"), (2017, "2017年")],
        )


class ShortTermTests(TestCase):
    def test_it_asks_for_two_characters_instead_of_listing_everything(self):
        agency = make_agency("wz", "温州市人民政府")
        make_disclosure(agency, title="关于道路施工的通知")
        make_disclosure(agency, title="年度预算")
        response = self.client.get(list_url(agency, q="的"))
        self.assertContains(response, "关键词至少2个字")
        self.assertEqual(response.context["terms"], [])


class FeedsPageTests(TestCase):
    def test_it_opens_a_page_explaining_the_feeds_from_the_menu(self):
        agency = make_agency("wz", "温州市人民政府")
        home = self.client.get(agency.get_absolute_url())
        feeds_url = reverse("disclosure:feeds", args=[agency.code])
        self.assertContains(home, f'href="{feeds_url}">订阅（RSS）</a>')
        page = self.client.get(feeds_url)
        self.assertEqual(page["Content-Type"], "text/html; charset=utf-8")
        self.assertContains(page, "阅读器")
        self.assertContains(page, reverse("disclosure:feed_rss", args=[agency.code]))
        self.assertContains(page, reverse("disclosure:feed_atom", args=[agency.code]))
        for slug in ("policy", "notice"):
            self.assertContains(
                page, reverse("disclosure:category_feed_rss", args=[agency.code, slug])
            )
            self.assertContains(
                page, reverse("disclosure:category_feed_atom", args=[agency.code, slug])
            )


class ScrollingTablesTests(TestCase):
    def test_it_shows_on_a_phone_that_report_tables_scroll(self):
        css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
        wrap = css.split(".report-frame .report-table-wrap {", 1)[1].split("}", 1)[0]
        self.assertIn("overflow-x: auto", wrap)
        phone = css.split("@media (max-width: 767.98px)", 1)[1]
        self.assertIn(".report-frame .report-table-wrap::before", phone)
        self.assertIn("左右滑动", phone)
        # The stored report HTML has the wrapper the rules style.
        agency = make_agency("wz", "温州市人民政府")
        make_report_version(
            agency,
            html='<article class="ogi-report"><div class="report-table-wrap"><table>'
            "</table></div></article>",
        )
        page = self.client.get(reverse("disclosure:report_detail", args=[agency.code, 2020]))
        self.assertContains(page, 'class="report-frame"')
        self.assertContains(page, "css/site.css")


class CatalogItemTests(TestCase):
    def test_it_links_a_reports_catalog_item_to_its_html_page(self):
        agency = make_agency("wz", "温州市人民政府")
        item = make_disclosure(agency, category="annual-report", title="2020年年报")
        make_report_version(agency, year=2020, disclosure=item)
        other = make_disclosure(agency, title="普通通知")
        page = self.client.get(item.get_absolute_url())
        report_url = reverse("disclosure:report_detail", args=[agency.code, 2020])
        self.assertContains(page, f'href="{report_url}"')
        self.assertContains(page, "（网页版）")
        self.assertNotContains(self.client.get(other.get_absolute_url()), "（网页版）")


class HighlightTests(TestCase):
    def test_it_escapes_before_marking(self):
        self.assertEqual(
            highlight("<b>通知</b> & 通知", ["通知"]),
            "&lt;b&gt;<mark>通知</mark>&lt;/b&gt; &amp; <mark>通知</mark>",
        )
        self.assertEqual(highlight("ABC abc", ["abc"]), "<mark>ABC</mark> <mark>abc</mark>")
        self.assertEqual(highlight("<mark>x", ["mark"]), "&lt;<mark>mark</mark>&gt;x")

    def test_it_shows_the_passage_around_the_first_match(self):
        body = "甲" * 100 + "道路施工" + "乙" * 100
        shown = passage(body, ["施工"])
        self.assertTrue(shown.startswith("…"))
        self.assertTrue(shown.endswith("…"))
        self.assertIn("道路<mark>施工</mark>", shown)
        self.assertLess(len(shown), 130)
        self.assertIsNone(passage(body, ["不在其中"]))

    def test_it_shows_search_hits_with_the_term_marked(self):
        agency = make_agency("wz", "温州市人民政府")
        make_disclosure(
            agency,
            title="关于<script>道路</script>施工的通知",
            body="前言。" * 30 + "人民路将于五月封闭施工，请绕行。" + "结尾。" * 30,
        )
        response = self.client.get(list_url(agency, q="施工"))
        content = response.content.decode()
        self.assertIn("关于&lt;script&gt;道路&lt;/script&gt;<mark>施工</mark>的通知", content)
        self.assertIn("人民路将于五月封闭<mark>施工</mark>，请绕行。", content)
        self.assertNotIn("<script>道路", content)


class TypedYearTests(TestCase):
    def setUp(self):
        self.agency = make_agency("wz", "温州市人民政府")
        data = report_compile(agency=self.agency, year=2018, template="2019").to_json()
        data.pop("checks", None)
        Report.objects.create(agency=self.agency, year=2018, template="2019", entered_data=data)
        Report.objects.create(agency=self.agency, year=2021, template="2021")  # compiled, draft
        make_report_version(self.agency, year=2020)

    def test_it_lists_every_year_with_a_report_including_paper_ones(self):
        response = self.client.get(reverse("disclosure:report_list", args=[self.agency.code]))
        self.assertEqual([r.year for r in response.context["current"]], [2020, 2018])
        self.assertContains(response, "纸质报告")
        self.assertContains(response, "未存储PDF")
        self.assertContains(
            response, reverse("disclosure:report_detail", args=[self.agency.code, 2018])
        )

    def test_it_shows_a_paper_years_tables_as_data(self):
        response = self.client.get(
            reverse("disclosure:report_detail", args=[self.agency.code, 2018])
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "本网站未存储其PDF")
        self.assertContains(response, 'id="report-table3"')
        self.assertContains(response, "温州市人民政府2018年政府信息公开工作年度报告")
        self.assertEqual(
            self.client.get(
                reverse("disclosure:report_detail", args=[self.agency.code, 2021])
            ).status_code,
            404,
        )
