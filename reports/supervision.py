"""Supervision (监督): for the managers of a parent agency, every unit under it for a year — the
state of its annual report and the figures of its requests and cases.

Figures only: counts per agency, never a request, an applicant or a link to a record. Who may see
them is ``disclosure.access.may_supervise``; ``visible_to`` is not widened, so a unit's records
stay a 404 for the parent's managers unless they are also the unit's staff.

``supervision_rows`` runs a fixed number of queries however many units and records there are
(six): the tree, one GROUP BY agency over the subtree for each figure source, and the reports
and published versions of the year.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import openpyxl
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone

from disclosure.access import agency_tree
from disclosure.models import Agency, DisclosureRequest

from . import labels, rules
from .checks import narrative_checks, table_checks, units_checks, year_ended_check
from .data import (
    SCOPE_CONSOLIDATED,
    SOURCE_RECORDS,
    SOURCE_TYPED,
    ReportData,
    UnitFigures,
    report_data_from_json,
    sum_table3,
    sum_table4,
)
from .models import Report, ReportVersion
from .narrative import narrative_of
from .selectors import case_groups, request_groups, table3_from_groups, table4_from_groups

NOT_STARTED = "未开始"
DRAFT = "草稿"
FAILING = "检查未通过"
PUBLISHED = "已发布"
STATES = (NOT_STARTED, DRAFT, FAILING, PUBLISHED)  # the order of the 报告状态 column when sorted

# The columns, in printed order: (key, heading). The page sorts by any of them (``?o=key`` or
# ``?o=-key``); "unit" is the tree's order.
COLUMNS = (
    ("unit", "单位"),
    ("state", "报告状态"),
    ("received", "本年收到申请"),
    ("open", "目前未办结"),
    ("overdue", "目前已逾期"),
    ("late", "本年逾期答复"),
    ("review", "行政复议"),
    ("litigation", "行政诉讼"),
)
FIGURES = ("received", "open", "overdue", "late", "review", "litigation")


@dataclass(frozen=True)
class UnitRow:
    agency: Agency
    position: int  # in the tree's order
    depth: int  # 0: the supervising agency itself, 1: its units …
    state: str
    published_on: datetime.date | None
    version: int  # the published version (0 when unpublished)
    typed: bool  # the year's tables are typed in from paper: the figures come from them
    received: int
    open: int | None  # None: not known for a year typed in from paper
    overdue: int | None
    late: int | None
    review: int
    litigation: int

    @property
    def state_text(self) -> str:
        if self.state != PUBLISHED:
            return self.state
        suffix = f"，第{self.version}版" if self.version > 1 else ""
        return f"{PUBLISHED}（{self.published_on:%Y-%m-%d}{suffix}）"


def supervision_rows(
    *, agency: Agency, year: int, today: datetime.date, order: str = "unit"
) -> list[UnitRow]:
    """Every agency under ``agency`` (and the agency itself, first) for ``year``, in ``order``
    (a key of ``COLUMNS``, "-" in front for descending: validated by the caller)."""
    tree = agency_tree(agency)
    ids = [unit.pk for unit, _depth in tree]
    counts = _request_counts(ids, year, today)
    requests, cases = request_groups(ids, year), case_groups(ids, year)
    reports = {
        r.agency_id: r
        for r in Report.objects.filter(agency_id__in=ids, year=year)
        .select_related("agency")
        .order_by()
    }
    published = {
        row["agency_id"]: row
        for row in ReportVersion.objects.filter(agency_id__in=ids, year=year)
        .values("agency_id")
        .annotate(version=Max("version"), first=Min("published_at"))
        .order_by()
    }
    typed = {
        pk: report_data_from_json(
            report.entered_data, agency_code=report.agency.code, agency_name=report.agency.name
        )
        for pk, report in reports.items()
        if report.is_entered
    }
    year_data = _YearData(year, today, requests, cases, typed)
    rows = []
    for position, (unit, depth) in enumerate(tree):
        report = reports.get(unit.pk)
        own = year_data.unit(unit, depth, report.template if report else None)
        count = counts.get(unit.pk, {})
        version = published.get(unit.pk)
        rows.append(
            UnitRow(
                agency=unit,
                position=position,
                depth=depth,
                state=_state(report, version, tree[position:], year_data),
                published_on=timezone.localtime(version["first"]).date() if version else None,
                version=version["version"] if version else 0,
                typed=own.typed,
                received=own.received,
                open=None if own.typed else count.get("open", 0),
                overdue=None if own.typed else count.get("overdue", 0),
                late=None if own.typed else count.get("late", 0),
                review=own.review,
                litigation=own.litigation,
            )
        )
    return sort_rows(rows, order)


def sort_rows(rows: list[UnitRow], order: str) -> list[UnitRow]:
    """``rows`` by a column key ("-key": descending); ties keep the tree's order either way (a
    stable sort of rows already in that order)."""
    key = order.removeprefix("-")

    def sort_key(row: UnitRow):
        if key == "unit":
            return row.position
        if key == "state":
            return STATES.index(row.state), row.published_on or datetime.date.min
        # An unknown figure (a year typed from paper) counts as less than any known one.
        value = getattr(row, key)
        return value is not None, value or 0

    in_tree_order = sorted(rows, key=lambda row: row.position)
    return sorted(in_tree_order, key=sort_key, reverse=order.startswith("-"))


def totals(rows: list[UnitRow]) -> dict[str, int]:
    """The 合计 row: each figure summed over the units (unknown ones count as none)."""
    return {key: sum(getattr(row, key) or 0 for row in rows) for key in FIGURES}


def _request_counts(ids: list[int], year: int, today: datetime.date) -> dict[int, dict]:
    """Per agency: received in the year, open now, overdue now (open past the due date, as the
    request list's 已逾期 filter), answered late in the year (decided after the due date, as its
    逾期答复 filter): one query."""
    open_now = Q(decided_on__isnull=True)
    return {
        row["agency_id"]: row
        for row in DisclosureRequest.objects.filter(agency_id__in=ids)
        .values("agency_id")
        .annotate(
            open=Count("pk", filter=open_now),
            overdue=Count("pk", filter=open_now & Q(due_on__lt=today)),
            late=Count("pk", filter=rules.decided_q(year) & Q(decided_on__gt=F("due_on"))),
        )
        .order_by()
    }


@dataclass(frozen=True)
class _YearData:
    """The year's grouped counts of the whole tree, and its typed years: every unit's tables in
    any template without another query."""

    year: int
    today: datetime.date
    requests: dict[int, list[dict]]
    cases: dict[int, dict[str, dict]]
    typed: dict[int, ReportData]

    def unit(self, unit: Agency, depth: int, template: str | None) -> UnitFigures:
        """The unit's own tables 三 and 四: typed in from paper (in their own template), else
        from the records in ``template`` (the year's default when None)."""
        if unit.pk in self.typed:
            data = self.typed[unit.pk]
            return UnitFigures(unit.code, unit.name, SOURCE_TYPED, data.table3, data.table4, depth)
        return UnitFigures(
            unit.code,
            unit.name,
            SOURCE_RECORDS,
            table3_from_groups(
                self.requests[unit.pk], template or labels.default_template(self.year)
            ),
            table4_from_groups(self.cases[unit.pk]),
            depth,
        )

    def report_data(self, report: Report, subtree) -> ReportData:
        """The tables of ``report`` (its scope and template), as ``reports.selectors`` would
        compile them; ``subtree`` is the tree from the report's agency on."""
        unit, depth = subtree[0]
        template = report.template
        if report.scope != SCOPE_CONSOLIDATED:
            own = self.unit(unit, depth, template)
            return ReportData(unit.code, unit.name, self.year, template, (), own.table3, own.table4)
        members = [subtree[0]]
        for member, member_depth in subtree[1:]:
            if member_depth <= depth:
                break
            members.append((member, member_depth))
        units, left_out = [], []
        for member, member_depth in members:
            typed = self.typed.get(member.pk)
            if typed is not None and typed.template != template:
                left_out.append((member.name, typed.template))
            else:
                units.append(self.unit(member, member_depth, template))
        return ReportData(
            unit.code,
            unit.name,
            self.year,
            template,
            (),
            sum_table3([u.table3 for u in units], template),
            sum_table4([u.table4 for u in units]),
            scope=SCOPE_CONSOLIDATED,
            units=tuple(units),
            left_out=tuple(left_out),
        )


def _state(report, version, subtree, year_data: _YearData) -> str:
    """未开始 / 草稿 / 检查未通过 / 已发布. ``subtree`` is the tree from this unit on (its own
    units follow it, deeper)."""
    if version is not None:
        return PUBLISHED
    if report is None:
        return NOT_STARTED
    return FAILING if _blocking(report, subtree, year_data) else DRAFT


def _blocking(report: Report, subtree, year_data: _YearData) -> bool:
    """Whether a check that blocks publishing fails: the same error checks as the report page
    (``reports.document.report_document``: the tables' identities, a consolidated report's
    units, the narrative left unfinished, a year not ended), from the grouped counts instead of
    a compile per unit. Warnings do not change the state, so what they need is not read."""
    data = year_data.report_data(report, subtree)
    checks = table_checks(data)
    if data.consolidated:
        checks += units_checks(data, [])
    checks += narrative_checks(narrative_of(report), data, published_items=None)
    checks += year_ended_check(year=year_data.year, today=year_data.today)
    return any(check.blocks for check in checks)


def rows_xlsx(*, agency: Agency, year: int, rows: list[UnitRow]) -> bytes:
    """The page as an .xlsx workbook: one sheet, the same columns, the 合计 row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{year}年度"
    sheet.append([f"{agency.name}所属单位{year}年度政府信息公开情况"])
    sheet.append([heading for _key, heading in COLUMNS])
    for row in rows:
        sheet.append(
            [
                ("　" * max(row.depth - 1, 0)) + row.agency.name + ("*" if row.typed else ""),
                row.state_text,
                *(getattr(row, key) if getattr(row, key) is not None else "—" for key in FIGURES),
            ]
        )
    total = totals(rows)
    sheet.append(["合计", "", *(total[key] for key in FIGURES)])
    if any(row.typed for row in rows):
        sheet.append(["注：带*的单位本年度的表格按纸质报告录入，未办结、逾期数不详。"])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 24
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()
