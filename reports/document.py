"""Everything one report is made of at a given moment: tables, narrative, checks.

The preview, the PDF, the ``report_data`` / ``report_pdf`` commands and publishing all start from
``report_document``, so they show the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from disclosure.models import Agency, YearlyFigures

from . import selectors
from .checks import (
    Check,
    cross_year_checks,
    figures_check,
    narrative_checks,
    table_checks,
)
from .data import ReportData
from .models import Report
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
) -> ReportDocument:
    """Assemble the report. ``template`` defaults to the saved report's, else to the year's.

    The narrative checks run on a saved narrative only: for a report nobody has written yet the
    pre-filled text is shown, and its 【】 would only be noise in ``report_data``'s output.
    """
    template = template or selectors.report_template(report, year)
    data = selectors.report_data(agency=agency, year=year, template=template, report=report)
    entered = report is not None and report.is_entered
    items = selectors.published_items_by_category(agency=agency, year=year)
    fees = None if entered else selectors.fee_totals(agency=agency, year=year)
    if report is not None:
        narrative = narrative_of(report)
    else:
        narrative = narrative_prefill(agency=agency, data=data, items=items, fees=fees)
    checks = [
        *table_checks(data),
        *cross_year_checks(data, selectors.previous_year(agency=agency, year=year)),
        *figures_check(
            entered=entered,
            has_figures=entered or YearlyFigures.objects.filter(agency=agency, year=year).exists(),
            year=year,
        ),
    ]
    if report is not None:
        # Items published in a year typed in from paper are not in the app.
        published = None if entered else sum(n for _name, n in items)
        checks += narrative_checks(narrative, data, published_items=published, fees=fees)
    return ReportDocument(
        agency=agency,
        report=report,
        data=data,
        narrative=narrative,
        checks=tuple(checks),
        published_items=items,
        fees=fees,
    )
