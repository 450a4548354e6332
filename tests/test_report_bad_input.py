"""Bad input to the report pages and the request list's report filters is a 404 or a form error
in Chinese, never a 500 (security finding 8): a year that is not a year ("abc", "²", 10**20)
never reaches int() or the database, and the report-tables import bounds its file's size and
nesting before parsing it."""

import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from reports.forms import JSON_MAX_BYTES
from reports.models import Report
from tests.factories import log_in, make_agency, make_manager, make_report_version, make_request

D = datetime.date
HUGE = "99999999999999999999"
NOT_YEARS = ["abc", HUGE, "99999", "²", "-1", "2007", "2101", "20２1", " 2021"]


class RequestListFilterTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("badin", "输入局")
        cls.manager = make_manager("badin-manager", cls.agency)
        # A decided request, so that the 答复年度 filter is offered and applied.
        make_request(
            cls.agency, received_on=D(2021, 3, 1), outcome="granted", decided_on=D(2021, 3, 5)
        )
        make_request(
            cls.agency, received_on=D(2022, 3, 1), outcome="granted", decided_on=D(2022, 3, 5)
        )
        cls.url = reverse("admin:disclosure_disclosurerequest_changelist")

    def setUp(self):
        log_in(self.client, self.manager)

    def test_it_is_a_404_for_a_decided_year_that_is_not_a_year(self):
        for value in NOT_YEARS:
            with self.subTest(value=value):
                response = self.client.get(self.url, {"decided_year": value})
                self.assertEqual(response.status_code, 404)

    def test_it_still_filters_by_a_real_decided_year(self):
        response = self.client.get(self.url, {"decided_year": "2021"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["cl"].result_count, 1)

    def test_it_is_a_404_for_a_report_cell_with_a_year_that_is_not_a_year(self):
        for value in NOT_YEARS:
            with self.subTest(value=value):
                cell = f"{self.agency.code}:{value}:2021:granted:total"
                response = self.client.get(self.url, {"report_cell": cell})
                self.assertEqual(response.status_code, 404)

    def test_it_is_a_404_for_a_malformed_report_cell_not_the_whole_list(self):
        for cell in ["x", f"{self.agency.code}:2021:2021:nope:total", "a:2021:1999:granted:total"]:
            with self.subTest(cell=cell):
                response = self.client.get(self.url, {"report_cell": cell})
                self.assertEqual(response.status_code, 404)

    def test_it_still_drills_down_from_a_real_cell(self):
        cell = f"{self.agency.code}:2021:2021:granted:total"
        response = self.client.get(self.url, {"report_cell": cell})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["cl"].result_count, 1)


class TablesImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("badjson", "导入局")
        cls.manager = make_manager("badjson-manager", cls.agency)
        cls.report = Report.objects.create(agency=cls.agency, year=2019, template="2019")
        cls.url = reverse("admin:reports_report_tables", args=[cls.report.pk])

    def setUp(self):
        log_in(self.client, self.manager)

    def post_file(self, content: bytes):
        upload = SimpleUploadedFile("tables.json", content, content_type="application/json")
        return self.client.post(self.url, {"import": "1", "file": upload})

    def import_errors(self, response) -> str:
        self.assertEqual(response.status_code, 200, "the form should be shown again")
        return " ".join(response.context["import_form"].errors.get("file", []))

    def assert_nothing_entered(self):
        self.report.refresh_from_db()
        self.assertFalse(self.report.is_entered)

    def test_it_refuses_a_deeply_nested_array_with_a_form_error(self):
        nested = b"[" * 200_000 + b"]" * 200_000  # 400 KB, 200,000 levels deep
        errors = self.import_errors(self.post_file(nested))
        self.assertIn("JSON嵌套超过 20 层", errors)
        self.assert_nothing_entered()

    def test_it_refuses_a_deeply_nested_object_with_a_form_error(self):
        nested = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
        self.assertIn("JSON嵌套超过", self.import_errors(self.post_file(nested)))

    def test_it_reads_brackets_inside_strings_as_text(self):
        data = {
            "format": "ogi-annual-report/1",
            "year": 2019,
            "template": "2019",
            "agency": {"code": "[" * 100, "name": "{" * 100},
        }
        response = self.post_file(json.dumps(data).encode())
        # Parsed, then refused for what it says (the agency), not for its nesting.
        self.assertNotContains(response, "嵌套")
        self.assertContains(response, "数据属于")
        self.assert_nothing_entered()

    def test_it_refuses_a_number_too_long_to_read(self):
        content = b'{"year": ' + b"1" * 5000 + b"}"
        self.assertIn("位数过多的数字", self.import_errors(self.post_file(content)))

    def test_it_refuses_a_file_over_the_size_limit_before_reading_it(self):
        content = b" " * (JSON_MAX_BYTES + 1) + b"{}"
        self.assertIn("文件超过 1024 KB", self.import_errors(self.post_file(content)))

    def test_it_lists_at_most_a_hundred_problems_and_quotes_values_briefly(self):
        table2 = {f"unknown{i}": {} for i in range(5000)}
        data = {"format": "ogi-annual-report/1", "year": "x" * 100_000, "template": "2019"}
        data["table2"] = table2
        response = self.post_file(json.dumps(data).encode())
        self.assertEqual(response.status_code, 200)
        messages = [str(m) for m in response.context["messages"]]
        self.assertEqual(len(messages), 101)
        self.assertTrue(messages[-1].startswith("……另有"), messages[-1])
        self.assertLess(max(len(m) for m in messages), 200)
        self.assert_nothing_entered()


class ReportPagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("badpage", "页面局")
        cls.manager = make_manager("badpage-manager", cls.agency)
        cls.report = Report.objects.create(agency=cls.agency, year=2021, template="2021")

    def test_the_history_form_is_a_404_not_a_403(self):
        log_in(self.client, self.manager)
        history = self.report.history.first()
        for version_id in [history.history_id, HUGE]:
            with self.subTest(version_id=version_id):
                url = f"/admin/reports/report/{self.report.pk}/history/{version_id}/"
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_archive_is_a_404_for_absurd_years_and_versions(self):
        make_report_version(self.agency, year=2020)
        for name, args in [
            ("report_detail", [self.agency.code, HUGE]),
            ("report_version", [self.agency.code, 2020, HUGE]),
            ("report_pdf", [self.agency.code, HUGE, 1]),
            ("report_pdf", [self.agency.code, 2020, HUGE]),
        ]:
            with self.subTest(name=name, args=args):
                response = self.client.get(reverse(f"disclosure:{name}", args=args))
                self.assertEqual(response.status_code, 404)
