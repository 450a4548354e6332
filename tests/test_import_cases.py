import datetime

from disclosure import ledger
from disclosure.models import Case

from .factories import ledger_csv, ledger_xlsx, make_agency, make_case, make_request
from .test_import_requests import ImportCommandTestCase

HEADER = ["number", "kind", "filed_on", "result", "concluded_on", "request_number"]


class ImportCasesTests(ImportCommandTestCase):
    command = "import_cases"

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")
        cls.other = make_agency("other", "别的机关")
        cls.request = make_request(cls.agency, number="2020-0001")
        cls.their_request = make_request(cls.other, number="2020-0002")

    def count(self):
        return Case.objects.count()

    def test_it_links_cases_to_requests_by_number(self):
        data = ledger_csv(
            [
                ["案号", "类型", "立案日期", "结果", "审结日期", "申请编号"],
                ["复2020-1", "行政复议", "2020-05-06", "维持", "2020-07-01", "2020-0001"],
                ["诉2020-1", "复议后起诉", "2020-08-01", "结果纠正", "2020-11-02", ""],
                ["", "litigation_direct", "2020-09-01", "", "", "2020-0001"],
            ]
        )
        out, err, error = self.run_import(data)
        self.assertIsNone(error, err)
        self.assertIn("新建 3 条", out)
        stored = Case.objects.order_by("filed_on").values_list(
            "number", "kind", "result", "concluded_on", "request"
        )
        self.assertEqual(
            list(stored),
            [
                ("复2020-1", "review", "upheld", datetime.date(2020, 7, 1), self.request.pk),
                (
                    "诉2020-1",
                    "litigation_after_review",
                    "corrected",
                    datetime.date(2020, 11, 2),
                    None,
                ),
                ("案2020-0001", "litigation_direct", "", None, self.request.pk),
            ],
        )
        self.assertEqual(
            sorted(Case.history.values_list("history_type", flat=True)), ["+", "+", "+"]
        )

    def test_it_refuses_an_unknown_request_and_other_bad_rows(self):
        make_case(self.agency, number="复2019-9")
        data = ledger_csv(
            [
                HEADER,
                ["A", "review", "2020-05-06", "", "", "2020-0404"],
                ["B", "review", "2020-05-06", "", "", "2020-0002"],  # another agency's request
                ["C", "appeal", "2020-05-06", "", "", ""],
                ["D", "review", "2020-05-06", "upheld", "2020-05-01", ""],
                ["E", "review", "2020-05-06", "upheld", "", ""],
                ["复2019-9", "review", "2019-05-06", "", "", ""],
                ["G", "review", "", "", "", ""],
            ]
        )
        self.assert_refused(
            data,
            [
                "row 2: request_number: 本机关没有申请编号为“2020-0404”的记录。",
                "row 3: request_number: 本机关没有申请编号为“2020-0002”的记录。",
                "row 4: kind: 未知的类型“appeal”，应为以下代码或名称之一：review（行政复议）、"
                "litigation_direct（未经复议直接起诉）、litigation_after_review（复议后起诉）",
                "row 5: concluded_on: 审结日期不能早于立案日期。",
                "row 6: concluded_on: 结果和审结日期须同时填写：已审结的案件要有结果和审结日期。",
                "row 7: number: 本机关已有相同案号的案件。如要更新已有记录，请使用 --update。",
                "row 8: filed_on: 必须填写立案日期。",
            ],
        )

    def test_it_updates_a_case_from_an_xlsx_with_update(self):
        case = make_case(self.agency, number="复2020-1", request=self.request)
        data = ledger_xlsx(
            [HEADER, ["复2020-1", "review", datetime.date(2020, 5, 6), "纠正", "2020-07-01", None]]
        )
        out, err, error = self.run_import(data, "--update", name="cases.xlsx")
        self.assertIsNone(error, err)
        self.assertIn("更新 1 条", out)
        case.refresh_from_db()
        # A blank request number is "not given" for a column the file has: the link is cleared.
        self.assertEqual((case.result, case.request), ("corrected", None))

    def test_its_columns_are_the_contracts(self):
        self.assertEqual(
            [(c.key, c.header, ledger.CASES.is_required(c)) for c in ledger.CASES.columns],
            [
                ("number", "案号", False),
                ("kind", "类型", True),
                ("filed_on", "立案日期", True),
                ("result", "结果", False),
                ("concluded_on", "审结日期", False),
                ("request_number", "申请编号", False),
            ],
        )
