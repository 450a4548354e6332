"""Publishing: only managers, only when the checks pass; the published PDF, data and HTML are
frozen; a correction is a new version with a reason; the report is listed under 信息公开年报."""

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.urls import reverse

from disclosure.models import Disclosure
from reports import services
from reports.document import report_document
from reports.models import Report, ReportVersion
from tests.factories import log_in, make_agency, make_clerk, make_manager, make_request, make_user

D = datetime.date


def make_ready_report(agency, year=2021):
    """A report whose narrative is complete (no 【】 left), ready to publish."""
    return Report.objects.create(
        agency=agency,
        year=year,
        template="2021",
        introduction="特向社会公布本年度报告。",
        overview="（一）主动公开\n本年度主动公开工作正常开展。",
        problems="无。",
        other_matters="2021年度本机关未收取信息处理费。",
    )


class PublishTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="某市某局")
        cls.manager = make_manager("manager", cls.agency)
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = make_request(
            cls.agency, received_on=D(2021, 4, 1), outcome="granted", decided_on=D(2021, 4, 9)
        )

    def test_it_publishes_and_stores_the_exact_pdf_data_and_html(self):
        report = make_ready_report(self.agency)
        version = services.report_publish(report=report, user=self.manager)
        self.assertEqual((version.version, version.year, version.template), (1, 2021, "2021"))
        self.assertEqual(version.title, "某市某局2021年政府信息公开工作年度报告")
        pdf = version.pdf.read()
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(hashlib.sha256(pdf).hexdigest(), version.pdf_sha256)
        self.assertEqual(version.data["format"], "ogi-annual-report/1")
        self.assertEqual(version.data["table3"]["rows"][0]["values"], [1, 0, 0, 0, 0, 0, 1])
        self.assertTrue(all(c["ok"] or c["level"] == "warning" for c in version.data["checks"]))
        self.assertEqual(len(version.data_sha256), 64)
        self.assertIn('<article class="ogi-report" lang="zh-CN">', version.html)
        self.assertNotIn("<html", version.html)
        self.assertNotIn("report_cell", version.html)  # no admin drill-down links in public

    def test_it_lists_the_report_under_the_annual_report_category_with_the_pdf(self):
        version = services.report_publish(report=make_ready_report(self.agency), user=self.manager)
        item = Disclosure.objects.published().get(category__slug="annual-report")
        self.assertEqual(item, version.disclosure)
        self.assertEqual(item.title, version.title)
        (attachment,) = item.attachments.all()
        self.assertEqual(attachment.file.read(), version.pdf.open("rb").read())

    def test_it_refuses_to_publish_while_a_check_fails(self):
        report = make_ready_report(self.agency)
        report.problems = "【请填写存在的主要问题】"
        report.save()
        with self.assertRaises(ValidationError) as raised:
            services.report_publish(report=report, user=self.manager)
        self.assertIn("检查未通过，不能发布：", raised.exception.messages)
        self.assertIn(
            "“五、存在的主要问题及改进情况”中还有待填写的内容：【请填写存在的主要问题】",
            raised.exception.messages,
        )
        self.assertFalse(ReportVersion.objects.exists())
        self.assertFalse(Disclosure.objects.filter(category__slug="annual-report").exists())

    def test_it_refuses_to_publish_paper_tables_that_break_the_identity(self):
        report = make_ready_report(self.agency, year=2020)
        data = {
            "format": "ogi-annual-report/1",
            "year": 2020,
            "template": "2019",
            "table2": {
                "regulations": {"made": 0, "published": 0, "total_public": 0},
                "normative_documents": {"made": 0, "published": 0, "total_public": 0},
                "licensing": {"previous": 0, "change": 0, "decisions": 0},
                "other_services": {"previous": 0, "change": 0, "decisions": 0},
                "penalty": {"previous": 0, "change": 0, "decisions": 0},
                "coercion": {"previous": 0, "change": 0, "decisions": 0},
                "fees": {"previous": 0, "change": 0},
                "procurement": {"projects": 0, "amount_wan_yuan": "0"},
            },
            "table3": {
                "rows": [
                    {"key": key, "values": [5, 0, 0, 0, 0, 0, 5] if key == "received" else [0] * 7}
                    for key in [
                        "received",
                        "carried_over",
                        "granted",
                        "partial",
                        "withheld_state_secret",
                        "withheld_law_prohibits",
                        "withheld_security_stability",
                        "withheld_third_party",
                        "withheld_internal_affairs",
                        "withheld_process_info",
                        "withheld_enforcement_file",
                        "withheld_query_matter",
                        "unavailable_not_held",
                        "unavailable_needs_creation",
                        "unavailable_still_unclear",
                        "rejected_petition",
                        "rejected_duplicate",
                        "rejected_publication",
                        "rejected_excessive",
                        "rejected_confirmation",
                        "other",
                        "total",
                        "carried_forward",
                    ]
                ]
            },
            "table4": {
                "rows": [
                    {"key": k, "values": [0] * 5}
                    for k in ("review", "litigation_direct", "litigation_after_review")
                ]
            },
        }
        services.report_enter_tables(report=report, user=self.manager, data=data)
        with self.assertRaisesMessage(ValidationError, "“自然人”列：一（5）+二（0）=5"):
            services.report_publish(report=report, user=self.manager)
        self.assertFalse(ReportVersion.objects.exists())

    def test_it_never_changes_a_published_version_when_records_change(self):
        report = make_ready_report(self.agency)
        version = services.report_publish(report=report, user=self.manager)
        pdf, data, html = version.pdf.open("rb").read(), version.data, version.html
        # Afterwards: a request is re-decided, another one is logged, the narrative is edited.
        self.request.outcome = "partial"
        self.request.save()
        make_request(self.agency, received_on=D(2021, 11, 1), applicant_type="research")
        services.report_save_narrative(report=report, user=self.manager, problems="有变化。")

        stored = ReportVersion.objects.get(pk=version.pk)
        self.assertEqual(stored.pdf.open("rb").read(), pdf)
        self.assertEqual(stored.data, data)
        self.assertEqual(stored.html, html)
        self.assertEqual(stored.data["table3"]["rows"][0]["values"], [1, 0, 0, 0, 0, 0, 1])
        # ... while the next publication would show the new figures.
        now = report_document(agency=self.agency, year=2021, report=report)
        self.assertEqual(now.data.row("received").values, (1, 0, 1, 0, 0, 0, 2))

    def test_it_publishes_a_correction_as_a_new_version_with_its_reason(self):
        report = make_ready_report(self.agency)
        first = services.report_publish(report=report, user=self.manager)
        make_request(self.agency, received_on=D(2021, 6, 1), applicant_type="commercial")
        with self.assertRaisesMessage(ValidationError, "更正发布必须说明更正原因"):
            services.report_publish(report=report, user=self.manager)
        second = services.report_publish(
            report=report, user=self.manager, reason="补录一件漏登的申请。"
        )
        self.assertEqual(second.version, 2)
        self.assertEqual(second.reason, "补录一件漏登的申请。")
        self.assertEqual(ReportVersion.objects.count(), 2)
        self.assertEqual(ReportVersion.objects.current().get(), second)
        first.refresh_from_db()
        self.assertEqual(first.data["table3"]["rows"][0]["values"], [1, 0, 0, 0, 0, 0, 1])
        self.assertEqual(second.data["table3"]["rows"][0]["values"], [1, 1, 0, 0, 0, 0, 2])
        self.assertNotEqual(first.pdf.name, second.pdf.name)
        # One catalog item, both PDFs attached, the reason stated.
        self.assertEqual(second.disclosure, first.disclosure)
        self.assertEqual(second.disclosure.attachments.count(), 2)
        self.assertIn("补录一件漏登的申请。", second.disclosure.body)

    def test_a_clerk_cannot_publish(self):
        report = make_ready_report(self.agency)
        with self.assertRaises(PermissionDenied):
            services.report_publish(report=report, user=self.clerk)
        log_in(self.client, self.clerk)
        response = self.client.post(reverse("admin:reports_report_publish", args=[report.pk]))
        self.assertEqual(response.status_code, 404)  # a refused action is not confirmed (403)
        page = self.client.get(reverse("admin:reports_report_preview", args=[report.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, reverse("admin:reports_report_publish", args=[report.pk]))
        self.assertFalse(ReportVersion.objects.exists())

    def test_a_manager_of_another_agency_cannot_publish(self):
        report = make_ready_report(self.agency)
        outsider = make_manager("outsider", make_agency())
        with self.assertRaises(PermissionDenied):
            services.report_publish(report=report, user=outsider)
        log_in(self.client, outsider)
        response = self.client.post(reverse("admin:reports_report_publish", args=[report.pk]))
        self.assertEqual(response.status_code, 404)

    def test_it_publishes_from_the_preview_page(self):
        report = make_ready_report(self.agency)
        log_in(self.client, self.manager)
        # The preview links to the confirmation page, whose form publishes what it showed.
        confirm = self.client.get(reverse("admin:reports_report_publish_confirm", args=[report.pk]))
        response = self.client.post(
            reverse("admin:reports_report_publish", args=[report.pk]),
            {"confirmed": confirm.context["digest"]},
            follow=True,
        )
        self.assertContains(response, "已发布")
        version = ReportVersion.objects.get()
        download = self.client.get(reverse("admin:reports_reportversion_pdf", args=[version.pk]))
        self.assertEqual(download["Content-Type"], "application/pdf")
        self.assertEqual(
            hashlib.sha256(b"".join(download.streaming_content)).hexdigest(), version.pdf_sha256
        )

    def test_the_admin_offers_no_way_to_change_a_published_version(self):
        version = services.report_publish(report=make_ready_report(self.agency), user=self.manager)
        log_in(self.client, make_user("root", superuser=True))
        url = reverse("admin:reports_reportversion_change", args=[version.pk])
        response = self.client.post(url, {"title": "改过的标题"})
        self.assertIn(response.status_code, (302, 404))
        version.refresh_from_db()
        self.assertEqual(version.title, "某市某局2021年政府信息公开工作年度报告")
        delete = self.client.post(
            reverse("admin:reports_reportversion_delete", args=[version.pk]), {"post": "yes"}
        )
        self.assertEqual(delete.status_code, 404)
        self.assertTrue(ReportVersion.objects.filter(pk=version.pk).exists())
