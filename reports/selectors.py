"""Reads: the compiled report and the facts around it.

``report_compile`` is the pure function from (agency, year, template) to the report's tables. It
aggregates in the database with the counting rules of ``reports.rules``; its query count does
not depend on the number of records (four queries).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from disclosure.clock import selectors as disclosure_selectors
from disclosure.models import (
    Agency,
    ApplicantType,
    Case,
    CaseResult,
    Disclosure,
    DisclosureRequest,
    YearlyFigures,
)

from . import labels, rules
from .data import ReportData, Table2Row, Table3Row, Table4Row, report_data_from_json
from .models import Report, ReportVersion
from .narrative import FeeTotals

_APPLICANTS = tuple(ApplicantType.values)


def report_compile(*, agency: Agency, year: int, template: str) -> ReportData:
    """Compile tables 二, 三 and 四 of ``agency``'s report for ``year`` from its records."""
    if template not in labels.TEMPLATE_NAMES:
        raise ValueError(f"未知的报告格式：{template}")
    return ReportData(
        agency_code=agency.code,
        agency_name=agency.name,
        year=year,
        template=template,
        table2=_table2(agency, year, template),
        table3=_table3(agency, year, template),
        table4=_table4(agency, year),
    )


def _table2(agency: Agency, year: int, template: str) -> tuple[Table2Row, ...]:
    documents = {
        row["kind"]: row
        for row in Disclosure.objects.filter(
            agency=agency,
            kind__in=[Disclosure.Kind.REGULATION, Disclosure.Kind.NORMATIVE_DOCUMENT],
        )
        .exclude(status=Disclosure.Status.DRAFT)
        .annotate(effective_on=Coalesce("made_on", "published_on"))
        .values("kind")
        .annotate(
            made=Count("pk", filter=rules.document_made_q(year)),
            repealed=Count("pk", filter=rules.document_repealed_q(year)),
            in_force=Count("pk", filter=rules.document_in_force_q(year)),
            published=Count("pk", filter=rules.document_published_q(year)),
            total_public=Count("pk", filter=rules.document_total_public_q(year)),
        )
        .order_by()
    }
    # Figures no record produces are typed in once a year; a missing year reads as zeros and
    # the checks warn about it.
    figures = YearlyFigures.objects.filter(agency=agency, year=year).first() or YearlyFigures()
    values = {
        "regulations": documents.get(Disclosure.Kind.REGULATION, {}),
        "normative_documents": documents.get(Disclosure.Kind.NORMATIVE_DOCUMENT, {}),
    }
    for key in ("licensing", "other_services", "penalty", "coercion", "fees", "procurement"):
        values[key] = {
            "previous": getattr(figures, f"{key}_previous", 0),
            "change": getattr(figures, f"{key}_change", 0),
            "decisions": getattr(figures, f"{key}_decisions", 0),
            "amount_wan_yuan": getattr(figures, f"{key}_amount_wan_yuan", Decimal(0)),
            "projects": getattr(figures, f"{key}_projects", 0),
        }
    # 2021 本年制发件数 and 2019 本年新制作数量 are the same count (see reports.rules).
    aliases = {"issued": "made"}
    rows = []
    for block in labels.TABLE2_BLOCKS[template]:
        for key, _label in block.rows:
            source = values[key]
            rows.append(
                Table2Row(
                    key,
                    block.fields,
                    tuple(source.get(aliases.get(f, f), 0) for f in block.fields),
                )
            )
    return tuple(rows)


def _table3(agency: Agency, year: int, template: str) -> tuple[Table3Row, ...]:
    groups = (
        DisclosureRequest.objects.filter(agency=agency)
        .filter(rules.in_year_q(year))
        .values("applicant_type", "outcome")
        .annotate(
            received=Count("pk", filter=rules.received_q(year)),
            carried_over=Count("pk", filter=rules.carried_over_q(year)),
            decided=Count("pk", filter=rules.decided_q(year)),
            carried_forward=Count("pk", filter=rules.carried_forward_q(year)),
        )
        .order_by()
    )
    outcome_rows = labels.outcome_row_keys(template)
    counts = {key: [0] * len(_APPLICANTS) for key, _label in labels.table3_rows(template)}
    for group in groups:
        column = _APPLICANTS.index(group["applicant_type"])
        counts[labels.ROW_RECEIVED][column] += group["received"]
        counts[labels.ROW_CARRIED_OVER][column] += group["carried_over"]
        counts[labels.ROW_CARRIED_FORWARD][column] += group["carried_forward"]
        if group["decided"]:
            counts[rules.outcome_row(template, group["outcome"])][column] += group["decided"]
    for column in range(len(_APPLICANTS)):
        counts[labels.ROW_TOTAL][column] = sum(counts[key][column] for key in outcome_rows)
    return tuple(
        Table3Row(key, label, (*counts[key], sum(counts[key])))
        for key, label in labels.table3_rows(template)
    )


def _table4(agency: Agency, year: int) -> tuple[Table4Row, ...]:
    concluded = rules.case_concluded_q(year)
    by_kind = {
        row["kind"]: row
        for row in Case.objects.filter(agency=agency)
        .filter(rules.case_in_year_q(year))
        .values("kind")
        .annotate(
            **{
                result: Count("pk", filter=concluded & Q(result=result))
                for result in CaseResult.values
            },
            pending=Count("pk", filter=rules.case_pending_q(year)),
        )
        .order_by()
    }
    rows = []
    for kind in labels.TABLE4_ROWS:
        row = by_kind.get(kind, {})
        values = [row.get(column, 0) for column in labels.TABLE4_COLUMNS[:-1]]
        rows.append(Table4Row(kind, (*values, sum(values))))
    return tuple(rows)


# --- Around the tables ---------------------------------------------------------------------


def report_template(report: Report | None, year: int) -> str:
    return report.template if report else labels.default_template(year)


def report_data(*, agency: Agency, year: int, template: str, report: Report | None) -> ReportData:
    """The tables of the report: typed in from paper for a year before the records, else
    compiled from the records."""
    if report is not None and report.is_entered:
        return report_data_from_json(
            report.entered_data, agency_code=agency.code, agency_name=agency.name
        )
    return report_compile(agency=agency, year=year, template=template)


@dataclass(frozen=True)
class PreviousYear:
    """Last year's tables as published (or typed in from paper), for the cross-year checks."""

    data: ReportData
    source: str  # how the checks name it: "2019年度已发布报告（第1版）"


def previous_year(*, agency: Agency, year: int) -> PreviousYear | None:
    version = (
        ReportVersion.objects.filter(agency=agency, year=year - 1).order_by("-version").first()
    )
    if version is not None:
        return PreviousYear(
            report_data_from_json(version.data, agency_code=agency.code, agency_name=agency.name),
            f"{year - 1}年度已发布报告（第{version.version}版）",
        )
    report = Report.objects.filter(agency=agency, year=year - 1).first()
    if report is not None and report.is_entered:
        return PreviousYear(
            report_data_from_json(
                report.entered_data, agency_code=agency.code, agency_name=agency.name
            ),
            f"{year - 1}年度纸质报告（录入）",
        )
    return None


def published_items_by_category(*, agency: Agency, year: int) -> tuple[tuple[str, int], ...]:
    """(category name, count) of the items published in the year, in catalog order."""
    first, last = rules.year_bounds(year)
    rows = (
        Disclosure.objects.filter(
            agency=agency,
            status=Disclosure.Status.PUBLISHED,
            published_on__gte=first,
            published_on__lte=last,
        )
        .values("category__name", "category__position", "category_id")
        .annotate(n=Count("pk"))
        .order_by("category__position", "category_id")
    )
    return tuple((row["category__name"], row["n"]) for row in rows)


def fee_totals(*, agency: Agency, year: int) -> FeeTotals:
    """信息处理费 collected in the year, from the requests' fee records (paid in the year)."""
    count, amount = disclosure_selectors.fees_collected(agency, year)
    return FeeTotals(count, amount)
