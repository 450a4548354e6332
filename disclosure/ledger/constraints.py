"""The model's constraints, evaluated in Python: a ``CheckConstraint``'s condition is compiled once
into a function of an instance (``constraint_holds``), so an import checks every row without one
database query per constraint and row. A shape the compiler does not know falls back to the
constraint's own ``validate()``."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q


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


def compiled_check(model, constraint) -> tuple[set[str], Check | None]:
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
    fields, check = compiled_check(type(instance), constraint)
    if fields & set(exclude):
        return True
    if check is not None:
        return check(instance) is not False
    try:
        constraint.validate(type(instance), instance, exclude=exclude)
    except ValidationError:
        return False
    return True


def is_number_unique(constraint: models.BaseConstraint) -> bool:
    """The agency's unique numbers (an import checks them against the numbers it fetches)."""
    return isinstance(constraint, models.UniqueConstraint) and set(constraint.fields) == {
        "agency",
        "number",
    }
