"""The report's tables as frozen data, and their JSON form (``ogi-annual-report/1``, see
docs/interchange.md). Compiled tables, tables typed in from a paper report and the data of
a published version are all this one structure, so every check and every output treats them alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from disclosure.records import numbering

from . import labels

FORMAT = "ogi-annual-report/1"

Number = int | Decimal


@dataclass(frozen=True)
class Table2Row:
    key: str
    fields: tuple[str, ...]
    values: tuple[Number, ...]

    def __getitem__(self, field: str) -> Number:
        return self.values[self.fields.index(field)]


@dataclass(frozen=True)
class Table3Row:
    key: str
    label: str
    values: tuple[int, ...]  # the six applicant types, then 总计

    def __getitem__(self, column: str) -> int:
        return self.values[labels.TABLE3_COLUMNS.index(column)]

    @property
    def total(self) -> int:
        return self.values[-1]


@dataclass(frozen=True)
class Table4Row:
    key: str
    values: tuple[int, ...]  # 结果维持, 结果纠正, 其他结果, 尚未审结, 总计

    def __getitem__(self, column: str) -> int:
        return self.values[labels.TABLE4_COLUMNS.index(column)]

    @property
    def total(self) -> int:
        return self.values[-1]


@dataclass(frozen=True)
class ReportData:
    """Tables 二, 三 and 四 of one agency's report for one year, in one template."""

    agency_code: str
    agency_name: str
    year: int
    template: str
    table2: tuple[Table2Row, ...]
    table3: tuple[Table3Row, ...]
    table4: tuple[Table4Row, ...]

    @property
    def title(self) -> str:
        return labels.report_title(self.agency_name, self.year)

    def table2_row(self, key: str) -> Table2Row:
        return next(row for row in self.table2 if row.key == key)

    def row(self, key: str) -> Table3Row:
        return next(row for row in self.table3 if row.key == key)

    def case_row(self, key: str) -> Table4Row:
        return next(row for row in self.table4 if row.key == key)

    def to_json(self, checks=()) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "agency": {"code": self.agency_code, "name": self.agency_name},
            "year": self.year,
            "template": self.template,
            "table2": {
                row.key: {
                    f: _money_str(v) if f in labels.MONEY_FIELDS else v
                    for f, v in zip(row.fields, row.values, strict=True)
                }
                for row in self.table2
            },
            "table3": {
                "columns": list(labels.TABLE3_COLUMNS),
                "rows": [
                    {"key": row.key, "label": row.label, "values": list(row.values)}
                    for row in self.table3
                ],
            },
            "table4": {
                "columns": list(labels.TABLE4_COLUMNS),
                "rows": [{"key": row.key, "values": list(row.values)} for row in self.table4],
            },
            "checks": [check.to_json() for check in checks],
        }


def _money_str(value: Decimal) -> str:
    """3749.7100 → "3749.71", 0 → "0": a decimal string without float rounding or exponent."""
    text = f"{Decimal(value).normalize():f}"
    return "0" if text in {"-0", ""} else text


def table2_layout(template: str) -> list[tuple[str, tuple[str, ...]]]:
    """(row key, value fields) of table 二 in printed order."""
    return [
        (key, block.fields)
        for block in labels.TABLE2_BLOCKS[template]
        for key, _label in block.rows
    ]


# --- Reading the JSON form (import of a past year's paper tables, published versions) -------


class _Errors:
    def __init__(self):
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}：{message}")


def _int(value, where: str, errors: _Errors, *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(where, f"应为整数，而不是 {value!r}")
        return 0
    if value < 0 and not signed:
        errors.add(where, f"不能为负数（{value}）")
    return value


def _money(value, where: str, errors: _Errors) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.add(where, f'金额应为十进制数字字符串，如 "3749.71"，而不是 {value!r}')
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(where, f"“{value}”不是数字")
        return Decimal(0)
    if not amount.is_finite() or amount < 0:
        errors.add(where, f"金额无效（{value}）")
        return Decimal(0)
    return amount


def _values(raw, where: str, width: int, errors: _Errors) -> tuple[int, ...]:
    if not isinstance(raw, list) or len(raw) != width:
        errors.add(where, f"应为{width}个整数的列表")
        return (0,) * width
    return tuple(_int(v, f"{where}第{i}个数", errors) for i, v in enumerate(raw, start=1))


def report_data_from_json(
    obj: Any, *, agency_code: str | None = None, agency_name: str | None = None
) -> ReportData:
    """Parse and validate report data in the ``ogi-annual-report/1`` JSON form.

    Structure and types are validated here (every problem is reported, nothing is guessed); the
    identities of the tables are the checks' business, so inconsistent tables parse and then fail
    the checks, exactly as compiled ones would. ``agency_code`` pins the agency the data must be
    for (the JSON may leave ``agency`` out); the agency name then comes from ``agency_name``.
    """
    errors = _Errors()
    if not isinstance(obj, dict):
        raise ValidationError("报告数据应为一个JSON对象。")
    year, template = _parse_header(obj, errors)
    agency = _parse_agency(obj, agency_code, errors)
    table2 = _parse_table2(obj.get("table2"), template, errors)
    table3 = _parse_table3(obj.get("table3"), template, errors)
    table4 = _parse_table4(obj.get("table4"), errors)
    if errors.messages:
        raise ValidationError(errors.messages)
    return ReportData(
        agency_code=agency_code or agency.get("code", ""),
        agency_name=agency_name or agency.get("name", ""),
        year=year,
        template=template,
        table2=table2,
        table3=table3,
        table4=table4,
    )


def _parse_header(obj: dict, errors: _Errors) -> tuple[int, str]:
    """The format, year and template; an unknown template stops parsing at once, as every table's
    layout depends on it."""
    if obj.get("format") != FORMAT:
        errors.add("format", f"应为“{FORMAT}”")
    year = obj.get("year")
    if not numbering.year_valid(year):
        errors.add("year", f"年度无效（{year!r}）")
        year = 0
    template = obj.get("template")
    if template not in labels.TEMPLATE_NAMES:
        errors.add("template", f"报告格式应为 2019 或 2021，而不是 {template!r}")
        raise ValidationError(errors.messages)
    return year, template


def _parse_agency(obj: dict, agency_code: str | None, errors: _Errors) -> dict:
    agency = obj.get("agency") or {}
    if not isinstance(agency, dict):
        errors.add("agency", '应为 {"code": …, "name": …}')
        agency = {}
    if agency_code is not None and agency.get("code") not in (None, agency_code):
        errors.add("agency.code", f"数据属于“{agency.get('code')}”，不是本机关“{agency_code}”")
    return agency


def _parse_table2(raw, template: str, errors: _Errors) -> tuple[Table2Row, ...]:
    if not isinstance(raw, dict):
        errors.add("table2", "缺少表二")
        raw = {}
    expected = table2_layout(template)
    unknown = set(raw) - {key for key, _fields in expected}
    for key in sorted(unknown):
        errors.add(f"table2.{key}", f"{template}格式的表二没有这一项")
    return tuple(
        _parse_table2_row(raw.get(key), key, fields, template, errors) for key, fields in expected
    )


def _parse_table2_row(
    item, key: str, fields: tuple[str, ...], template: str, errors: _Errors
) -> Table2Row:
    if not isinstance(item, dict):
        errors.add(f"table2.{key}", "缺少这一项")
        item = {}
    for extra in sorted(set(item) - set(fields)):
        errors.add(f"table2.{key}.{extra}", f"{template}格式没有这一栏")
    values = []
    for field in fields:
        where = f"table2.{key}.{field}"
        if field not in item:
            errors.add(where, "缺少这一栏")
            values.append(0)
        elif field in labels.MONEY_FIELDS:
            values.append(_money(item[field], where, errors))
        else:
            values.append(_int(item[field], where, errors, signed=field == "change"))
    return Table2Row(key, fields, tuple(values))


def _table_rows_raw(raw, table: str, name: str, columns: tuple[str, ...], errors: _Errors) -> list:
    """The ``rows`` list of table 三 or 四 (``table`` is "table3"/"table4", ``name`` 三/四), after
    checking the table is an object and its ``columns``, if given, are the standard ones."""
    if not isinstance(raw, dict):
        errors.add(table, f"缺少表{name}")
        raw = {}
    if raw.get("columns", list(columns)) != list(columns):
        errors.add(f"{table}.columns", f"应为 {list(columns)}")
    rows = raw.get("rows")
    if not isinstance(rows, list):
        errors.add(f"{table}.rows", f"缺少表{name}的行")
        rows = []
    return rows


def _parse_table3(raw, template: str, errors: _Errors) -> tuple[Table3Row, ...]:
    rows_raw = _table_rows_raw(raw, "table3", "三", labels.TABLE3_COLUMNS, errors)
    rows_by_key = {}
    for i, row in enumerate(rows_raw, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("key"), str):
            errors.add(f"table3.rows第{i}行", '应为 {"key": …, "values": […]}')
        elif row["key"] in rows_by_key:
            errors.add(f"table3.{row['key']}", "重复出现")
        else:
            rows_by_key[row["key"]] = row
    expected_rows = labels.table3_rows(template)
    for key in rows_by_key.keys() - {key for key, _label in expected_rows}:
        errors.add(f"table3.{key}", f"{template}格式的表三没有这一行")
    width = len(labels.TABLE3_COLUMNS)
    table3 = []
    for key, label in expected_rows:
        row = rows_by_key.get(key)
        if row is None:
            errors.add(f"table3.{key}", "缺少这一行")
            values = (0,) * width
        else:
            values = _values(row.get("values"), f"table3.{key}", width, errors)
        table3.append(Table3Row(key, label, values))
    return tuple(table3)


def _parse_table4(raw, errors: _Errors) -> tuple[Table4Row, ...]:
    cases_raw = _table_rows_raw(raw, "table4", "四", labels.TABLE4_COLUMNS, errors)
    cases_by_key = {r.get("key"): r for r in cases_raw if isinstance(r, dict)}
    for key in sorted(set(cases_by_key) - set(labels.TABLE4_ROWS), key=str):
        errors.add(f"table4.{key}", "表四没有这一行")
    width = len(labels.TABLE4_COLUMNS)
    table4 = []
    for key in labels.TABLE4_ROWS:
        row = cases_by_key.get(key)
        if row is None:
            errors.add(f"table4.{key}", "缺少这一行")
            values = (0,) * width
        else:
            values = _values(row.get("values"), f"table4.{key}", width, errors)
        table4.append(Table4Row(key, values))
    return tuple(table4)
