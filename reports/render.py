"""HTML and PDF of a report. Formatting only: every figure comes from ``ReportDocument``.

The report body is one HTML fragment (``templates/reports/_report.html``), styled by
``static/css/report.css``: the managers' preview shows it (with drill-down links), publishing
stores it for the public archive (without them), and the print template wraps it for the PDF.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from disclosure.pdf import render_pdf

from . import labels
from .data import ReportData
from .document import ReportDocument
from .narrative import NARRATIVE_TITLES, paragraphs

PRINT_TEMPLATE = "reports/print.html"
BODY_TEMPLATE = "reports/_report.html"
GRID_2 = 4  # grid columns of table 二: 信息内容 + at most three value columns


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    css: str = ""
    url: str = ""
    header: bool = False


def _number(value, *, money: bool, unit: bool) -> str:
    if money:
        text = f"{Decimal(value).normalize():f}"
        return f"{text} 万元" if unit and text != "0" else text
    return str(value)


def table2_rows(data: ReportData) -> list[list[Cell]]:
    unit_in_cell = data.template == labels.TEMPLATE_2019  # 2019 prints no unit in the header
    rows = []
    for block in labels.TABLE2_BLOCKS[data.template]:
        rows.append([Cell(block.caption, colspan=GRID_2, css="report-caption", header=True)])
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
                    Cell(_number(value, money=money, unit=unit_in_cell), colspan=span, css="num")
                )
            rows.append(cells)
    return rows


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


def table4_values(data: ReportData) -> list[str]:
    return [str(v) for key in labels.TABLE4_ROWS for v in data.case_row(key).values]


def drilldown_url(data: ReportData) -> CellUrl:
    """Links from a table-三 cell to the admin request list filtered to exactly its requests."""
    base = reverse("admin:disclosure_disclosurerequest_changelist")

    def url(row: str, column: str) -> str:
        value = ":".join([data.agency_code, str(data.year), data.template, row, column])
        return f"{base}?{urlencode({'report_cell': value})}"

    return url


def body_context(document: ReportDocument, *, links: bool = False) -> dict:
    data = document.data
    sections = {field: paragraphs(text) for field, text in document.narrative.sections()}
    return {
        "document": document,
        "data": data,
        "title": data.title,
        "labels": labels,
        "section_titles": NARRATIVE_TITLES,
        "sections": sections,
        "table2": table2_rows(data),
        "table3": table3_rows(
            data, drilldown_url(data) if links and not _entered(document) else None
        ),
        "table3_columns": [labels.TABLE3_COLUMN_LABELS[c] for c in labels.TABLE3_COLUMNS],
        "table4": table4_values(data),
        "table4_results": [labels.TABLE4_COLUMN_LABELS[c] for c in labels.TABLE4_COLUMNS],
    }


def _entered(document: ReportDocument) -> bool:
    return document.report is not None and document.report.is_entered


def render_body(document: ReportDocument, *, links: bool = False) -> str:
    """The report body as an HTML fragment (no <html> wrapper)."""
    return render_to_string(BODY_TEMPLATE, body_context(document, links=links))


def render_print_html(document: ReportDocument) -> str:
    return render_to_string(PRINT_TEMPLATE, body_context(document))


def render_report_pdf(document: ReportDocument) -> bytes:
    return render_pdf(PRINT_TEMPLATE, body_context(document))
