"""The statutory clock (条例第三十条至第三十五条): a request's answer due date as a pure function
of its date of receipt, its events and the working-day calendar, with the reasons in Chinese.

Conventions (the 条例 leaves them open; README.md documents them):

- Day 1 is the first working day after receipt; with ``DEADLINE_COUNT_RECEIPT_DAY`` the day of
  receipt itself counts when it is a working day.
- 20 working days; one extension of at most 20 more (第三十三条第二款).
- A 补正 notice (第三十条) stops the clock; it restarts, from zero, on the day the corrected
  application arrives. Until then there is no answer due date, only the applicant's period.
- A consultation of a third party (第三十二条) or another agency (第三十四条) is not counted
  (第三十三条第三款): the working days after the letter is sent up to the day the reply arrives,
  at most the 15 working days the consulted party has; without a reply, the full 15 days.
- A fee notice (国办函〔2020〕109号) gives the applicant 20 working days from the day after it to
  pay; the days until payment are not counted, and without payment there is no due date.
- A year the calendar does not cover is refused (``CalendarMissing``) by ``compute``;
  ``compute_or_provisional`` then counts Monday–Friday in that year and marks the result
  provisional (暂定), naming the year, until the year is entered.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from .calendar import ONE_DAY, CalendarMissing, WorkCalendar, format_date
from .kinds import RequestEventKind
from .statute import (
    ANSWER_DAYS,
    CONSULTATION_DAYS,
    CORRECTION_NOTICE_DAYS,
    FEE_PAYMENT_DAYS,
)

CORRECTION_NOTICE = RequestEventKind.CORRECTION_NOTICE
CORRECTION_RECEIVED = RequestEventKind.CORRECTION_RECEIVED
CONSULT_THIRD_PARTY = RequestEventKind.CONSULT_THIRD_PARTY
CONSULT_AGENCY = RequestEventKind.CONSULT_AGENCY
EXTENSION = RequestEventKind.EXTENSION
FEE_NOTICE = RequestEventKind.FEE_NOTICE
FEE_PAID = RequestEventKind.FEE_PAID
CONSULTATIONS = RequestEventKind.CONSULTATIONS


class Event(Protocol):
    """What the clock reads from a ``RequestEvent`` (any object with these attributes)."""

    kind: str
    on: datetime.date
    period_days: int | None
    ends_on: datetime.date | None
    counterpart: str
    approved_by: str
    notified_on: datetime.date | None


class State:
    RUNNING = "running"
    WAITING_CORRECTION = "waiting_correction"
    WAITING_FEE = "waiting_fee"


@dataclass(frozen=True)
class Deadline:
    due_on: datetime.date | None  # None while the clock waits for the applicant
    waiting_until: datetime.date | None  # the applicant's 补正 or payment period, while waiting
    state: str
    working_days: int  # 20, or 20 + the extension
    steps: tuple[str, ...]
    # Years without a calendar the dates were counted through, Monday–Friday: then 暂定.
    provisional_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def provisional_reason(self) -> str:
        return provisional_reason(self.provisional_years)


def provisional_reason(years) -> str:
    """Why a date is provisional (暂定), for the change page, the lists and the letters."""
    if not years:
        return ""
    named = "、".join(f"{y}年" for y in years)
    return (
        f"暂定：{named}的工作日历尚未录入，暂按周一至周五为工作日计算（未计该年的节假日和调休），"
        f"录入后自动重算。"
    )


def _first(events: list, kind: str):
    return next((e for e in events if e.kind == kind), None)


def _span(after: datetime.date, until: datetime.date) -> set[datetime.date]:
    """Every day in (after, until]."""
    return {after + ONE_DAY * i for i in range(1, (until - after).days + 1)}


def _pause(
    cal: WorkCalendar, after: datetime.date, until: datetime.date, paused: set[datetime.date]
) -> int:
    """Stop the clock on the days in (after, until] (added to ``paused``); returns how many of
    them were working days not already paused."""
    days = _span(after, until) - paused
    paused |= days
    return sum(cal.is_workday(d) for d in days)


def _counted(
    cal: WorkCalendar,
    start: datetime.date,
    until: datetime.date,
    include_start: bool,
    paused: set[datetime.date],
) -> int:
    """Working days the clock has used from ``start`` up to and including ``until``."""
    day = start if include_start else start + ONE_DAY
    count = 0
    while day <= until:
        count += day not in paused and cal.is_workday(day)
        day += ONE_DAY
    return count


def correction_notice_latest(
    received_on: datetime.date, cal: WorkCalendar, *, count_receipt_day: bool = False
) -> datetime.date:
    """The last day a 补正 notice may go out: the 7th working day after receipt (第三十条)."""
    return cal.add_workdays(received_on, CORRECTION_NOTICE_DAYS, include_start=count_receipt_day)


WAITING_CORRECTION_CLOSING = (
    "等待申请人补正：答复期限自收到补正申请之日起重新计算；逾期无正当理由不补正的，视为放弃申请。"
)
WAITING_FEE_CLOSING = "等待申请人缴费：逾期未缴纳的，视为放弃申请（国办函〔2020〕109号）。"


@dataclass
class _Steps:
    """The explanation being written: the opening, the events' steps (sorted by date at the
    end), the calendar notes after them and a closing sentence."""

    opening: str
    dated: list[tuple[datetime.date, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, on: datetime.date, step: str) -> None:
        self.dated.append((on, step))

    def deadline(
        self,
        due_on: datetime.date | None,
        waiting_until: datetime.date | None,
        state: str,
        total: int,
        closing: str,
    ) -> Deadline:
        steps = [s for _, s in sorted(self.dated, key=lambda item: item[0])]
        steps = [self.opening, *steps, *self.notes, closing]
        return Deadline(due_on, waiting_until, state, total, tuple(steps))


def _opening(received_on: datetime.date, count_receipt_day: bool) -> str:
    if count_receipt_day:
        return f"{format_date(received_on)}收到申请，当日计入期限。"
    return f"{format_date(received_on)}收到申请，当日不计入，自次日起计算。"


def _correction_pause(
    events: list, cal: WorkCalendar, received_on: datetime.date, log: _Steps
) -> tuple[datetime.date, datetime.date | None]:
    """The 补正 (第三十条): the day the clock starts from, and the end of the applicant's period
    while the corrected application has not arrived (else None)."""
    notice = _first(events, CORRECTION_NOTICE)
    if not notice:
        return received_on, None
    period_end = cal.add_workdays(notice.on, notice.period_days)
    log.add(
        notice.on,
        f"{format_date(notice.on)}发出补正通知，补正期限{notice.period_days}个工作日，"
        f"至{format_date(period_end)}（条例第三十条）。",
    )
    corrected = _first(events, CORRECTION_RECEIVED)
    if corrected is None:
        return received_on, period_end
    log.add(
        corrected.on,
        f"{format_date(corrected.on)}收到补正后的申请，答复期限自该日起重新计算。",
    )
    return corrected.on, None


def _extension_days(events: list, log: _Steps) -> int:
    """The working days the extension (第三十三条第二款) adds, 0 without one."""
    extension = _first(events, EXTENSION)
    if not extension:
        return 0
    fmt = format_date
    told = f"，{fmt(extension.notified_on)}告知申请人" if extension.notified_on else ""
    log.add(
        extension.on,
        f"{fmt(extension.on)}经{extension.approved_by}同意，延长答复期限"
        f"{extension.period_days}个工作日{told}（条例第三十三条第二款）。",
    )
    return extension.period_days


def _consultation_end(consultation: Event, cal: WorkCalendar) -> tuple[datetime.date, str]:
    """The last day a consultation stops the clock, and how that day was found."""
    fmt = format_date
    ends_on = consultation.ends_on
    # A reply within the 15 days needs no calendar beyond it (the limit may lie in a year
    # without one).
    if ends_on is not None and cal.workdays_in(consultation.on, ends_on) <= CONSULTATION_DAYS:
        return ends_on, f"{fmt(ends_on)}收到意见"
    limit = cal.add_workdays(consultation.on, CONSULTATION_DAYS)
    if ends_on is None:
        return limit, f"尚未收到意见，按最长{CONSULTATION_DAYS}个工作日暂计至{fmt(limit)}"
    if ends_on > limit:
        return limit, (
            f"{fmt(consultation.ends_on)}收到意见，超过{CONSULTATION_DAYS}个工作日，"
            f"只扣除至{fmt(limit)}"
        )
    return consultation.ends_on, f"{fmt(consultation.ends_on)}收到意见"


def _consultations(
    events: list, cal: WorkCalendar, paused: set[datetime.date], log: _Steps
) -> None:
    """Stop the clock while third parties or other agencies are consulted (第三十三条第三款)."""
    for consultation in (e for e in events if e.kind in CONSULTATIONS):
        what = "征求第三方意见" if consultation.kind == CONSULT_THIRD_PARTY else "征求其他机关意见"
        if consultation.counterpart:
            what += f"（{consultation.counterpart}）"
        end, how = _consultation_end(consultation, cal)
        n = _pause(cal, consultation.on, end, paused)
        log.add(
            consultation.on,
            f"{format_date(consultation.on)}{what}，{how}，其间{n}个工作日不计入答复期限"
            f"（条例第三十三条第三款）。",
        )


def _fee_wait(
    events: list,
    cal: WorkCalendar,
    start: datetime.date,
    total: int,
    count_receipt_day: bool,
    paused: set[datetime.date],
    log: _Steps,
) -> datetime.date | None:
    """The fee notice (国办函〔2020〕109号): stop the clock until payment. Returns the last day
    to pay while the fee is unpaid (else None)."""
    fee = _first(events, FEE_NOTICE)
    if not fee:
        return None
    fmt = format_date
    amount = f"{fee.amount}元" if getattr(fee, "amount", None) is not None else ""
    paid = _first(events, FEE_PAID)
    if paid is not None and cal.workdays_in(fee.on, paid.on) <= FEE_PAYMENT_DAYS:
        pay_by = paid.on  # paid in time: the last day to pay is not needed
    else:
        pay_by = cal.add_workdays(fee.on, FEE_PAYMENT_DAYS)
    if paid is None:
        used = _counted(cal, start, fee.on, count_receipt_day, paused)
        log.add(
            fee.on,
            f"{fmt(fee.on)}发出收费通知{amount}，缴费期限{FEE_PAYMENT_DAYS}个工作日，"
            f"至{fmt(pay_by)}；此时已用{used}个工作日，缴费后继续计算剩余的"
            f"{max(total - used, 0)}个工作日。",
        )
        return pay_by
    n = _pause(cal, fee.on, min(paid.on, pay_by), paused)
    log.add(
        fee.on,
        f"{fmt(fee.on)}发出收费通知{amount}，{fmt(paid.on)}缴费，其间{n}个工作日不计入答复期限。",
    )
    return None


def _calendar_notes(
    cal: WorkCalendar, window_start: datetime.date, due: datetime.date, paused: set[datetime.date]
) -> list[str]:
    """The holidays and make-up working days (调休) between the start and the due date."""
    fmt = format_date
    notes = []
    breaks = cal.breaks_between(window_start, due)
    if breaks:
        listed = "、".join(
            f"{names}（{fmt(first, year=first.year != due.year)}至{fmt(last, year=False)}）"
            if first != last
            else f"{names}（{fmt(first, year=first.year != due.year)}）"
            for names, first, last in breaks
        )
        notes.append(f"期间遇{listed}放假，放假日和周末不计入，顺延。")
    make_up = [d for d in cal.make_up_between(window_start, due) if d not in paused]
    if make_up:
        days = "、".join(fmt(d, year=False, weekday=True) for d in make_up)
        notes.append(f"{days}为调休上班日，计入期限。")
    return notes


def compute(
    received_on: datetime.date,
    events: Iterable[Event],
    cal: WorkCalendar,
    *,
    count_receipt_day: bool = False,
    explain: bool = True,
) -> Deadline:
    """The answer due date of a request received on ``received_on`` with these events.

    Raises ``CalendarMissing`` when a day the computation needs is in a year without a calendar.
    Without ``explain`` the calendar notes (holidays, 调休) are left out of the steps: bulk
    recomputation only needs the dates.
    """
    events = sorted(events, key=lambda e: e.on)
    log = _Steps(_opening(received_on, count_receipt_day))
    cal.check(received_on)

    start, correction_until = _correction_pause(events, cal, received_on, log)
    if correction_until is not None:
        return log.deadline(
            None,
            correction_until,
            State.WAITING_CORRECTION,
            ANSWER_DAYS,
            WAITING_CORRECTION_CLOSING,
        )
    total = ANSWER_DAYS + _extension_days(events, log)
    paused: set[datetime.date] = set()
    _consultations(events, cal, paused, log)
    pay_by = _fee_wait(events, cal, start, total, count_receipt_day, paused, log)
    if pay_by is not None:
        return log.deadline(None, pay_by, State.WAITING_FEE, total, WAITING_FEE_CLOSING)

    due = cal.add_workdays(start, total, include_start=count_receipt_day, paused=paused)
    if explain:
        window_start = start - ONE_DAY if count_receipt_day else start
        log.notes.extend(_calendar_notes(cal, window_start, due, paused))
    return log.deadline(
        due,
        None,
        State.RUNNING,
        total,
        f"共{total}个工作日，应于{format_date(due, weekday=True)}前答复。",
    )


def compute_or_provisional(
    received_on: datetime.date,
    events: Iterable[Event],
    cal: WorkCalendar,
    *,
    count_receipt_day: bool = False,
    explain: bool = True,
) -> Deadline:
    """``compute``; where it meets a year without a calendar, the same computation counting
    Monday–Friday in that year, marked provisional (暂定) with the reason among the steps."""
    events = list(events)
    try:
        return compute(
            received_on, events, cal, count_receipt_day=count_receipt_day, explain=explain
        )
    except CalendarMissing:
        guessing = cal.guessing()
        result = compute(
            received_on, events, guessing, count_receipt_day=count_receipt_day, explain=explain
        )
    years = tuple(sorted(guessing.guessed))
    *steps, closing = result.steps
    if closing.endswith("前答复。"):
        closing = closing[:-1] + "（暂定）。"
    steps = (*steps, provisional_reason(years), closing)
    return replace(result, steps=steps, provisional_years=years)


def due_without_extension(
    received_on: datetime.date,
    events: Iterable[Event],
    cal: WorkCalendar,
    *,
    count_receipt_day: bool = False,
) -> datetime.date | None:
    """The due date the request would have without its extension (an extension must be
    approved, and the applicant told, before it)."""
    others = [e for e in events if e.kind != EXTENSION]
    return compute(received_on, others, cal, count_receipt_day=count_receipt_day).due_on
