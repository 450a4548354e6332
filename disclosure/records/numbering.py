"""Numbers the app gives records, and the years and dates it accepts: one home for both.

- Requests "2020-0001" and cases "案2020-0001": the year of the received or filed date, then a
  four-digit sequence one above the highest number of that shape (a hand-typed number may sit
  anywhere; it is skipped).
- 索引号 "<agency code>/<year>-00001": the year of publication, then a five-digit sequence.

The services number one record against the database (``next_number``); the ledger importer
numbers thousands in memory with the same rule (``numbers_after``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

# The years a report, a ledger row's year or the yearly figures may have: the 条例 of 2008 on.
YEAR_MIN = 2008
YEAR_MAX = 2100
YEAR_RANGE_MESSAGE = f"年度应在{YEAR_MIN}年至{YEAR_MAX}年之间。"

# The dates of a request, a case or an event: not before the first 条例 took effect (a named
# CheckConstraint on each model, and through the request's date every event's), and not in the
# future (``date_not_in_future``, a field validator: "today" moves, a constraint cannot).
DATE_MIN = datetime.date(2008, 5, 1)
DATE_MIN_TEXT = "2008年5月1日（《政府信息公开条例》施行之日）"


def date_not_in_future(value: datetime.date) -> None:
    """Only what has happened is recorded: a date after today (in TIME_ZONE, Beijing) is a
    typo. Runs for every date of every imported row: ``datetime.now`` with the default time
    zone costs 1 µs where ``timezone.localdate()`` (the active one) costs 15."""
    today = datetime.datetime.now(timezone.get_default_timezone()).date()
    if value > today:
        raise ValidationError(
            f"日期不能晚于今天（{today:%Y-%m-%d}）：只登记已经发生的事项。", code="future_date"
        )


REQUEST_PREFIX = "{year}-"
CASE_PREFIX = "案{year}-"
WIDTH = 4
INDEX_WIDTH = 5


def year_valid(year) -> bool:
    return not isinstance(year, bool) and isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX


def year_from_text(text) -> int | None:
    """The year a query parameter or a text field holds ("2021"), or None unless it is four ASCII
    digits within the range: checked before ``int()`` (no "²", no 10**20 reaching the database)."""
    if isinstance(text, str) and len(text) == 4 and text.isascii() and text.isdigit():
        year = int(text)
        return year if year_valid(year) else None
    return None


def prefix(shape: str, day: datetime.date) -> str:
    """``REQUEST_PREFIX`` or ``CASE_PREFIX`` for the year of ``day``."""
    return shape.format(year=day.year)


def next_number(queryset: QuerySet, prefix: str) -> str:
    """The next "<prefix>NNNN" number of ``queryset`` (one agency's requests or cases)."""
    same_shape = queryset.filter(number__startswith=prefix).annotate(n=Length("number"))
    highest = same_shape.filter(n=len(prefix) + WIDTH).aggregate(m=Max("number"))["m"]
    seq = int(highest[len(prefix) :]) + 1 if highest and highest[len(prefix) :].isdigit() else 1
    candidate = f"{prefix}{seq:0{WIDTH}d}"
    while queryset.filter(number=candidate).exists():  # a hand-typed number may sit above
        seq += 1
        candidate = f"{prefix}{seq:0{WIDTH}d}"
    return candidate


def numbers_after(prefix: str, taken: set[str]) -> Iterator[str]:
    """Numbers "<prefix>NNNN" after the highest of that shape in ``taken``, skipping taken ones:
    the rule of ``next_number``, run in memory."""
    highest = 0
    for number in taken:
        tail = number[len(prefix) :]
        if number.startswith(prefix) and len(tail) == WIDTH and tail.isdigit():
            highest = max(highest, int(tail))
    seq = highest + 1
    while True:
        candidate = f"{prefix}{seq:0{WIDTH}d}"
        if candidate not in taken:
            yield candidate
        seq += 1


def index_prefix(agency_code: str, year: int) -> str:
    return f"{agency_code}/{year}-"


def index_number_after(prefix: str, existing: Iterable[str]) -> str:
    """The 索引号 after the highest of ``existing`` (the agency's numbers with ``prefix``)."""
    seqs = [int(n[len(prefix) :]) for n in existing if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(seqs, default=0) + 1:0{INDEX_WIDTH}d}"
