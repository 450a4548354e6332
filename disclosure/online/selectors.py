"""Reads for the applicant's status page: the application for a number and password, and its
state in plain words. Only what the applicant may see: no clerk, no note, no event detail."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from disclosure.clock.kinds import RequestEventKind
from disclosure.letters.models import Letter, LetterKind
from disclosure.records.models import Agency

from .models import OnlineApplication, Status


@functools.cache
def _dummy_hash() -> str:
    """Checked when the number is unknown, so a wrong number takes as long as a wrong password."""
    return make_password("not-a-password")


def application_for(*, agency: Agency, number: str, password: str) -> OnlineApplication | None:
    """The agency's application with this number if the password matches, else None."""
    application = (
        OnlineApplication.objects.filter(agency=agency, number=number.strip().upper())
        .select_related("request")
        .first()
    )
    if application is None:
        check_password(password, _dummy_hash())
        return None
    if not check_password(password.strip().upper(), application.password_hash):
        return None
    return application


@dataclass(frozen=True)
class PublicStatus:
    number: str
    label: str
    submitted_on: datetime.date
    received_on: datetime.date | None = None
    due_on: datetime.date | None = None
    due_provisional: bool = False
    overdue: bool = False
    waiting_until: datetime.date | None = None
    decided_on: datetime.date | None = None
    reason: str = ""
    has_letter: bool = False


def decision_letter(application: OnlineApplication) -> Letter | None:
    """The issued decision letter (答复书) of the application's request, the latest if several."""
    if application.request_id is None:
        return None
    return (
        Letter.objects.issued()
        .filter(request_id=application.request_id, kind=LetterKind.DECISION)
        .order_by("-issued_at", "-id")
        .first()
    )


def _open_step(events) -> str:
    """The state an undecided request is in, from its events (newest last)."""
    kinds = [event.kind for event in events]

    def pending(notice, answer):
        return notice in kinds and (
            answer not in kinds or kinds[::-1].index(notice) < kinds[::-1].index(answer)
        )

    if pending(RequestEventKind.CORRECTION_NOTICE, RequestEventKind.CORRECTION_RECEIVED):
        return "待补正"
    if pending(RequestEventKind.FEE_NOTICE, RequestEventKind.FEE_PAID):
        return "待缴费"
    if any(e.kind in RequestEventKind.CONSULTATIONS and e.ends_on is None for e in events):
        return "征求意见中"
    if RequestEventKind.EXTENSION in kinds:
        return "已延期"
    return "已受理"


def public_status(application: OnlineApplication, *, today: datetime.date) -> PublicStatus:
    submitted_on = timezone.localdate(application.submitted_at)
    if application.status == Status.PENDING:
        return PublicStatus(application.number, "待确认", submitted_on)
    if application.status == Status.REJECTED:
        return PublicStatus(
            application.number, "不予受理", submitted_on, reason=application.reject_reason
        )
    request = application.request
    if request.decided_on:
        return PublicStatus(
            application.number,
            "已答复",
            submitted_on,
            received_on=request.received_on,
            due_on=request.due_on,
            decided_on=request.decided_on,
            has_letter=decision_letter(application) is not None,
        )
    label = _open_step(list(request.events.order_by("on", "id")))
    return PublicStatus(
        application.number,
        label,
        submitted_on,
        received_on=request.received_on,
        due_on=request.due_on,
        due_provisional=request.deadline_provisional,
        overdue=bool(request.due_on and request.due_on < today),
        waiting_until=request.waiting_until if label in ("待补正", "待缴费") else None,
    )
