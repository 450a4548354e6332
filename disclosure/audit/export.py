"""The access log as CSV, each cell safe to open in a spreadsheet."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from disclosure.formulas import csv_escape

from .models import AccessEvent

HEADERS = ["时间", "用户名", "用户ID", "访问地址", "操作", "记录类型", "记录ID", "机关", "说明"]
COLUMNS = [
    "at",
    "username",
    "user_id",
    "address",
    "action",
    "content_type_id",
    "object_id",
    "agency__name",
    "detail",
]


def csv_safe(value) -> str:
    """The text of a CSV cell, escaped as the ledger export escapes it (``disclosure.formulas``)."""
    return csv_escape("" if value is None else str(value))


def record_model(content_type_id: int | None) -> type[models.Model] | None:
    """The model of a row's record type (cached per process); None if none or since removed."""
    if content_type_id is None:
        return None
    try:
        return ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        return None


def content_type_label(content_type_id: int | None) -> str:
    if content_type_id is None:
        return ""
    model = record_model(content_type_id)
    return str(model._meta.verbose_name) if model else f"类型{content_type_id}"


def _row(values: tuple) -> list:
    at, username, user_id, address, action, content_type_id, object_id, agency, detail = values
    return [
        f"{timezone.localtime(at):%Y-%m-%d %H:%M:%S}",
        username,
        user_id,
        address,
        AccessEvent.Action(action).label if action in AccessEvent.Action.values else action,
        content_type_label(content_type_id),
        object_id,
        agency,
        detail,
    ]


class _Echo:
    """A file whose ``write`` returns what it is given: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_lines(queryset: models.QuerySet[AccessEvent]) -> Iterator[str]:
    """The header and one line per row of ``queryset``, read in chunks (for a streaming
    response); starts with a BOM so that Excel reads the Chinese text as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(HEADERS)
    rows: Iterable[tuple] = queryset.values_list(*COLUMNS).iterator(chunk_size=2000)
    for values in rows:
        yield writer.writerow([csv_safe(cell) for cell in _row(values)])
