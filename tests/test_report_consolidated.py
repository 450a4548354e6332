"""The consolidated (汇总) report: a government, its departments and a county under it (with a
department of its own), records imported into each through the contract's importers, and a
department whose year is typed in from its paper report."""

import datetime
import json
import random
import subprocess
import tempfile
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosure.devtools.demo import load_demo
from disclosure.models import ApplicantType, CaseKind, Outcome, YearlyFigures
from reports import labels
from reports.data import report_data_from_json
from reports.document import report_document
from reports.models import Report, Scope
from reports.selectors import report_compile, report_compile_consolidated
from reports.services import (
    report_enter_tables,
    report_open,
    report_publish,
    report_refill_narrative,
    report_set_scope,
)
from tests.factories import (
    ledger_csv,
    log_in,
    make_agency,
    make_clerk,
    make_disclosure,
    make_manager,
    make_user,
)

D = datetime.date
YEAR = 2021
SEED_JSON = Path(__file__).parent / "fixtures" / "report_data_seed_2020.json"


def import_ledgers(agency, rng: random.Random, n: int) -> None:
    """``n`` requests received 2020–2022 (some still open) and a case per five, imported with
    ``import_requests`` / ``import_cases`` as an office would."""
    rows = [["number", "received_on", "applicant_type", "outcome", "decided_on"]]
    for i in range(n):
        received = D(2020, 1, 2) + datetime.timedelta(days=rng.randrange(900))
        open_ = rng.random() < 0.2
        decided = min(received + datetime.timedelta(days=rng.randrange(60)), D(2022, 12, 31))
        rows.append(
            [
                f"{agency.code}-{i}",
                received.isoformat(),
                rng.choice(ApplicantType.values),
                "" if open_ else rng.choice(Outcome.values),
                "" if open_ else decided.isoformat(),
            ]
        )
    cases = [["number", "kind", "filed_on", "result", "concluded_on"]]
    for i in range(0, n, 5):
        filed = D(2020, 3, 1) + datetime.timedelta(days=rng.randrange(800))
        result = rng.choice(["", "upheld", "corrected", "other"])
        concluded = filed + datetime.timedelta(days=rng.randrange(20, 200)) if result else None
        cases.append(
            [
                f"{agency.code}-C{i}",
                rng.choice(CaseKind.values),
                filed.isoformat(),
                result,
                concluded.isoformat() if concluded else "",
            ]
        )
    folder = Path(tempfile.mkdtemp())
    for command, table in (("import_requests", rows), ("import_cases", cases)):
        path = folder / f"{command}.csv"
        path.write_bytes(ledger_csv(table))
        call_command(command, "--agency", agency.code, str(path), stdout=StringIO())


def typed_tables(
    agency, *, year=YEAR, template="2021", received=5, carried_over=1, granted=4
) -> dict:
    """A paper report's tables in the ``report_data`` form (as a department not using the app
    would send them): balanced, every figure in the 自然人 column."""
    data = report_compile(agency=agency, year=year, template=template).to_json()
    del data["checks"]
    values = {
        labels.ROW_RECEIVED: received,
        labels.ROW_CARRIED_OVER: carried_over,
        "granted": granted,
        labels.ROW_TOTAL: granted,
        labels.ROW_CARRIED_FORWARD: received + carried_over - granted,
    }
    for row in data["table3"]["rows"]:
        if row["key"] in values:
            row["values"] = [values[row["key"]], 0, 0, 0, 0, 0, values[row["key"]]]
    data["table4"]["rows"][0]["values"] = [1, 0, 0, 1, 2]  # 行政复议: 1 维持, 1 尚未审结
    return data


class ConsolidatedTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.city = make_agency("city", "示例市人民政府")
        cls.education = make_agency("city-edu", "示例市教育局", parent=cls.city)
        cls.police = make_agency("city-police", "示例市公安局", parent=cls.city)
        cls.county = make_agency("county", "示例县人民政府", parent=cls.city)
        cls.county_health = make_agency("county-health", "示例县卫生健康局", parent=cls.county)
        cls.typed = make_agency("city-archive", "示例市档案馆", parent=cls.city)
        cls.outside = make_agency("elsewhere", "别的市人民政府")
        cls.manager = make_manager("city-manager", cls.city)
        cls.root = make_user("root", superuser=True)
        rng = random.Random(14)
        for agency, n in (
            (cls.city, 40),
            (cls.education, 60),
            (cls.police, 30),
            (cls.county, 25),
            (cls.county_health, 20),
            (cls.outside, 50),
        ):
            import_ledgers(agency, rng, n)
        # Table 二: documents and yearly figures of two units (and the typed unit's, from paper).
        for agency in (cls.education, cls.county_health):
            make_disclosure(agency, kind="normative_document", made_on=D(YEAR, 3, 1))
        YearlyFigures.objects.create(
            agency=cls.education, year=YEAR, licensing_decisions=15, fees_amount_wan_yuan="1.5"
        )
        YearlyFigures.objects.create(
            agency=cls.county, year=YEAR, licensing_decisions=7, fees_amount_wan_yuan="2.25"
        )
        cls.typed_report = report_open(agency=cls.typed, year=YEAR, template=None, user=cls.root)
        report_enter_tables(report=cls.typed_report, user=cls.root, data=typed_tables(cls.typed))
        cls.units = [cls.city, cls.education, cls.police, cls.typed, cls.county, cls.county_health]

    def consolidated(self, template="2021"):
        return report_compile_consolidated(agency=self.city, year=YEAR, template=template)


class ConsolidatedCompileTests(ConsolidatedTestCase):
    def test_it_lists_the_agency_and_every_unit_under_it_recursively_in_tree_order(self):
        data = self.consolidated()
        self.assertEqual(
            [(u.agency_code, u.depth) for u in data.units],
            [
                ("city", 0),
                ("city-archive", 1),
                ("city-edu", 1),
                ("city-police", 1),
                ("county", 1),
                ("county-health", 2),
            ],
        )
        self.assertNotIn("elsewhere", [u.agency_code for u in data.units])

    def test_it_makes_every_cell_of_tables_2_3_and_4_the_sum_of_the_units(self):
        for template in labels.TEMPLATE_NAMES:
            data = self.consolidated(template)
            # Unit by unit: each agency's own report (the typed one from its paper tables).
            own = [
                report_document(
                    agency=unit,
                    year=YEAR,
                    template=template if unit != self.typed else None,
                    report=Report.objects.filter(agency=unit, year=YEAR).first(),
                    scope="own",
                ).data
                for unit in self.units
                if template == "2021" or unit != self.typed
            ]
            for row in data.table3:
                with self.subTest(template=template, row=row.key):
                    expected = [sum(d.row(row.key).values[i] for d in own) for i in range(7)]
                    self.assertEqual(list(row.values), expected)
            for row in data.table4:
                expected = [sum(d.case_row(row.key).values[i] for d in own) for i in range(5)]
                self.assertEqual(list(row.values), expected)
            for row in data.table2:
                width = len(row.values)
                expected = [sum(d.table2_row(row.key).values[i] for d in own) for i in range(width)]
                self.assertEqual(list(row.values), expected)
        # The fixture is not empty: requests, cases, documents and yearly figures in the sums.
        self.assertGreater(data.row(labels.ROW_RECEIVED).total, 50)
        self.assertGreater(data.case_row("review").total, 0)
        self.assertEqual(data.table2_row("normative_documents")["issued"], 2)
        self.assertEqual(data.table2_row("licensing")["decisions"], 15 + 7)
        self.assertEqual(data.table2_row("fees")["amount_wan_yuan"], Decimal("3.75"))

    def test_it_passes_every_check_and_the_carry_over_identity_holds_for_the_sum(self):
        report = report_open(agency=self.city, year=YEAR, template=None, user=self.root)
        report_set_scope(report=report, scope=Scope.CONSOLIDATED, user=self.root)
        document = report_document(agency=self.city, year=YEAR, report=report)
        table_errors = [c for c in document.errors if not c.rule.startswith("narrative.")]
        self.assertEqual(table_errors, [])
        data = document.data
        for column in labels.TABLE3_COLUMNS:
            self.assertEqual(
                data.row("received")[column] + data.row("carried_over")[column],
                data.row("total")[column] + data.row("carried_forward")[column],
            )
        self.assertIn(
            "汇总了本机关和所属5个单位的数据（示例市档案馆的表格按纸质报告录入）。",
            [c.detail for c in document.checks if c.ok],
        )

    def test_it_sums_a_unit_typed_from_json_and_marks_it(self):
        data = self.consolidated()
        archive = next(u for u in data.units if u.agency_code == "city-archive")
        self.assertEqual(archive.source, "typed")
        self.assertEqual((archive.received, archive.answered, archive.review), (5, 4, 2))
        without = sum(u.received for u in data.units if not u.typed)
        self.assertEqual(data.row("received").total, without + 5)
        self.assertEqual(data.typed_units, ("示例市档案馆",))

    def test_it_leaves_out_typed_tables_of_the_other_template_and_blocks_publishing(self):
        data = self.consolidated("2019")
        self.assertNotIn("city-archive", [u.agency_code for u in data.units])
        self.assertEqual(data.left_out, (("示例市档案馆", "2021"),))
        document = report_document(
            agency=self.city, year=YEAR, template="2019", scope="consolidated"
        )
        [error] = [c for c in document.errors if c.rule == "units.summed"]
        self.assertIn("“示例市档案馆”的表格按2021年格式", error.detail)

    def test_it_blocks_a_typed_unit_whose_tables_do_not_balance(self):
        broken = typed_tables(self.typed, granted=3)  # 5 + 1 ≠ 3 + 2 … carried forward says 3
        for row in broken["table3"]["rows"]:
            if row["key"] == labels.ROW_CARRIED_FORWARD:
                row["values"] = [2, 0, 0, 0, 0, 0, 2]
        report_enter_tables(report=self.typed_report, user=self.root, data=broken)
        document = report_document(agency=self.city, year=YEAR, scope="consolidated")
        details = [c.detail for c in document.errors if c.rule == "units.tables"]
        self.assertTrue(details)
        self.assertTrue(all(d.startswith("“示例市档案馆”：表三") for d in details))

    def test_its_query_count_does_not_depend_on_the_number_of_units(self):
        def count():
            with CaptureQueriesContext(connection) as queries:
                self.consolidated()
            return len(queries)

        before = count()
        rng = random.Random(3)
        for n in range(8):
            unit = make_agency(
                f"extra-{n}", f"新增单位{n}", parent=self.county if n % 2 else self.city
            )
            import_ledgers(unit, rng, 5)
        extra = make_agency("extra-typed", "新增录入单位", parent=self.city)
        Report.objects.create(
            agency=extra, year=YEAR, template="2021", entered_data=typed_tables(extra)
        )
        self.assertEqual(len(self.consolidated().units), 6 + 9)
        self.assertEqual(count(), before)
        self.assertEqual(before, 6)

    def test_it_survives_a_cycle_of_parents(self):
        self.city.parent = self.county_health  # a superuser's slip in the agency form
        self.city.save()
        data = self.consolidated()
        self.assertEqual(len(data.units), 6)


class ConsolidatedNarrativeTests(ConsolidatedTestCase):
    def test_it_prefills_the_totals_and_the_per_unit_sentence(self):
        data = self.consolidated()
        document = report_document(agency=self.city, year=YEAR, scope="consolidated")
        received = {u.agency_code: u.received for u in data.units}
        departments = received["city-archive"] + received["city-edu"] + received["city-police"]
        county = received["county"] + received["county-health"]
        self.assertIn(
            f"{YEAR}年度共收到政府信息公开申请{data.row('received').total}件"
            f"（示例市人民政府本级{received['city']}件、所属3个部门{departments}件、"
            f"示例县人民政府{county}件），",
            document.narrative.overview,
        )
        self.assertIn(
            "本报告由示例市人民政府汇总编制，数据包括本机关和所属5个单位",
            document.narrative.introduction,
        )
        # A unit typed from paper has no fee records: the manager states the fees.
        self.assertIn("【请填写", document.narrative.other_matters)

    def test_its_numbers_agree_with_the_tables(self):
        report = report_open(agency=self.city, year=YEAR, template=None, user=self.root)
        report_set_scope(report=report, scope=Scope.CONSOLIDATED, user=self.root)
        report_refill_narrative(report=report, user=self.root)
        document = report_document(agency=self.city, year=YEAR, report=report)
        numbers = [c for c in document.checks if c.rule == "narrative.numbers"]
        self.assertEqual(
            [(c.ok, c.detail) for c in numbers], [(True, "正文引用的数字与表格一致。")]
        )


class ConsolidatedJsonTests(ConsolidatedTestCase):
    def run_command(self, *args) -> dict:
        out = StringIO()
        call_command("report_data", "--year", str(YEAR), *args, stdout=out, stderr=StringIO())
        return json.loads(out.getvalue())

    def test_it_adds_scope_and_units_after_table4(self):
        data = self.run_command("--agency", "city", "--scope", "consolidated")
        self.assertEqual(
            list(data),
            [
                "format",
                "agency",
                "year",
                "template",
                "table2",
                "table3",
                "table4",
                "scope",
                "units",
                "checks",
            ],
        )
        self.assertEqual(data["scope"], "consolidated")
        self.assertEqual(
            [(u["agency"]["code"], u["source"]) for u in data["units"]],
            [
                ("city", "records"),
                ("city-archive", "typed"),
                ("city-edu", "records"),
                ("city-police", "records"),
                ("county", "records"),
                ("county-health", "records"),
            ],
        )
        unit = data["units"][2]
        self.assertEqual(unit["agency"], {"code": "city-edu", "name": "示例市教育局"})
        self.assertEqual(list(unit), ["agency", "source", "table3", "table4"])
        own = self.run_command("--agency", "city-edu")
        self.assertEqual(
            unit["table3"]["rows"],
            [{"key": r["key"], "values": r["values"]} for r in own["table3"]["rows"]],
        )
        self.assertEqual(unit["table4"]["rows"], own["table4"]["rows"])
        # The top-level tables are the sums over units.
        for i, row in enumerate(data["table3"]["rows"]):
            sums = [
                sum(u["table3"]["rows"][i]["values"][c] for u in data["units"]) for c in range(7)
            ]
            self.assertEqual(row["values"], sums)

    def test_it_reads_its_own_consolidated_json_back(self):
        data = self.consolidated()
        parsed = report_data_from_json(json.loads(json.dumps(data.to_json())))
        self.assertEqual(parsed.to_json(), data.to_json())
        self.assertTrue(parsed.consolidated)

    def test_it_refuses_consolidated_for_an_agency_without_units(self):
        with self.assertRaisesMessage(CommandError, "没有下级单位"):
            self.run_command("--agency", "city-edu", "--scope", "consolidated")

    def test_it_writes_the_consolidated_pdf_with_the_appendix(self):
        path = Path(tempfile.mkdtemp()) / "city.pdf"
        with self.assertNoLogs("weasyprint", level="WARNING"):
            call_command(
                "report_pdf",
                "--agency",
                "city",
                "--year",
                str(YEAR),
                "--scope",
                "consolidated",
                "-o",
                str(path),
                stdout=StringIO(),
                stderr=StringIO(),
            )
        self.assertTrue(path.read_bytes().startswith(b"%PDF"))
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        self.assertIn("各单位政府信息公开申请和行政复议、行政诉讼情况", text)
        self.assertIn("示例市档案馆*", text)


class SeedOwnScopeTests(TestCase):
    """``--scope own`` (and no ``--scope``) print exactly what ``report_data`` printed before
    consolidated reports existed: tests/fixtures/report_data_seed_2020.json was written by the
    code of commit c53b290 for the demo (seed) report."""

    @classmethod
    def setUpTestData(cls):
        load_demo()

    def test_it_prints_the_seed_report_data_byte_for_byte(self):
        expected = SEED_JSON.read_text(encoding="utf-8")
        for args in ((), ("--scope", "own")):
            with self.subTest(args=args):
                path = Path(tempfile.mkdtemp()) / "seed.json"
                call_command(
                    "report_data",
                    "--agency",
                    "wzjgsw",
                    "--year",
                    "2020",
                    *args,
                    "-o",
                    str(path),
                    stderr=StringIO(),
                )
                self.assertEqual(path.read_bytes(), expected.encode("utf-8"))


class ConsolidatedAdminTests(ConsolidatedTestCase):
    def setUp(self):
        self.report = report_open(agency=self.city, year=YEAR, template=None, user=self.root)

    def test_a_parent_manager_switches_to_consolidated_and_sees_the_appendix(self):
        log_in(self.client, self.manager)
        response = self.client.post(
            reverse("admin:reports_report_scope", args=[self.report.pk]), {"scope": "consolidated"}
        )
        self.assertRedirects(
            response, reverse("admin:reports_report_preview", args=[self.report.pk])
        )
        self.report.refresh_from_db()
        self.assertEqual(self.report.scope, "consolidated")
        page = self.client.get(reverse("admin:reports_report_preview", args=[self.report.pk]))
        self.assertContains(page, "各单位政府信息公开申请和行政复议、行政诉讼情况")
        self.assertContains(page, "示例县卫生健康局")
        # No drill-down into the units' requests the parent's manager may not open.
        self.assertNotContains(page, "report_cell=")

    def test_a_department_manager_cannot_make_a_report_consolidated(self):
        manager = make_manager("edu-manager", self.education)
        report = report_open(agency=self.education, year=YEAR, template=None, user=manager)
        with self.assertRaisesMessage(ValidationError, "不能编制汇总报告"):
            report_set_scope(report=report, scope=Scope.CONSOLIDATED, user=manager)

    def test_a_clerk_of_the_parent_cannot_switch_the_scope(self):
        clerk = make_clerk("city-clerk", self.city)
        log_in(self.client, clerk)
        response = self.client.post(
            reverse("admin:reports_report_scope", args=[self.report.pk]), {"scope": "consolidated"}
        )
        self.assertEqual(response.status_code, 404)
        self.report.refresh_from_db()
        self.assertEqual(self.report.scope, "own")

    def test_a_consolidated_report_cannot_hold_typed_tables(self):
        report_set_scope(report=self.report, scope=Scope.CONSOLIDATED, user=self.root)
        with self.assertRaisesMessage(ValidationError, "汇总报告由各单位的数据汇总编制"):
            report_enter_tables(report=self.report, user=self.root, data=typed_tables(self.city))
        with self.assertRaisesMessage(ValidationError, "汇总报告由各单位的数据汇总编制"):
            report_set_scope(report=self.typed_report, scope=Scope.OWN, user=self.root)
            self.typed_report.scope = Scope.CONSOLIDATED
            self.typed_report.full_clean()

    def test_typed_tables_cannot_be_a_consolidated_json(self):
        data = self.consolidated().to_json()
        del data["checks"]
        data["agency"] = {"code": "city-edu", "name": "示例市教育局"}
        report = report_open(agency=self.education, year=YEAR, template=None, user=self.root)
        with self.assertRaisesMessage(ValidationError, "这是汇总报告的数据"):
            report_enter_tables(report=report, user=self.root, data=data)

    def test_publishing_it_stores_the_units_and_next_year_checks_against_them(self):
        report_set_scope(report=self.report, scope=Scope.CONSOLIDATED, user=self.root)
        self.report.overview = "（一）概述\n本年度工作正常开展。"
        self.report.problems = "无。"
        self.report.other_matters = "本年度未收取信息处理费。"
        self.report.save()
        version = report_publish(report=self.report, user=self.root)
        self.assertEqual(version.data["scope"], "consolidated")
        self.assertEqual(len(version.data["units"]), 6)
        self.assertIn("示例市档案馆*", version.html)
        # The archive's next year, typed too: it carries over the 2 it carried forward.
        report = report_open(agency=self.typed, year=YEAR + 1, template=None, user=self.root)
        next_year = typed_tables(self.typed, year=YEAR + 1, received=3, carried_over=2, granted=5)
        report_enter_tables(report=report, user=self.root, data=next_year)
        document = report_document(agency=self.city, year=YEAR + 1, scope="consolidated")
        [carry] = [c for c in document.checks if c.rule == "crossyear.carried_over"]
        self.assertEqual(
            (carry.ok, carry.detail),
            (
                True,
                f"表三“二、上年结转”与{YEAR}年度已发布汇总报告（第1版）“四、结转下年度继续办理”一致。",
            ),
        )
        # The agency's own report of the next year is not compared with last year's sum.
        own = report_document(agency=self.city, year=YEAR + 1, scope="own")
        [carry] = [c for c in own.checks if c.rule == "crossyear.carried_over"]
        self.assertFalse(carry.ok)


class ConsolidatedPreviousYearTests(ConsolidatedTestCase):
    def test_without_a_consolidated_report_last_year_it_sums_the_units_last_reports(self):
        for unit in self.units:
            if unit == self.typed:
                continue  # typed for 2021 only: give it a 2020 too
            data = report_compile(agency=unit, year=YEAR - 1, template="2019").to_json()
            del data["checks"]
            report = report_open(agency=unit, year=YEAR - 1, template=None, user=self.root)
            report_enter_tables(report=report, user=self.root, data=data)
        document = report_document(agency=self.city, year=YEAR, scope="consolidated")
        [carry] = [c for c in document.checks if c.rule == "crossyear.carried_over"]
        self.assertFalse(carry.ok)
        self.assertIn("各单位2020年度已发布（或录入）的报告也不齐全", carry.detail)
        last = typed_tables(self.typed, template="2019")
        last["year"] = YEAR - 1
        for row in last["table3"]["rows"]:  # the archive carried 1 forward into 2021
            if row["key"] == labels.ROW_CARRIED_FORWARD:
                row["values"] = [1, 0, 0, 0, 0, 0, 1]
            if row["key"] in (labels.ROW_TOTAL, "granted"):
                row["values"] = [5, 0, 0, 0, 0, 0, 5]
        report = report_open(agency=self.typed, year=YEAR - 1, template=None, user=self.root)
        report_enter_tables(report=report, user=self.root, data=last)
        document = report_document(agency=self.city, year=YEAR, scope="consolidated")
        [carry] = [c for c in document.checks if c.rule == "crossyear.carried_over"]
        self.assertEqual(
            (carry.ok, carry.detail),
            (
                True,
                "表三“二、上年结转”与2020年度各单位已发布（或录入）报告之和“四、结转下年度继续办理”一致。",
            ),
        )
