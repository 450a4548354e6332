"""Reads: the compiled report and the facts around it.

``report_compile`` is the pure function from (agency, year, template) to the report's tables. It
aggregates in the database with the counting rules of ``reports.rules``; its query count does
not depend on the number of records (four queries). ``report_compile_consolidated`` sums the
agency and every agency under it with the same aggregates, each grouped by agency over the whole
subtree: its query count depends neither on the records nor on the number of units (six).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from disclosure.access import agency_tree
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
from .data import (
    SCOPE_CONSOLIDATED,
    SCOPE_OWN,
    SOURCE_RECORDS,
    SOURCE_TYPED,
    ReportData,
    Table2Row,
    Table3Row,
    Table4Row,
    UnitFigures,
    report_data_from_json,
    sum_table2,
    sum_table3,
    sum_table4,
)
from .models import Report, ReportVersion
from .narrative import FeeTotals

_APPLICANTS = tuple(ApplicantType.values)


def report_compile(*, agency: Agency, year: int, template: str) -> ReportData:
    """Compile tables 二, 三 and 四 of ``agency``'s report for ``year`` from its records."""
    _check_template(template)
    ids = [agency.pk]
    return ReportData(
        agency_code=agency.code,
        agency_name=agency.name,
        year=year,
        template=template,
        table2=_table2(ids, year, template)[agency.pk],
        table3=table3_from_groups(request_groups(ids, year)[agency.pk], template),
        table4=table4_from_groups(case_groups(ids, year)[agency.pk]),
    )


def report_compile_consolidated(*, agency: Agency, year: int, template: str) -> ReportData:
    """The consolidated (汇总) report of ``agency``: tables 二, 三 and 四 summed over the agency
    and every agency under it (``Agency.parent``, recursively), each unit's tables 三 and 四
    listed in ``units``. A unit whose year is typed in from paper (or imported as JSON) is
    summed from its typed tables and marked ``typed``; typed tables in the other template
    cannot be summed and are named in ``left_out``.

    Six queries however many units there are: the tree, the typed years, and the four
    aggregates of ``report_compile``, each one GROUP BY agency over the whole subtree.
    """
    _check_template(template)
    tree = agency_tree(agency)
    ids = [unit.pk for unit, _depth in tree]
    typed = _typed_years(ids, year)
    compiled = [pk for pk in ids if pk not in typed]
    table2 = _table2(compiled, year, template)
    requests, cases = request_groups(compiled, year), case_groups(compiled, year)
    units, tables2, left_out = [], [], []
    for unit, depth in tree:
        if unit.pk in typed:
            data = typed[unit.pk]
            if data.template != template:
                left_out.append((unit.name, data.template))
                continue
            tables2.append(data.table2)
            units.append(
                UnitFigures(unit.code, unit.name, SOURCE_TYPED, data.table3, data.table4, depth)
            )
        else:
            tables2.append(table2[unit.pk])
            units.append(
                UnitFigures(
                    unit.code,
                    unit.name,
                    SOURCE_RECORDS,
                    table3_from_groups(requests[unit.pk], template),
                    table4_from_groups(cases[unit.pk]),
                    depth,
                )
            )
    return ReportData(
        agency_code=agency.code,
        agency_name=agency.name,
        year=year,
        template=template,
        table2=sum_table2(tables2, template),
        table3=sum_table3([unit.table3 for unit in units], template),
        table4=sum_table4([unit.table4 for unit in units]),
        scope=SCOPE_CONSOLIDATED,
        units=tuple(units),
        left_out=tuple(left_out),
    )


def _check_template(template: str) -> None:
    if template not in labels.TEMPLATE_NAMES:
        raise ValueError(f"未知的报告格式：{template}")


def _typed_years(agency_ids: list[int], year: int) -> dict[int, ReportData]:
    """The tables typed in from paper for ``year``, per agency (one query)."""
    return {
        report.agency_id: report_data_from_json(
            report.entered_data, agency_code=report.agency.code, agency_name=report.agency.name
        )
        for report in Report.objects.filter(
            agency_id__in=agency_ids, year=year, entered_data__isnull=False
        ).select_related("agency")
    }


def _table2(agency_ids: list[int], year: int, template: str) -> dict[int, tuple[Table2Row, ...]]:
    """Table 二 of each agency: two queries, whatever the number of agencies."""
    documents: dict[int, dict] = {pk: {} for pk in agency_ids}
    for row in (
        Disclosure.objects.filter(
            agency_id__in=agency_ids,
            kind__in=[Disclosure.Kind.REGULATION, Disclosure.Kind.NORMATIVE_DOCUMENT],
        )
        .exclude(status=Disclosure.Status.DRAFT)
        .annotate(effective_on=Coalesce("made_on", "published_on"))
        .values("agency_id", "kind")
        .annotate(
            made=Count("pk", filter=rules.document_made_q(year)),
            repealed=Count("pk", filter=rules.document_repealed_q(year)),
            in_force=Count("pk", filter=rules.document_in_force_q(year)),
            published=Count("pk", filter=rules.document_published_q(year)),
            total_public=Count("pk", filter=rules.document_total_public_q(year)),
        )
        .order_by()
    ):
        documents[row["agency_id"]][row["kind"]] = row
    # Figures no record produces are typed in once a year; a missing year reads as zeros and
    # the checks warn about it.
    figures = {
        f.agency_id: f for f in YearlyFigures.objects.filter(agency_id__in=agency_ids, year=year)
    }
    return {
        pk: _table2_rows(documents[pk], figures.get(pk) or YearlyFigures(), template)
        for pk in agency_ids
    }


def _table2_rows(documents: dict, figures: YearlyFigures, template: str) -> tuple[Table2Row, ...]:
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


def request_groups(agency_ids: list[int], year: int) -> dict[int, list[dict]]:
    """The year's table-三 counts of each agency by (applicant type, outcome), before they are
    laid out in a template: one aggregate query, GROUP BY agency."""
    groups: dict[int, list[dict]] = {pk: [] for pk in agency_ids}
    for group in (
        DisclosureRequest.objects.filter(agency_id__in=agency_ids)
        .filter(rules.in_year_q(year))
        .values("agency_id", "applicant_type", "outcome")
        .annotate(
            received=Count("pk", filter=rules.received_q(year)),
            carried_over=Count("pk", filter=rules.carried_over_q(year)),
            decided=Count("pk", filter=rules.decided_q(year)),
            carried_forward=Count("pk", filter=rules.carried_forward_q(year)),
        )
        .order_by()
    ):
        groups[group["agency_id"]].append(group)
    return groups


def table3_from_groups(groups: list[dict], template: str) -> tuple[Table3Row, ...]:
    """Table 三 in ``template`` from one agency's ``request_groups`` (no query)."""
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


def case_groups(agency_ids: list[int], year: int) -> dict[int, dict[str, dict]]:
    """The year's table-四 counts of each agency by case kind: one aggregate query."""
    concluded = rules.case_concluded_q(year)
    by_kind: dict[int, dict[str, dict]] = {pk: {} for pk in agency_ids}
    for row in (
        Case.objects.filter(agency_id__in=agency_ids)
        .filter(rules.case_in_year_q(year))
        .values("agency_id", "kind")
        .annotate(
            **{
                result: Count("pk", filter=concluded & Q(result=result))
                for result in CaseResult.values
            },
            pending=Count("pk", filter=rules.case_pending_q(year)),
        )
        .order_by()
    ):
        by_kind[row["agency_id"]][row["kind"]] = row
    return by_kind


def table4_from_groups(by_kind: dict[str, dict]) -> tuple[Table4Row, ...]:
    """Table 四 from one agency's ``case_groups`` (no query)."""
    rows = []
    for kind in labels.TABLE4_ROWS:
        row = by_kind.get(kind, {})
        values = [row.get(column, 0) for column in labels.TABLE4_COLUMNS[:-1]]
        rows.append(Table4Row(kind, (*values, sum(values))))
    return tuple(rows)


# --- Around the tables ---------------------------------------------------------------------


def report_template(report: Report | None, year: int) -> str:
    return report.template if report else labels.default_template(year)


def report_scope(report: Report | None) -> str:
    return report.scope if report else SCOPE_OWN


def report_data(
    *,
    agency: Agency,
    year: int,
    template: str,
    report: Report | None,
    scope: str = SCOPE_OWN,
) -> ReportData:
    """The tables of the report: for the agency alone, typed in from paper for a year before
    the records, else compiled from the records; consolidated, the sums over its units."""
    if scope == SCOPE_CONSOLIDATED:
        return report_compile_consolidated(agency=agency, year=year, template=template)
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


def previous_year(*, agency: Agency, year: int, scope: str = SCOPE_OWN) -> PreviousYear | None:
    """Last year's report of the same scope: the newest published version, else (own) the
    tables typed in from paper, else (consolidated) the sum of every unit's last year."""
    version = (
        ReportVersion.objects.filter(agency=agency, year=year - 1).order_by("-version").first()
    )
    if version is not None:
        data = report_data_from_json(version.data, agency_code=agency.code, agency_name=agency.name)
        if data.scope == scope:
            kind = "已发布汇总报告" if data.consolidated else "已发布报告"
            return PreviousYear(data, f"{year - 1}年度{kind}（第{version.version}版）")
    if scope == SCOPE_CONSOLIDATED:
        return _previous_units_sum(agency, year)
    report = Report.objects.filter(agency=agency, year=year - 1).first()
    if report is not None and report.is_entered:
        return PreviousYear(
            report_data_from_json(
                report.entered_data, agency_code=agency.code, agency_name=agency.name
            ),
            f"{year - 1}年度纸质报告（录入）",
        )
    return None


def _previous_units_sum(agency: Agency, year: int) -> PreviousYear | None:
    """Last year as the sum of every unit's own report of last year (published, else typed in),
    when every unit has one in one template: three queries."""
    tree = agency_tree(agency)
    names = {unit.pk: unit for unit, _depth in tree}
    last: dict[int, ReportData] = {}
    for version in ReportVersion.objects.filter(agency_id__in=names, year=year - 1).order_by(
        "version"
    ):  # the newest version of each unit wins
        unit = names[version.agency_id]
        last[unit.pk] = report_data_from_json(version.data, agency_code=unit.code)
    for report in Report.objects.filter(
        agency_id__in=names.keys() - last.keys(), year=year - 1, entered_data__isnull=False
    ):
        unit = names[report.agency_id]
        last[unit.pk] = report_data_from_json(report.entered_data, agency_code=unit.code)
    datas = list(last.values())
    if len(datas) != len(names) or any(d.consolidated for d in datas):
        return None
    templates = {d.template for d in datas}
    if len(templates) != 1:
        return None
    (template,) = templates
    summed = ReportData(
        agency_code=agency.code,
        agency_name=agency.name,
        year=year - 1,
        template=template,
        table2=sum_table2([d.table2 for d in datas], template),
        table3=sum_table3([d.table3 for d in datas], template),
        table4=sum_table4([d.table4 for d in datas]),
        scope=SCOPE_CONSOLIDATED,
    )
    return PreviousYear(summed, f"{year - 1}年度各单位已发布（或录入）报告之和")


def published_items_by_category(
    *, agency: Agency, year: int, scope: str = SCOPE_OWN
) -> tuple[tuple[str, int], ...]:
    """(category name, count) of the items published in the year, in catalog order (with the
    units' items for a consolidated report)."""
    first, last = rules.year_bounds(year)
    rows = (
        Disclosure.objects.filter(
            agency_id__in=_scope_ids(agency, scope),
            status=Disclosure.Status.PUBLISHED,
            published_on__gte=first,
            published_on__lte=last,
        )
        .values("category__name", "category__position", "category_id")
        .annotate(n=Count("pk"))
        .order_by("category__position", "category_id")
    )
    return tuple((row["category__name"], row["n"]) for row in rows)


def fee_totals(*, agency: Agency, year: int, scope: str = SCOPE_OWN) -> FeeTotals:
    """信息处理费 collected in the year, from the requests' fee records (paid in the year)."""
    count, amount = disclosure_selectors.fees_collected_in(_scope_ids(agency, scope), year)
    return FeeTotals(count, amount)


def _scope_ids(agency: Agency, scope: str) -> list[int]:
    if scope == SCOPE_CONSOLIDATED:
        return [unit.pk for unit, _depth in agency_tree(agency)]
    return [agency.pk]


def missing_yearly_figures(*, agency: Agency, year: int, scope: str = SCOPE_OWN) -> list[str]:
    """Names of the agencies of the report that have no 年度主动公开数据 for the year (of those
    whose tables come from records)."""
    ids = _scope_ids(agency, scope)
    typed = set(
        Report.objects.filter(agency_id__in=ids, year=year, entered_data__isnull=False).values_list(
            "agency_id", flat=True
        )
    )
    kept = set(
        YearlyFigures.objects.filter(agency_id__in=ids, year=year).values_list(
            "agency_id", flat=True
        )
    )
    return list(
        Agency.objects.filter(pk__in=set(ids) - typed - kept)
        .order_by("code")
        .values_list("name", flat=True)
    )
