"""The rules of 条例第三十条至第三十五条 that tie a request's events and decision together.

``compute`` does the arithmetic; here are the checks a clerk's entry must pass before it is
saved: an event against the request, its other events and the calendar (``event_check``), and
a decision against the events (``request_check``). Both raise ``ValidationError`` with messages
for the form fields; the services and the admin forms call them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from disclosure.records.applications import DisclosureRequest
from disclosure.records.choices import Outcome

from .calendar import WorkCalendar
from .compute import correction_notice_latest, due_without_extension
from .models import RequestEvent, RequestEventKind
from .selectors import request_deadline
from .statute import CORRECTION_NOTICE_DAYS


def event_check(event: RequestEvent) -> None:
    """Rules that need the event's request, its other events or the calendar."""
    if not event.request_id or not event.on:
        return
    request = event.request
    errors = _date_errors(event, request)
    if errors:
        raise ValidationError(errors)

    others = list(RequestEvent.objects.filter(request_id=event.request_id).exclude(pk=event.pk))
    check = _KIND_CHECKS.get(event.kind)
    errors = check(event, request, others) if check else {}
    if errors:
        raise ValidationError(errors)


def _date_errors(event: RequestEvent, request: DisclosureRequest) -> dict[str, str]:
    """The event's date against the request's dates and today."""
    if event.on < request.received_on:
        return {"on": "日期不能早于收到申请日期。"}
    if request.decided_on and event.on > request.decided_on:
        return {"on": "日期不能晚于答复日期。"}
    if event.on > timezone.localdate():
        return {"on": "日期不能晚于今天：只登记已经发生的事项。"}
    return {}


def _other(others: list[RequestEvent], kind: str) -> RequestEvent | None:
    return {e.kind: e for e in others}.get(kind)


def _calendar() -> WorkCalendar:
    """The calendar the checks count with: through a year without one, Monday–Friday (the
    message then says the date is provisional)."""
    return WorkCalendar.load().guessing()


def _provisional(cal: WorkCalendar) -> str:
    return "（暂定，" + "、".join(f"{y}年" for y in sorted(cal.guessed)) + "的工作日历尚未录入）"


def _check_correction_notice(event, request, others) -> dict[str, str]:
    """A 补正 notice goes out within 7 working days of receipt (第三十条)."""
    cal = _calendar()
    latest = correction_notice_latest(
        request.received_on, cal, count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY
    )
    if event.on > latest:
        when = f"{latest:%Y-%m-%d}" + (_provisional(cal) if cal.guessed else "")
        return {
            "on": f"补正通知应自收到申请之日起{CORRECTION_NOTICE_DAYS}个工作日内发出"
            f"（条例第三十条），本申请最晚为{when}，已超过，不能再要求补正。"
        }
    return {}


def _check_correction_received(event, request, others) -> dict[str, str]:
    """The corrected application follows a 补正 notice."""
    notice = _other(others, RequestEventKind.CORRECTION_NOTICE)
    if notice is None:
        return {"kind": "请先登记补正通知，再登记收到补正申请。"}
    if event.on < notice.on:
        return {"on": "收到补正的日期不能早于补正通知的日期。"}
    return {}


def _check_fee_paid(event, request, others) -> dict[str, str]:
    """The payment follows a fee notice."""
    notice = _other(others, RequestEventKind.FEE_NOTICE)
    if notice is None:
        return {"kind": "请先登记收费通知，再登记缴费。"}
    if event.on < notice.on:
        return {"on": "缴费日期不能早于收费通知的日期。"}
    return {}


def _check_within_deadline(event, request, others) -> dict[str, str]:
    """Consultations and the fee notice happen before the answer is due."""
    deadline = request_deadline(request, events=others)
    due = deadline.due_on
    if due is not None and event.on > due:
        when = f"{due:%Y-%m-%d}" + ("（暂定）" if deadline.provisional else "")
        return {
            "on": f"答复期限已于{when}届满，不能再{event.get_kind_display()}；"
            f"征求意见和收费通知应在答复期限内进行。"
        }
    return {}


def _check_extension(event, request, others) -> dict[str, str]:
    """The extension is approved, and the applicant told, before the original due date
    (第三十三条第二款); there is none while the clock waits for the applicant."""
    cal = _calendar()
    due = due_without_extension(
        request.received_on, others, cal, count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY
    )
    if due is None:
        return {"kind": "等待申请人补正或缴费期间不能延长答复期限。"}
    if event.on > due or (event.notified_on and event.notified_on > due):
        when = f"{due:%Y-%m-%d}" + (_provisional(cal) if cal.guessed else "")
        return {"on": f"延长答复期限须在原答复期限（{when}）届满前批准并告知申请人。"}
    return {}


_KIND_CHECKS = {
    RequestEventKind.CORRECTION_NOTICE: _check_correction_notice,
    RequestEventKind.CORRECTION_RECEIVED: _check_correction_received,
    RequestEventKind.FEE_PAID: _check_fee_paid,
    RequestEventKind.CONSULT_THIRD_PARTY: _check_within_deadline,
    RequestEventKind.CONSULT_AGENCY: _check_within_deadline,
    RequestEventKind.FEE_NOTICE: _check_within_deadline,
    RequestEventKind.EXTENSION: _check_extension,
}


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
            deadline = request_deadline(request, events=events)
            if deadline.waiting_until and request.decided_on <= deadline.waiting_until:
                until = f"{deadline.waiting_until:%Y-%m-%d}"
                if deadline.provisional:
                    until += "（暂定）"
                errors.setdefault("decided_on", []).append(
                    f"{what}期限至{until}，期限届满后才能按“{label}”办结。"
                )
    if (
        outcome == Outcome.UNAVAILABLE_STILL_UNCLEAR
        and RequestEventKind.CORRECTION_RECEIVED not in by_kind
    ):
        errors.setdefault("outcome", []).append(
            "“补正后申请内容仍不明确”须先登记补正通知和收到补正申请（条例第三十条）。"
        )
    if errors:
        raise ValidationError(errors)
