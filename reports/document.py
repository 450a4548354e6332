"""Everything one report is made of at a given moment: tables, narrative, checks.

The preview, the PDF, the ``report_data`` / ``report_pdf`` commands and publishing all start from
``report_document``, so they show the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from disclosure.models import Agency, YearlyFigures

from . import selectors
from .checks import (
    Check,
    cross_year_checks,
    figures_check,
    narrative_checks,
    table_checks,
    units_checks,
    year_ended_check,
)
from .data import ReportData
from .models import Report, ReportVersion
from .narrative import FeeTotals, Narrative, narrative_of, narrative_prefill


@dataclass(frozen=True)
class ReportDocument:
    agency: Agency
    report: Report | None  # None: nothing saved yet; the narrative is the pre-fill
    data: ReportData
    narrative: Narrative
    checks: tuple[Check, ...]
    published_items: tuple[tuple[str, int], ...]
    fees: FeeTotals | None  # None for a year typed in from paper (no records)

    @property
    def year(self) -> int:
        return self.data.year

    @property
    def template(self) -> str:
        return self.data.template

    @property
    def title(self) -> str:
        return self.data.title

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.blocks]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.ok and c.level != "error"]

    @property
    def publishable(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return self.data.to_json(self.checks)


def report_document(
    *,
    agency: Agency,
    year: int,
    template: str | None = None,
    report: Report | None = None,
    scope: str | None = None,
) -> ReportDocument:
    """Assemble the report. ``template`` defaults to the saved report's, else to the year's;
    ``scope`` (本机关 or 汇总) to the saved report's, else to the agency's own.

    The narrative checks run on a saved narrative only: for a report nobody has written yet the
    pre-filled text is shown, and its 【】 would only be noise in ``report_data``'s output. A
    narrative saved for the other scope is not this document's either (its numbers are those of
    the other scope): the pre-fill stands in.
    """
    template = template or selectors.report_template(report, year)
    scope = scope or selectors.report_scope(report)
    data = selectors.report_data(
        agency=agency, year=year, template=template, report=report, scope=scope
    )
    entered = not data.consolidated and report is not None and report.is_entered
    # Typed tables (the agency's own past year, or a unit's) come without the records the
    # fees and published items are counted from.
    untracked = entered or any(unit.typed for unit in data.units)
    items = selectors.published_items_by_category(agency=agency, year=year, scope=scope)
    fees = None if untracked else selectors.fee_totals(agency=agency, year=year, scope=scope)
    written = report if report is not None and report.scope == scope else None
    if written is not None:
        narrative = narrative_of(written)
    else:
        narrative = narrative_prefill(agency=agency, data=data, items=items, fees=fees)
    checks = [
        *table_checks(data),
        *cross_year_checks(data, selectors.previous_year(agency=agency, year=year, scope=scope)),
    ]
    if data.consolidated:
        checks += units_checks(
            data, selectors.missing_yearly_figures(agency=agency, year=year, scope=scope)
        )
    else:
        checks += figures_check(
            entered=entered,
            has_figures=entered or YearlyFigures.objects.filter(agency=agency, year=year).exists(),
            year=year,
        )
    if written is not None:
        published = None if untracked else sum(n for _name, n in items)
        checks += narrative_checks(narrative, data, published_items=published, fees=fees)
    checks += year_ended_check(year=year, today=timezone.localdate())
    return ReportDocument(
        agency=agency,
        report=report,
        data=data,
        narrative=narrative,
        checks=tuple(checks),
        published_items=items,
        fees=fees,
    )


def published_unchanged(document: ReportDocument) -> bool:
    """Whether the document is exactly its latest published version: the same data (checks
    included) and a narrative not saved since. A Word file or PDF of it then carries no 草稿."""
    report = document.report
    if report is None:
        return False
    version = (
        ReportVersion.objects.filter(agency=document.agency, year=document.year)
        .order_by("-version")
        .first()
    )
    return (
        version is not None
        and report.updated_at <= version.published_at
        and version.data == document.to_json()
    )
