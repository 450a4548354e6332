"""The checks a report must pass before it is published.

Errors block publishing: the identities of the format notes (annual-report-format.md §2.5 I-1 to
I-4) and an unfinished narrative. Warnings name the cells for the manager to look at: the
cross-year identities (I-5, I-6), numbers quoted in the narrative that disagree with the tables
(I-7), figures not typed in, fees not reported.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from . import labels
from .data import ReportData
from .narrative import (
    FEE_WORD,
    NARRATIVE_TITLES,
    OUTCOME_GROUPS,
    PLACEHOLDER_RE,
    FeeTotals,
    Narrative,
    outcome_group_total,
)
from .selectors import PreviousYear

ERROR = "error"
WARNING = "warning"
UNITS_WHERE = (
    "report-units"  # the appendix of a consolidated report (templates/reports/_units.html)
)


@dataclass(frozen=True)
class Check:
    rule: str  # a stable code for the JSON and the tests; the page shows ``detail`` only
    ok: bool
    detail: str
    level: str = ERROR
    # Where the manager fixes it: the id of a table cell ("t3-received-commercial", see
    # reports.render.cell_id) or of a narrative section ("narrative-overview"); not in the JSON.
    where: str = ""

    @property
    def blocks(self) -> bool:
        return not self.ok and self.level == ERROR

    def to_json(self) -> dict:
        return {"rule": self.rule, "ok": self.ok, "level": self.level, "detail": self.detail}


def _column(column: str) -> str:
    return f"“{labels.TABLE3_COLUMN_LABELS[column]}”列"


def _one_check(
    rule: str, problems: list[tuple[str, str]], ok_detail: str, level: str = ERROR
) -> list[Check]:
    """One passed check, or one failed check per (message, where) problem."""
    if not problems:
        return [Check(rule, True, ok_detail, level)]
    return [Check(rule, False, problem, level, where) for problem, where in problems]


def cell_where(table: str, row: str, column: str) -> str:
    """The id a table cell carries in the report body (the same rule as reports.render)."""
    return f"t{table}-{row}-{column}"


def narrative_where(field: str) -> str:
    return f"narrative-{field}"


def table_checks(data: ReportData) -> list[Check]:
    """The identities within the year's tables (errors)."""
    received = data.row(labels.ROW_RECEIVED)
    carried_over = data.row(labels.ROW_CARRIED_OVER)
    total = data.row(labels.ROW_TOTAL)
    carried_forward = data.row(labels.ROW_CARRIED_FORWARD)
    outcome_keys = labels.outcome_row_keys(data.template)

    balance, total_row = [], []
    for column in labels.TABLE3_COLUMNS:
        a, b, c, d = (
            received[column],
            carried_over[column],
            total[column],
            carried_forward[column],
        )
        if a + b != c + d:
            balance.append(
                (
                    f"表三{_column(column)}：一（{a}）+二（{b}）={a + b}，"
                    f"三（七）（{c}）+四（{d}）={c + d}，两者应相等。",
                    cell_where("3", labels.ROW_CARRIED_FORWARD, column),
                )
            )
        outcomes = sum(data.row(key)[column] for key in outcome_keys)
        if outcomes != c:
            total_row.append(
                (
                    f"表三{_column(column)}：三（七）总计为{c}，（一）至（六）各行之和为{outcomes}。",
                    cell_where("3", labels.ROW_TOTAL, column),
                )
            )
    total_column = []
    for row in data.table3:
        if sum(row.values[:-1]) != row.total:
            total_column.append(
                (
                    f"表三“{labels.row_name(data.template, row.key)}”行：总计为{row.total}，"
                    f"各类申请人之和为{sum(row.values[:-1])}。",
                    cell_where("3", row.key, labels.COLUMN_TOTAL),
                )
            )
    cases = []
    for row in data.table4:
        if sum(row.values[:-1]) != row.total:
            cases.append(
                (
                    f"表四“{labels.TABLE4_ROW_LABELS[row.key]}”：总计为{row.total}，"
                    f"结果维持、结果纠正、其他结果、尚未审结之和为{sum(row.values[:-1])}。",
                    cell_where("4", row.key, labels.COLUMN_TOTAL),
                )
            )
    return [
        *_one_check("table3.balance", balance, "表三每一列：一+二=三（七）+四。"),
        *_one_check(
            "table3.total_row", total_row, "表三每一列：三（七）总计=（一）至（六）各行之和。"
        ),
        *_one_check("table3.total_column", total_column, "表三每一行：总计=各类申请人之和。"),
        *_one_check(
            "table4.totals", cases, "表四每一组：总计=结果维持+结果纠正+其他结果+尚未审结。"
        ),
    ]


def cross_year_checks(data: ReportData, previous: PreviousYear | None) -> list[Check]:
    """This year's 上年结转 and 现行有效件数 against last year's published report (warnings)."""
    last_year = data.year - 1
    if previous is None:
        missing = (
            f"没有{last_year}年度已发布的汇总报告，各单位{last_year}年度已发布（或录入）的报告"
            "也不齐全，"
            if data.consolidated
            else f"没有{last_year}年度已发布的报告，也没有录入的{last_year}年度纸质报告，"
        )
        return [
            Check(
                "crossyear.carried_over",
                False,
                f"{missing}无法核对“二、上年结转政府信息公开申请数量”。",
                WARNING,
                cell_where("3", labels.ROW_CARRIED_OVER, labels.COLUMN_TOTAL),
            )
        ]
    carried_over = data.row(labels.ROW_CARRIED_OVER)
    last_forward = previous.data.row(labels.ROW_CARRIED_FORWARD)
    problems = [
        (
            f"表三“二、上年结转”{_column(column)}为{carried_over[column]}，"
            f"{previous.source}“四、结转下年度继续办理”{_column(column)}为{last_forward[column]}。",
            cell_where("3", labels.ROW_CARRIED_OVER, column),
        )
        for column in labels.TABLE3_COLUMNS
        if carried_over[column] != last_forward[column]
    ]
    checks = _one_check(
        "crossyear.carried_over",
        problems,
        f"表三“二、上年结转”与{previous.source}“四、结转下年度继续办理”一致。",
        WARNING,
    )
    if data.template == labels.TEMPLATE_2021 and previous.data.template == labels.TEMPLATE_2021:
        problems = []
        for key, label in labels.TABLE2_BLOCKS[labels.TEMPLATE_2021][0].rows:
            row, last = data.table2_row(key), previous.data.table2_row(key)
            expected = last["in_force"] + row["issued"] - row["repealed"]
            if row["in_force"] != expected:
                problems.append(
                    (
                        f"表二“{label}”现行有效件数为{row['in_force']}，按{previous.source}"
                        f"现行有效件数{last['in_force']}+本年制发{row['issued']}"
                        f"−本年废止{row['repealed']}应为{expected}。",
                        cell_where("2", key, "in_force"),
                    )
                )
        checks += _one_check(
            "crossyear.in_force",
            problems,
            f"表二现行有效件数=上年现行有效件数+本年制发件数−本年废止件数（{previous.source}）。",
            WARNING,
        )
    return checks


def figures_check(*, entered: bool, has_figures: bool, year: int) -> list[Check]:
    if entered or has_figures:
        return []
    return [
        Check(
            "table2.figures",
            False,
            f"尚未填写{year}年度主动公开数据（表二第二十条第（五）、（六）、（八）项等），表中按0计。",
            WARNING,
            "report-table2",
        )
    ]


def units_checks(data: ReportData, missing_figures: list[str]) -> list[Check]:
    """A consolidated report: every unit summed (errors name a unit that could not be, or whose
    typed tables break an identity: the sum would carry it), and the units whose 年度主动公开数据
    are missing (a warning, as for one agency)."""
    left_out = [
        (
            f"“{name}”的表格按{labels.TEMPLATE_NAMES[template]}录入，汇总报告为"
            f"{labels.TEMPLATE_NAMES[data.template]}，不能汇总：请按汇总报告的格式重新录入该单位"
            "的表格，或切换汇总报告的格式。",
            UNITS_WHERE,
        )
        for name, template in data.left_out
    ]
    broken = [
        (f"“{unit.agency_name}”：{check.detail}", UNITS_WHERE)
        for unit in data.units
        for check in table_checks(data.unit_data(unit))
        if check.blocks
    ]
    typed = [unit.agency_name for unit in data.units if unit.typed]
    summed = f"汇总了本机关和所属{len(data.units) - 1}个单位的数据" + (
        f"（{'、'.join(typed)}的表格按纸质报告录入）。" if typed else "。"
    )
    checks = [
        *_one_check("units.summed", left_out, summed),
        *_one_check("units.tables", broken, "各单位的表格均符合表三、表四的勾稽关系。"),
    ]
    if missing_figures:
        checks.append(
            Check(
                "table2.figures",
                False,
                f"以下单位尚未填写{data.year}年度主动公开数据（表二第二十条第（五）、（六）、（八）项等），"
                f"表中按0计：{'、'.join(missing_figures)}。",
                WARNING,
                "report-table2",
            )
        )
    return checks


def year_ended_check(*, year: int, today: datetime.date) -> list[Check]:
    """A year's report is published after the year: its figures are not final before
    (条例第四十九条: by 31 January / 31 March of the next year). Nothing when it has ended, so
    the data of past years is unchanged."""
    if year < today.year:
        return []
    return [
        Check(
            "report.year_open",
            False,
            f"{year}年度尚未结束，{year}年12月31日以后才能发布本年度报告（可以先编写和检查）。",
        )
    ]


def _quoted_numbers(data: ReportData, published_items: int | None, fees: FeeTotals | None):
    """(pattern, value in the tables, cell name) for the figures a narrative typically quotes."""
    review = data.case_row("review").total
    litigation = sum(data.case_row(k).total for k in labels.TABLE4_ROWS if k != "review")
    quoted = [
        (
            r"收到政府信息公开申请(\d+)件",
            data.row(labels.ROW_RECEIVED).total,
            "表三“一、本年新收”总计",
        ),
        (
            r"上年结转(?:政府信息公开申请)?(\d+)件",
            data.row(labels.ROW_CARRIED_OVER).total,
            "表三“二、上年结转”总计",
        ),
        (r"办结(?:政府信息公开申请)?(\d+)件", data.row(labels.ROW_TOTAL).total, "表三“（七）总计”"),
        (
            r"结转下年度(?:继续办理)?(\d+)件",
            data.row(labels.ROW_CARRIED_FORWARD).total,
            "表三“四、结转下年度继续办理”总计",
        ),
        (r"行政复议(\d+)件", review, "表四“行政复议”总计"),
        (r"行政诉讼(\d+)件", litigation, "表四“行政诉讼”两组总计之和"),
    ]
    for name, outcomes in OUTCOME_GROUPS:
        quoted.append(
            (rf"(?<!不){name}(\d+)件", outcome_group_total(data, outcomes), f"表三“{name}”")
        )
    if published_items is not None:
        quoted.append(
            (r"主动公开政府信息(\d+)条", published_items, "本年度已发布的主动公开信息条数")
        )
    if fees is not None:
        quoted += [
            (r"对(\d+)件政府信息公开申请收取", fees.count, "申请记录中本年度缴费的件数"),
            (rf"{FEE_WORD}(\d+(?:\.\d+)?)元", fees.amount_yuan, "申请记录中本年度收取的金额（元）"),
        ]
    return quoted


def narrative_checks(
    narrative: Narrative,
    data: ReportData,
    *,
    published_items: int | None,
    fees: FeeTotals | None = None,
) -> list[Check]:
    checks = []
    missing = [
        field
        for field in ("overview", "problems", "other_matters")
        if not getattr(narrative, field).strip()
    ]
    checks += _one_check(
        "narrative.complete",
        [(f"“{NARRATIVE_TITLES[field]}”尚未填写。", narrative_where(field)) for field in missing],
        "正文各部分均已填写。",
    )
    left = []
    for field, text in narrative.sections():
        for placeholder in PLACEHOLDER_RE.findall(text):
            left.append(
                (
                    f"“{NARRATIVE_TITLES[field]}”中还有待填写的内容：{placeholder}",
                    narrative_where(field),
                )
            )
    checks += _one_check("narrative.placeholders", left, "正文中没有待填写的【】内容。")

    contradictions = []
    for pattern, value, cell in _quoted_numbers(data, published_items, fees):
        for field, text in narrative.sections():
            for match in re.finditer(pattern, text):
                if Decimal(match.group(1)) != value:
                    contradictions.append(
                        (f"正文写“{match.group(0)}”，{cell}为{value}。", narrative_where(field))
                    )
    checks += _one_check("narrative.numbers", contradictions, "正文引用的数字与表格一致。", WARNING)
    if FEE_WORD not in narrative.other_matters:
        checks.append(
            Check(
                "narrative.fees",
                False,
                f"“{labels.SECTION_OTHER}”应说明收取{FEE_WORD}的情况（件数和金额，或未收取）。",
                WARNING,
                narrative_where("other_matters"),
            )
        )
    return checks
