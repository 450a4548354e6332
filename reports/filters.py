"""The admin list filter behind the report's drill-down: a table-三 cell links to the request
list filtered to exactly the requests counted in it, with the compiler's own counting rules."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404

from disclosure.records import numbering

from . import labels, rules


def parse_cell(value: str) -> tuple[str, int, str, str, str] | None:
    """ "<agency code>:<year>:<template>:<row>:<column>" → its parts, or None when malformed
    (a year outside the app's range is malformed: it would overflow the date lookup)."""
    parts = value.split(":")
    if len(parts) != 5:
        return None
    agency_code, year_text, template, row, column = parts
    year = numbering.year_from_text(year_text)
    if year is None or template not in labels.TEMPLATE_NAMES:
        return None
    if row not in dict(labels.table3_rows(template)) or column not in labels.TABLE3_COLUMNS:
        return None
    return agency_code, year, template, row, column


class ReportCellFilter(admin.SimpleListFilter):
    """Hidden unless used: it only appears (with the cell it stands for) when a link set it."""

    title = "年度报告表三"
    parameter_name = "report_cell"

    def lookups(self, request, model_admin):
        if self.value() is None:
            return []
        _code, year, template, row, column = self._cell()
        name = labels.row_name(template, row)
        return [(self.value(), f"{year}年 {name} · {labels.TABLE3_COLUMN_LABELS[column]}")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        agency_code, year, template, row, column = self._cell()
        return queryset.filter(agency__code=agency_code).filter(
            rules.table3_cell_q(year, template, row, column)
        )

    def _cell(self) -> tuple[str, int, str, str, str]:
        # Checked in lookups() already: a filter without choices is skipped silently, and a
        # hand-edited cell must not show the whole list as if it were the cell's requests.
        cell = parse_cell(self.value())
        if cell is None:
            raise Http404("报表单元格参数无效。")
        return cell
