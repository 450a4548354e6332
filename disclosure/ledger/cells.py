"""Cell values: one cell of the file → the value stored in the model's field (text, a date, the
key of a choice, the pk of a related record), or a ``CellError`` that says what is wrong.
``ColumnReader`` reads one column of every row."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.db import models

from .contract import Column, Ledger
from .reading import is_blank


class CellError(Exception):
    pass


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def cell_text(value: Any) -> str:
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
    text = cell_text(value)
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
    text = cell_text(value)
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


class ColumnReader:
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
        """Sets ``values[attname]`` (and, for a foreign key, ``objects[field name]`` to the record
        found in ``related[column key]``), or leaves a blank cell's default alone."""
        raw = cells[self.pos] if self.pos < len(cells) else None
        column = self.column
        if is_blank(raw):
            if self.required:
                raise CellError(f"必须填写{column.header}。")
            if self.keep_when_blank:
                return
            values[self.attname] = self.blank_value
            if column.related_attribute:
                objects[self.name] = None
        elif column.related_attribute:
            key = cell_text(raw)
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
            values[self.attname] = cell_text(raw)
