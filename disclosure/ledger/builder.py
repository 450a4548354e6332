"""Model instances made fast from a row's attribute values, for validating (planning) and for
writing (the bulk INSERT) a large import."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import signals
from django.db.models.base import ModelState

from disclosure.records.models import Agency


class Builder:
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
