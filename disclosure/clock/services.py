"""Writes that move the statutory clock: a request's events, its cached due dates, the
working-day calendar. Each validates with ``full_clean()`` and the rules in ``rules``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from disclosure.records.applications import DisclosureRequest

from . import fees, rules
from .calendar import HolidayPeriod, WorkCalendar, package_calendar, package_version
from .compute import compute_or_provisional
from .models import CalendarYear, FeeBasis, Holiday, RequestEvent, RequestEventKind
from .selectors import applicant_pieces_before

Dates = tuple[datetime.date | None, datetime.date | None, bool]


def _deadline_dates(
    received_on: datetime.date, events: list, cal: WorkCalendar, cache: dict | None = None
) -> Dates:
    """(due_on, waiting_until, provisional) from the clock: through a year without a calendar
    the dates are counted Monday–Friday and provisional (暂定) until the year is entered.
    ``cache`` shares the result between requests without events received the same day."""
    key = received_on if cache is not None and not events else None
    if key is not None and key in cache:
        return cache[key]
    deadline = compute_or_provisional(
        received_on,
        events,
        cal,
        count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY,
        explain=False,
    )
    dates = deadline.due_on, deadline.waiting_until, deadline.provisional
    if key is not None:
        cache[key] = dates
    return dates


def _set_deadline(
    request: DisclosureRequest, events: list, cal: WorkCalendar, cache: dict | None = None
) -> bool:
    """Put the clock's result in the request's cached fields; True if they changed."""
    dates = _deadline_dates(request.received_on, events, cal, cache)
    changed = (request.due_on, request.waiting_until, request.deadline_provisional) != dates
    request.due_on, request.waiting_until, request.deadline_provisional = dates
    return changed


def request_deadline_fill(
    *,
    request: DisclosureRequest,
    events: list[RequestEvent] | None = None,
    calendar: WorkCalendar | None = None,
) -> None:
    """Put the clock's result in a request's cached fields before the request is saved (the
    ledger importer passes the events and one calendar for a whole file)."""
    if events is None:
        events = list(request.events.all()) if request.pk else []
    _set_deadline(request, events, calendar or WorkCalendar.load())


def request_deadline_refresh(*, request: DisclosureRequest) -> None:
    """Recompute one request's cached due date from its events and the calendar."""
    if _set_deadline(request, list(request.events.all()), WorkCalendar.load()):
        # A derived value: no history row, no "modified" time.
        DisclosureRequest.objects.filter(pk=request.pk).update(
            due_on=request.due_on,
            waiting_until=request.waiting_until,
            deadline_provisional=request.deadline_provisional,
        )


def request_deadlines_refresh(*, queryset=None, received_until: datetime.date | None = None) -> int:
    """Recompute the cached due dates of many requests (by default every open one, and every
    answered one whose due date is still provisional; only those received up to
    ``received_until`` when given: a calendar change on day D cannot move the deadline of a
    request received after D). Three queries whatever the number of requests, plus one UPDATE
    per distinct set of dates. Returns how many requests changed."""
    if queryset is None:
        queryset = DisclosureRequest.objects.filter(
            Q(decided_on__isnull=True) | Q(deadline_provisional=True)
        )
    if received_until is not None:
        queryset = queryset.filter(received_on__lte=received_until)
    cal = WorkCalendar.load()
    cache: dict = {}
    events: dict[int, list[RequestEvent]] = {}
    for event in RequestEvent.objects.filter(request__in=queryset.values("pk")):
        events.setdefault(event.request_id, []).append(event)
    # Requests that get the same dates are written with one UPDATE (bulk_update's CASE WHEN
    # per row is far slower, on SQLite above all).
    changed: dict[tuple, list[int]] = {}
    rows = queryset.order_by().values_list(
        "pk", "received_on", "due_on", "waiting_until", "deadline_provisional"
    )
    for pk, received_on, *stored in rows.iterator(chunk_size=5000):
        dates = _deadline_dates(received_on, events.get(pk, []), cal, cache)
        if dates != tuple(stored):
            changed.setdefault(dates, []).append(pk)
    with transaction.atomic():  # one commit, not one per UPDATE
        for (due_on, waiting_until, provisional), ids in changed.items():
            for start in range(0, len(ids), 500):
                DisclosureRequest.objects.filter(pk__in=ids[start : start + 500]).update(
                    due_on=due_on, waiting_until=waiting_until, deadline_provisional=provisional
                )
    return sum(len(ids) for ids in changed.values())


def fee_quote(
    *, request: DisclosureRequest, basis: str, quantity: int
) -> tuple[Decimal, int | None]:
    """The 信息处理费 for a request under one standard, and (按件) how many pieces the
    applicant had already asked for this month. Raises ``ValidationError`` for bad input."""
    if quantity is None or quantity < 1:
        raise ValidationError({"fee_quantity": "请填写件数或页数（至少为1）。"})
    if basis == FeeBasis.PER_PAGE:
        return fees.per_page_fee(quantity), None
    if basis != FeeBasis.PER_PIECE:
        raise ValidationError({"fee_basis": "请选择计费方式：按件计收或按量计收（只能选一种）。"})
    if not request.applicant_name.strip() or not request.applicant_id_number.strip():
        raise ValidationError(
            {
                "fee_basis": "按件计收须有申请人姓名（名称）和证件号码（统一社会信用代码），"
                "以认定同一申请人当月的申请件数。"
            }
        )
    earlier = applicant_pieces_before(request)
    return fees.per_piece_fee(quantity, earlier_in_month=earlier), earlier


def request_event_prepare(*, event: RequestEvent) -> None:
    """Fill what the app computes on an event before it is validated: the fee."""
    if event.kind == RequestEventKind.FEE_NOTICE:
        event.amount, event.fee_earlier_pieces = fee_quote(
            request=event.request, basis=event.fee_basis, quantity=event.fee_quantity
        )
    else:
        event.fee_basis, event.fee_quantity = "", None
        event.fee_earlier_pieces = event.amount = None


def request_event_save(*, event: RequestEvent, user=None) -> RequestEvent:
    """Record (or correct) an event and recompute the request's due date."""
    request_event_prepare(event=event)
    if event.pk is None and user is not None:
        event.created_by = user
    event.full_clean()
    rules.event_check(event)
    with transaction.atomic():
        event.save()
        request_deadline_refresh(request=event.request)
    return event


def request_add_event(
    *, request: DisclosureRequest, kind: str, on: datetime.date, user=None, **details
) -> RequestEvent:
    """Record what happened to a request on a day, e.g.::

    request_add_event(request=r, kind="correction_notice", on=day, period_days=10)
    request_add_event(request=r, kind="extension", on=day, period_days=20,
                      approved_by="王主任", notified_on=day)
    request_add_event(request=r, kind="fee_notice", on=day, fee_basis="per_page",
                      fee_quantity=120)
    """
    event = RequestEvent(request=request, kind=kind, on=on, **details)
    return request_event_save(event=event, user=user)


def request_event_delete(*, event: RequestEvent) -> None:
    """Remove a wrongly recorded event (kept in its history) and recompute the due date."""
    depends = {
        RequestEventKind.CORRECTION_NOTICE: RequestEventKind.CORRECTION_RECEIVED,
        RequestEventKind.FEE_NOTICE: RequestEventKind.FEE_PAID,
    }
    later = depends.get(event.kind)
    if later and RequestEvent.objects.filter(request_id=event.request_id, kind=later).exists():
        raise ValidationError(
            f"请先删除“{RequestEventKind(later).label}”，再删除“{event.get_kind_display()}”。"
        )
    request = event.request
    with transaction.atomic():
        event.delete()
        request_deadline_refresh(request=request)


def calendar_year_save(*, calendar_year: CalendarYear) -> CalendarYear:
    """Add or change a year of the calendar; open requests' due dates follow."""
    calendar_year.full_clean()
    with transaction.atomic():
        calendar_year.save()
        request_deadlines_refresh(received_until=datetime.date(calendar_year.year, 12, 31))
    return calendar_year


def calendar_year_delete(*, calendar_year: CalendarYear) -> None:
    with transaction.atomic():
        calendar_year.delete()
        request_deadlines_refresh(received_until=datetime.date(calendar_year.year, 12, 31))


def holidays_changed(*, days: list[datetime.date]) -> int:
    """After holidays were added, changed or removed on ``days``: recompute the due dates of
    the open requests they can move. Returns how many changed."""
    if not days:
        return 0
    return request_deadlines_refresh(received_until=max(days))


def holidays_save(*, save: list[Holiday] = (), delete: list[Holiday] = ()) -> int:
    """Add, change or remove days of the calendar, then recompute the due dates of the open
    requests they can move (once). Returns how many requests changed."""
    for holiday in save:
        holiday.full_clean()
    days = []
    with transaction.atomic():
        for holiday in delete:
            days.append(holiday.date)
            holiday.delete()
        for holiday in save:
            if holiday.pk:  # the old date may move deadlines too
                days += Holiday.objects.filter(pk=holiday.pk).values_list("date", flat=True)
            holiday.save()
            days.append(holiday.date)
        return holidays_changed(days=days)


def holiday_save(*, holiday: Holiday) -> Holiday:
    """Add or change one day of the calendar; open requests' due dates follow."""
    holidays_save(save=[holiday])
    return holiday


def holiday_delete(*, holiday: Holiday) -> None:
    holidays_save(delete=[holiday])


def calendar_year_fill(
    *, year: int, source: str, periods: list[HolidayPeriod], note: str = ""
) -> dict[str, int]:
    """Enter (or re-enter) a whole year of the calendar from its periods — the State Council's
    notice as confirmed by the system role: the year's days become exactly those of
    ``periods``. Every day is validated like a day typed in (``Holiday.clean``: in the year, a
    调休 day on a weekend); a day in two periods is an error. The due dates the year can move
    are recomputed once, the provisional ones among them included. Returns counts for the
    message."""
    calendar = CalendarYear.objects.filter(year=year).first() or CalendarYear(year=year)
    calendar.source = source
    if note:
        calendar.note = note
    calendar.full_clean()
    days: dict[datetime.date, Holiday] = {}
    errors: list[str] = []
    for period in periods:
        if period.last < period.first:
            errors.append(f"{period.name}：结束日期早于开始日期。")
            continue
        for day in period.days:
            if day in days:
                errors.append(f"{day:%Y-%m-%d}在两个时段中重复出现。")
                continue
            if day.year != year:
                errors.append(f"{day:%Y-%m-%d}（{period.name}）：日期不在{year}年内。")
                continue
            holiday = Holiday(calendar=calendar, date=day, kind=period.kind, name=period.name)
            try:
                holiday.clean_fields(exclude=["calendar"])
                holiday.clean()
            except ValidationError as exc:
                errors += [f"{day:%Y-%m-%d}（{period.name}）：{m}" for m in exc.messages]
            days[day] = holiday
    if errors:
        raise ValidationError(errors)
    created = calendar.pk is None
    with transaction.atomic():
        calendar.save()
        calendar.days.all().delete()
        Holiday.objects.bulk_create(days.values())
        changed = request_deadlines_refresh(received_until=datetime.date(year, 12, 31))
    kinds = [h.kind for h in days.values()]
    return {
        "created": int(created),
        "days_off": kinds.count(Holiday.Kind.OFF),
        "make_up_days": kinds.count(Holiday.Kind.WORK),
        "requests": changed,
    }


def calendar_refresh_from_package(*, replace: bool = False) -> dict[str, int]:
    """Load every year the installed ``chinesecalendar`` package covers into the holiday table.

    Years not in the table are added. Years already there are left alone (a manager may have
    corrected them), unless ``replace``: then their days are replaced by the package's. The due
    dates of open requests are recomputed. Returns counts for the summary.
    """
    years, rows = package_calendar()
    source = package_version()
    by_year: dict[int, list] = {}
    for row in rows:
        by_year.setdefault(row[0].year, []).append(row)
    summary = {"added": 0, "replaced": 0, "kept": 0}
    with transaction.atomic():
        existing = {c.year: c for c in CalendarYear.objects.all()}
        for year in years:
            calendar = existing.get(year)
            if calendar and not replace:
                summary["kept"] += 1
                continue
            if calendar:
                calendar.source = source
                calendar.save()
                calendar.days.all().delete()
                summary["replaced"] += 1
            else:
                calendar = CalendarYear.objects.create(year=year, source=source)
                summary["added"] += 1
            Holiday.objects.bulk_create(
                Holiday(calendar=calendar, date=day, kind=kind, name=name)
                for day, kind, name in by_year.get(year, [])
            )
        summary["requests"] = request_deadlines_refresh()
    return summary
