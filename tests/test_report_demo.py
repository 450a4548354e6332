"""The demo data reproduce the seed report (../shared/seed/000_76d90fd474e57dbd.txt): the 2020
report of 温州市机关事务管理局, compared cell by cell with the values typed from the seed."""

from decimal import Decimal

from django.test import TestCase

from disclosure.devtools.demo import load_demo
from disclosure.models import Agency
from reports.document import report_document
from reports.models import Report

# Table 二 as printed in the seed (2019 trial format).
SEED_TABLE2 = {
    "regulations": {"made": 0, "published": 0, "total_public": 0},
    "normative_documents": {"made": 0, "published": 0, "total_public": 0},
    "licensing": {"previous": 0, "change": 0, "decisions": 0},
    "other_services": {"previous": 0, "change": 0, "decisions": 0},
    "penalty": {"previous": 0, "change": 0, "decisions": 0},
    "coercion": {"previous": 0, "change": 0, "decisions": 0},
    "fees": {"previous": 0, "change": 0},
    "procurement": {"projects": 3, "amount_wan_yuan": "3749.71"},  # "3749.71 万元"
}

# Table 三, row by row as printed; columns 自然人, 商业企业, 科研机构, 社会公益组织,
# 法律服务机构, 其他, 总计.
SEED_TABLE3 = [
    ("received", [1, 0, 0, 0, 0, 0, 1]),
    ("carried_over", [0, 0, 0, 0, 0, 0, 0]),
    ("granted", [1, 0, 0, 0, 0, 0, 1]),
    ("partial", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_state_secret", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_law_prohibits", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_security_stability", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_third_party", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_internal_affairs", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_process_info", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_enforcement_file", [0, 0, 0, 0, 0, 0, 0]),
    ("withheld_query_matter", [0, 0, 0, 0, 0, 0, 0]),
    ("unavailable_not_held", [0, 0, 0, 0, 0, 0, 0]),
    ("unavailable_needs_creation", [0, 0, 0, 0, 0, 0, 0]),
    ("unavailable_still_unclear", [0, 0, 0, 0, 0, 0, 0]),
    ("rejected_petition", [0, 0, 0, 0, 0, 0, 0]),
    ("rejected_duplicate", [0, 0, 0, 0, 0, 0, 0]),
    ("rejected_publication", [0, 0, 0, 0, 0, 0, 0]),
    ("rejected_excessive", [0, 0, 0, 0, 0, 0, 0]),
    ("rejected_confirmation", [0, 0, 0, 0, 0, 0, 0]),
    ("other", [0, 0, 0, 0, 0, 0, 0]),
    ("total", [1, 0, 0, 0, 0, 0, 1]),
    ("carried_forward", [0, 0, 0, 0, 0, 0, 0]),
]

# Table 四: 行政复议 (维持, 纠正, 其他, 尚未审结, 总计), then the two 行政诉讼 groups.
SEED_TABLE4 = [0] * 15


class DemoReportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_demo()
        cls.agency = Agency.objects.get(code="wzjgsw")
        cls.report = Report.objects.get(agency=cls.agency, year=2020)

    def setUp(self):
        self.document = report_document(agency=self.agency, year=2020, report=self.report)
        self.data = self.document.to_json()

    def test_it_uses_the_trial_template_for_2020(self):
        self.assertEqual(self.data["template"], "2019")

    def test_it_equals_the_seed_table2_cell_by_cell(self):
        self.assertEqual(list(self.data["table2"]), list(SEED_TABLE2))
        for key, cells in SEED_TABLE2.items():
            with self.subTest(row=key):
                self.assertEqual(self.data["table2"][key], cells)

    def test_it_equals_the_seed_table3_cell_by_cell(self):
        rows = self.data["table3"]["rows"]
        self.assertEqual([r["key"] for r in rows], [key for key, _values in SEED_TABLE3])
        for row, (key, values) in zip(rows, SEED_TABLE3, strict=True):
            with self.subTest(row=key):
                self.assertEqual(row["values"], values)

    def test_it_equals_the_seed_table4_cell_by_cell(self):
        values = [v for row in self.data["table4"]["rows"] for v in row["values"]]
        self.assertEqual(values, SEED_TABLE4)

    def test_it_passes_every_blocking_check(self):
        self.assertEqual(self.document.errors, [])
        self.assertTrue(self.document.publishable)

    def test_its_narrative_quotes_the_seed_figures_without_contradiction(self):
        self.assertIn("2020年度共主动公开政府信息31条", self.report.overview)
        numbers = [c for c in self.document.checks if c.rule == "narrative.numbers"]
        self.assertEqual([c.ok for c in numbers], [True])

    def test_it_keeps_the_amount_exact(self):
        procurement = self.document.data.table2_row("procurement")
        self.assertEqual(procurement["amount_wan_yuan"], Decimal("3749.71"))
