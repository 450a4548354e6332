"""Reads: deadlines, the clerks' dashboard, fee counts. Each selector runs a fixed number of
queries whatever the number of requests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from . import clock
from .calendar import CalendarMissing, WorkCalendar
from .models import Agency, DisclosureRequest, FeeBasis, RequestEvent, RequestEventKind


def request_deadline(
    request: DisclosureRequest,
    *,
    calendar: WorkCalendar | None = None,
    events: list[RequestEvent] | None = None,
) -> clock.Deadline:
    """The request's deadline, recomputed now (raises ``CalendarMissing``)."""
    if events is None:
        events = list(request.events.all()) if request.pk else []
    return clock.compute(
        request.received_on,
        events,
        calendar or WorkCalendar.load(),
        count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY,
    )


def deadline_for_date(received_on: datetime.date, *, extended: bool = False) -> datetime.date:
    """The due date of a request received that day with no events (the ``deadline`` command)."""
    total = clock.ANSWER_DAYS + (clock.MAX_EXTENSION_DAYS if extended else 0)
    cal = WorkCalendar.load()
    cal.check(received_on)
    return cal.add_workdays(
        received_on, total, include_start=settings.DEADLINE_COUNT_RECEIPT_DAY
    )


def applicant_pieces_before(request: DisclosureRequest) -> int:
    """How many pieces (件) the same applicant asked this agency for earlier in the same natural
    month (国办函〔2020〕109号第四条), counting a request split under "一事一申请" by its pieces.

    The applicant is identified by name and 证件号码 (ID card number, or the 统一社会信用代码 of an
    organisation), compared without surrounding spaces and case: a name alone is not enough
    (two people share a name), so per-piece fees need both.
    """
    name = request.applicant_name.strip()
    id_number = request.applicant_id_number.strip()
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
            applicant_id_number__iexact=id_number,
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
    paid_in_year = RequestEvent.objects.filter(
        request=OuterRef("request"), kind=RequestEventKind.FEE_PAID, on__year=year
    )
    totals = RequestEvent.objects.filter(
        Exists(paid_in_year), kind=RequestEventKind.FEE_NOTICE, request__agency=agency
    ).aggregate(
        n=Count("request", distinct=True),
        amount=Coalesce(
            Sum("amount"), Value(Decimal("0.00")), output_field=DecimalField(max_digits=12, decimal_places=2)
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
    no_calendar: list[DashboardRow]


SOON_WORKING_DAYS = 5


def dashboard(agencies, today: datetime.date) -> tuple[list[AgencyDashboard], str]:
    """Open requests that need a clerk's attention, per agency: overdue, due within 5 working
    days, waiting on the applicant, and those whose deadline cannot be computed for want of a
    calendar. Returns the agency blocks and a calendar problem message (or "")."""
    problem = ""
    cal = WorkCalendar.load()
    try:
        soon_limit = cal.add_workdays(today, SOON_WORKING_DAYS, include_start=False)
    except CalendarMissing as exc:
        problem = str(exc)
        soon_limit = today + datetime.timedelta(days=7)

    agencies = list(agencies)
    attention = (
        DisclosureRequest.objects.filter(agency__in=agencies, decided_on__isnull=True)
        .filter(
            Q(due_on__lte=soon_limit)
            | Q(waiting_until__isnull=False)
            | Q(due_on__isnull=True, waiting_until__isnull=True)
        )
        .annotate(
            extended=Exists(
                RequestEvent.objects.filter(request=OuterRef("pk"), kind=RequestEventKind.EXTENSION)
            ),
            consulting=Exists(
                RequestEvent.objects.filter(
                    request=OuterRef("pk"),
                    kind__in=RequestEventKind.CONSULTATIONS,
                    ends_on__isnull=True,
                )
            ),
            fee_notice=Exists(
                RequestEvent.objects.filter(request=OuterRef("pk"), kind=RequestEventKind.FEE_NOTICE)
            ),
        )
        .select_related("handler")
        .order_by("due_on", "waiting_until", "received_on", "pk")
    )

    def left(day):
        if day is None:
            return None
        try:
            if day >= today:
                return cal.workdays_in(today, day)
            return -cal.workdays_in(day, today)
        except CalendarMissing:
            return None

    blocks = {a.pk: AgencyDashboard(a, [], [], [], []) for a in agencies}
    for r in attention:
        block = blocks[r.agency_id]
        if r.waiting_until:
            row = DashboardRow(r, left(r.waiting_until), r.extended, r.consulting, r.fee_notice)
            block.waiting.append(row)
        elif r.due_on is None:
            block.no_calendar.append(DashboardRow(r, None, r.extended, r.consulting))
        else:
            row = DashboardRow(r, left(r.due_on), r.extended, r.consulting)
            (block.overdue if r.due_on < today else block.due_soon).append(row)
    return list(blocks.values()), problem
