"""The managers' report pages in the admin: open, preview with checks and narrative, drill-down
from every table-三 cell to exactly its requests, paper tables of a past year, scoping."""

import datetime
import html
import itertools
import json
import re

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from disclosure.models import ApplicantType, DisclosureRequest, Outcome
from reports import labels, rules, services
from reports.document import report_document
from reports.models import Report, ReportVersion
from reports.selectors import report_compile
from tests.factories import log_in, make_agency, make_clerk, make_manager, make_request

D = datetime.date


class ReportPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="某区某局")
        cls.other = make_agency(name="别的机关")
        cls.manager = make_manager("manager", cls.agency)
        cls.clerk = make_clerk("clerk", cls.agency)
        n = itertools.count()
        # Requests in and around 2021, of several types and outcomes, plus another agency's.
        objs = []
        for applicant, outcome in itertools.product(ApplicantType.values[:3], Outcome.values[::4]):
            for received, decided in (
                (D(2021, 3, 1), D(2021, 3, 9)),
                (D(2020, 12, 30), D(2021, 1, 5)),
                (D(2021, 12, 30), None),
            ):
                objs.append(
                    DisclosureRequest(
                        agency=cls.agency,
                        number=f"A{next(n)}",
                        received_on=received,
                        applicant_type=applicant,
                        outcome=outcome if decided else "",
                        decided_on=decided,
                    )
                )
        objs.append(
            DisclosureRequest(
                agency=cls.other,
                number="B1",
                received_on=D(2021, 3, 1),
                applicant_type="natural_person",
                outcome="granted",
                decided_on=D(2021, 3, 2),
            )
        )
        DisclosureRequest.objects.bulk_create(objs)

    def _open(self, year=2021, template=""):
        log_in(self.client, self.manager)
        response = self.client.post(
            reverse("admin:reports_report_open"),
            {"agency": self.agency.pk, "year": year, "template": template},
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:500])
        return Report.objects.get(agency=self.agency, year=year)

    def test_it_opens_a_report_with_the_narrative_prefilled_from_the_data(self):
        report = self._open()
        self.assertEqual(report.template, "2021")
        data = report_compile(agency=self.agency, year=2021, template="2021")
        self.assertIn(
            f"2021年度共收到政府信息公开申请{data.row('received').total}件，"
            f"上年结转{data.row('carried_over').total}件。",
            report.overview,
        )
        self.assertIn("【请填写政府信息管理情况】", report.overview)
        self.assertIn("2021年度本机关未收取信息处理费。", report.other_matters)
        self.assertIn("某区某局", report.introduction)

    def test_it_shows_the_preview_with_checks_and_the_pdf_link(self):
        report = self._open()
        response = self.client.get(reverse("admin:reports_report_preview", args=[report.pk]))
        self.assertContains(response, "某区某局2021年政府信息公开工作年度报告")
        self.assertContains(response, "改正后才能发布")  # the pre-fill's 【】 block publishing
        self.assertContains(response, "还有待填写的内容：【请填写政府信息管理情况】")
        self.assertContains(response, reverse("admin:reports_report_pdf", args=[report.pk]))
        self.assertContains(response, labels.TABLE3_NOTE)
        pdf = self.client.get(reverse("admin:reports_report_pdf", args=[report.pk]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))

    def test_every_table3_cell_links_to_exactly_the_requests_counted_in_it(self):
        report = self._open()
        page = self.client.get(reverse("admin:reports_report_preview", args=[report.pk]))
        links = re.findall(r'href="([^"]*report_cell=[^"]*)"', page.content.decode())
        self.assertEqual(len(links), 25 * 7)
        data = report_compile(agency=self.agency, year=2021, template="2021")
        checked_nonzero = 0
        for link in links:
            url = html.unescape(link)
            value = re.search(r"report_cell=([^&]+)", url).group(1).replace("%3A", ":")
            _code, _year, _template, row, column = value.split(":")
            expected = set(
                DisclosureRequest.objects.filter(agency=self.agency)
                .filter(rules.table3_cell_q(2021, "2021", row, column))
                .values_list("number", flat=True)
            )
            self.assertEqual(len(expected), data.row(row)[column])
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            shown = {str(obj) for obj in response.context["cl"].result_list}
            self.assertEqual(shown, expected, f"{row} × {column}")
            checked_nonzero += bool(expected)
        self.assertGreater(checked_nonzero, 20)

    def test_the_drill_down_never_shows_another_agencys_requests(self):
        url = reverse("admin:disclosure_disclosurerequest_changelist")
        log_in(self.client, self.manager)
        response = self.client.get(
            url, {"report_cell": f"{self.other.code}:2021:2021:granted:total"}
        )
        self.assertEqual(list(response.context["cl"].result_list), [])

    def test_it_saves_the_narrative_and_rechecks_it(self):
        report = self._open()
        response = self.client.post(
            reverse("admin:reports_report_preview", args=[report.pk]),
            {
                "introduction": "引言。",
                "overview": "（一）主动公开\r\n共收到政府信息公开申请999件。",
                "problems": "无。",
                "other_matters": "2021年度本机关未收取信息处理费。",
            },
            follow=True,
        )
        self.assertContains(response, "正文已保存")
        report.refresh_from_db()
        self.assertEqual(report.overview, "（一）主动公开\n共收到政府信息公开申请999件。")
        self.assertContains(response, "正文写“收到政府信息公开申请999件”")
        self.assertContains(response, "没有错误，可以发布")

    def test_it_keeps_the_history_of_the_narrative(self):
        report = self._open()
        self.client.post(
            reverse("admin:reports_report_preview", args=[report.pk]),
            {"introduction": "第一稿。", "overview": "x", "problems": "y", "other_matters": "z"},
        )
        self.assertEqual(report.history.count(), 2)
        self.assertEqual(report.history.last().introduction.startswith("根据"), True)
        page = self.client.get(reverse("admin:reports_report_history", args=[report.pk]))
        self.assertEqual(page.status_code, 200)
        foreign = Report.objects.create(agency=self.other, year=2021, template="2021")
        page = self.client.get(reverse("admin:reports_report_history", args=[foreign.pk]))
        self.assertEqual(page.status_code, 404)

    def test_it_regenerates_one_section_from_the_data_on_request(self):
        report = self._open()
        Report.objects.filter(pk=report.pk).update(overview="旧的文字")
        self.client.post(
            reverse("admin:reports_report_refill", args=[report.pk]), {"field": "overview"}
        )
        report.refresh_from_db()
        self.assertIn("（二）依申请公开", report.overview)

    def test_it_switches_the_template(self):
        report = self._open()
        self.client.post(
            reverse("admin:reports_report_template", args=[report.pk]), {"template": "2019"}
        )
        report.refresh_from_db()
        self.assertEqual(report.template, "2019")

    def test_another_agencys_report_is_a_404(self):
        foreign = Report.objects.create(agency=self.other, year=2021, template="2021")
        log_in(self.client, self.manager)
        for name in ("preview", "pdf", "tables"):
            response = self.client.get(reverse(f"admin:reports_report_{name}", args=[foreign.pk]))
            self.assertEqual(response.status_code, 404, name)
        response = self.client.post(
            reverse("admin:reports_report_open"), {"agency": self.other.pk, "year": 2021}
        )
        self.assertEqual(response.status_code, 200)  # not one of the choices
        self.assertFalse(Report.objects.filter(agency=self.other).exclude(pk=foreign.pk).exists())

    def test_a_clerk_sees_the_preview_but_cannot_edit(self):
        report = Report.objects.create(agency=self.agency, year=2021, template="2021")
        log_in(self.client, self.clerk)
        page = self.client.get(reverse("admin:reports_report_preview", args=[report.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "保存正文")
        post = self.client.post(
            reverse("admin:reports_report_preview", args=[report.pk]), {"overview": "x"}
        )
        self.assertEqual(post.status_code, 404)  # refused like a missing page, not a 403
        self.assertEqual(self.client.get(reverse("admin:reports_report_open")).status_code, 404)

    def test_anonymous_users_are_sent_to_the_login(self):
        report = Report.objects.create(agency=self.agency, year=2021, template="2021")
        response = self.client.get(reverse("admin:reports_report_preview", args=[report.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])


class PaperTablesPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.manager = make_manager("manager", cls.agency)
        # The agency started using the app in 2020: one request carried over from 2019.
        make_request(
            cls.agency, received_on=D(2019, 12, 20), outcome="granted", decided_on=D(2020, 1, 6)
        )

    def setUp(self):
        log_in(self.client, self.manager)
        self.report = Report.objects.create(agency=self.agency, year=2019, template="2019")
        self.url = reverse("admin:reports_report_tables", args=[self.report.pk])

    def _form(self, **cells):
        page = self.client.get(self.url)
        form = page.context["form"]
        data = {name: form.fields[name].initial for name in form.fields}
        data.update(cells)
        data["save"] = "1"
        return data

    def test_it_enters_the_paper_tables_cell_by_cell(self):
        response = self.client.post(
            self.url,
            self._form(
                **{
                    "t3-received-natural_person": 3,
                    "t3-received-total": 3,
                    "t3-granted-natural_person": 2,
                    "t3-granted-total": 2,
                    "t3-total-natural_person": 2,
                    "t3-total-total": 2,
                    "t3-carried_forward-natural_person": 1,
                    "t3-carried_forward-total": 1,
                    "t2-procurement-amount_wan_yuan": "12.5",
                }
            ),
        )
        self.assertEqual(response.status_code, 302)
        self.report.refresh_from_db()
        self.assertTrue(self.report.is_entered)
        rows = {r["key"]: r["values"] for r in self.report.entered_data["table3"]["rows"]}
        self.assertEqual(rows["received"], [3, 0, 0, 0, 0, 0, 3])
        self.assertEqual(
            self.report.entered_data["table2"]["procurement"]["amount_wan_yuan"], "12.5"
        )
        # The 2020 report compiled from the records now compares with these tables.
        from reports.document import report_document

        document = report_document(agency=self.agency, year=2020)
        (check,) = [c for c in document.checks if c.rule == "crossyear.carried_over"]
        self.assertTrue(check.ok, check.detail)

    def test_it_shows_the_failing_identity_after_entering_inconsistent_tables(self):
        self.client.post(
            self.url, self._form(**{"t3-received-commercial": 2, "t3-received-total": 2})
        )
        page = self.client.get(reverse("admin:reports_report_preview", args=[self.report.pk]))
        self.assertContains(page, "表三“商业企业”列：一（2）+二（0）=2，三（七）（0）+四（0）=0")
        self.assertNotContains(page, "report_cell=")  # paper tables have no requests behind

    def test_it_imports_the_tables_from_report_data_json(self):
        data = report_compile(agency=make_agency(), year=2019, template="2019").to_json()
        data["agency"] = {"code": self.agency.code, "name": self.agency.name}
        for row in data["table3"]["rows"]:
            if row["key"] in ("received", "carried_forward"):
                row["values"] = [0, 0, 0, 0, 0, 1, 1]
        upload = SimpleUploadedFile(
            "2019.json", ("\ufeff" + json.dumps(data, ensure_ascii=False)).encode()
        )
        response = self.client.post(self.url, {"import": "1", "file": upload})
        self.assertEqual(response.status_code, 302)
        self.report.refresh_from_db()
        rows = {r["key"]: r["values"] for r in self.report.entered_data["table3"]["rows"]}
        self.assertEqual(rows["received"], [0, 0, 0, 0, 0, 1, 1])

    def test_it_refuses_a_bad_json_file_and_keeps_nothing(self):
        data = {"format": "ogi-annual-report/1", "year": 2019, "template": "2019", "table2": {}}
        upload = SimpleUploadedFile("bad.json", json.dumps(data).encode())
        response = self.client.post(self.url, {"import": "1", "file": upload}, follow=True)
        # (the admin capitalises the first letter of a message: "Table2.…")
        self.assertContains(response, "able2.regulations：缺少这一项")
        self.assertContains(response, "able3：缺少表三")
        self.report.refresh_from_db()
        self.assertFalse(self.report.is_entered)

    def test_it_goes_back_to_the_records(self):
        self.client.post(self.url, self._form())
        self.client.post(self.url, {"clear": "1"})
        self.report.refresh_from_db()
        self.assertFalse(self.report.is_entered)


def ready_report(agency, year=2021, **fields):
    """A report whose narrative is complete (no 【】 left)."""
    return Report.objects.create(
        agency=agency,
        year=year,
        template="2021",
        introduction="特向社会公布本年度报告。",
        overview="（一）主动公开\n本年度主动公开工作正常开展。",
        problems="无。",
        other_matters=f"{year}年度本机关未收取信息处理费。",
        **fields,
    )


class ReportPagePolishTests(TestCase):
    """The report page as a manager uses it: the 草稿 mark, the checks' links, the confirmation
    before publishing, the year that has not ended, the link to the public page."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="某区某局")
        cls.manager = make_manager("manager", cls.agency)
        make_request(
            cls.agency, received_on=D(2021, 4, 1), outcome="granted", decided_on=D(2021, 4, 9)
        )

    def setUp(self):
        log_in(self.client, self.manager)

    def _preview(self, report):
        return self.client.get(reverse("admin:reports_report_preview", args=[report.pk]))

    def test_it_marks_the_preview_as_a_draft(self):
        page = self._preview(ready_report(self.agency)).content.decode()
        self.assertRegex(page, r'<p class="report-draft-mark"[^>]*>草稿</p>')

    def test_check_messages_link_to_what_to_fix_and_show_no_internal_code(self):
        report = services.report_open(
            agency=self.agency, year=2021, template=None, user=self.manager
        )
        page = self._preview(report).content.decode()
        self.assertIn("还有待填写的内容", page)  # the pre-fill's 【】
        self.assertIn("没有2020年度已发布的报告", page)  # nothing to compare 上年结转 with
        for code in ("narrative.placeholders", "crossyear.carried_over", "narrative.fees"):
            self.assertNotIn(code, page)
        checks = page[page.index('<ul class="report-checks">') : page.index("已通过的检查")]
        targets = re.findall(r'href="#([^"]+)"', checks)
        self.assertIn("narrative-overview", targets)
        self.assertIn("t3-carried_over-total", targets)
        for target in targets:
            self.assertIn(f'id="{target}"', page, target)

    def test_a_clerk_is_sent_to_the_section_of_the_preview(self):
        report = services.report_open(
            agency=self.agency, year=2021, template=None, user=self.manager
        )
        log_in(self.client, make_clerk("clerk", self.agency))
        page = self._preview(report).content.decode()
        self.assertIn('href="#report-overview"', page)
        self.assertIn('id="report-overview"', page)
        self.assertNotIn('href="#narrative-overview"', page)  # no form to go to

    def test_it_refuses_to_publish_a_year_that_has_not_ended(self):
        this_year = timezone.localdate().year
        report = ready_report(self.agency, year=this_year)
        document = report_document(agency=self.agency, year=this_year, report=report)
        (check,) = [c for c in document.errors if c.rule == "report.year_open"]
        self.assertIn(f"{this_year}年度尚未结束", check.detail)
        with self.assertRaises(ValidationError):
            services.report_publish(report=report, user=self.manager)
        confirm = self.client.get(reverse("admin:reports_report_publish_confirm", args=[report.pk]))
        self.assertContains(confirm, "不能发布")
        self.assertNotContains(confirm, 'name="confirmed"')
        self.assertNotContains(
            self._preview(report), reverse("admin:reports_report_publish_confirm", args=[report.pk])
        )
        self.assertFalse(ReportVersion.objects.exists())
        # A year that has ended has no such check (its report data is unchanged).
        last = report_document(agency=self.agency, year=this_year - 1)
        self.assertNotIn("report.year_open", [c.rule for c in last.checks])

    def test_it_asks_for_confirmation_on_a_page_showing_what_will_be_published(self):
        report = ready_report(self.agency)
        publish = reverse("admin:reports_report_publish", args=[report.pk])
        confirm_url = reverse("admin:reports_report_publish_confirm", args=[report.pk])
        self.assertContains(self._preview(report), confirm_url)

        confirm = self.client.get(confirm_url)
        self.assertContains(confirm, "某区某局2021年政府信息公开工作年度报告（第1版）")
        self.assertContains(confirm, labels.TABLE3_NOTE)  # the body as it will be stored
        self.assertContains(confirm, "本年度主动公开工作正常开展。")
        self.assertNotContains(confirm, "report-draft-mark")
        digest = confirm.context["digest"]

        # A post that did not come from the confirmation page publishes nothing …
        response = self.client.post(publish)
        self.assertRedirects(response, confirm_url, fetch_redirect_response=False)
        # … nor does one confirming a text that has changed since.
        services.report_save_narrative(report=report, user=self.manager, problems="有改动。")
        self.client.post(publish, {"confirmed": digest})
        self.assertFalse(ReportVersion.objects.exists())

        digest = self.client.get(confirm_url).context["digest"]
        response = self.client.post(publish, {"confirmed": digest}, follow=True)
        version = ReportVersion.objects.get()
        public = reverse("disclosure:report_version", args=[self.agency.code, 2021, 1])
        self.assertContains(response, f'<a href="{public}">查看公开页面</a>', html=True)
        self.assertEqual(self.client.get(public).status_code, 200)
        self.assertIn("有改动。", version.html)
