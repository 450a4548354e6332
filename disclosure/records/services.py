"""Writes. Every change to a record that carries a rule goes through a function here, so the
admin, the importers and the commands apply the same rules. Each service validates with
``full_clean()`` (clear messages) and the database constraints are the hard stop behind it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Length

from . import clock, fees
from .calendar import CalendarMissing, WorkCalendar, package_calendar, package_version
from .models import (
    Agency,
    CalendarYear,
    Case,
    Disclosure,
    DisclosureRequest,
    FeeBasis,
    Holiday,
    Outcome,
    RequestEvent,
    RequestEventKind,
)


def _next_number(queryset, prefix: str) -> str:
    """The next "<prefix>NNNN" number: one more than the highest of the same shape."""
    same_shape = queryset.filter(number__startswith=prefix).annotate(n=Length("number"))
    width = 4
    highest = same_shape.filter(n=len(prefix) + width).aggregate(m=Max("number"))["m"]
    seq = int(highest[len(prefix) :]) + 1 if highest and highest[len(prefix) :].isdigit() else 1
    candidate = f"{prefix}{seq:0{width}d}"
    while queryset.filter(number=candidate).exists():  # a hand-typed number may sit above
        seq += 1
        candidate = f"{prefix}{seq:0{width}d}"
    return candidate


def request_number_next(*, agency: Agency, received_on: datetime.date) -> str:
    return _next_number(DisclosureRequest.objects.filter(agency=agency), f"{received_on.year}-")


def case_number_next(*, agency: Agency, filed_on: datetime.date) -> str:
    return _next_number(Case.objects.filter(agency=agency), f"案{filed_on.year}-")


def _save_numbered(instance, next_number) -> None:
    """Validate and save, generating the number when blank (retrying a concurrent clash)."""
    generated = not instance.number
    for _attempt in range(5):
        if generated:
            instance.number = next_number()
        instance.full_clean()
        try:
            with transaction.atomic():
                instance.save()
            return
        except IntegrityError:
            if not generated:
                raise
    raise ValidationError({"number": "无法生成唯一编号，请手工填写。"})


def request_save(*, request: DisclosureRequest) -> DisclosureRequest:
    """Create or update a disclosure request (its cached due date is recomputed)."""
    _set_deadline(request, list(request.events.all()) if request.pk else [], WorkCalendar.load())
    _save_numbered(
        request,
        lambda: request_number_next(agency=request.agency, received_on=request.received_on),
    )
    return request


def case_save(*, case: Case) -> Case:
    """Create or update a review or litigation case."""
    _save_numbered(case, lambda: case_number_next(agency=case.agency, filed_on=case.filed_on))
    return case


def request_decide(
    *, request: DisclosureRequest, outcome: str, decided_on: datetime.date
) -> DisclosureRequest:
    """Record the decision on a request: its outcome category and the date of the answer.

    Ending a request because the applicant let the 补正 or payment period pass
    (``other_no_correction``, ``other_unpaid_fee``) needs the notice on record and its period
    over; see ``request_check``.
    """
    request.outcome = outcome
    request.decided_on = decided_on
    request_check(request=request)
    return request_save(request=request)


def _check_can_publish(user) -> None:
    if not user.has_perm("disclosure.publish_disclosure"):
        raise PermissionDenied("只有负责人可以发布或撤回主动公开信息。")


def disclosure_index_number_next(*, disclosure: Disclosure) -> str:
    """索引号 in the common "<agency code>/<year>-<sequence>" shape."""
    year = (disclosure.published_on or disclosure.made_on or datetime.date.today()).year
    prefix = f"{disclosure.agency.code}/{year}-"
    existing = Disclosure.objects.filter(
        agency=disclosure.agency, index_number__startswith=prefix
    ).values_list("index_number", flat=True)
    seqs = [int(n[len(prefix) :]) for n in existing if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(seqs, default=0) + 1:05d}"


@transaction.atomic  # if the public pages cannot be retired (pagecache), the write is undone
def disclosure_publish(
    *, disclosure: Disclosure, user, published_on: datetime.date | None = None
) -> Disclosure:
    """Publish a draft or withdrawn item (managers only)."""
    _check_can_publish(user)
    disclosure.status = Disclosure.Status.PUBLISHED
    disclosure.published_on = published_on or disclosure.published_on or datetime.date.today()
    if not disclosure.index_number:
        disclosure.index_number = disclosure_index_number_next(disclosure=disclosure)
    disclosure.full_clean()
    disclosure.save()
    return disclosure


@transaction.atomic
def disclosure_withdraw(*, disclosure: Disclosure, user) -> Disclosure:
    """Take a published item off the public site (managers only); its record is kept."""
    _check_can_publish(user)
    disclosure.status = Disclosure.Status.WITHDRAWN
    disclosure.full_clean()
    disclosure.save()
    return disclosure


@transaction.atomic
def agency_add(*, code: str, name: str, parent_code: str | None = None) -> tuple[Agency, bool]:
    """Create an agency; the same code and name again is a no-op. Returns (agency, created)."""
    parent = None
    if parent_code:
        try:
            parent = Agency.objects.get(code=parent_code)
        except Agency.DoesNotExist:
            raise ValidationError(f"上级机关代码“{parent_code}”不存在。") from None
    existing = Agency.objects.filter(code=code).first()
    if existing:
        if existing.name != name:
            raise ValidationError(
                f"机关代码“{code}”已被“{existing.name}”使用，不能再用于“{name}”。"
            )
        if parent_code and existing.parent_id != parent.pk:
            raise ValidationError(f"机关“{name}”已存在，但上级机关不同。")
        return existing, False
    agency = Agency(code=code, name=name, parent=parent)
    agency.full_clean()
    agency.save()
    return agency, True


# --- The statutory clock: request events, deadlines, the working-day calendar ---------------


def _deadline_dates(
    received_on: datetime.date, events: list, cal: WorkCalendar, cache: dict | None = None
) -> tuple[datetime.date | None, datetime.date | None]:
    """(due_on, waiting_until) from the clock; both empty for a year without a calendar (the
    change page says why). ``cache`` shares the result between requests without events
    received the same day."""
    key = received_on if cache is not None and not events else None
    if key is not None and key in cache:
        return cache[key]
    try:
        deadline = clock.compute(
            received_on,
            events,
            cal,
            count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY,
            explain=False,
        )
        dates = deadline.due_on, deadline.waiting_until
    except CalendarMissing:
        dates = None, None
    if key is not None:
        cache[key] = dates
    return dates


def _set_deadline(
    request: DisclosureRequest, events: list, cal: WorkCalendar, cache: dict | None = None
) -> bool:
    """Put the clock's result in the request's cached fields; True if they changed."""
    dates = _deadline_dates(request.received_on, events, cal, cache)
    changed = (request.due_on, request.waiting_until) != dates
    request.due_on, request.waiting_until = dates
    return changed


def request_deadline_refresh(*, request: DisclosureRequest) -> None:
    """Recompute one request's cached due date from its events and the calendar."""
    if _set_deadline(request, list(request.events.all()), WorkCalendar.load()):
        # A derived value: no history row, no "modified" time.
        DisclosureRequest.objects.filter(pk=request.pk).update(
            due_on=request.due_on, waiting_until=request.waiting_until
        )


def request_deadlines_refresh(*, queryset=None, received_until: datetime.date | None = None) -> int:
    """Recompute the cached due dates of many requests (by default every open one; only those
    received up to ``received_until`` when given: a calendar change on day D cannot move the
    deadline of a request received after D). Three queries whatever the number of requests,
    plus one UPDATE per distinct pair of dates. Returns how many requests changed."""
    queryset = DisclosureRequest.objects.open() if queryset is None else queryset
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
    rows = queryset.order_by().values_list("pk", "received_on", "due_on", "waiting_until")
    for pk, received_on, due_on, waiting_until in rows.iterator(chunk_size=5000):
        dates = _deadline_dates(received_on, events.get(pk, []), cal, cache)
        if dates != (due_on, waiting_until):
            changed.setdefault(dates, []).append(pk)
    with transaction.atomic():  # one commit, not one per UPDATE
        for (due_on, waiting_until), ids in changed.items():
            for start in range(0, len(ids), 500):
                DisclosureRequest.objects.filter(pk__in=ids[start : start + 500]).update(
                    due_on=due_on, waiting_until=waiting_until
                )
    return sum(len(ids) for ids in changed.values())


def request_check(*, request: DisclosureRequest) -> None:
    """Rules between a request and its events, for the decision: raises ``ValidationError``.

    Applied where a clerk decides in the app (``request_decide``, the admin form), not to
    ledgers imported from Excel: those record past outcomes without the events behind them.
    """
    events = list(request.events.all()) if request.pk else []
    errors: dict[str, list[str]] = {}
    if events and request.received_on and request.received_on > min(e.on for e in events):
        errors.setdefault("received_on", []).append("收到申请日期不能晚于已登记的办理事项。")
    if events and request.decided_on and request.decided_on < max(e.on for e in events):
        errors.setdefault("decided_on", []).append("答复日期不能早于已登记的办理事项。")
    by_kind = {e.kind: e for e in events}
    outcome = request.outcome
    needs = {
        Outcome.OTHER_NO_CORRECTION: (
            RequestEventKind.CORRECTION_NOTICE,
            RequestEventKind.CORRECTION_RECEIVED,
            "补正",
        ),
        Outcome.OTHER_UNPAID_FEE: (RequestEventKind.FEE_NOTICE, RequestEventKind.FEE_PAID, "缴费"),
    }
    if outcome in needs and request.decided_on:
        notice_kind, answer_kind, what = needs[outcome]
        label = Outcome(outcome).label
        if notice_kind not in by_kind:
            errors.setdefault("outcome", []).append(
                f"没有登记{RequestEventKind(notice_kind).label}，不能按“{label}”办结。"
            )
        elif answer_kind in by_kind:
            errors.setdefault("outcome", []).append(f"申请人已{what}，不能按“{label}”办结。")
        else:
            try:
                from .selectors import request_deadline

                deadline = request_deadline(request, events=events)
                if deadline.waiting_until and request.decided_on <= deadline.waiting_until:
                    errors.setdefault("decided_on", []).append(
                        f"{what}期限至{deadline.waiting_until:%Y-%m-%d}，期限届满后才能按"
                        f"“{label}”办结。"
                    )
            except CalendarMissing as exc:
                errors.setdefault("decided_on", []).append(str(exc))
    if (
        outcome == Outcome.UNAVAILABLE_STILL_UNCLEAR
        and RequestEventKind.CORRECTION_RECEIVED not in by_kind
    ):
        errors.setdefault("outcome", []).append(
            "“补正后申请内容仍不明确”须先登记补正通知和收到补正申请（条例第三十条）。"
        )
    if errors:
        raise ValidationError(errors)


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
    from .selectors import applicant_pieces_before

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
