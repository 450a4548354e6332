"""Year-on-year figures and the charts of the year: counted as table 三 counts, last year taken
as published, drawn server-side in Noto Sans CJK SC, shown in the preview and stored with the
published report for its public page."""

import base64
import datetime
import re

from django.test import TestCase
from django.urls import reverse

from disclosure.models import DisclosureRequest
from reports import charts, services, trends
from reports.document import report_document
from reports.models import Report
from reports.render import report_charts
from tests.factories import log_in, make_agency, make_case, make_manager, make_request

D = datetime.date


def svg_of(data_uri: str) -> bytes:
    return base64.b64decode(data_uri.removeprefix("data:image/svg+xml;base64,"))


class YearOnYearTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="某区某局")
        cls.manager = make_manager("manager", cls.agency)
        # 2020: 2 received (1 granted, 1 carried forward into 2021); 2021: 5 received, 4 answered
        # in the year plus the one carried over.
        make_request(
            cls.agency, received_on=D(2020, 3, 2), outcome="granted", decided_on=D(2020, 3, 9)
        )
        make_request(
            cls.agency, received_on=D(2020, 12, 28), outcome="partial", decided_on=D(2021, 1, 8)
        )
        for month, outcome in (
            (1, "granted"),
            (1, "granted"),
            (3, "unavailable_not_held"),
            (7, "granted"),
        ):
            make_request(
                cls.agency,
                received_on=D(2021, month, 4),
                outcome=outcome,
                decided_on=D(2021, month, 20),
            )
        make_request(cls.agency, received_on=D(2021, 12, 30))  # open at the end of the year
        make_case(cls.agency, filed_on=D(2021, 5, 6))
        cls.report = Report.objects.create(agency=cls.agency, year=2021, template="2021")

    def _document(self):
        return report_document(agency=self.agency, year=2021, report=self.report)

    def test_it_sets_this_year_beside_last_year_with_the_change(self):
        changes = {c.label: c for c in trends.year_on_year(self._document()).changes}
        received = changes["本年新收申请"]
        self.assertEqual((received.this_year, received.last_year), (5, 2))
        self.assertEqual(received.text, "+3（+150.0%）")
        decided = changes["本年办结申请"]
        self.assertEqual((decided.this_year, decided.last_year), (5, 1))
        self.assertEqual(changes["其中：予以公开"].text, "+2（+200.0%）")
        self.assertEqual(changes["部分公开"].text, "+1")  # nothing last year to divide by
        self.assertEqual(changes["结转下年度继续办理"].text, "持平")
        self.assertEqual(changes["行政复议"].text, "+1")

    def test_it_takes_last_year_as_published_rather_than_recounted(self):
        last = Report.objects.create(
            agency=self.agency,
            year=2020,
            template="2019",
            introduction="引言。",
            overview="（一）主动公开\n正常开展。",
            problems="无。",
            other_matters="2020年度本机关未收取信息处理费。",
        )
        services.report_publish(report=last, user=self.manager)
        # A request typed in after publishing changes the records, not the published figures.
        make_request(
            self.agency, received_on=D(2020, 5, 5), outcome="granted", decided_on=D(2020, 5, 6)
        )
        yoy = trends.year_on_year(self._document())
        self.assertEqual(yoy.last_year.source, "已发布报告（第1版）")
        self.assertEqual(yoy.last_year.received, 2)

    def test_it_counts_the_requests_of_each_month_as_table_3_does(self):
        received, answered = trends.requests_per_month(self._document())
        self.assertEqual(received, [2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        self.assertEqual(answered, [3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0])  # January: 2 + 1 carried
        data = self._document().data
        self.assertEqual(sum(received), data.row("received").total)
        self.assertEqual(sum(answered), data.row("total").total)

    def test_it_leaves_out_years_without_figures_from_the_trend(self):
        years = trends.five_year_trend(self._document())
        self.assertEqual([y.year for y in years], [2020, 2021])  # 2017–2019: no records
        self.assertEqual([y.received for y in years], [2, 5])

    def test_it_draws_four_charts_in_the_chinese_font(self):
        found = report_charts(self._document())
        self.assertEqual(
            [c.title for c in found],
            [
                "2021年办理结果（件）",
                "2021年新收申请的申请人类型（件）",
                "2021年每月收到和办结的申请（件）",
                "近2年申请数量（件）",
            ],
        )
        for chart in found:
            svg = chart.svg.decode()
            self.assertTrue(svg.startswith("<?xml"), chart.title)
            self.assertIn("NotoSansCJKsc", svg)  # glyphs drawn from Noto Sans CJK SC …
            self.assertNotIn("DejaVu", svg)  # … and none from matplotlib's fallback font
            self.assertNotIn("<script", svg)
            self.assertEqual(svg_of(chart.data_uri), chart.svg)
        self.assertIn("予以公开3件", found[0].alt)
        self.assertIn("新收1月2件", found[2].alt)

    def test_it_draws_the_same_bytes_for_the_same_figures(self):
        first = charts.bar_chart("办理结果", ("予以公开", "部分公开"), (3, 1))
        charts.bar_chart.cache_clear()  # drawn again, not taken from the cache
        second = charts.bar_chart("办理结果", ("予以公开", "部分公开"), (3, 1))
        self.assertIsNot(first, second)
        self.assertEqual(first.svg, second.svg)
        self.assertNotEqual(
            first.svg, charts.bar_chart("办理结果", ("予以公开", "部分公开"), (3, 2)).svg
        )

    def test_the_preview_shows_the_year_on_year_table_and_the_charts(self):
        log_in(self.client, self.manager)
        page = self.client.get(reverse("admin:reports_report_preview", args=[self.report.pk]))
        self.assertContains(page, "与上年比较")
        self.assertContains(page, "+3（+150.0%）")
        images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)"', page.content.decode())
        self.assertEqual(len(images), 4)

    def test_the_public_report_page_shows_the_charts_stored_when_published(self):
        report = self.report
        for field, text in (
            ("introduction", "引言。"),
            ("overview", "（一）主动公开\n正常开展。"),
            ("problems", "无。"),
            ("other_matters", "2021年度本机关未收取信息处理费。"),
        ):
            setattr(report, field, text)
        report.save()
        version = services.report_publish(report=report, user=self.manager)
        self.assertIn('class="report-charts"', version.html)
        # Records added later do not redraw the published charts.
        DisclosureRequest.objects.filter(agency=self.agency).delete()
        page = self.client.get(reverse("disclosure:report_detail", args=[self.agency.code, 2021]))
        content = page.content.decode()
        images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)"', content)
        self.assertEqual(len(images), 4)
        self.assertIn("2021年每月收到和办结的申请（件）", content)
        self.assertIn("新收1月2件", content)  # the alt text of the month chart, as published
