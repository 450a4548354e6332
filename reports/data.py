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

# The scope of a report: the agency alone, or the agency and every agency under it (汇总).
SCOPE_OWN = "own"
SCOPE_CONSOLIDATED = "consolidated"
SCOPE_NAMES = {SCOPE_OWN: "本机关", SCOPE_CONSOLIDATED: "汇总"}
# Where a unit's tables come from in a consolidated report (the JSON's ``units[].source``).
SOURCE_RECORDS = "records"
SOURCE_TYPED = "typed"  # typed in from its paper report, or imported as report_data JSON

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


def _row_total(rows, key: str) -> int:
    return next(row for row in rows if row.key == key).total


@dataclass(frozen=True)
class UnitFigures:
    """One unit's tables 三 and 四 in a consolidated report (the agency itself is the first)."""

    agency_code: str
    agency_name: str
    source: str  # SOURCE_RECORDS or SOURCE_TYPED
    table3: tuple[Table3Row, ...]
    table4: tuple[Table4Row, ...]
    depth: int = 0  # 0: the consolidating agency, 1: its units, 2: theirs … (not in the JSON)

    @property
    def typed(self) -> bool:
        return self.source == SOURCE_TYPED

    # The key figures of the appendix (宿迁 style): received, answered, carried forward, cases.
    @property
    def received(self) -> int:
        return _row_total(self.table3, labels.ROW_RECEIVED)

    @property
    def answered(self) -> int:
        return _row_total(self.table3, labels.ROW_TOTAL)

    @property
    def carried_forward(self) -> int:
        return _row_total(self.table3, labels.ROW_CARRIED_FORWARD)

    @property
    def review(self) -> int:
        return _row_total(self.table4, "review")

    @property
    def litigation(self) -> int:
        return sum(row.total for row in self.table4 if row.key != "review")

    def to_json(self) -> dict[str, Any]:
        return {
            "agency": {"code": self.agency_code, "name": self.agency_name},
            "source": self.source,
            "table3": {
                "rows": [{"key": row.key, "values": list(row.values)} for row in self.table3]
            },
            "table4": {
                "rows": [{"key": row.key, "values": list(row.values)} for row in self.table4]
            },
        }


@dataclass(frozen=True)
class ReportData:
    """Tables 二, 三 and 四 of one agency's report for one year, in one template.

    A consolidated report (``scope`` 汇总) holds the sums over ``units``: the agency and every
    agency under it. ``left_out`` names units whose typed tables are in the other template and
    so could not be summed (a blocking check says so; never in the JSON).
    """

    agency_code: str
    agency_name: str
    year: int
    template: str
    table2: tuple[Table2Row, ...]
    table3: tuple[Table3Row, ...]
    table4: tuple[Table4Row, ...]
    scope: str = SCOPE_OWN
    units: tuple[UnitFigures, ...] = ()
    left_out: tuple[tuple[str, str], ...] = ()  # (unit name, the template of its typed tables)

    @property
    def consolidated(self) -> bool:
        return self.scope == SCOPE_CONSOLIDATED

    @property
    def typed_units(self) -> tuple[str, ...]:
        """Names of the units whose tables are typed in (a consolidated report)."""
        return tuple(unit.agency_name for unit in self.units if unit.typed)

    @property
    def summary(self) -> UnitFigures:
        """The report's own key figures, as the appendix's 合计 row prints them."""
        return UnitFigures(self.agency_code, self.agency_name, "", self.table3, self.table4)

    @property
    def title(self) -> str:
        return labels.report_title(self.agency_name, self.year)

    def table2_row(self, key: str) -> Table2Row:
        return next(row for row in self.table2 if row.key == key)

    def row(self, key: str) -> Table3Row:
        return next(row for row in self.table3 if row.key == key)

    def case_row(self, key: str) -> Table4Row:
        return next(row for row in self.table4 if row.key == key)

    def unit_data(self, unit: UnitFigures) -> ReportData:
        """One unit's tables 三 and 四 as report data (for the checks; table 二 left empty)."""
        return ReportData(
            unit.agency_code,
            unit.agency_name,
            self.year,
            self.template,
            (),
            unit.table3,
            unit.table4,
        )

    def to_json(self, checks=()) -> dict[str, Any]:
        # An own report's JSON is exactly what it was before consolidated reports existed.
        consolidated = (
            {"scope": self.scope, "units": [unit.to_json() for unit in self.units]}
            if self.consolidated
            else {}
        )
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
            **consolidated,
            "checks": [check.to_json() for check in checks],
        }


# --- Sums (the consolidated report) ----------------------------------------------------------


def _column_sums(rows_of_values, width: int) -> tuple:
    totals = [0] * width
    for values in rows_of_values:
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    return tuple(totals)


def sum_table2(tables, template: str) -> tuple[Table2Row, ...]:
    """Table 二 cell by cell over several agencies' (same template; zeros for none)."""
    rows = []
    for key, fields in table2_layout(template):
        values = [next(r for r in table if r.key == key).values for table in tables]
        rows.append(Table2Row(key, fields, _column_sums(values, len(fields))))
    return tuple(rows)


def sum_table3(tables, template: str) -> tuple[Table3Row, ...]:
    """Table 三 cell by cell: the sum keeps every identity each table holds."""
    width = len(labels.TABLE3_COLUMNS)
    return tuple(
        Table3Row(
            key,
            label,
            _column_sums([next(r for r in t if r.key == key).values for t in tables], width),
        )
        for key, label in labels.table3_rows(template)
    )


def sum_table4(tables) -> tuple[Table4Row, ...]:
    width = len(labels.TABLE4_COLUMNS)
    return tuple(
        Table4Row(
            key, _column_sums([next(r for r in t if r.key == key).values for t in tables], width)
        )
        for key in labels.TABLE4_ROWS
    )


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


def _shown(value, *, quoted: bool = True) -> str:
    """A value as quoted in an error message, cut short: the file is a user's, and its message
    goes to the page and the session."""
    text = repr(value) if quoted else str(value)
    return text if len(text) <= 60 else f"{text[:60]}…"


class _Errors:
    """Every problem of a file, up to ``LIMIT`` listed (a file of 50,000 unknown keys must not
    become 50,000 messages)."""

    LIMIT = 100

    def __init__(self):
        self._listed: list[str] = []
        self._more = 0

    def add(self, where: str, message: str) -> None:
        if len(self._listed) < self.LIMIT:
            self._listed.append(f"{_shown(where, quoted=False)}：{message}")
        else:
            self._more += 1

    @property
    def messages(self) -> list[str]:
        more = [f"……另有{self._more}处问题未列出。"] if self._more else []
        return self._listed + more


def _int(value, where: str, errors: _Errors, *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(where, f"应为整数，而不是 {_shown(value)}")
        return 0
    if value < 0 and not signed:
        errors.add(where, f"不能为负数（{value}）")
    return value


def _money(value, where: str, errors: _Errors) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.add(where, f'金额应为十进制数字字符串，如 "3749.71"，而不是 {_shown(value)}')
        return Decimal(0)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(where, f"“{_shown(value, quoted=False)}”不是数字")
        return Decimal(0)
    if not amount.is_finite() or amount < 0:
        errors.add(where, f"金额无效（{_shown(value, quoted=False)}）")
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
    scope, units = _parse_scope(obj, template, errors)
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
        scope=scope,
        units=units,
    )


def _parse_header(obj: dict, errors: _Errors) -> tuple[int, str]:
    """The format, year and template; an unknown template stops parsing at once, as every table's
    layout depends on it."""
    if obj.get("format") != FORMAT:
        errors.add("format", f"应为“{FORMAT}”")
    year = obj.get("year")
    if not numbering.year_valid(year):
        errors.add("year", f"年度无效（{_shown(year)}）")
        year = 0
    template = obj.get("template")
    if template not in labels.TEMPLATE_NAMES:
        errors.add("template", f"报告格式应为 2019 或 2021，而不是 {_shown(template)}")
        raise ValidationError(errors.messages)
    return year, template


def _parse_agency(obj: dict, agency_code: str | None, errors: _Errors) -> dict:
    agency = obj.get("agency") or {}
    if not isinstance(agency, dict):
        errors.add("agency", '应为 {"code": …, "name": …}')
        agency = {}
    if agency_code is not None and agency.get("code") not in (None, agency_code):
        code = _shown(agency.get("code"), quoted=False)
        errors.add("agency.code", f"数据属于“{code}”，不是本机关“{agency_code}”")
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


def _parse_table3(raw, template: str, errors: _Errors, where="table3") -> tuple[Table3Row, ...]:
    rows_raw = _table_rows_raw(raw, where, "三", labels.TABLE3_COLUMNS, errors)
    rows_by_key = {}
    for i, row in enumerate(rows_raw, start=1):
        if not isinstance(row, dict) or not isinstance(row.get("key"), str):
            errors.add(f"{where}.rows第{i}行", '应为 {"key": …, "values": […]}')
        elif row["key"] in rows_by_key:
            errors.add(f"{where}.{row['key']}", "重复出现")
        else:
            rows_by_key[row["key"]] = row
    expected_rows = labels.table3_rows(template)
    for key in rows_by_key.keys() - {key for key, _label in expected_rows}:
        errors.add(f"{where}.{key}", f"{template}格式的表三没有这一行")
    width = len(labels.TABLE3_COLUMNS)
    table3 = []
    for key, label in expected_rows:
        row = rows_by_key.get(key)
        if row is None:
            errors.add(f"{where}.{key}", "缺少这一行")
            values = (0,) * width
        else:
            values = _values(row.get("values"), f"{where}.{key}", width, errors)
        table3.append(Table3Row(key, label, values))
    return tuple(table3)


def _parse_table4(raw, errors: _Errors, where="table4") -> tuple[Table4Row, ...]:
    cases_raw = _table_rows_raw(raw, where, "四", labels.TABLE4_COLUMNS, errors)
    cases_by_key = {r.get("key"): r for r in cases_raw if isinstance(r, dict)}
    for key in sorted(set(cases_by_key) - set(labels.TABLE4_ROWS), key=str):
        errors.add(f"{where}.{key}", "表四没有这一行")
    width = len(labels.TABLE4_COLUMNS)
    table4 = []
    for key in labels.TABLE4_ROWS:
        row = cases_by_key.get(key)
        if row is None:
            errors.add(f"{where}.{key}", "缺少这一行")
            values = (0,) * width
        else:
            values = _values(row.get("values"), f"{where}.{key}", width, errors)
        table4.append(Table4Row(key, values))
    return tuple(table4)


def _parse_scope(obj: dict, template: str, errors: _Errors) -> tuple[str, tuple[UnitFigures, ...]]:
    """``scope`` (absent: own) and, for a consolidated report, its ``units``."""
    scope = obj.get("scope", SCOPE_OWN)
    if scope not in SCOPE_NAMES:
        errors.add("scope", f"应为 {' 或 '.join(SCOPE_NAMES)}，而不是 {_shown(scope)}")
        return SCOPE_OWN, ()
    if scope == SCOPE_OWN:
        if "units" in obj:
            errors.add("units", "只有汇总报告（scope 为 consolidated）才列出各单位")
        return scope, ()
    raw_units = obj.get("units")
    if not isinstance(raw_units, list):
        errors.add("units", "汇总报告应列出各单位（units）")
        return scope, ()
    return scope, tuple(
        _parse_unit(raw, f"units第{i}项", template, errors)
        for i, raw in enumerate(raw_units, start=1)
    )


def _parse_unit(raw, where: str, template: str, errors: _Errors) -> UnitFigures:
    if not isinstance(raw, dict):
        errors.add(where, '应为 {"agency": …, "source": …, "table3": …, "table4": …}')
        raw = {}
    agency = raw.get("agency")
    if not isinstance(agency, dict) or not all(
        isinstance(agency.get(key), str) for key in ("code", "name")
    ):
        errors.add(f"{where}.agency", '应为 {"code": …, "name": …}')
        agency = {}
    source = raw.get("source")
    if source not in (SOURCE_RECORDS, SOURCE_TYPED):
        errors.add(f"{where}.source", f"应为 {SOURCE_RECORDS} 或 {SOURCE_TYPED}")
    return UnitFigures(
        agency_code=agency.get("code", ""),
        agency_name=agency.get("name", ""),
        source=source if source in (SOURCE_RECORDS, SOURCE_TYPED) else SOURCE_RECORDS,
        table3=_parse_table3(raw.get("table3"), template, errors, f"{where}.table3"),
        table4=_parse_table4(raw.get("table4"), errors, f"{where}.table4"),
    )
