"""``report_data`` and ``report_pdf`` exactly as in the interchange contract."""

import datetime
import json
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from disclosure.models import Outcome
from reports import labels
from tests.factories import make_agency, make_request

D = datetime.date


class ReportDataCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(code="wzjgsw", name="温州市机关事务管理局")
        make_request(
            cls.agency, received_on=D(2020, 6, 15), outcome="granted", decided_on=D(2020, 7, 3)
        )
        make_request(
            cls.agency,
            received_on=D(2021, 2, 1),
            outcome="other_no_correction",
            decided_on=D(2021, 4, 1),
        )

    def _run(self, *args):
        out = StringIO()
        call_command("report_data", "--agency", "wzjgsw", *args, stdout=out, stderr=StringIO())
        return json.loads(out.getvalue())

    def test_it_prints_the_contract_format_for_the_trial_template(self):
        data = self._run("--year", "2020")
        self.assertEqual(data["format"], "ogi-annual-report/1")
        self.assertEqual(data["agency"], {"code": "wzjgsw", "name": "温州市机关事务管理局"})
        self.assertEqual((data["year"], data["template"]), (2020, "2019"))
        self.assertEqual(
            list(data["table2"]),
            [
                "regulations",
                "normative_documents",
                "licensing",
                "other_services",
                "penalty",
                "coercion",
                "fees",
                "procurement",
            ],
        )
        self.assertEqual(data["table2"]["procurement"], {"projects": 0, "amount_wan_yuan": "0"})
        self.assertEqual(
            data["table3"]["columns"],
            [
                "natural_person",
                "commercial",
                "research",
                "public_interest",
                "legal_service",
                "other_org",
                "total",
            ],
        )
        rows = data["table3"]["rows"]
        self.assertEqual(len(rows), 23)
        self.assertEqual(
            rows[0],
            {
                "key": "received",
                "label": "一、本年新收政府信息公开申请数量",
                "values": [1, 0, 0, 0, 0, 0, 1],
            },
        )
        self.assertEqual(
            rows[2], {"key": "granted", "label": "（一）予以公开", "values": [1, 0, 0, 0, 0, 0, 1]}
        )
        self.assertEqual(rows[-2]["label"], "（七）总计")
        self.assertEqual(rows[-1]["key"], "carried_forward")
        self.assertEqual(
            [r["key"] for r in rows[2:-2]],
            [o for o in Outcome.values if o not in ("other_no_correction", "other_unpaid_fee")],
        )
        self.assertEqual(
            data["table4"]["columns"], ["upheld", "corrected", "other", "pending", "total"]
        )
        self.assertEqual(
            [r["key"] for r in data["table4"]["rows"]],
            ["review", "litigation_direct", "litigation_after_review"],
        )
        self.assertIn(
            {
                "rule": "table3.balance",
                "ok": True,
                "level": "error",
                "detail": "表三每一列：一+二=三（七）+四。",
            },
            data["checks"],
        )

    def test_it_defaults_to_the_2021_template_from_2021(self):
        data = self._run("--year", "2021")
        self.assertEqual(data["template"], "2021")
        self.assertEqual(
            data["table2"]["normative_documents"], {"issued": 0, "repealed": 0, "in_force": 0}
        )
        self.assertEqual(data["table2"]["fees"], {"amount_wan_yuan": "0"})
        self.assertEqual(len(data["table3"]["rows"]), 25)
        row = next(r for r in data["table3"]["rows"] if r["key"] == "other_no_correction")
        self.assertEqual(row["values"], [1, 0, 0, 0, 0, 0, 1])

    def test_it_follows_an_explicit_template(self):
        data = self._run("--year", "2021", "--template", "2019")
        self.assertEqual(data["template"], "2019")
        other = next(r for r in data["table3"]["rows"] if r["key"] == "other")
        self.assertEqual(other["values"], [1, 0, 0, 0, 0, 0, 1])
        self.assertEqual(len(data["table3"]["rows"]), len(labels.table3_rows("2019")))

    def test_it_writes_a_file(self):
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / "r.json"
        call_command(
            "report_data",
            "--agency",
            "wzjgsw",
            "--year",
            "2020",
            "-o",
            str(path),
            stdout=StringIO(),
            stderr=StringIO(),
        )
        self.assertEqual(json.loads(path.read_text(encoding="utf-8"))["year"], 2020)

    def test_it_refuses_an_unknown_agency(self):
        with self.assertRaisesMessage(CommandError, "机关代码“nope”不存在"):
            call_command("report_data", "--agency", "nope", "--year", "2020", stdout=StringIO())


class ReportPdfCommandTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_agency(code="wzjgsw", name="温州市机关事务管理局")

    def test_it_writes_the_pdf(self):
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / "r.pdf"
        out = StringIO()
        call_command(
            "report_pdf",
            "--agency",
            "wzjgsw",
            "--year",
            "2021",
            "-o",
            str(path),
            stdout=out,
            stderr=StringIO(),
        )
        self.assertTrue(path.read_bytes().startswith(b"%PDF"))
        self.assertIn("已写入", out.getvalue())

    def test_it_requires_an_output_file(self):
        with self.assertRaises(CommandError):
            call_command("report_pdf", "--agency", "wzjgsw", "--year", "2021")
