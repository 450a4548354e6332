"""Reads for the year-on-year figures and the charts of a report: last year's tables, the last
five years' totals, the requests per month.

A past year's tables are taken as they were published (the latest version), else as typed in from
its paper report, else compiled from the records; a year with none of these (or only zeros from
the records, before the agency used the app) has no figures, and is left out rather than shown
as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.db.models.functions import ExtractMonth

from disclosure.models import Agency, DisclosureRequest
from disclosure.records import numbering

from . import labels, rules, selectors
from .data import SCOPE_OWN, ReportData, report_data_from_json
from .document import ReportDocument
from .models import Report, ReportVersion
from .narrative import OUTCOME_GROUPS, outcome_group_total

TREND_YEARS = 5


@dataclass(frozen=True)
class YearFigures:
    """The totals a reader compares from year to year, from one year's tables."""

    year: int
    source: str  # "已发布报告（第1版）", "纸质报告（录入）", "台账（未发布）", "本报告"
    received: int
    carried_over: int
    decided: int
    carried_forward: int
    outcomes: tuple[tuple[str, int], ...]  # (予以公开, n) … in OUTCOME_GROUPS order
    review: int
    litigation: int

    @classmethod
    def of(cls, data: ReportData, source: str) -> YearFigures:
        return cls(
            year=data.year,
            source=source,
            received=data.row(labels.ROW_RECEIVED).total,
            carried_over=data.row(labels.ROW_CARRIED_OVER).total,
            decided=data.row(labels.ROW_TOTAL).total,
            carried_forward=data.row(labels.ROW_CARRIED_FORWARD).total,
            outcomes=tuple(
                (name, outcome_group_total(data, outcomes)) for name, outcomes in OUTCOME_GROUPS
            ),
            review=data.case_row("review").total,
            litigation=sum(data.case_row(k).total for k in labels.TABLE4_ROWS if k != "review"),
        )

    def rows(self) -> list[tuple[str, int]]:
        """(label, value) in the order of the year-on-year table."""
        return [
            ("本年新收申请", self.received),
            ("上年结转申请", self.carried_over),
            ("本年办结申请", self.decided),
            *(
                (f"其中：{name}" if i == 0 else name, n)
                for i, (name, n) in enumerate(self.outcomes)
            ),
            ("结转下年度继续办理", self.carried_forward),
            ("行政复议", self.review),
            ("行政诉讼", self.litigation),
        ]


@dataclass(frozen=True)
class Change:
    label: str
    this_year: int
    last_year: int | None

    @property
    def difference(self) -> int | None:
        return None if self.last_year is None else self.this_year - self.last_year

    @property
    def text(self) -> str:
        """The change as printed: "+3（+60.0%）", "−2（−40.0%）", "持平", "+5" (last year 0), "—"
        (no last year)."""
        if self.last_year is None:
            return "—"
        diff = self.this_year - self.last_year
        if diff == 0:
            return "持平"
        sign = "+" if diff > 0 else "−"
        if self.last_year == 0:
            return f"{sign}{abs(diff)}"
        return f"{sign}{abs(diff)}（{sign}{abs(diff) / self.last_year:.1%}）"


@dataclass(frozen=True)
class YearOnYear:
    this_year: YearFigures
    last_year: YearFigures | None

    @property
    def changes(self) -> list[Change]:
        last = dict(self.last_year.rows()) if self.last_year else {}
        return [Change(label, value, last.get(label)) for label, value in self.this_year.rows()]


def _has_figures(data: ReportData) -> bool:
    return any(any(row.values) for row in data.table3) or any(any(r.values) for r in data.table4)


def past_years(*, agency: Agency, years: list[int], scope: str) -> dict[int, YearFigures]:
    """The figures of each past year that has any, in the same scope (本机关 or 汇总): published,
    else typed in (本机关), else compiled (two queries, plus a compilation per other year)."""
    years = [y for y in years if numbering.year_valid(y)]
    found: dict[int, YearFigures] = {}
    versions = ReportVersion.objects.filter(agency=agency, year__in=years).order_by(
        "year", "-version"
    )
    for version in versions:
        if version.year not in found:
            try:
                data = report_data_from_json(
                    version.data, agency_code=agency.code, agency_name=agency.name
                )
            except ValidationError:  # not readable as tables: the trend goes without it
                continue
            if data.scope == scope:
                found[version.year] = YearFigures.of(data, f"已发布报告（第{version.version}版）")
    if scope == SCOPE_OWN:
        entered = Report.objects.filter(agency=agency, year__in=years, entered_data__isnull=False)
        for report in entered.exclude(year__in=list(found)):
            data = report_data_from_json(
                report.entered_data, agency_code=agency.code, agency_name=agency.name
            )
            found[report.year] = YearFigures.of(data, "纸质报告（录入）")
    for year in years:
        if year not in found:
            data = selectors.report_data(
                agency=agency,
                year=year,
                template=labels.default_template(year),
                report=None,
                scope=scope,
            )
            if _has_figures(data):
                found[year] = YearFigures.of(data, "台账（未发布）")
    return found


def year_on_year(document: ReportDocument) -> YearOnYear:
    year = document.year
    scope = document.data.scope
    last = past_years(agency=document.agency, years=[year - 1], scope=scope).get(year - 1)
    return YearOnYear(YearFigures.of(document.data, "本报告"), last)


def five_year_trend(document: ReportDocument) -> list[YearFigures]:
    """This year and the four before it that have figures, oldest first."""
    years = list(range(document.year - TREND_YEARS + 1, document.year))
    found = past_years(agency=document.agency, years=years, scope=document.data.scope)
    return [found[y] for y in years if y in found] + [YearFigures.of(document.data, "本报告")]


def requests_per_month(document: ReportDocument) -> tuple[list[int], list[int]] | None:
    """(received, answered) in each month of the year, by the counting rules of table 三 (一 and
    三（七）); ``None`` for tables typed in from paper, which have no records behind them. A
    consolidated report counts its units' records (not those typed in from paper)."""
    data = document.data
    if data.consolidated:
        codes = [unit.agency_code for unit in data.units if not unit.typed]
        requests = DisclosureRequest.objects.filter(agency__code__in=codes)
    elif document.report is not None and document.report.is_entered:
        return None
    else:
        requests = DisclosureRequest.objects.filter(agency=document.agency)
    year = document.year

    def per_month(rule, field: str) -> list[int]:
        counts = [0] * 12
        rows = (
            requests.filter(rule)
            .annotate(month=ExtractMonth(field))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts[row["month"] - 1] = row["n"]
        return counts

    return per_month(rules.received_q(year), "received_on"), per_month(
        rules.decided_q(year), "decided_on"
    )
