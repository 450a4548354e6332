"""The ledger files' column sets, as the interchange contract defines them
(``docs/interchange.md``): ``REQUESTS`` and ``CASES``, each a ``Ledger`` (a model and the
``Column`` list that maps the file's columns onto its fields). The commands, the admin import and
the export all read them from here. ``Ledger.derive`` fills the fields that the services keep and
the import's bulk writes skip (a request's due dates).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db import models

from disclosure.clock.calendar import WorkCalendar
from disclosure.clock.models import RequestEvent
from disclosure.clock.services import request_deadline_fill
from disclosure.records import numbering
from disclosure.records.applications import Case, DisclosureRequest

# Fills a batch of records' derived fields before they are written; returns those field names.
Derive = Callable[[list[models.Model], bool], list[str]]


class LedgerFileError(Exception):
    """The file as a whole cannot be read (not CSV or xlsx, empty, …)."""


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
        return numbering.prefix(self.number_prefix_format, date)


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
                obj.due_on, obj.waiting_until, obj.deadline_provisional = by_date[obj.received_on]
            else:
                request_deadline_fill(request=obj, events=[], calendar=calendar)
                by_date[obj.received_on] = (
                    obj.due_on,
                    obj.waiting_until,
                    obj.deadline_provisional,
                )
        return ["due_on", "waiting_until", "deadline_provisional"]

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
