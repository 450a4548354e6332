"""The checks: identities of the tables (errors that block publishing), cross-year and narrative
warnings that name the cells. Tables typed in from a paper report go through the same checks."""

import datetime
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from reports import services
from reports.checks import narrative_checks, table_checks
from reports.data import report_data_from_json
from reports.document import report_document
from reports.models import Report, ReportVersion
from reports.narrative import FeeTotals, Narrative
from reports.selectors import report_compile
from tests.factories import make_agency, make_manager, make_request

D = datetime.date


def tables_json(agency, year, template):
    """The JSON of an all-zero report, to be filled in like a paper report."""
    data = report_compile(agency=make_agency(), year=year, template=template).to_json()
    data["agency"] = {"code": agency.code, "name": agency.name}
    del data["checks"]
    return data


def set_row(data, key, values):
    row = next(r for r in data["table3"]["rows"] if r["key"] == key)
    row["values"] = values


def failing(checks, rule):
    return [c.detail for c in checks if c.rule == rule and not c.ok]


class TableIdentityTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="某局")

    def _checks(self, data):
        return table_checks(report_data_from_json(data, agency_code=self.agency.code))

    def test_it_passes_a_consistent_paper_table(self):
        data = tables_json(self.agency, 2019, "2019")
        set_row(data, "received", [3, 1, 0, 0, 0, 0, 4])
        set_row(data, "granted", [2, 1, 0, 0, 0, 0, 3])
        set_row(data, "total", [2, 1, 0, 0, 0, 0, 3])
        set_row(data, "carried_forward", [1, 0, 0, 0, 0, 0, 1])
        checks = self._checks(data)
        self.assertEqual(
            [(c.rule, c.ok) for c in checks],
            [
                ("table3.balance", True),
                ("table3.total_row", True),
                ("table3.total_column", True),
                ("table4.totals", True),
            ],
            [c.detail for c in checks if not c.ok],
        )

    def test_it_fails_the_printed_identity_naming_the_column(self):
        data = tables_json(self.agency, 2019, "2019")
        set_row(data, "received", [3, 0, 0, 0, 0, 0, 3])
        set_row(data, "granted", [2, 0, 0, 0, 0, 0, 2])
        set_row(data, "total", [2, 0, 0, 0, 0, 0, 2])
        problems = failing(self._checks(data), "table3.balance")
        self.assertEqual(len(problems), 2)  # 自然人 and 总计
        self.assertIn("“自然人”列：一（3）+二（0）=3，三（七）（2）+四（0）=2", problems[0])
        self.assertIn("“总计”列", problems[1])

    def test_it_fails_a_total_row_that_is_not_the_sum_of_the_outcomes(self):
        data = tables_json(self.agency, 2021, "2021")
        set_row(data, "received", [2, 0, 0, 0, 0, 0, 2])
        set_row(data, "granted", [1, 0, 0, 0, 0, 0, 1])
        set_row(data, "total", [2, 0, 0, 0, 0, 0, 2])
        problems = failing(self._checks(data), "table3.total_row")
        self.assertIn("三（七）总计为2，（一）至（六）各行之和为1", problems[0])

    def test_it_fails_a_row_whose_total_is_not_the_sum_of_the_applicants(self):
        data = tables_json(self.agency, 2021, "2021")
        set_row(data, "withheld_third_party", [1, 1, 0, 0, 0, 0, 3])
        problems = failing(self._checks(data), "table3.total_column")
        self.assertEqual(
            problems, ["表三“（三）4.保护第三方合法权益”行：总计为3，各类申请人之和为2。"]
        )

    def test_it_fails_a_table4_total(self):
        data = tables_json(self.agency, 2021, "2021")
        data["table4"]["rows"][1]["values"] = [1, 0, 0, 1, 1]
        problems = failing(self._checks(data), "table4.totals")
        self.assertIn("未经复议直接起诉", problems[0])
        self.assertIn("总计为1", problems[0])

    def test_it_rejects_malformed_tables_with_every_problem_named(self):
        data = tables_json(self.agency, 2021, "2021")
        data["table2"]["fees"] = {"amount_wan_yuan": 12.5}
        set_row(data, "granted", [1, -1, 0, 0, 0, 0])
        data["table3"]["rows"] = [r for r in data["table3"]["rows"] if r["key"] != "partial"]
        data["table2"]["procurement"] = {"projects": 1, "amount_wan_yuan": "1"}
        with self.assertRaises(ValidationError) as raised:
            report_data_from_json(data, agency_code=self.agency.code)
        messages = "\n".join(raised.exception.messages)
        self.assertIn("table2.fees.amount_wan_yuan", messages)
        self.assertIn("table2.procurement：2021格式的表二没有这一项", messages)
        self.assertIn("table3.granted：应为7个整数的列表", messages)
        self.assertIn("table3.partial：缺少这一行", messages)

    def test_it_refuses_tables_of_another_agency(self):
        data = tables_json(self.agency, 2021, "2021")
        data["agency"]["code"] = "elsewhere"
        with self.assertRaisesMessage(ValidationError, "不是本机关"):
            report_data_from_json(data, agency_code=self.agency.code)


class CrossYearTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.manager = make_manager("manager", cls.agency)
        # One request received in 2020 and answered in 2021: carried over into 2021.
        make_request(cls.agency, received_on=D(2020, 12, 28), applicant_type="commercial")
        make_request(
            cls.agency,
            received_on=D(2021, 3, 1),
            outcome="granted",
            decided_on=D(2021, 3, 10),
        )

    def _paper_2020(self, carried_forward, *, template="2019", in_force=None):
        data = tables_json(self.agency, 2020, template)
        total = sum(carried_forward)
        set_row(data, "received", [*carried_forward, total])
        set_row(data, "carried_forward", [*carried_forward, total])
        if in_force is not None:
            data["table2"]["normative_documents"] = {
                "issued": 0,
                "repealed": 0,
                "in_force": in_force,
            }
        report = Report.objects.create(agency=self.agency, year=2020, template=template)
        services.report_enter_tables(report=report, user=self.manager, data=data)

    def _checks(self, rule, template="2021"):
        document = report_document(agency=self.agency, year=2021, template=template)
        return [c for c in document.checks if c.rule == rule]

    def test_it_warns_when_there_is_no_last_year_to_compare_with(self):
        (check,) = self._checks("crossyear.carried_over")
        self.assertFalse(check.ok)
        self.assertEqual(check.level, "warning")
        self.assertIn("没有2020年度已发布的报告", check.detail)

    def test_it_agrees_with_last_years_paper_report(self):
        self._paper_2020([0, 1, 0, 0, 0, 0])
        (check,) = self._checks("crossyear.carried_over")
        self.assertTrue(check.ok, check.detail)

    def test_it_names_the_cells_that_disagree_with_last_years_paper_report(self):
        self._paper_2020([2, 1, 0, 0, 0, 0])
        checks = self._checks("crossyear.carried_over")
        details = [c.detail for c in checks if not c.ok]
        self.assertEqual(
            details,
            [
                "表三“二、上年结转”“自然人”列为0，2020年度纸质报告（录入）“四、结转下年度继续办理”“自然人”列为2。",
                "表三“二、上年结转”“总计”列为1，2020年度纸质报告（录入）“四、结转下年度继续办理”“总计”列为3。",
            ],
        )
        self.assertEqual([c.level for c in checks], ["warning"] * len(details))

    def test_it_prefers_last_years_published_report(self):
        self._paper_2020([0, 1, 0, 0, 0, 0])
        published = tables_json(self.agency, 2020, "2019")
        set_row(published, "received", [0, 0, 0, 0, 1, 0, 1])
        set_row(published, "carried_forward", [0, 0, 0, 0, 1, 0, 1])
        ReportVersion.objects.create(
            agency=self.agency,
            year=2020,
            version=1,
            template="2019",
            title="t",
            pdf="x.pdf",
            pdf_sha256="0" * 64,
            data=published,
            html="",
            published_at=timezone.now(),
        )
        details = [c.detail for c in self._checks("crossyear.carried_over") if not c.ok]
        self.assertIn(
            "2020年度已发布报告（第1版）“四、结转下年度继续办理”“法律服务机构”列为1", details[1]
        )

    def test_it_warns_when_the_in_force_count_does_not_follow_last_years(self):
        self._paper_2020([0, 1, 0, 0, 0, 0], template="2021", in_force=7)
        (check,) = self._checks("crossyear.in_force")
        self.assertFalse(check.ok)
        self.assertEqual(
            check.detail,
            "表二“行政规范性文件”现行有效件数为0，按2020年度纸质报告（录入）现行有效件数7"
            "+本年制发0−本年废止0应为7。",
        )

    def test_it_does_not_compare_in_force_with_a_trial_format_year(self):
        self._paper_2020([0, 1, 0, 0, 0, 0], template="2019")
        self.assertEqual(self._checks("crossyear.in_force"), [])


class NarrativeCheckTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        agency = make_agency()
        make_request(agency, received_on=D(2021, 2, 1), outcome="granted", decided_on=D(2021, 2, 5))
        make_request(
            agency, received_on=D(2021, 2, 2), outcome="other_unpaid_fee", decided_on=D(2021, 3, 5)
        )
        cls.data = report_compile(agency=agency, year=2021, template="2021")

    def _narrative(self, overview="情况良好。", problems="无。", other="本年度未收取信息处理费。"):
        return Narrative(introduction="", overview=overview, problems=problems, other_matters=other)

    def test_it_accepts_numbers_that_agree_with_the_tables(self):
        text = (
            "2021年度共收到政府信息公开申请2件，上年结转0件。"
            "本年度办结2件，其中予以公开1件，其他处理1件；结转下年度继续办理0件。"
        )
        checks = narrative_checks(self._narrative(text), self.data, published_items=None)
        self.assertEqual(
            [(c.rule, c.ok) for c in checks],
            [
                ("narrative.complete", True),
                ("narrative.placeholders", True),
                ("narrative.numbers", True),
            ],
            [c.detail for c in checks if not c.ok],
        )

    def test_it_warns_about_numbers_that_contradict_the_tables(self):
        text = (
            "共收到政府信息公开申请5件，其中予以公开2件，不予公开1件。"
            "被申请行政复议1件。主动公开政府信息9条。"
        )
        checks = narrative_checks(self._narrative(text), self.data, published_items=4)
        problems = failing(checks, "narrative.numbers")
        self.assertEqual(
            problems,
            [
                "正文写“收到政府信息公开申请5件”，表三“一、本年新收”总计为2。",
                "正文写“行政复议1件”，表四“行政复议”总计为0。",
                "正文写“予以公开2件”，表三“予以公开”为1。",
                "正文写“不予公开1件”，表三“不予公开”为0。",
                "正文写“主动公开政府信息9条”，本年度已发布的主动公开信息条数为4。",
            ],
        )
        levels = [c.level for c in checks if c.rule == "narrative.numbers"]
        self.assertEqual(levels, ["warning"] * len(problems))

    def test_it_checks_the_fee_sentence_against_the_fee_records(self):
        other = "本机关对2件政府信息公开申请收取了信息处理费300元。"
        checks = narrative_checks(
            self._narrative(other=other),
            self.data,
            published_items=None,
            fees=FeeTotals(2, Decimal("200.00")),
        )
        self.assertEqual(
            failing(checks, "narrative.numbers"),
            ["正文写“信息处理费300元”，申请记录中本年度收取的金额（元）为200.00。"],
        )

    def test_it_blocks_placeholders_and_empty_sections(self):
        checks = narrative_checks(
            self._narrative(overview="【请填写】", problems=""), self.data, published_items=None
        )
        errors = [c.detail for c in checks if c.blocks]
        self.assertIn("“五、存在的主要问题及改进情况”尚未填写。", errors)
        self.assertIn("“一、总体情况”中还有待填写的内容：【请填写】", errors)

    def test_it_warns_when_fees_are_not_reported(self):
        checks = narrative_checks(self._narrative(other="无。"), self.data, published_items=None)
        (fee,) = [c for c in checks if c.rule == "narrative.fees"]
        self.assertFalse(fee.ok)
        self.assertEqual(fee.level, "warning")


class PaperTablesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.manager = make_manager("manager", cls.agency)

    def test_it_stores_paper_tables_and_reports_them_instead_of_the_records(self):
        make_request(self.agency, received_on=D(2019, 5, 1))
        data = tables_json(self.agency, 2019, "2019")
        set_row(data, "received", [4, 0, 0, 0, 0, 0, 4])
        set_row(data, "carried_forward", [4, 0, 0, 0, 0, 0, 4])
        report = Report.objects.create(agency=self.agency, year=2019, template="2019")
        services.report_enter_tables(
            report=report, user=self.manager, data=json.loads(json.dumps(data))
        )
        document = report_document(agency=self.agency, year=2019, report=report)
        self.assertEqual(document.data.row("received").total, 4)
        self.assertEqual(
            sorted({c.rule for c in document.checks if not c.ok}),
            ["crossyear.carried_over", "narrative.complete", "narrative.fees"],
        )

    def test_it_refuses_tables_of_another_year(self):
        report = Report.objects.create(agency=self.agency, year=2019, template="2019")
        with self.assertRaisesMessage(ValidationError, "表格数据是2018年度的，不是2019年度"):
            services.report_enter_tables(
                report=report, user=self.manager, data=tables_json(self.agency, 2018, "2019")
            )
