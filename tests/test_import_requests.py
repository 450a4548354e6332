import datetime
import shutil
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from disclosure import ledger
from disclosure.models import DisclosureRequest
from disclosure.records import services

from .factories import ledger_csv, ledger_xlsx, make_agency, make_event, make_request

HEADER = [
    "number",
    "received_on",
    "applicant_type",
    "applicant_name",
    "channel",
    "subject",
    "outcome",
    "decided_on",
]


class ImportCommandTestCase(TestCase):
    command = "import_requests"

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir)

    def run_import(self, data: bytes, *args, agency=None, name="ledger.csv"):
        """Run the command; returns (stdout, stderr, error or None)."""
        path = self.dir / name
        path.write_bytes(data)
        out, err = StringIO(), StringIO()
        code = (agency or self.agency).code
        try:
            call_command(self.command, "--agency", code, str(path), *args, stdout=out, stderr=err)
        except CommandError as exc:
            return out.getvalue(), err.getvalue(), exc
        return out.getvalue(), err.getvalue(), None

    def assert_refused(self, data, expected_lines, *args, **kwargs):
        before = self.count()
        out, err, error = self.run_import(data, *args, **kwargs)
        self.assertIsNotNone(error, f"the import should have failed; stdout: {out}")
        self.assertEqual(err.splitlines(), expected_lines)
        self.assertEqual(self.count(), before, "a refused file must store nothing")
        return error

    def count(self):
        return DisclosureRequest.objects.count()


class ImportRequestsTests(ImportCommandTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")
        cls.other = make_agency("other", "别的机关")

    def test_it_imports_english_keys(self):
        out, err, error = self.run_import(
            ledger_csv(
                [
                    HEADER,
                    [
                        "2020-0101",
                        "2020-03-02",
                        "natural_person",
                        "张三",
                        "post",
                        "某文件",
                        "granted",
                        "2020-03-20",
                    ],
                    ["2020-0102", "2020-04-01", "commercial", "", "", "", "", ""],
                ],
                bom=False,
            )
        )
        self.assertIsNone(error, err)
        self.assertIn("新建 2 条，更新 0 条，未改动 0 条", out)
        first = DisclosureRequest.objects.get(number="2020-0101")
        self.assertEqual(
            (first.agency, first.received_on, first.applicant_type, first.applicant_name),
            (self.agency, datetime.date(2020, 3, 2), "natural_person", "张三"),
        )
        self.assertEqual((first.channel, first.subject), ("post", "某文件"))
        self.assertEqual((first.outcome, first.decided_on), ("granted", datetime.date(2020, 3, 20)))
        second = DisclosureRequest.objects.get(number="2020-0102")
        # Blank cells are "not given": no outcome yet, the model's default channel.
        self.assertEqual((second.outcome, second.decided_on, second.channel), ("", None, "online"))

    def test_it_imports_chinese_headers_and_labels_with_a_bom(self):
        data = ledger_csv(
            [
                ["收到申请日期", "申请人类型", "申请方式", "办理结果", "答复日期", "申请编号"],
                ["2020-03-02", "自然人", "当面", "属于国家秘密", "2020-03-10", "A-1"],
                ["2020-03-03", "法律服务机构", "网络", "其他处理", "2020-03-11", "A-2"],
                ["2020-03-04", "其他", "传真", "其他", "2020-03-12", "A-3"],
            ]
        )
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        _, err, error = self.run_import(data)
        self.assertIsNone(error, err)
        stored = DisclosureRequest.objects.order_by("number").values_list(
            "number", "applicant_type", "channel", "outcome"
        )
        self.assertEqual(
            list(stored),
            [
                ("A-1", "natural_person", "in_person", "withheld_state_secret"),
                ("A-2", "legal_service", "online", "other"),
                ("A-3", "other_org", "fax", "other"),
            ],
        )

    def test_it_reads_the_first_sheet_of_an_xlsx_with_date_cells(self):
        data = ledger_xlsx(
            [
                ["申请编号", "收到申请日期", "申请人类型", "办理结果", "答复日期"],
                [
                    1024,
                    datetime.datetime(2020, 3, 2),
                    "自然人",
                    "予以公开",
                    datetime.date(2020, 3, 5),
                ],
                ["X-2", "2020-03-03", "commercial", "", None],
            ],
            extra_sheets=1,
        )
        _, err, error = self.run_import(data, name="台账.xlsx")
        self.assertIsNone(error, err)
        stored = DisclosureRequest.objects.order_by("number").values_list(
            "number", "received_on", "decided_on"
        )
        self.assertEqual(
            list(stored),
            [
                ("1024", datetime.date(2020, 3, 2), datetime.date(2020, 3, 5)),
                ("X-2", datetime.date(2020, 3, 3), None),
            ],
        )

    def test_it_reports_every_bad_row_and_stores_nothing(self):
        data = ledger_csv(
            [
                HEADER,
                ["A-1", "2020-03-02", "natural_person", "", "", "", "granted", "2020-03-20"],
                ["A-2", "2020/3/2", "natural_person", "", "", "", "", ""],
                ["A-3", "2020-02-30", "natural_person", "", "", "", "", ""],
                ["A-4", "2020-03-10", "natural_person", "", "", "", "granted", "2020-03-09"],
                ["A-5", "2020-03-10", "natural_person", "", "", "", "approved", "2020-03-19"],
                ["A-6", "2020-03-10", "person", "", "", "", "", ""],
                ["A-1", "2020-03-11", "natural_person", "", "", "", "", ""],
                ["A-8", "2020-03-10", "natural_person", "", "", "", "granted", ""],
                ["A-9", "", "natural_person", "", "", "", "", ""],
            ]
        )
        error = self.assert_refused(
            data,
            [
                "row 3: received_on: 日期应写成 YYYY-MM-DD（如 2020-03-02），而不是“2020/3/2”；"
                "用 Excel 编辑 CSV 时请把日期列设为文本，或直接导入 .xlsx",
                "row 4: received_on: 不存在的日期：“2020-02-30”",
                "row 5: decided_on: 答复日期不能早于收到申请日期。",
                "row 6: outcome: 未知的办理结果“approved”，"
                "应为导入格式说明中列出的代码（如 granted）或完整的中文名称（如 予以公开）",
                "row 7: applicant_type: 未知的申请人类型“person”，应为以下代码或名称之一："
                "natural_person（自然人）、commercial（商业企业）、research（科研机构）、"
                "public_interest（社会公益组织）、legal_service（法律服务机构）、other_org（其他）",
                "row 8: number: 与第 2 行的编号重复。",
                "row 9: decided_on: 办理结果和答复日期须同时填写：有结果就要有答复日期，反之亦然。",
                "row 10: received_on: 必须填写收到申请日期。",
            ],
        )
        self.assertEqual(str(error), "导入失败：8 处问题，未保存任何记录。")

    def test_it_refuses_an_unknown_column_a_repeated_one_and_a_missing_required_one(self):
        self.assert_refused(
            ledger_csv(
                [
                    ["number", "申请编号", "applicant_phone", "received_on"],
                    ["A", "", "1", "2020-03-02"],
                ]
            ),
            [
                "row 1: number: 列重复：第1列和第2列是同一列。",
                "row 1: applicant_type: 缺少必填的列“applicant_type”（申请人类型）。",
                "row 1: applicant_phone: 未知的列。可用的列：number（申请编号）、"
                "received_on（收到申请日期）、applicant_type（申请人类型）、applicant_name（申请人）、channel（申请方式）、"
                "subject（申请内容）、outcome（办理结果）、decided_on（答复日期）",
            ],
        )

    def test_it_refuses_an_existing_number_unless_updating(self):
        make_request(self.agency, number="A-1", received_on=datetime.date(2020, 3, 2))
        data = ledger_csv([HEADER, ["A-1", "2020-03-02", "commercial", "", "", "", "", ""]])
        self.assert_refused(
            data, ["row 2: number: 本机关已有相同编号的申请。如要更新已有记录，请使用 --update。"]
        )

    def test_it_updates_with_update_and_records_history(self):
        request = make_request(
            self.agency, number="A-1", channel="post", subject="原内容", notes="办理备注"
        )
        data = ledger_csv(
            [
                HEADER,
                [
                    "A-1",
                    "2020-03-02",
                    "commercial",
                    "某公司",
                    "",
                    "新内容",
                    "granted",
                    "2020-03-25",
                ],
                ["", "2020-05-06", "research", "", "", "", "", ""],
            ]
        )
        out, err, error = self.run_import(data, "--update")
        self.assertIsNone(error, err)
        self.assertIn("新建 1 条，更新 1 条，未改动 0 条", out)
        request.refresh_from_db()
        self.assertEqual(
            (request.applicant_type, request.subject, request.outcome),
            ("commercial", "新内容", "granted"),
        )
        # A blank channel is "not given": the stored one stays; fields outside the file too.
        self.assertEqual((request.channel, request.notes), ("post", "办理备注"))
        latest = request.history.latest()
        self.assertEqual(latest.history_type, "~")
        self.assertEqual(latest.history_change_reason, "导入台账 ledger.csv")

    def test_it_writes_a_history_row_for_each_created_request(self):
        data = ledger_csv([HEADER] + [["", "2020-03-02", "natural_person", "", "", "", "", ""]] * 3)
        _, err, error = self.run_import(data)
        self.assertIsNone(error, err)
        history = DisclosureRequest.history.filter(agency=self.agency)
        self.assertEqual(sorted(history.values_list("history_type", flat=True)), ["+"] * 3)
        # Each history row is a copy of its record, as simple_history would have written it.
        tracked = [f.attname for f in DisclosureRequest.history.model.tracked_fields]
        self.assertEqual(
            sorted(history.values_list(*tracked)),
            sorted(DisclosureRequest.objects.values_list(*tracked)),
        )
        for row in history:
            self.assertEqual(row.history_change_reason, "导入台账 ledger.csv")
            self.assertIsNone(row.history_user)
            self.assertIsNotNone(row.history_date)
            self.assertEqual(row.instance.history.count(), 1)

    def test_it_numbers_blank_rows_like_the_admin_after_the_numbers_the_file_gives(self):
        make_request(self.agency, number="2020-0007")
        make_request(self.other, number="2020-0050")  # another agency's numbers do not count
        data = ledger_csv(
            [
                HEADER,
                ["", "2020-03-02", "natural_person", "", "", "", "", ""],
                ["", "2021-01-04", "natural_person", "", "", "", "", ""],
                ["2020-0008", "2020-03-03", "natural_person", "", "", "", "", ""],
                ["", "2020-03-04", "natural_person", "", "", "", "", ""],
            ]
        )
        _, err, error = self.run_import(data)
        self.assertIsNone(error, err)
        numbers = DisclosureRequest.objects.filter(agency=self.agency).values_list(
            "number", "received_on"
        )
        self.assertEqual(
            dict(numbers),
            {
                "2020-0007": datetime.date(2020, 3, 2),  # already stored
                "2020-0009": datetime.date(2020, 3, 2),
                "2021-0001": datetime.date(2021, 1, 4),
                "2020-0008": datetime.date(2020, 3, 3),
                "2020-0010": datetime.date(2020, 3, 4),
            },
        )
        # The admin's own numbering continues from the same place.
        self.assertEqual(
            services.request_number_next(agency=self.agency, received_on=datetime.date(2020, 9, 9)),
            "2020-0011",
        )

    def test_it_gives_imported_requests_the_due_dates_the_admin_would(self):
        existing = make_request(self.agency, number="A-1", received_on=datetime.date(2020, 3, 2))
        data = ledger_csv(
            [
                HEADER,
                ["A-1", "2020-09-25", "natural_person", "", "", "", "", ""],
                ["A-2", "2020-09-25", "natural_person", "", "", "", "", ""],
                ["A-3", "2020-03-02", "natural_person", "", "", "", "", ""],
            ]
        )
        _, err, error = self.run_import(data, "--update")
        self.assertIsNone(error, err)
        for number, received_on in [
            ("A-1", "2020-09-25"),
            ("A-2", "2020-09-25"),
            ("A-3", "2020-03-02"),
        ]:
            imported = DisclosureRequest.objects.get(number=number)
            by_admin = make_request(
                self.other, received_on=datetime.date.fromisoformat(received_on)
            )
            self.assertIsNotNone(by_admin.due_on)
            self.assertEqual(imported.due_on, by_admin.due_on, number)
        existing.refresh_from_db()
        self.assertGreater(existing.due_on, datetime.date(2020, 10, 1))  # moved with received_on

    def test_it_keeps_the_events_in_the_due_date_of_an_updated_request(self):
        request = make_request(self.agency, number="A-1", received_on=datetime.date(2020, 3, 2))
        make_event(
            request,
            "extension",
            datetime.date(2020, 3, 20),
            period_days=20,
            approved_by="王主任",
            notified_on=datetime.date(2020, 3, 20),
        )
        request.refresh_from_db()
        extended = request.due_on
        data = ledger_csv([HEADER, ["A-1", "2020-03-02", "commercial", "", "", "", "", ""]])
        _, err, error = self.run_import(data, "--update")
        self.assertIsNone(error, err)
        request.refresh_from_db()
        self.assertEqual(request.applicant_type, "commercial")
        self.assertEqual(request.due_on, extended)
        self.assertGreater(extended, make_request(self.other).due_on)  # 40 working days, not 20

    def test_it_only_sees_the_chosen_agencys_records(self):
        theirs = make_request(self.other, number="A-1", subject="别的机关的申请")
        data = ledger_csv([HEADER, ["A-1", "2020-03-02", "commercial", "", "", "新的", "", ""]])
        _, err, error = self.run_import(data, "--update")
        self.assertIsNone(error, err)
        theirs.refresh_from_db()
        self.assertEqual(
            (theirs.subject, theirs.applicant_type), ("别的机关的申请", "natural_person")
        )
        self.assertEqual(DisclosureRequest.objects.get(agency=self.agency).subject, "新的")

    def test_it_skips_blank_rows_but_keeps_the_spreadsheet_row_numbers(self):
        data = ledger_csv(
            [
                HEADER,
                ["A-1", "2020-03-02", "natural_person", "", "", "", "", ""],
                [],
                ["", "", "", "", "", "", "", ""],
                ["A-2", "2020-03-02", "nobody", "", "", "", "", ""],
            ]
        )
        out, err, error = self.run_import(data)
        self.assertTrue(err.startswith("row 5: applicant_type: 未知的申请人类型“nobody”"), err)

    def test_it_shows_progress_when_asked(self):
        data = ledger_csv([HEADER] + [["", "2020-03-02", "natural_person", "", "", "", "", ""]] * 3)
        _, quiet, _ = self.run_import(data)
        self.assertEqual(quiet, "")
        _, err, error = self.run_import(data, "--progress")
        self.assertIsNone(error, err)
        self.assertEqual(err.splitlines(), ["保存 3/3 行…"])

    def test_it_refuses_an_empty_file_or_one_with_only_a_header(self):
        for data, message in [
            (b"", "ledger.csv：文件是空的。"),
            (b"\xef\xbb\xbf\r\n", "ledger.csv：文件是空的。"),
            (ledger_csv([HEADER]), "ledger.csv：文件只有表头，没有数据行。"),
        ]:
            with self.subTest(data=data):
                _, _, error = self.run_import(data)
                self.assertEqual(str(error), message)

    def test_it_refuses_a_file_that_is_neither_csv_nor_xlsx(self):
        gbk = "申请编号,收到申请日期\nA,2020-03-02\n".encode("gbk")
        cases = [
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Excel（.xls）"),
            (b"%PDF-1.4\n\x00\x01\x02binary", "既不是 CSV 也不是 .xlsx"),
            (b"PK\x03\x04not really a zip", "不是有效的 .xlsx"),
            (gbk, "不是 UTF-8 编码的 CSV（可能是 GBK 编码）"),
        ]
        for data, message in cases:
            with self.subTest(message=message):
                _, _, error = self.run_import(data)
                self.assertIn(message, str(error))

    def test_it_refuses_an_unknown_agency(self):
        with self.assertRaisesMessage(CommandError, "机关代码“nope”不存在"):
            call_command("import_requests", "--agency", "nope", "x.csv", stdout=StringIO())

    def test_its_columns_are_the_contracts(self):
        self.assertEqual(
            [(c.key, c.header, ledger.REQUESTS.is_required(c)) for c in ledger.REQUESTS.columns],
            [
                ("number", "申请编号", False),
                ("received_on", "收到申请日期", True),
                ("applicant_type", "申请人类型", True),
                ("applicant_name", "申请人", False),
                ("channel", "申请方式", False),
                ("subject", "申请内容", False),
                ("outcome", "办理结果", False),
                ("decided_on", "答复日期", False),
            ],
        )
