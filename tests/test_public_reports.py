"""The public annual-report archive: current and superseded versions, the stored HTML inside
the site's layout, and the stored PDF streamed as published."""

from unittest import mock

from django.test import TestCase
from django.urls import reverse

from tests.factories import make_agency, make_report_version


class ReportArchiveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzjgsw", "温州市机关事务管理局")
        cls.other = make_agency("other", "别的机关")

    def setUp(self):
        # Files go to the test's MEDIA_ROOT, so the versions are made per test.
        self.v2020_1 = make_report_version(self.agency, year=2020, version=1, pdf=b"%PDF-1 v1")
        self.v2020_2 = make_report_version(
            self.agency, year=2020, version=2, pdf=b"%PDF-1 v2", reason="更正了表三的合计。"
        )
        self.v2019 = make_report_version(
            self.agency,
            year=2019,
            html='<article class="ogi-report"><p class="report-p">二〇一九年报告正文</p></article>',
        )
        self.foreign = make_report_version(self.other, year=2020, pdf=b"%PDF-1 foreign")

    def test_it_lists_the_current_versions_and_the_superseded_ones(self):
        response = self.client.get(reverse("disclosure:report_list", args=["wzjgsw"]))
        self.assertEqual(response.context["current"], [self.v2020_2, self.v2019])
        self.assertEqual(response.context["superseded"], [self.v2020_1])
        self.assertContains(response, "第2版（更正）")
        self.assertContains(response, "已被更正的版本")
        self.assertNotContains(response, "别的机关")

    def test_it_shows_the_stored_html_inside_the_layout_with_the_report_stylesheet(self):
        response = self.client.get(reverse("disclosure:report_detail", args=["wzjgsw", 2019]))
        self.assertContains(response, '<p class="report-p">二〇一九年报告正文</p>', html=True)
        self.assertContains(response, "/static/css/report.css")
        self.assertContains(response, '<html lang="zh-CN">')
        self.assertContains(response, reverse("disclosure:report_pdf", args=["wzjgsw", 2019, 1]))

    def test_it_shows_the_current_version_and_marks_a_superseded_one(self):
        current = self.client.get(reverse("disclosure:report_detail", args=["wzjgsw", 2020]))
        self.assertEqual(current.context["report"], self.v2020_2)
        self.assertContains(current, "更正原因：更正了表三的合计。")
        self.assertNotContains(current, "本版本已被更正")
        old = self.client.get(reverse("disclosure:report_version", args=["wzjgsw", 2020, 1]))
        self.assertEqual(old.context["report"], self.v2020_1)
        self.assertContains(old, "本版本已被更正，现行版本为")

    def test_it_streams_the_stored_pdf_without_rendering_anything(self):
        url = reverse("disclosure:report_pdf", args=["wzjgsw", 2020, 1])
        with (
            mock.patch("reports.render.render_report_pdf", side_effect=AssertionError),
            mock.patch("disclosure.pdf.html_to_pdf", side_effect=AssertionError),
        ):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), b"%PDF-1 v1")
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["ETag"], f'"{self.v2020_1.pdf_sha256}"')
        self.assertIn("attachment;", response["Content-Disposition"])

    def test_it_is_a_404_for_another_agencys_or_a_missing_report(self):
        for name, args in [
            ("report_pdf", ["wzjgsw", 2021, 1]),
            ("report_pdf", ["wzjgsw", 2020, 3]),
            ("report_pdf", ["other", 2019, 1]),
            ("report_detail", ["other", 2019]),
            ("report_version", ["wzjgsw", 2019, 2]),
            ("report_list", ["nope"]),
        ]:
            with self.subTest(name=name, args=args):
                response = self.client.get(reverse(f"disclosure:{name}", args=args))
                self.assertEqual(response.status_code, 404)

    def test_it_is_a_404_when_the_stored_pdf_is_missing(self):
        self.v2019.pdf.storage.delete(self.v2019.pdf.name)
        response = self.client.get(reverse("disclosure:report_pdf", args=["wzjgsw", 2019, 1]))
        self.assertEqual(response.status_code, 404)
