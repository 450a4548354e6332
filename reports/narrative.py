"""The text sections of the report: pre-filled from the data, written by the manager.

The pre-fill states the facts the tables and records give (items published per category, requests
received and how they were answered, review and litigation cases) in the phrasing real reports use,
and marks with 【…】 what only the manager can write; a report with 【…】 left cannot be published.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from disclosure.models import Agency, Outcome

from . import labels
from .data import ReportData
from .rules import outcome_row

PLACEHOLDER_RE = re.compile(r"【[^】]*】")
NARRATIVE_FIELDS = ("introduction", "overview", "problems", "other_matters")
NARRATIVE_TITLES = {
    "introduction": "引言",
    "overview": labels.SECTION_OVERVIEW,
    "problems": labels.SECTION_PROBLEMS,
    "other_matters": labels.SECTION_OTHER,
}
FEE_WORD = "信息处理费"

# How the pre-fill (and a manager following it) names the outcome groups of table 三; the same
# names drive the check that quoted numbers agree with the table.
OUTCOME_GROUPS = (
    ("予以公开", (Outcome.GRANTED.value,)),
    ("部分公开", (Outcome.PARTIAL.value,)),
    ("不予公开", Outcome.WITHHELD),
    ("无法提供", Outcome.UNAVAILABLE),
    ("不予处理", Outcome.REJECTED),
    ("其他处理", Outcome.OTHERS),
)


@dataclass(frozen=True)
class Narrative:
    introduction: str
    overview: str
    problems: str
    other_matters: str

    def sections(self) -> list[tuple[str, str]]:
        return [(field, getattr(self, field)) for field in NARRATIVE_FIELDS]


def narrative_of(report) -> Narrative:
    return Narrative(**{field: getattr(report, field) for field in NARRATIVE_FIELDS})


def outcome_group_total(data: ReportData, outcomes) -> int:
    """Total of the table-三 rows the given outcomes are counted in (2019 merges （六）)."""
    rows = {outcome_row(data.template, o) for o in outcomes}
    return sum(data.row(key).total for key in rows)


class FeeTotals(NamedTuple):
    """信息处理费 actually collected in the year (国办函〔2020〕109号)."""

    count: int
    amount_yuan: Decimal


def fee_sentence(year: int, fees: FeeTotals | None, *, who: str = "本机关") -> str:
    """The fee sentence of 六、其他需要报告的事项.

    ``fees`` are the totals from the requests' fee records (``selectors.fee_totals``: requests
    whose 信息处理费 was paid in the year, with the amounts of their fee_notice events). A year
    typed in from a paper report has no records, so its caller passes ``None`` and the manager
    states the fees, which the 【】 enforces.
    """
    if fees is None:
        return (
            f"【请填写{year}年度收取{FEE_WORD}的情况：收费件数和金额，"
            f"或写明“{year}年度{who}未收取{FEE_WORD}”】"
        )
    if fees.count == 0:
        return f"{year}年度{who}未收取{FEE_WORD}。"
    amount = f"{fees.amount_yuan.normalize():f}"
    return f"{year}年度{who}对{fees.count}件政府信息公开申请收取了{FEE_WORD}{amount}元。"


def narrative_prefill(
    *,
    agency: Agency,
    data: ReportData,
    items: tuple[tuple[str, int], ...],
    fees: FeeTotals | None = None,
) -> Narrative:
    """Sections pre-filled from the data; the manager completes what only they can write."""
    year = data.year
    topic_text = {
        "主动公开": _proactive_text(year, items),
        "依申请公开": _requests_text(data),
        "政府信息管理": "【请填写政府信息管理情况】",
        "政府信息公开平台建设": "【请填写政府信息公开平台建设情况】",
        "监督保障": _oversight_text(data),
    }
    overview = "\n".join(
        f"{labels.numbered(i)}{topic}\n{topic_text[topic]}"
        for i, topic in enumerate(labels.OVERVIEW_TOPICS, start=1)
    )
    problems = "【请填写上一年度报告所列问题的改进情况，以及本年度存在的主要问题和改进措施】"
    who = f"本机关和所属{len(data.units) - 1}个单位" if data.consolidated else "本机关"
    return Narrative(
        introduction=_introduction(agency, year) + _consolidated_note(data),
        overview=overview,
        problems=problems,
        other_matters=fee_sentence(year, fees, who=who),
    )


def _introduction(agency: Agency, year: int) -> str:
    """引言: the statutory opening, the reporting period, and the contact line if there is one."""
    contact = (
        f"如对本年度报告有疑问，请与{agency.contact_office}联系（{agency.contact_line}）。"
        if agency.contact_line
        else ""
    )
    return (
        f"根据《中华人民共和国政府信息公开条例》规定，特向社会公布{agency.name}{year}年度"
        f"政府信息公开工作年度报告。本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止，"
        "包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        "政府信息公开行政复议、行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
        f"{contact}"
    )


def _consolidated_note(data: ReportData) -> str:
    """The introduction of a consolidated report says what it sums (高淳区 2022: "由区政府办公室
    汇总编制") and where each unit's figures are."""
    if not data.consolidated:
        return ""
    typed = [unit.agency_name for unit in data.units if unit.typed]
    return (
        f"本报告由{data.agency_name}汇总编制，数据包括本机关和所属{len(data.units) - 1}个单位，"
        "各单位主要数据见附表"
        + (f"（{'、'.join(typed)}的数据按其纸质报告录入）" if typed else "")
        + "。"
    )


def units_sentence(data: ReportData, figure: str = "received") -> str:
    """The per-unit parenthesis of a consolidated report, in the 宿迁 style ("全市…3607件（市政府
    349件、市各有关部门933件、沭阳县477件…）"): the agency's own figure, then its direct units with
    units of their own (a lower government, its whole subtree), each by name, and the direct units
    without (departments) together, or by name when there is only one. "" for one agency.

    ``figure`` is a ``UnitFigures`` property: received, answered, carried_forward …"""
    if not data.consolidated or len(data.units) < 2:
        return ""
    top, rest = data.units[0], data.units[1:]
    branches: list[list] = []  # each direct unit, followed by the units under it
    for unit in rest:
        if unit.depth == 1 or not branches:
            branches.append([unit])
        else:
            branches[-1].append(unit)
    governments = [b for b in branches if len(b) > 1]
    departments = [b[0] for b in branches if len(b) == 1]
    parts = [f"{top.agency_name}本级{getattr(top, figure)}件"]
    if len(departments) == 1:
        parts.append(f"{departments[0].agency_name}{getattr(departments[0], figure)}件")
    elif departments:
        total = sum(getattr(unit, figure) for unit in departments)
        parts.append(f"所属{len(departments)}个部门{total}件")
    for branch in governments:
        parts.append(f"{branch[0].agency_name}{sum(getattr(u, figure) for u in branch)}件")
    return f"（{'、'.join(parts)}）"


def _proactive_text(year: int, items: tuple[tuple[str, int], ...]) -> str:
    """Overview topic 主动公开: items published in the year, per category."""
    published = sum(n for _name, n in items)
    if not published:
        return f"{year}年度共主动公开政府信息0条。"
    per_category = "；".join(f"{name}{n}条" for name, n in items)
    return f"{year}年度共主动公开政府信息{published}条。在主动公开的信息中，{per_category}。"


def _requests_text(data: ReportData) -> str:
    """Overview topic 依申请公开: requests received, carried over, decided (by outcome group)
    and carried forward, as table 三 gives them."""
    received = data.row(labels.ROW_RECEIVED).total
    carried_over = data.row(labels.ROW_CARRIED_OVER).total
    decided = data.row(labels.ROW_TOTAL).total
    carried_forward = data.row(labels.ROW_CARRIED_FORWARD).total
    answered = "，".join(
        f"{name}{total}件"
        for name, outcomes in OUTCOME_GROUPS
        if (total := outcome_group_total(data, outcomes))
    )
    return (
        f"{data.year}年度共收到政府信息公开申请{received}件{units_sentence(data)}，"
        f"上年结转{carried_over}件。"
        f"本年度办结{decided}件"
        + (f"，其中{answered}" if answered else "")
        + f"；结转下年度继续办理{carried_forward}件。"
    )


def _oversight_text(data: ReportData) -> str:
    """Overview topic 监督保障: review and litigation cases from table 四."""
    review = data.case_row("review").total
    litigation = sum(data.case_row(k).total for k in labels.TABLE4_ROWS if k != "review")
    return (
        f"{data.year}年度因政府信息公开工作被申请行政复议{review}件，被提起行政诉讼{litigation}件。"
        "【请填写工作考核、社会评议和责任追究结果情况】"
    )


# --- Formatting ----------------------------------------------------------------------------

_NUMBERED_RE = re.compile(r"^（[一二三四五六七八九十]{1,3}）")
_HEADING_MAX = 40  # characters; a longer opening sentence is body text


class Paragraph(NamedTuple):
    heading: str  # a "（一）…" heading that opens the paragraph, or ""
    text: str


def paragraphs(text: str) -> list[Paragraph]:
    """One paragraph per non-empty line. A line opening with "（一）" starts with a level-2
    heading: the whole line when it is short, else its first sentence (as in the seed:
    "（三）严守制度，密切回应社会公开需求。抓好……")."""
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if _NUMBERED_RE.match(line):
            end = line.find("。")
            if len(line) <= _HEADING_MAX and end in (-1, len(line) - 1):
                result.append(Paragraph(line, ""))
                continue
            if 0 < end < _HEADING_MAX:
                result.append(Paragraph(line[: end + 1], line[end + 1 :].strip()))
                continue
        result.append(Paragraph("", line))
    return result
