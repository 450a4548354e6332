"""Ledger (台账) import and export: the requests and cases files of the interchange contract
(``shared/spec/interchange.md``).

The column set is defined once here (``REQUESTS`` and ``CASES``) and serves the commands, the
admin import and the export. An import is planned first (every row parsed and validated by the
model's own rules, every problem collected) and then applied in bulk, all in one transaction:
either every row is stored or none is.

Validation is the model's: each row becomes a model instance and goes through ``full_clean()``;
the model's ``Meta.constraints`` are then evaluated in Python (``constraint_holds``) instead of one
database query per constraint and row, and the unique numbers are checked against the agency's
numbers, fetched once. Writing is one INSERT per batch of rows (``_insert``) and one
``INSERT … SELECT`` for their history rows (``_History``). Together that imports 100,000 requests
in about 15 s of CPU time (``manage.py bench_import``; README, Benchmarks).
"""

from __future__ import annotations

import csv
import datetime
import io
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q, signals
from django.db.models.base import ModelState
from django.utils import timezone

from disclosure.clock.calendar import WorkCalendar
from disclosure.clock.models import RequestEvent
from disclosure.clock.services import request_deadline_fill
from disclosure.records import numbering
from disclosure.records.applications import Case, DisclosureRequest
from disclosure.records.models import Agency

BATCH_SIZE = 1000

Progress = Callable[[str, int, int], None]  # (stage, done, total)
# Fills a batch of records' derived fields before they are written; returns those field names.
Derive = Callable[[list[models.Model], bool], list[str]]


class LedgerFileError(Exception):
    """The file as a whole cannot be read (not CSV or xlsx, empty, …)."""


# ---------------------------------------------------------------------------------------------
# The column set


@dataclass(frozen=True)
class Column:
    """One column of a ledger file: its contract key, its Chinese header and the model field."""

    key: str
    header: str
    field: str
    # Accepted spellings of choice values beyond the model's keys and labels (the contract's own).
    aliases: Mapping[str, str] = field(default_factory=dict)
    # For a foreign key: the attribute of the related record written in the file.
    related_attribute: str = ""


@dataclass(frozen=True)
class Ledger:
    name: str  # names the exported file
    model: type[models.Model]
    columns: tuple[Column, ...]
    date_field: str  # the date whose year prefixes a generated number
    number_prefix_format: str  # numbering.REQUEST_PREFIX or CASE_PREFIX
    # Makes a ``Derive`` for one import (bulk writes skip the services that keep such fields).
    derive: Callable[[], Derive] | None = None

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def model_field(self, column: Column) -> models.Field:
        return self.model._meta.get_field(column.field)

    def is_required(self, column: Column) -> bool:
        """Required means what the model says: not blank and no default to fall back on."""
        f = self.model_field(column)
        return not f.blank and not f.has_default()

    def choices(self, column: Column) -> dict[str, str]:
        """Every accepted spelling of a choice column's values → the stored key."""
        accepted: dict[str, str] = {}
        for key, label in self.model_field(column).choices or ():
            if key:
                accepted[str(key)] = key
                accepted[str(label)] = key
        accepted.update(column.aliases)
        return accepted

    def number_prefix(self, date: datetime.date) -> str:
        return self.number_prefix_format.format(year=date.year)


def _request_deadlines() -> Derive:
    """The cached due dates ``records.services.request_save`` keeps, for imported requests: the
    calendar is loaded once per import, the events of a batch in one query, and a request
    without events is computed once per date of receipt."""
    calendar = WorkCalendar.load()
    by_date: dict[datetime.date, tuple] = {}

    def derive(objs: list[models.Model], created: bool) -> list[str]:
        events = defaultdict(list)
        if not created:
            for event in RequestEvent.objects.filter(request__in=[obj.pk for obj in objs]):
                events[event.request_id].append(event)  # in the model's order, as request.events
        for obj in objs:
            if events[obj.pk]:
                request_deadline_fill(request=obj, events=events[obj.pk], calendar=calendar)
            elif obj.received_on in by_date:
                obj.due_on, obj.waiting_until = by_date[obj.received_on]
            else:
                request_deadline_fill(request=obj, events=[], calendar=calendar)
                by_date[obj.received_on] = (obj.due_on, obj.waiting_until)
        return ["due_on", "waiting_until"]

    return derive


REQUESTS = Ledger(
    name="requests",
    model=DisclosureRequest,
    columns=(
        Column("number", "申请编号", "number"),
        Column("received_on", "收到申请日期", "received_on"),
        Column("applicant_type", "申请人类型", "applicant_type"),
        Column("applicant_name", "申请人", "applicant_name"),
        Column("channel", "申请方式", "channel"),
        Column("subject", "申请内容", "subject"),
        # The contract writes the label of `other` as "其他处理 / 其他".
        Column("outcome", "办理结果", "outcome", aliases={"其他": "other"}),
        Column("decided_on", "答复日期", "decided_on"),
    ),
    date_field="received_on",
    number_prefix_format=numbering.REQUEST_PREFIX,
    derive=_request_deadlines,
)

CASES = Ledger(
    name="cases",
    model=Case,
    columns=(
        Column("number", "案号", "number"),
        Column("kind", "类型", "kind"),
        Column("filed_on", "立案日期", "filed_on"),
        # The contract's short labels (维持, 纠正) next to the report's (结果维持, 结果纠正).
        Column("result", "结果", "result", aliases={"维持": "upheld", "纠正": "corrected"}),
        Column("concluded_on", "审结日期", "concluded_on"),
        Column("request_number", "申请编号", "request", related_attribute="number"),
    ),
    date_field="filed_on",
    number_prefix_format=numbering.CASE_PREFIX,
)


# ---------------------------------------------------------------------------------------------
# Reading a file


@dataclass
class Table:
    """A sheet: the header row and the data rows; ``rows[i]`` is spreadsheet row ``i + 2``."""

    headers: list[Any]
    rows: list[list[Any]]


def read_table(data: bytes) -> Table:
    """Read a CSV (UTF-8, with or without BOM) or .xlsx file (first sheet); the content decides."""
    if not data.strip():
        raise LedgerFileError("文件是空的。")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFileError(
            "这是旧版 Excel（.xls）文件，无法读取：请在 Excel 中另存为 .xlsx 或“CSV UTF-8”。"
        )
    if b"\x00" in data[:4096]:
        raise LedgerFileError("文件既不是 CSV 也不是 .xlsx 表格。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LedgerFileError(
            "文件不是 UTF-8 编码的 CSV（可能是 GBK 编码），也不是 .xlsx 表格："
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx。"
        ) from None
    if not text.strip():
        raise LedgerFileError("文件是空的。")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise LedgerFileError(f"CSV 文件格式有误：{exc}") from None
    return _table(rows)


def _read_xlsx(data: bytes) -> Table:
    # calamine (Rust) reads a 100,000-row sheet in about a second; openpyxl takes half a minute.
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        # Keep leading blank rows and columns: row numbers must be the spreadsheet's.
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises several kinds for a zip that is no workbook
        raise LedgerFileError("文件不是有效的 .xlsx 表格（也不是 CSV）。") from None
    return _table(rows)


def _table(rows: list[list[Any]]) -> Table:
    if not rows or all(_blank(v) for v in rows[0]):
        raise LedgerFileError("文件是空的：第 1 行应为表头。")
    headers, data = rows[0], rows[1:]
    if not any(not all(_blank(v) for v in r) for r in data):
        raise LedgerFileError("文件只有表头，没有数据行。")
    return Table(headers=list(headers), rows=data)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ---------------------------------------------------------------------------------------------
# Cell values


class CellError(Exception):
    pass


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores a typed number such as 1024 as 1024.0
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _date(value: Any) -> datetime.date:
    # An .xlsx date cell arrives as a datetime (Excel turns a typed 2020-03-02 into one).
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0):
            raise CellError(f"应为日期，不应带时间：“{value}”")
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if _DATE_RE.match(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise CellError(f"不存在的日期：“{text}”") from None
    raise CellError(
        f"日期应写成 YYYY-MM-DD（如 2020-03-02），而不是“{text}”；"
        "用 Excel 编辑 CSV 时请把日期列设为文本，或直接导入 .xlsx"
    )


def _choice(ledger: Ledger, column: Column, value: Any, accepted: dict[str, str]) -> str:
    text = _text(value)
    try:
        return accepted[text]
    except KeyError:
        choices = ledger.model_field(column).choices
        if len(choices) <= 6:
            listing = "、".join(f"{k}（{label}）" for k, label in choices if k)
            hint = f"应为以下代码或名称之一：{listing}"
        else:
            hint = "应为导入格式说明中列出的代码（如 granted）或完整的中文名称（如 予以公开）"
        raise CellError(f"未知的{column.header}“{text}”，{hint}") from None


# ---------------------------------------------------------------------------------------------
# Constraints, evaluated in Python


class _Unsupported(Exception):
    pass


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "in": lambda a, b: a in b,
    "startswith": lambda a, b: str(a).startswith(b),
    "regex": lambda a, b: re.search(b, str(a)) is not None,
}


Check = Callable[[models.Model], "bool | None"]


def _field_attname(model: type[models.Model], name: str) -> str:
    try:
        f = model._meta.get_field(name)
    except FieldDoesNotExist:
        raise _Unsupported(name) from None
    if f.is_relation and not f.many_to_one:
        raise _Unsupported(name)
    return f.attname


def _compile_leaf(model: type[models.Model], lookup: str, value: Any) -> Check:
    name, _, op = lookup.partition("__")
    op = op or "exact"
    left = _field_attname(model, name)
    if op == "isnull" or (op == "exact" and value is None):
        wanted = True if op == "exact" else bool(value)
        return lambda obj: (getattr(obj, left) is None) == wanted
    if op not in _OPERATORS:
        raise _Unsupported(lookup)
    compare = _OPERATORS[op]
    if isinstance(value, F):
        right = _field_attname(model, value.name)

        def check(obj):
            a, b = getattr(obj, left), getattr(obj, right)
            return None if a is None or b is None else compare(a, b)

        return check
    if hasattr(value, "resolve_expression"):
        raise _Unsupported(lookup)
    if op == "in":
        value = set(value)

    def check(obj):
        a = getattr(obj, left)
        return None if a is None else compare(a, value)

    return check


def _compile(model: type[models.Model], q: Q) -> Check:
    """A Q condition as a function of an instance, in SQL's three-valued logic: None is
    "unknown" (a NULL compared), as the database would see it."""
    parts = [
        _compile(model, child) if isinstance(child, Q) else _compile_leaf(model, *child)
        for child in q.children
    ]
    if q.connector not in (Q.AND, Q.OR):
        raise _Unsupported(q.connector)
    # AND stops at the first False, OR at the first True; otherwise an unknown part makes the
    # whole unknown.
    decisive = q.connector == Q.OR

    def combined(obj):
        unknown = False
        for part in parts:
            result = part(obj)
            if result is decisive:
                return decisive
            if result is None:
                unknown = True
        return None if unknown else not decisive

    if not q.negated:
        return combined

    def negated(obj):
        result = combined(obj)
        return None if result is None else not result

    return negated


def _referenced_fields(q: Q) -> set[str]:
    names: set[str] = set()
    for child in q.children:
        if isinstance(child, Q):
            names |= _referenced_fields(child)
        else:
            names.add(child[0].split("__", 1)[0])
            if isinstance(child[1], F):
                names.add(child[1].name)
    return names


def constraint_fields(constraint: models.BaseConstraint) -> set[str]:
    if isinstance(constraint, models.CheckConstraint):
        return _referenced_fields(Q(constraint.condition))
    return set(getattr(constraint, "fields", ()) or ())


# Compiled checks by constraint (constraints live as long as their model, so their id is stable).
_compiled: dict[int, tuple[models.BaseConstraint, set[str], Check | None]] = {}


def _compiled_check(model, constraint) -> tuple[set[str], Check | None]:
    key = id(constraint)
    if key not in _compiled:
        check = None
        if isinstance(constraint, models.CheckConstraint):
            try:
                check = _compile(model, Q(constraint.condition))
            except _Unsupported:
                pass
        _compiled[key] = (constraint, constraint_fields(constraint), check)
    _, fields, check = _compiled[key]
    return fields, check


def constraint_holds(
    constraint: models.BaseConstraint, instance: models.Model, exclude: Iterable[str] = ()
) -> bool:
    """Does the instance satisfy the constraint? Like ``constraint.validate()`` (a NULL result
    passes, constraints on an excluded field are skipped) but in Python, without a query;
    falls back to ``validate()`` for a shape this evaluator does not know."""
    fields, check = _compiled_check(type(instance), constraint)
    if fields & set(exclude):
        return True
    if check is not None:
        return check(instance) is not False
    try:
        constraint.validate(type(instance), instance, exclude=exclude)
    except ValidationError:
        return False
    return True


class _Builder:
    """Makes model instances from a few attribute values, fast. ``Model(**kwargs)`` looks up
    every field's default and runs every field's descriptor for every row (a third of the time
    of a large import); a new instance is only its ``__dict__`` of attribute values and its
    ``_state``, so those are filled directly, unless something listens to the model's
    ``pre_init``/``post_init`` signals (then the normal constructor runs)."""

    def __init__(self, model: type[models.Model], agency: Agency):
        self.model = model
        fields = model._meta.concrete_fields
        self.callables = {
            f.attname: f.default for f in fields if f.has_default() and callable(f.default)
        }
        self.template = {
            f.attname: f.get_default() for f in fields if f.attname not in self.callables
        }
        self.template["agency_id"] = agency.pk
        self.direct = not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )

    def make(self, values: Mapping[str, Any], pk: int | None = None) -> models.Model:
        attributes = {**self.template, **{a: d() for a, d in self.callables.items()}, **values}
        if pk is not None:
            attributes[self.model._meta.pk.attname] = pk
        if not self.direct:
            return self.model(**attributes)
        obj = self.model.__new__(self.model)
        obj.__dict__.update(attributes)
        obj._state = ModelState()
        return obj


def _is_number_unique(constraint: models.BaseConstraint) -> bool:
    return isinstance(constraint, models.UniqueConstraint) and set(constraint.fields) == {
        "agency",
        "number",
    }


# ---------------------------------------------------------------------------------------------
# Planning an import


@dataclass(slots=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.column}: {self.message}"


CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass(slots=True)
class RowPlan:
    row: int
    action: str
    values: dict[str, Any]  # model attname → value, only for the columns given
    pk: int | None = None
    before: dict[str, Any] | None = None  # the stored values, for an update


@dataclass
class Plan:
    ledger: Ledger
    agency: Agency
    columns: list[Column]  # the file's columns, in contract order
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def summary(self) -> str:
        return (
            f"新建 {self.count(CREATE)} 条，更新 {self.count(UPDATE)} 条，"
            f"未改动 {self.count(UNCHANGED)} 条"
        )


def _attname(ledger: Ledger, column: Column) -> str:
    return ledger.model_field(column).attname


def match_header(ledger: Ledger, raw: Any) -> Column | None:
    """The column a header cell names: its key (any case) or its exact Chinese header."""
    name = _text(raw)
    for c in ledger.columns:
        if name == c.header or name.lower() == c.key:
            return c
    return None


def _headers(ledger: Ledger, table: Table, plan: Plan) -> tuple[dict[int, Column], bool]:
    """Map file column positions to columns; header problems go to the plan (as row 1).
    Also says whether a required column is missing."""
    found: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for i, raw in enumerate(table.headers):
        if _blank(raw):
            if any(i < len(r) and not _blank(r[i]) for r in table.rows):
                plan.problems.append(Problem(1, f"第{i + 1}列", "这一列有数据但没有表头。"))
            continue
        name = _text(raw)
        column = match_header(ledger, raw)
        if column is None:
            known = "、".join(f"{c.key}（{c.header}）" for c in ledger.columns)
            plan.problems.append(Problem(1, name, f"未知的列。可用的列：{known}"))
            continue
        if column.key in seen:
            plan.problems.append(
                Problem(1, column.key, f"列重复：第{seen[column.key] + 1}列和第{i + 1}列是同一列。")
            )
            continue
        seen[column.key] = i
        found[i] = column
    missing = [c for c in ledger.columns if c.key not in seen and ledger.is_required(c)]
    for c in missing:
        plan.problems.append(Problem(1, c.key, f"缺少必填的列“{c.key}”（{c.header}）。"))
    plan.columns = [c for c in ledger.columns if c.key in seen]
    return found, bool(missing)


def _existing(
    ledger: Ledger, agency: Agency, *, with_values: bool
) -> dict[str, tuple[int, dict[str, Any]] | None]:
    """The agency's numbers, in one query; with ``with_values`` (for --update) each number maps
    to (pk, values of every contract column)."""
    queryset = ledger.model._default_manager.filter(agency=agency)
    if not with_values:
        return dict.fromkeys(queryset.values_list("number", flat=True).iterator(chunk_size=5000))
    attnames = [_attname(ledger, c) for c in ledger.columns]
    existing = {}
    for pk, *values in queryset.values_list("pk", *attnames).iterator(chunk_size=5000):
        record = dict(zip(attnames, values, strict=True))
        existing[record["number"]] = (pk, record)
    return existing


def _related(
    ledger: Ledger, agency: Agency, table: Table, positions: dict[int, Column]
) -> dict[str, dict[str, models.Model]]:
    """For each foreign-key column, the agency's records the file names, fetched in batches."""
    related: dict[str, dict[str, models.Model]] = {}
    for pos, column in positions.items():
        if not column.related_attribute:
            continue
        target = ledger.model_field(column).related_model
        wanted = sorted({_text(r[pos]) for r in table.rows if pos < len(r) and not _blank(r[pos])})
        found: dict[str, models.Model] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            queryset = target._default_manager.filter(
                agency=agency, **{f"{column.related_attribute}__in": chunk}
            ).only("pk", "agency_id", column.related_attribute)
            for obj in queryset:
                found[getattr(obj, column.related_attribute)] = obj
        related[column.key] = found
    return related


class _CellReader:
    """Reads one column of the file into a row's values (everything about the column is looked
    up once, not for every cell)."""

    def __init__(self, ledger: Ledger, column: Column, pos: int):
        f = ledger.model_field(column)
        self.ledger, self.column, self.pos = ledger, column, pos
        self.name, self.attname = f.name, f.attname
        self.required = ledger.is_required(column)
        self.keep_when_blank = not f.blank  # has a default: "not given" keeps it
        self.blank_value = None if f.null else ""
        self.accepted = ledger.choices(column) if f.choices else None
        self.is_date = isinstance(f, models.DateField)

    def read(self, cells, values, objects, related) -> None:
        raw = cells[self.pos] if self.pos < len(cells) else None
        column = self.column
        if _blank(raw):
            if self.required:
                raise CellError(f"必须填写{column.header}。")
            if self.keep_when_blank:
                return
            values[self.attname] = self.blank_value
            if column.related_attribute:
                objects[self.name] = None
        elif column.related_attribute:
            key = _text(raw)
            obj = related[column.key].get(key)
            if obj is None:
                raise CellError(f"本机关没有{column.header}为“{key}”的记录。")
            values[self.attname] = obj.pk
            objects[self.name] = obj
        elif self.accepted is not None:
            values[self.attname] = _choice(self.ledger, column, raw, self.accepted)
        elif self.is_date:
            values[self.attname] = _date(raw)
        else:
            values[self.attname] = _text(raw)


def plan_import(
    ledger: Ledger,
    *,
    agency: Agency,
    table: Table,
    update: bool = False,
    update_hint: str = "如要更新已有记录，请使用 --update",
    progress: Progress | None = None,
) -> Plan:
    """Parse and validate every row; nothing is written. The plan lists every problem."""
    plan = Plan(ledger=ledger, agency=agency, columns=[])
    positions, missing_required = _headers(ledger, table, plan)
    if missing_required:
        _sort_problems(plan)
        return plan  # every row would fail the same way

    model = ledger.model
    existing = _existing(ledger, agency, with_values=update)
    related = _related(ledger, agency, table, positions)
    cells_in_file = [_CellReader(ledger, column, pos) for pos, column in positions.items()]
    checks = [
        (c, *_compiled_check(model, c)) for c in model._meta.constraints if not _is_number_unique(c)
    ]
    # The file sets only its own columns; every other field holds its default (or, for an
    # update, its stored value), so cleaning them again would only cost time.
    not_in_file = {f.name for f in model._meta.fields} - {c.name for c in cells_in_file}
    unique_message = next(
        c.get_violation_error_message() for c in model._meta.constraints if _is_number_unique(c)
    )
    column_of_field = {c.field: c for c in ledger.columns}
    builder = _Builder(model, agency)
    file_numbers: dict[str, int] = {}
    total = len(table.rows)

    for index, cells in enumerate(table.rows):
        if progress and index and index % 10000 == 0:
            progress("检查", index, total)
        row = index + 2
        if all(_blank(v) for v in cells):
            continue
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        objects: dict[str, models.Model | None] = {}
        failed: set[str] = set()
        for reader in cells_in_file:
            try:
                reader.read(cells, values, objects, related)
            except CellError as exc:
                problems.append(Problem(row, reader.column.key, str(exc)))
                failed.add(reader.name)

        number = values.get("number", "")
        pk, before = None, None
        if number:
            if number in file_numbers:
                problems.append(
                    Problem(row, "number", f"与第 {file_numbers[number]} 行的编号重复。")
                )
            else:
                file_numbers[number] = row
                if number in existing:
                    if update:
                        pk, before = existing[number]
                    else:
                        problems.append(Problem(row, "number", f"{unique_message}{update_hint}。"))

        # The model's own validation, on an instance as it would be stored.
        instance = builder.make({**before, **values} if before else values, pk)
        for name, obj in objects.items():
            setattr(instance, name, obj)
        # Foreign keys were looked up above (``full_clean`` would query for each).
        exclude = {"agency", "request"} | failed | ({"number"} if not number else set())
        try:
            instance.full_clean(
                exclude=exclude | not_in_file, validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = column_of_field.get(name)
                key = column.key if column else ("-" if name == NON_FIELD_ERRORS else name)
                problems.extend(Problem(row, key, m) for m in messages)
                exclude.add(name)
        for constraint, fields, check in checks:
            if fields & exclude:
                continue
            if check(instance) is False if check else not constraint_holds(constraint, instance):
                key = _constraint_column(ledger, constraint, instance)
                problems.append(Problem(row, key, constraint.get_violation_error_message()))

        if problems:
            plan.problems.extend(problems)
            continue
        if pk is None:
            action = CREATE
        elif all(before[k] == v for k, v in values.items()):
            action = UNCHANGED
        else:
            action = UPDATE
        plan.rows.append(RowPlan(row=row, action=action, values=values, pk=pk, before=before))

    if plan.ok:
        _assign_numbers(plan, taken=set(existing) | set(file_numbers))
    _sort_problems(plan)
    return plan


def _sort_problems(plan: Plan) -> None:
    """By row, then in the contract's column order (other names last, in file order)."""
    order = {c.key: i for i, c in enumerate(plan.ledger.columns)}
    plan.problems.sort(key=lambda p: (p.row, order.get(p.column, len(order))))


def _constraint_column(
    ledger: Ledger, constraint: models.BaseConstraint, instance: models.Model
) -> str:
    """The column to blame for a broken constraint: a blank one among those the constraint reads
    (a missing value is the likeliest cause), else the last of them in contract order (for
    "answered before received", the answer date)."""
    names = constraint_fields(constraint)
    columns = [c for c in ledger.columns if c.field in names]
    if not columns:
        return "-"
    for c in columns:
        if getattr(instance, ledger.model_field(c).attname) in (None, ""):
            return c.key
    return columns[-1].key


def _assign_numbers(plan: Plan, *, taken: set[str]) -> None:
    """Generate the blank numbers once every number the file gives is known."""
    ledger = plan.ledger
    date_attname = ledger.model._meta.get_field(ledger.date_field).attname
    sequences: dict[str, Iterator[str]] = {}
    for row in plan.rows:
        if row.pk is not None or row.values.get("number"):
            continue
        prefix = ledger.number_prefix(row.values[date_attname])
        if prefix not in sequences:
            sequences[prefix] = numbering.numbers_after(
                prefix, {n for n in taken if n.startswith(prefix)}
            )
        row.values["number"] = next(sequences[prefix])


# ---------------------------------------------------------------------------------------------
# Applying a plan


def apply_plan(
    plan: Plan, *, user=None, reason: str = "", progress: Progress | None = None
) -> None:
    """Write a valid plan in bulk, with history rows. Call inside a transaction."""
    assert plan.ok, "a plan with problems must not be applied"
    model = plan.ledger.model
    creates = [r for r in plan.rows if r.action == CREATE]
    updates = [r for r in plan.rows if r.action == UPDATE]
    total, done = len(creates) + len(updates), 0
    derive = plan.ledger.derive() if plan.ledger.derive else None
    history = _History(model, plan.agency, user=user, reason=reason)
    builder = _Builder(model, plan.agency)
    for start in range(0, len(creates), BATCH_SIZE):
        batch = creates[start : start + BATCH_SIZE]
        objs = [builder.make(r.values) for r in batch]
        if derive:
            derive(objs, True)
        _insert(model, objs)
        history.write(objs, "+")
        done += len(batch)
        if progress and (done % 10000 == 0 or done == total):
            progress("保存", done, total)
    fields = {model._meta.get_field(a).name for r in updates for a in r.values} | {"updated_at"}
    now = timezone.now()
    for start in range(0, len(updates), BATCH_SIZE):
        batch = updates[start : start + BATCH_SIZE]
        stored = model._default_manager.in_bulk([r.pk for r in batch])
        objs = []
        for r in batch:
            obj = stored[r.pk]
            for attname, value in r.values.items():
                setattr(obj, attname, value)
            obj.updated_at = now  # an UPDATE does not run auto_now
            objs.append(obj)
        derived = derive(objs, False) if derive else []
        _update(model, objs, sorted(fields | set(derived)))
        history.write(objs, "~")
        done += len(batch)
        if progress and (done % 10000 == 0 or done == total):
            progress("保存", done, total)


_TEXT_FIELDS = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    """A field's value → its database parameter: what ``get_db_prep_save`` returns, with a short
    cut for the plain values an import holds (None, a str for text, an int for a key, a date)."""

    def generic(value):
        return field.get_db_prep_save(value, connection)

    kind = field.get_internal_type()
    if kind in _TEXT_FIELDS:
        return lambda v: v if v is None or type(v) is str else generic(v)
    if kind == "DateField":
        adapt = connection.ops.adapt_datefield_value
        return lambda v: v if v is None else adapt(v) if type(v) is datetime.date else generic(v)
    if kind == "ForeignKey" or kind.endswith("IntegerField"):
        return lambda v: v if v is None or type(v) is int else generic(v)
    return generic


def _insert(model: type[models.Model], objs: list[models.Model]) -> None:
    """``bulk_create`` for many plain rows, without its per-value SQL compilation (three
    quarters of its time): the INSERT is written once per statement size, each value prepared as
    the field prepares it, and the new ids read back (RETURNING) as ``bulk_create`` does.
    ``auto_now``/``auto_now_add`` fields get one timestamp per batch."""
    ops, quote = connection.ops, connection.ops.quote_name
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk and not f.generated]
    now = timezone.now()
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objs:
        for f in stamped:
            setattr(obj, f.attname, now)
    prepare = [(f.attname, _preparer(f)) for f in fields]
    prepared_now = {f.attname: _preparer(f)(now) for f in stamped}
    prepare = [
        (a, (lambda v, c=prepared_now[a]: c) if a in prepared_now else p) for a, p in prepare
    ]
    returning, returning_params = ops.return_insert_columns([pk])
    per_statement = ops.bulk_batch_size(fields, objs)
    columns = ", ".join(quote(f.column) for f in fields)
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params = [prep(getattr(obj, attname)) for obj in chunk for attname, prep in prepare]
            cursor.execute(
                f"{head}{', '.join([row_sql] * len(chunk))} {returning}",
                [*params, *returning_params],
            )
            for obj, (new_pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_pk
                obj._state.adding, obj._state.db = False, connection.alias


def _update(model: type[models.Model], objs: list[models.Model], names: list[str]) -> None:
    """Save ``names`` of many records (``bulk_update`` writes a CASE per field and row into one
    statement, which takes minutes for 100,000 rows). PostgreSQL: one ``UPDATE … FROM (VALUES
    …)`` per batch; other databases: one prepared UPDATE run for each record."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), model._meta.pk
    fields = [model._meta.get_field(name) for name in names]
    prepare = [(f.attname, _preparer(f)) for f in fields]
    params = [[obj.pk, *(prep(getattr(obj, a)) for a, prep in prepare)] for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            sql = f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s"
            cursor.executemany(sql, [[*values, key] for key, *values in params])
            return
        names_sql = ", ".join(["id", *(f"c{i}" for i in range(len(fields)))])
        # The VALUES list has no column types of its own: each is cast to the column's type.
        assignments = ", ".join(
            f"{quote(f.column)} = CAST(v.c{i} AS {f.db_type(connection)})"
            for i, f in enumerate(fields)
        )
        row_sql = f"({', '.join(['%s'] * (len(fields) + 1))})"
        for start in range(0, len(params), BATCH_SIZE):
            chunk = params[start : start + BATCH_SIZE]
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v({names_sql}) "
                f"WHERE {table}.{quote(pk.column)} = v.id",
                [value for row in chunk for value in row],
            )


class _History:
    """The history rows of a batch of records just written: the rows that simple_history's
    ``bulk_create_with_history`` / ``bulk_update_with_history`` write, but copied by the
    database from the stored records in one ``INSERT … SELECT`` per batch, instead of a
    historical model instance and a parameter set per row in Python (that halves the time of a
    100,000-row import). A history model with fields beyond simple_history's standard ones
    falls back to simple_history's own ``bulk_history_create``."""

    STANDARD = {"history_date", "history_change_reason", "history_type", "history_user"}

    def __init__(self, model: type[models.Model], agency: Agency, *, user, reason: str):
        self.model, self.agency = model, agency
        self.user, self.reason = user, reason
        self.history = model.history.model
        own = {f.name for f in model._meta.concrete_fields}
        self.fields = [f for f in self.history._meta.concrete_fields if not f.primary_key]
        self.copy_in_sql = all(f.name in own or f.name in self.STANDARD for f in self.fields)

    def write(self, objs: list[models.Model], history_type: str) -> None:
        date = timezone.now()
        if not self.copy_in_sql:
            self.model.history.bulk_history_create(
                objs,
                update=history_type == "~",
                default_user=self.user,
                default_change_reason=self.reason,
                default_date=date,
            )
            return
        standard = {
            "history_date": date,
            "history_change_reason": self.reason,
            "history_type": history_type,
            "history_user": self.user.pk if self.user else None,
        }
        quote, columns, selects, params = connection.ops.quote_name, [], [], []
        for f in self.fields:
            columns.append(quote(f.column))
            if f.name in standard:
                selects.append("%s")
                params.append(f.get_db_prep_save(standard[f.name], connection))
            else:
                selects.append(quote(self.model._meta.get_field(f.name).column))
        pks = [obj.pk for obj in objs]
        if None in pks:  # a database that does not return the ids of a bulk insert
            numbers = self.model._default_manager.filter(
                agency=self.agency, number__in=[obj.number for obj in objs]
            )
            pks = list(numbers.values_list("pk", flat=True))
        sql = (
            f"INSERT INTO {quote(self.history._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(selects)} FROM {quote(self.model._meta.db_table)} "
            f"WHERE {quote(self.model._meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *pks])


def import_table(
    ledger: Ledger,
    *,
    agency: Agency,
    table: Table,
    update: bool = False,
    user=None,
    reason: str = "",
    update_hint: str = "如要更新已有记录，请使用 --update",
    progress: Progress | None = None,
) -> Plan:
    """Validate and, when every row is good, store the whole table: one transaction, all or
    nothing. The returned plan carries the problems (nothing stored) or the counts."""
    try:
        with transaction.atomic():
            # Serialises imports into the same agency, so generated numbers cannot collide.
            Agency.objects.select_for_update().filter(pk=agency.pk).first()
            plan = plan_import(
                ledger,
                agency=agency,
                table=table,
                update=update,
                update_hint=update_hint,
                progress=progress,
            )
            if plan.ok:
                apply_plan(plan, user=user, reason=reason, progress=progress)
    except IntegrityError:
        # Another user saved a clashing record between the check and the write.
        raise LedgerFileError(
            "保存时与同时进行的其他修改冲突，未保存任何记录，请重新导入。"
        ) from None
    return plan


# ---------------------------------------------------------------------------------------------
# Export


def format_value(ledger: Ledger, column: Column, value: Any) -> str:
    """A stored value as the file writes it: the label for a choice, YYYY-MM-DD for a date, so
    that an exported file re-imports unchanged."""
    if value is None or value == "":
        return ""
    if isinstance(value, models.Model):
        return str(getattr(value, column.related_attribute))
    choices = ledger.model_field(column).choices
    if choices:
        return str(dict(choices)[value])
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def export_row(ledger: Ledger, obj: models.Model) -> list[str]:
    return [format_value(ledger, c, getattr(obj, c.field)) for c in ledger.columns]
