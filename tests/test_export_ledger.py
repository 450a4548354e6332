import csv
import datetime
import io

import openpyxl
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from disclosure import ledger
from disclosure.models import Case, DisclosureRequest
from tests.factories import log_in

from .factories import make_agency, make_case, make_clerk, make_request, make_user
from .test_import_requests import ImportCommandTestCase

CSV, XLSX = "0", "1"


class LedgerExportTests(ImportCommandTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")
        cls.other = make_agency("other", "别的机关")
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.granted = make_request(
            cls.agency,
            number="2020-0001",
            applicant_name="张三",
            channel="post",
            subject='=HYPERLINK("http://example.com")，以及\n第二行',
            outcome="partial",
            decided_on=datetime.date(2020, 3, 20),
        )
        cls.open = make_request(
            cls.agency, number="2020-0002", applicant_type="legal_service", subject="某事项"
        )
        make_request(cls.other, number="2020-0001", applicant_name="别的机关的申请人")
        make_case(
            cls.agency,
            number="复2020-1",
            request=cls.granted,
            result="upheld",
            concluded_on=datetime.date(2020, 7, 1),
        )
        make_case(cls.agency, number="诉2020-1", kind="litigation_direct")

    def export(self, model, file_format, query=""):
        log_in(self.client, self.clerk)
        response = self.client.post(
            reverse(f"admin:disclosure_{model}_export") + query,
            {"format": file_format, "resource": "0"},
        )
        self.assertEqual(response.status_code, 200)
        return response

    def test_it_exports_the_contracts_columns_with_chinese_headers_and_labels(self):
        response = self.export("disclosurerequest", CSV)
        self.assertIn('filename="requests-', response["Content-Disposition"])
        text = response.content.decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"), "Excel needs the BOM to read Chinese text")
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        self.assertEqual(
            rows[0],
            [
                "申请编号",
                "收到申请日期",
                "申请人类型",
                "申请人",
                "申请方式",
                "申请内容",
                "办理结果",
                "答复日期",
            ],
        )
        self.assertEqual(
            sorted(rows[1:]),
            [
                [
                    "2020-0001",
                    "2020-03-02",
                    "自然人",
                    "张三",
                    "邮寄",
                    "'" + self.granted.subject,  # protected against formula injection
                    "部分公开",
                    "2020-03-20",
                ],
                ["2020-0002", "2020-03-02", "法律服务机构", "", "网络", "某事项", "", ""],
            ],
        )

    def test_it_exports_what_the_list_shows_with_its_filters(self):
        response = self.export("disclosurerequest", CSV, query="?state=open")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual([r[0] for r in rows[1:]], ["2020-0002"])

    def test_it_writes_xlsx_text_cells_so_nothing_runs_as_a_formula(self):
        response = self.export("disclosurerequest", XLSX)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value}
        self.assertEqual(cells[self.granted.subject], "s")

    def test_it_exports_cases_with_their_request_number(self):
        response = self.export("case", CSV)
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0], ["案号", "类型", "立案日期", "结果", "审结日期", "申请编号"])
        self.assertEqual(
            sorted(rows[1:]),
            [
                ["复2020-1", "行政复议", "2020-05-06", "结果维持", "2020-07-01", "2020-0001"],
                ["诉2020-1", "未经复议直接起诉", "2020-05-06", "", "", ""],
            ],
        )

    def test_its_page_warns_that_the_file_holds_personal_data(self):
        log_in(self.client, self.clerk)
        page = self.client.get(reverse("admin:disclosure_disclosurerequest_export"))
        self.assertContains(page, "导出文件含申请人姓名等个人信息")

    def test_it_is_staff_only(self):
        url = reverse("admin:disclosure_disclosurerequest_export")
        response = self.client.post(url, {"format": CSV, "resource": "0"})
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("张三", response.content.decode())
        outsider = make_user("outsider", agencies=[self.agency])  # staff, but no role
        log_in(self.client, outsider)
        self.assertEqual(self.client.post(url, {"format": CSV, "resource": "0"}).status_code, 404)

    def test_an_exported_ledger_reimports_with_update_and_changes_nothing(self):
        for model, command, file_format, name in [
            ("disclosurerequest", "import_requests", CSV, "requests.csv"),
            ("disclosurerequest", "import_requests", XLSX, "requests.xlsx"),
            ("case", "import_cases", CSV, "cases.csv"),
            ("case", "import_cases", XLSX, "cases.xlsx"),
        ]:
            with self.subTest(file=name):
                model_class = DisclosureRequest if model == "disclosurerequest" else Case
                before = list(model_class.objects.order_by("pk").values())
                history = model_class.history.count()
                data = self.export(model, file_format).content
                self.command = command
                out, err, error = self.run_import(data, "--update", name=name)
                self.assertIsNone(error, err)
                self.assertIn("新建 0 条，更新 0 条，未改动 2 条", out)
                self.assertEqual(list(model_class.objects.order_by("pk").values()), before)
                self.assertEqual(model_class.history.count(), history)


class FormulaInjectionTests(ImportCommandTestCase):
    """Security finding 5: a CSV cell that Excel or WPS would run as a formula is exported with a
    leading apostrophe, and the import takes exactly that apostrophe off again."""

    SUBJECTS = [
        "=1+1",
        "+86 577 1234",
        "-5",
        "@SUM(A1)",
        "'=已有撇号",
        "''+两个",
        "'普通撇号",
        "普通",
    ]

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")
        cls.clerk = make_clerk("clerk", cls.agency)
        for i, subject in enumerate(cls.SUBJECTS, start=1):
            make_request(cls.agency, number=f"2020-{i:04d}", subject=subject)

    def export_csv(self):
        log_in(self.client, self.clerk)
        response = self.client.post(
            reverse("admin:disclosure_disclosurerequest_export"), {"format": CSV, "resource": "0"}
        )
        return response.content

    def test_it_writes_formula_cells_with_a_leading_apostrophe(self):
        rows = list(csv.reader(io.StringIO(self.export_csv().decode("utf-8-sig"))))
        subjects = {row[0]: row[5] for row in rows[1:]}
        self.assertEqual(
            [subjects[f"2020-{i:04d}"] for i in range(1, len(self.SUBJECTS) + 1)],
            [
                "'=1+1",
                "'+86 577 1234",
                "'-5",
                "'@SUM(A1)",
                "''=已有撇号",
                "'''+两个",
                "'普通撇号",
                "普通",
            ],
        )

    def test_its_import_gets_the_exact_values_back(self):
        out, err, error = self.run_import(self.export_csv(), "--update", name="requests.csv")
        self.assertIsNone(error, err)
        self.assertIn(f"未改动 {len(self.SUBJECTS)} 条", out)
        self.assertEqual(
            sorted(DisclosureRequest.objects.values_list("subject", flat=True)),
            sorted(self.SUBJECTS),
        )

    def test_the_rule_can_be_undone_for_any_text(self):
        @given(st.text(alphabet=st.sampled_from("'=+-@\t\rA张 "), max_size=8) | st.text())
        def undone(text):
            escaped = ledger.csv_escape(text)
            self.assertEqual(ledger.csv_unescape(escaped), text)
            self.assertFalse(escaped[:1] in ("=", "+", "-", "@", "\t", "\r"))

        undone()
