"""Planning an import: every row of a ``Table`` parsed and validated by the model's own rules,
nothing written. The resulting ``Plan`` holds either every problem found (``Problem``: row,
column, message) or, for each row, what applying it will do (``RowPlan``: create, update or leave
unchanged), with the blank numbers generated.

Each row becomes a model instance (``Builder``) and goes through ``full_clean()``; the model's
``Meta.constraints`` are then evaluated in Python (``constraint_holds``) instead of one database
query per constraint and row, and the unique numbers are checked against the agency's numbers,
fetched once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from disclosure.records import numbering
from disclosure.records.models import Agency

from .builder import Builder
from .cells import CellError, ColumnReader, cell_text
from .constraints import compiled_check, constraint_fields, constraint_holds, is_number_unique
from .contract import Column, Ledger
from .reading import Table, is_blank

Progress = Callable[[str, int, int], None]  # (stage, done, total)


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
    name = cell_text(raw)
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
        if is_blank(raw):
            if any(i < len(r) and not is_blank(r[i]) for r in table.rows):
                plan.problems.append(Problem(1, f"第{i + 1}列", "这一列有数据但没有表头。"))
            continue
        name = cell_text(raw)
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
        wanted = sorted(
            {cell_text(r[pos]) for r in table.rows if pos < len(r) and not is_blank(r[pos])}
        )
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

    checker = _RowChecker(ledger, agency, table, positions, update=update, update_hint=update_hint)
    total = len(table.rows)
    for index, cells in enumerate(table.rows):
        if progress and index and index % 10000 == 0:
            progress("检查", index, total)
        if all(is_blank(v) for v in cells):
            continue
        problems, row_plan = checker.check(index + 2, cells)
        if problems:
            plan.problems.extend(problems)
        else:
            plan.rows.append(row_plan)

    if plan.ok:
        _assign_numbers(plan, taken=set(checker.existing) | set(checker.file_numbers))
    _sort_problems(plan)
    return plan


class _RowChecker:
    """Checks the rows of one file, one after another: what every row is checked against (the
    agency's numbers and related records, the column readers, the compiled constraints) is
    looked up once, and the numbers seen so far are remembered."""

    def __init__(
        self,
        ledger: Ledger,
        agency: Agency,
        table: Table,
        positions: dict[int, Column],
        *,
        update: bool,
        update_hint: str,
    ):
        model = ledger.model
        self.ledger, self.update, self.update_hint = ledger, update, update_hint
        self.existing = _existing(ledger, agency, with_values=update)
        self.related = _related(ledger, agency, table, positions)
        self.readers = [ColumnReader(ledger, column, pos) for pos, column in positions.items()]
        self.checks = [
            (c, *compiled_check(model, c))
            for c in model._meta.constraints
            if not is_number_unique(c)
        ]
        # The file sets only its own columns; every other field holds its default (or, for an
        # update, its stored value), so cleaning them again would only cost time.
        self.not_in_file = {f.name for f in model._meta.fields} - {r.name for r in self.readers}
        self.unique_message = next(
            c.get_violation_error_message() for c in model._meta.constraints if is_number_unique(c)
        )
        self.column_of_field = {c.field: c for c in ledger.columns}
        self.builder = Builder(model, agency)
        self.file_numbers: dict[str, int] = {}  # number → the row that first gave it

    def check(self, row: int, cells: list[Any]) -> tuple[list[Problem], RowPlan | None]:
        """The row's problems, or none and its plan."""
        problems: list[Problem] = []
        values, objects, failed = self._read_cells(row, cells, problems)
        number = values.get("number", "")
        pk, before = self._match_number(row, number, problems)

        # The model's own validation, on an instance as it would be stored.
        instance = self.builder.make({**before, **values} if before else values, pk)
        for name, obj in objects.items():
            setattr(instance, name, obj)
        # Foreign keys were looked up above (``full_clean`` would query for each).
        exclude = {"agency", "request"} | failed | ({"number"} if not number else set())
        self._clean_fields(row, instance, exclude, problems)
        self._check_constraints(row, instance, exclude, problems)

        if problems:
            return problems, None
        action = _action(pk, before, values)
        return [], RowPlan(row=row, action=action, values=values, pk=pk, before=before)

    def _read_cells(
        self, row: int, cells: list[Any], problems: list[Problem]
    ) -> tuple[dict[str, Any], dict[str, models.Model | None], set[str]]:
        """The row's values by attname, its related records by field name, and the names of the
        fields whose cells could not be read."""
        values: dict[str, Any] = {}
        objects: dict[str, models.Model | None] = {}
        failed: set[str] = set()
        for reader in self.readers:
            try:
                reader.read(cells, values, objects, self.related)
            except CellError as exc:
                problems.append(Problem(row, reader.column.key, str(exc)))
                failed.add(reader.name)
        return values, objects, failed

    def _match_number(
        self, row: int, number: str, problems: list[Problem]
    ) -> tuple[int | None, dict[str, Any] | None]:
        """A number given must be new to the file and, unless updating, to the agency; for an
        update, the stored record's (pk, values)."""
        if not number:
            return None, None
        if number in self.file_numbers:
            problems.append(
                Problem(row, "number", f"与第 {self.file_numbers[number]} 行的编号重复。")
            )
            return None, None
        self.file_numbers[number] = row
        if number not in self.existing:
            return None, None
        if self.update:
            return self.existing[number]
        problems.append(Problem(row, "number", f"{self.unique_message}{self.update_hint}。"))
        return None, None

    def _clean_fields(
        self, row: int, instance: models.Model, exclude: set[str], problems: list[Problem]
    ) -> None:
        """``full_clean()`` of the file's fields; a field found wrong joins ``exclude``."""
        try:
            instance.full_clean(
                exclude=exclude | self.not_in_file,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = self.column_of_field.get(name)
                key = column.key if column else ("-" if name == NON_FIELD_ERRORS else name)
                problems.extend(Problem(row, key, m) for m in messages)
                exclude.add(name)

    def _check_constraints(
        self, row: int, instance: models.Model, exclude: set[str], problems: list[Problem]
    ) -> None:
        """The model's constraints, except those on an excluded field."""
        for constraint, fields, check in self.checks:
            if fields & exclude:
                continue
            if check(instance) is False if check else not constraint_holds(constraint, instance):
                key = _constraint_column(self.ledger, constraint, instance)
                problems.append(Problem(row, key, constraint.get_violation_error_message()))


def _action(pk: int | None, before: dict[str, Any] | None, values: dict[str, Any]) -> str:
    if pk is None:
        return CREATE
    if all(before[k] == v for k, v in values.items()):
        return UNCHANGED
    return UPDATE


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
