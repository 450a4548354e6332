"""Writes on letters: a draft from the record, the clerk's edits, the text regenerated from the
record, and the issue — numbered with the agency's 文号 pattern, frozen as a PDF with its SHA-256
(as a published report is), never changed after; and the withheld parts of a request."""

from __future__ import annotations

import hashlib
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from disclosure.clock.models import RequestEvent
from disclosure.records.applications import DisclosureRequest
from disclosure.records.models import Agency

from .drafting import letter_draft
from .grounds import NEEDS_PARTS
from .models import ISSUED_IS_FROZEN, KIND_CODES, Letter, LetterKind, WithheldPart
from .rendering import letter_pdf
from .wording import PLACEHOLDER

EDITABLE_TEXT = ("title", "addressee", "body", "closing", "signer", "contact")


def letter_draft_create(
    *, request: DisclosureRequest, kind: str, event: RequestEvent | None = None, user=None
) -> Letter:
    """Save the letter of ``kind`` the record gives today as a draft for the clerk to edit.
    Raises ``NoLetter`` when the record does not allow it."""
    letter = letter_draft(request, kind, event)
    letter.created_by = user
    letter.full_clean()
    letter.save()
    return letter


def letter_save(*, letter: Letter) -> Letter:
    """A draft edited by the clerk. An issued letter is refused (``Letter.clean``)."""
    letter.full_clean()
    letter.save()
    return letter


def letter_regenerate(*, letter: Letter) -> Letter:
    """Replace a draft's text with what the record gives now (after the record changed)."""
    if letter.is_issued:
        raise ValidationError(ISSUED_IS_FROZEN)
    fresh = letter_draft(letter.request, letter.kind, letter.event)
    for name in (*EDITABLE_TEXT, "dated"):
        setattr(letter, name, getattr(fresh, name))
    return letter_save(letter=letter)


def letter_issue_problems(letter: Letter) -> list[str]:
    """Why this draft cannot be issued yet ([] when it can)."""
    problems = []
    for name in EDITABLE_TEXT:
        found = PLACEHOLDER.findall(getattr(letter, name))
        if found:
            label = Letter._meta.get_field(name).verbose_name
            problems.append(f"{label}中还有待填写的内容：{'、'.join(found)}")
    if letter.kind == LetterKind.DECISION:
        request = letter.request
        if not request.outcome:
            problems.append("该申请的办理结果已被清除，不能签发答复书。")
        elif request.outcome in NEEDS_PARTS and not request.withheld_parts.exists():
            problems.append(
                "不予公开的答复须逐项说明不予公开的内容、依据和理由："
                "请先在申请页面填写“不予公开的部分”，再重新生成答复书。"
            )
    return problems


def _next_number(letter: Letter) -> tuple[int, str]:
    """The next serial of the agency's letters in the year of the letter's date (of its kind
    too when the pattern has {类}), and the 文号 it makes."""
    pattern = letter.agency.letter_number_pattern
    year = letter.dated.year
    issued = Letter.objects.issued().filter(agency_id=letter.agency_id, dated__year=year)
    if "{类}" in pattern:
        issued = issued.filter(kind=letter.kind)
    serial = (issued.aggregate(last=Max("sequence"))["last"] or 0) + 1
    number = (
        pattern.replace("{年}", str(year))
        .replace("{号}", str(serial))
        .replace("{类}", KIND_CODES[letter.kind])
    )
    return serial, number


def letter_issue(*, letter: Letter, user=None) -> Letter:
    """Number the draft, render it to PDF once, store the PDF with its SHA-256 and mark the
    letter issued: from then on nothing about it changes (``Letter.save`` refuses)."""
    if letter.is_issued:
        raise ValidationError(ISSUED_IS_FROZEN)
    problems = letter_issue_problems(letter)
    if problems:
        raise ValidationError(problems)
    letter.full_clean()
    with transaction.atomic():
        # One issue at a time per agency: two clerks never get the same serial.
        Agency.objects.select_for_update().filter(pk=letter.agency_id).first()
        letter.sequence, letter.number = _next_number(letter)
        letter.status = Letter.Status.ISSUED
        letter.issued_at = timezone.now()
        letter.issued_by = user
        pdf = letter_pdf(letter)
        letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        letter.pdf.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        letter.full_clean()
        letter.save()
    return letter


def withheld_part_save(*, part: WithheldPart) -> WithheldPart:
    part.full_clean()
    part.save()
    return part
