"""The admin list filter behind the report's drill-down: a table-三 cell links to the request
list filtered to exactly the requests counted in it, with the compiler's own counting rules."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters

from . import labels, rules


def parse_cell(value: str) -> tuple[str, int, str, str, str] | None:
    """ "<agency code>:<year>:<template>:<row>:<column>" → its parts, or None when malformed."""
    parts = value.split(":")
    if len(parts) != 5 or not parts[1].isdigit():
        return None
    agency_code, year, template, row, column = parts
    if template not in labels.TEMPLATE_NAMES:
        return None
    if row not in dict(labels.table3_rows(template)) or column not in labels.TABLE3_COLUMNS:
        return None
    return agency_code, int(year), template, row, column


class ReportCellFilter(admin.SimpleListFilter):
    """Hidden unless used: it only appears (with the cell it stands for) when a link set it."""

    title = "年度报告表三"
    parameter_name = "report_cell"

    def lookups(self, request, model_admin):
        cell = parse_cell(self.value() or "")
        if cell is None:
            return []
        _code, year, template, row, column = cell
        name = labels.row_name(template, row)
        return [(self.value(), f"{year}年 {name} · {labels.TABLE3_COLUMN_LABELS[column]}")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        cell = parse_cell(self.value())
        if cell is None:
            raise IncorrectLookupParameters("报表单元格参数无效。")
        agency_code, year, template, row, column = cell
        return queryset.filter(agency__code=agency_code).filter(
            rules.table3_cell_q(year, template, row, column)
        )
