"""HTML and PDF of a report. Formatting only: every figure comes from ``ReportDocument``.

The report body is one HTML fragment (``templates/reports/_report.html``), styled by
``static/css/report.css``: the managers' preview shows it (with drill-down links and the 草稿
mark), publishing stores it for the public archive (without them, followed by the charts of the
year), and the print template wraps it for the PDF. The Word file (``reports.word``) lays out the
same cells (``table2_blocks``, ``table3_rows``, ``table4_values``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from disclosure.pdf import render_pdf

from . import charts, labels, trends
from .checks import cell_where
from .data import ReportData
from .document import ReportDocument
from .narrative import NARRATIVE_TITLES, OUTCOME_GROUPS, paragraphs

PRINT_TEMPLATE = "reports/print.html"
BODY_TEMPLATE = "reports/_report.html"
CHARTS_TEMPLATE = "reports/_charts.html"
GRID_2 = 4  # grid columns of table 二: 信息内容 + at most three value columns
DRAFT_MARK = "草稿"


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    css: str = ""
    url: str = ""
    header: bool = False
    id: str = ""  # the anchor a check links to (``checks.cell_where``)


def _number(value, *, money: bool, unit: bool) -> str:
    if money:
        text = f"{Decimal(value).normalize():f}"
        return f"{text} 万元" if unit and text != "0" else text
    return str(value)


def table2_blocks(data: ReportData) -> list[list[list[Cell]]]:
    """Table 二 as its blocks (第二十条第（一）项 …): caption row, header row, value rows. A page
    may break between blocks, never inside one."""
    unit_in_cell = data.template == labels.TEMPLATE_2019  # 2019 prints no unit in the header
    blocks = []
    for block in labels.TABLE2_BLOCKS[data.template]:
        rows = [[Cell(block.caption, colspan=GRID_2, css="report-caption", header=True)]]
        spans = [1] * (len(block.headers) - 1) + [GRID_2 - len(block.headers) + 1]
        rows.append(
            [Cell(h, colspan=s, header=True) for h, s in zip(block.headers, spans, strict=True)]
        )
        for key, label in block.rows:
            row = data.table2_row(key)
            cells = [Cell(label, css="report-label")]
            for field, value, span in zip(row.fields, row.values, spans[1:], strict=True):
                money = field in labels.MONEY_FIELDS
                cells.append(
                    Cell(
                        _number(value, money=money, unit=unit_in_cell),
                        colspan=span,
                        css="num",
                        id=cell_where("2", key, field),
                    )
                )
            rows.append(cells)
        blocks.append(rows)
    return blocks


def table2_rows(data: ReportData) -> list[list[Cell]]:
    return [row for block in table2_blocks(data) for row in block]


CellUrl = Callable[[str, str], str]


def table3_rows(data: ReportData, cell_url: CellUrl | None = None) -> list[list[Cell]]:
    """The body rows of table 三 with the merged label cells of the printed table."""
    groups = labels.RESULT_GROUPS[data.template]
    result_rows = sum(len(g.rows) for g in groups) + 1  # + （七）总计

    def values(key: str) -> list[Cell]:
        row = data.row(key)
        return [
            Cell(
                str(value),
                css="num total" if column == labels.COLUMN_TOTAL else "num",
                url=cell_url(key, column) if cell_url else "",
                id=cell_where("3", key, column),
            )
            for column, value in zip(labels.TABLE3_COLUMNS, row.values, strict=True)
        ]

    def top(key: str) -> list[Cell]:
        return [Cell(labels.TOP_ROW_LABELS[key], colspan=3, css="report-label"), *values(key)]

    rows = [top(labels.ROW_RECEIVED), top(labels.ROW_CARRIED_OVER)]
    first = True
    for group in groups:
        for i, (key, label) in enumerate(group.rows):
            cells = []
            if first:
                cells.append(
                    Cell(labels.TABLE3_RESULTS, rowspan=result_rows, css="report-vertical")
                )
                first = False
            if group.is_single:
                cells.append(Cell(label, colspan=2, css="report-label"))
            else:
                if i == 0:
                    cells.append(Cell(group.label, rowspan=len(group.rows), css="report-group"))
                cells.append(Cell(label, css="report-label"))
            rows.append(cells + values(key))
    rows.append(
        [
            Cell(labels.TOP_ROW_LABELS[labels.ROW_TOTAL], colspan=2, css="report-label"),
            *values(labels.ROW_TOTAL),
        ]
    )
    rows.append(top(labels.ROW_CARRIED_FORWARD))
    return rows


def table4_values(data: ReportData) -> list[Cell]:
    """The one data row of table 四: five figures for each of 行政复议 and the two 行政诉讼."""
    return [
        Cell(str(value), css="num", id=cell_where("4", key, column))
        for key in labels.TABLE4_ROWS
        for column, value in zip(labels.TABLE4_COLUMNS, data.case_row(key).values, strict=True)
    ]


def drilldown_url(data: ReportData) -> CellUrl:
    """Links from a table-三 cell to the admin request list filtered to exactly its requests."""
    base = reverse("admin:disclosure_disclosurerequest_changelist")

    def url(row: str, column: str) -> str:
        value = ":".join([data.agency_code, str(data.year), data.template, row, column])
        return f"{base}?{urlencode({'report_cell': value})}"

    return url


def body_context(document: ReportDocument, *, links: bool = False, draft: bool = False) -> dict:
    data = document.data
    sections = {field: paragraphs(text) for field, text in document.narrative.sections()}
    return {
        "document": document,
        "data": data,
        "title": data.title,
        "draft_mark": DRAFT_MARK if draft else "",
        "labels": labels,
        "section_titles": NARRATIVE_TITLES,
        "sections": sections,
        "table2_blocks": table2_blocks(data),
        "table3": table3_rows(
            data, drilldown_url(data) if links and _drills_down(document) else None
        ),
        "table3_columns": [labels.TABLE3_COLUMN_LABELS[c] for c in labels.TABLE3_COLUMNS],
        "table4": table4_values(data),
        "table4_results": [labels.TABLE4_COLUMN_LABELS[c] for c in labels.TABLE4_COLUMNS],
    }


def _drills_down(document: ReportDocument) -> bool:
    """Cells link to their requests when the tables come from this agency's records alone (not
    typed from paper; not a consolidated report, whose units' requests the managers of the
    parent may not open)."""
    return not _entered(document) and not document.data.consolidated


def _entered(document: ReportDocument) -> bool:
    return document.report is not None and document.report.is_entered


def render_body(document: ReportDocument, *, links: bool = False, draft: bool = False) -> str:
    """The report body as an HTML fragment (no <html> wrapper); ``draft`` adds the 草稿 mark."""
    return render_to_string(BODY_TEMPLATE, body_context(document, links=links, draft=draft))


def render_print_html(document: ReportDocument, *, draft: bool = False) -> str:
    return render_to_string(PRINT_TEMPLATE, body_context(document, draft=draft))


def render_report_pdf(document: ReportDocument, *, draft: bool = False) -> bytes:
    """The PDF; ``draft`` marks every page 草稿 (the draft download, the commands before
    publishing), never the published PDF."""
    return render_pdf(PRINT_TEMPLATE, body_context(document, draft=draft))


# --- The charts of the year ---------------------------------------------------------------


def report_charts(document: ReportDocument) -> list[charts.Chart]:
    """办理结果, 申请人类型, 每月申请 (not for tables typed in from paper), 近五年趋势."""
    data = document.data
    received = data.row(labels.ROW_RECEIVED)
    found = [
        charts.bar_chart(
            f"{data.year}年办理结果（件）",
            tuple(name for name, _outcomes in OUTCOME_GROUPS),
            tuple(value for _name, value in trends.YearFigures.of(data, "").outcomes),
        ),
        charts.bar_chart(
            f"{data.year}年新收申请的申请人类型（件）",
            tuple(labels.TABLE3_COLUMN_LABELS[c] for c in labels.TABLE3_COLUMNS[:-1]),
            tuple(received.values[:-1]),
        ),
    ]
    monthly = trends.requests_per_month(document)
    if monthly is not None:
        typed = "（不含按纸质报告录入的单位）" if data.consolidated and data.typed_units else ""
        found.append(
            charts.grouped_bar_chart(
                f"{data.year}年每月收到和办结的申请（件）{typed}",
                charts.MONTHS,
                (("新收", tuple(monthly[0])), ("办结", tuple(monthly[1]))),
            )
        )
    years = trends.five_year_trend(document)
    found.append(
        charts.line_chart(
            f"近{len(years)}年申请数量（件）" if len(years) > 1 else f"{data.year}年申请数量（件）",
            tuple(f"{y.year}年" for y in years),
            (
                ("新收", tuple(y.received for y in years)),
                ("办结", tuple(y.decided for y in years)),
                ("结转下年度", tuple(y.carried_forward for y in years)),
            ),
        )
    )
    return found


def render_charts(document: ReportDocument) -> str:
    """The charts section as an HTML fragment: images with ``data:`` addresses (CSP-safe)."""
    return render_to_string(CHARTS_TEMPLATE, {"charts": report_charts(document)})


def render_published_html(document: ReportDocument) -> str:
    """What publishing stores for the public page: the body without marks or links, then the
    charts of the year (drawn once here, never per visit)."""
    return render_body(document) + render_charts(document)
