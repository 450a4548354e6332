"""Applying a plan: its rows written in bulk, with their history rows. One INSERT per batch of
new rows (``_insert``), one UPDATE per batch of changed rows on PostgreSQL (``_update``), and one
``INSERT … SELECT`` for each batch's history rows (``_History``), instead of the ORM's per-row
work: that is what lets 100,000 requests import in about 15 s of CPU time
(``manage.py bench_import``; README, Benchmarks)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import connection, models
from django.utils import timezone

from disclosure.crypto import BlindIndexField, EncryptedCharField
from disclosure.records.models import Agency

from .builder import Builder
from .contract import Derive
from .planning import CREATE, UPDATE, Plan, Progress, RowPlan

BATCH_SIZE = 1000


def apply_plan(
    plan: Plan, *, user=None, reason: str = "", progress: Progress | None = None
) -> None:
    """Write a valid plan in bulk, with history rows. Call inside a transaction."""
    assert plan.ok, "a plan with problems must not be applied"
    model = plan.ledger.model
    creates = [r for r in plan.rows if r.action == CREATE]
    updates = [r for r in plan.rows if r.action == UPDATE]
    saved = _SavedCount(progress, total=len(creates) + len(updates))
    derive = plan.ledger.derive() if plan.ledger.derive else None
    history = _History(model, plan.agency, user=user, reason=reason)
    _create(model, plan.agency, creates, derive=derive, history=history, saved=saved)
    _save_changes(model, updates, derive=derive, history=history, saved=saved)


class _SavedCount:
    """Counts the rows written; tells ``progress`` at every 10,000th and at the last."""

    def __init__(self, progress: Progress | None, *, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def add(self, n: int) -> None:
        self.done += n
        if self.progress and (self.done % 10000 == 0 or self.done == self.total):
            self.progress("保存", self.done, self.total)


def _create(
    model: type[models.Model],
    agency: Agency,
    rows: list[RowPlan],
    *,
    derive: Derive | None,
    history: _History,
    saved: _SavedCount,
) -> None:
    """The new records, a batch at a time."""
    builder = Builder(model, agency)
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        objs = [builder.make(r.values) for r in batch]
        if derive:
            derive(objs, True)
        _insert(model, objs)
        history.write(objs, "+")
        saved.add(len(batch))


def _save_changes(
    model: type[models.Model],
    rows: list[RowPlan],
    *,
    derive: Derive | None,
    history: _History,
    saved: _SavedCount,
) -> None:
    """The changed records, a batch at a time: each stored record with the file's values set."""
    fields = {model._meta.get_field(a).name for r in rows for a in r.values} | {"updated_at"}
    now = timezone.now()
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
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
        saved.add(len(batch))


_TEXT_FIELDS = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    """A field's value → its database parameter: what ``get_db_prep_save`` returns, with a short
    cut for the plain values an import holds (None, a str for text, an int for a key, a date)."""

    def generic(value):
        return field.get_db_prep_save(value, connection)

    kind = field.get_internal_type()
    if isinstance(field, EncryptedCharField):
        return generic  # the value is encrypted on its way in: never the short cut
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
    indexed = [f for f in fields if isinstance(f, BlindIndexField)]
    for obj in objs:
        for f in stamped:
            setattr(obj, f.attname, now)
        for f in indexed:  # what save() and bulk_create would compute
            f.pre_save(obj, True)
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
