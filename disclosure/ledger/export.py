"""Export: a stored record as a row of the ledger file (the admin's export writes these cells)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from .contract import Column, Ledger


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
