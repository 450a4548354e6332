"""Reads: deadlines, the clerks' dashboard, fee counts. Each selector runs a fixed number of
queries whatever the number of requests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from disclosure.crypto import blind_index
from disclosure.records.applications import DisclosureRequest
from disclosure.records.models import Agency

from . import compute as clock
from . import statute
from .calendar import WorkCalendar
from .models import CalendarYear, FeeBasis, RequestEvent, RequestEventKind


def request_deadline(
    request: DisclosureRequest,
    *,
    calendar: WorkCalendar | None = None,
    events: list[RequestEvent] | None = None,
) -> clock.Deadline:
    """The request's deadline, recomputed now; provisional (暂定) where it runs into a year
    without a calendar."""
    if events is None:
        events = list(request.events.all()) if request.pk else []
    return clock.compute_or_provisional(
        request.received_on,
        events,
        calendar or WorkCalendar.load(),
        count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY,
    )


def deadline_for_date(
    received_on: datetime.date, *, extended: bool = False, provisional: bool = False
) -> tuple[datetime.date, tuple[int, ...]]:
    """The due date of a request received that day with no events (the ``deadline`` command),
    and the years it was counted through without a calendar. Raises ``CalendarMissing`` for
    such a year unless ``provisional``: then those years count Monday–Friday."""
    total = statute.ANSWER_DAYS + (statute.MAX_EXTENSION_DAYS if extended else 0)
    cal = WorkCalendar.load()
    if provisional:
        cal = cal.guessing()
    cal.check(received_on)
    due = cal.add_workdays(received_on, total, include_start=settings.DEADLINE_COUNT_RECEIPT_DAY)
    return due, tuple(sorted(cal.guessed))


def calendar_missing_years(today: datetime.date) -> list[int]:
    """The years the calendar should cover by now and does not: this year, and from 1 November
    (the State Council's notice for the next year usually comes out in November) the next."""
    wanted = [today.year, today.year + 1] if today.month >= 11 else [today.year]
    have = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return [year for year in wanted if year not in have]


def calendar_warning(today: datetime.date) -> str:
    """The warning for managers and the system role while ``calendar_missing_years``; ""
    when the calendar is complete."""
    missing = calendar_missing_years(today)
    if not missing:
        return ""
    named = "、".join(f"{year}年" for year in missing)
    return (
        f"{named}的工作日历尚未录入：答复期限跨入{named}的申请暂按周一至周五计算，标为“暂定”。"
        f"请系统管理员在“工作日历”中按国务院办公厅关于{missing[-1]}年部分节假日安排的通知"
        f"录入（可粘贴通知全文），录入后答复期限自动重算。"
    )


def applicant_pieces_before(request: DisclosureRequest) -> int:
    """How many pieces (件) the same applicant asked this agency for earlier in the same natural
    month (国办函〔2020〕109号第四条), counting a request split under "一事一申请" by its pieces.

    The applicant is identified by name and 证件号码 (ID card number, or the 统一社会信用代码 of an
    organisation), compared without surrounding spaces and case: a name alone is not enough
    (two people share a name), so per-piece fees need both. The ID number is stored encrypted:
    it is compared through its keyed hash (``applicant_id_index``), never decrypted.
    """
    name = request.applicant_name.strip()
    id_index = blind_index(request.applicant_id_number)
    received = request.received_on
    month_start = received.replace(day=1)
    earlier = Q(received_on__lt=received)
    if request.pk:
        earlier |= Q(received_on=received, pk__lt=request.pk)
    pieces = RequestEvent.objects.filter(
        request=OuterRef("pk"), kind=RequestEventKind.FEE_NOTICE, fee_basis=FeeBasis.PER_PIECE
    ).values("fee_quantity")[:1]
    total = (
        DisclosureRequest.objects.filter(
            earlier,
            agency_id=request.agency_id,
            applicant_name__iexact=name,
            applicant_id_index=id_index,
            received_on__gte=month_start,
        )
        .exclude(pk=request.pk)
        .annotate(pieces=Coalesce(Subquery(pieces), Value(1)))
        .aggregate(n=Sum("pieces"))["n"]
    )
    return total or 0


def fees_collected(agency: Agency, year: int) -> tuple[int, Decimal]:
    """信息处理费 collected in ``year``: how many requests paid, and the total in 元, counted by
    the date of payment — the sentence of the annual report's section 六."""
    return fees_collected_in([agency.pk], year)


def fees_collected_in(agency_ids: list[int], year: int) -> tuple[int, Decimal]:
    """``fees_collected`` over several agencies together (a consolidated report): one query."""
    paid_in_year = RequestEvent.objects.filter(
        request=OuterRef("request"), kind=RequestEventKind.FEE_PAID, on__year=year
    )
    totals = RequestEvent.objects.filter(
        Exists(paid_in_year), kind=RequestEventKind.FEE_NOTICE, request__agency_id__in=agency_ids
    ).aggregate(
        n=Count("request", distinct=True),
        amount=Coalesce(
            Sum("amount"),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        ),
    )
    return totals["n"], totals["amount"]


@dataclass(frozen=True)
class DashboardRow:
    request: DisclosureRequest
    working_days_left: int | None  # 0 = due today; negative = working days overdue
    extended: bool
    consulting: bool
    fee_notice: bool = False  # waiting on a payment rather than a 补正

    @property
    def provisional(self) -> bool:
        """The date shown is 暂定: counted through a year without a calendar."""
        return self.request.deadline_provisional

    @property
    def waiting_for(self) -> str:
        return "待缴费" if self.fee_notice else "待补正"

    @property
    def overdue_days(self) -> int | None:
        return -self.working_days_left if self.working_days_left is not None else None


@dataclass(frozen=True)
class AgencyDashboard:
    agency: Agency
    overdue: list[DashboardRow]
    due_soon: list[DashboardRow]
    waiting: list[DashboardRow]  # on the applicant (补正 or fee); expired periods first
    counts: dict[str, int]  # per section; the lists hold the most urgent rows only


SOON_WORKING_DAYS = 5
DASHBOARD_ROWS = 50  # per section and agency
SECTIONS = ("overdue", "due_soon", "waiting")


def dashboard(agencies, today: datetime.date) -> tuple[list[AgencyDashboard], str]:
    """Open requests that need a clerk's attention, per agency: overdue, due within 5 working
    days, waiting on the applicant — the most urgent ``DASHBOARD_ROWS`` of each, and how many
    there are. A date counted through a year without a calendar is provisional (暂定): so are
    the working days left up to it. Returns the agency blocks and a calendar problem message
    (or ""). Four queries however many requests are open (five with the calendar)."""
    cal = WorkCalendar.load().guessing()
    soon_limit = cal.add_workdays(today, SOON_WORKING_DAYS, include_start=False)
    agencies = list(agencies)
    attention = _needing_attention(agencies, today, soon_limit)
    counts = _section_counts(attention)
    urgent = _most_urgent(attention)
    flags = _event_flags(urgent)
    blocks = {
        a.pk: AgencyDashboard(
            a, [], [], [], {name: counts.get((a.pk, i), 0) for i, name in enumerate(SECTIONS)}
        )
        for a in agencies
    }
    for r in urgent:
        kinds = flags.get(r.pk, set())
        row = DashboardRow(
            r,
            _working_days_left(cal, today, r.waiting_until or r.due_on),
            extended=RequestEventKind.EXTENSION in kinds,
            consulting="consulting" in kinds,
            fee_notice=RequestEventKind.FEE_NOTICE in kinds,
        )
        getattr(blocks[r.agency_id], SECTIONS[r.section]).append(row)
    return list(blocks.values()), clock.provisional_reason(sorted(cal.guessed))


def _needing_attention(agencies: list[Agency], today: datetime.date, soon_limit: datetime.date):
    """The open requests of these agencies that belong on the dashboard, each annotated with
    its ``section`` (the index in ``SECTIONS``)."""
    section = Case(
        When(waiting_until__isnull=False, then=Value(2)),
        When(due_on__lt=today, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        DisclosureRequest.objects.filter(agency__in=agencies, decided_on__isnull=True)
        .filter(Q(due_on__lte=soon_limit) | Q(waiting_until__isnull=False))
        .annotate(section=section)
    )


def _section_counts(attention) -> dict[tuple[int, int], int]:
    """How many requests each (agency, section) holds: one query."""
    return {
        (agency_id, n): count
        for agency_id, n, count in attention.values_list("agency_id", "section")
        .annotate(count=Count("pk"))
        .order_by()
    }


def _most_urgent(attention) -> list[DisclosureRequest]:
    """The first ``DASHBOARD_ROWS`` requests of each (agency, section), most urgent first: one
    query."""
    ranked = attention.annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("agency_id"), F("section")],
            order_by=[
                F("due_on").asc(nulls_last=True),
                F("waiting_until").asc(nulls_last=True),
                F("received_on").asc(),
                F("pk").asc(),
            ],
        )
    )
    return list(
        ranked.filter(rank__lte=DASHBOARD_ROWS)
        .select_related("handler")
        .order_by("due_on", "waiting_until", "received_on", "pk")
    )


def _event_flags(requests: list[DisclosureRequest]) -> dict[int, set[str]]:
    """The kinds of events of each shown request, a consultation as "consulting" (no reply
    yet) or "consulted".

    The badges come from the shown rows' events in one more query: as correlated EXISTS over
    every open request they make PostgreSQL's cost estimate high enough to trigger JIT
    compilation, which alone takes ~300 ms."""
    flags: dict[int, set[str]] = {}
    for request_id, kind, ends_on in RequestEvent.objects.filter(
        request__in=[r.pk for r in requests]
    ).values_list("request_id", "kind", "ends_on"):
        if kind in RequestEventKind.CONSULTATIONS:
            kind = "consulting" if ends_on is None else "consulted"
        flags.setdefault(request_id, set()).add(kind)
    return flags


def _working_days_left(
    cal: WorkCalendar, today: datetime.date, day: datetime.date | None
) -> int | None:
    """Working days from today to ``day`` (negative once past); None without a day. ``cal``
    guesses a year without a calendar (the day is then provisional)."""
    if day is None:
        return None
    if day >= today:
        return cal.workdays_in(today, day)
    return -cal.workdays_in(day, today)
