"""Numbers the app gives records, and the years it accepts: one home for both.

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

from django.db.models import Max, QuerySet
from django.db.models.functions import Length

# The years a report, a ledger row's year or the yearly figures may have: the 条例 of 2008 on.
YEAR_MIN = 2008
YEAR_MAX = 2100
YEAR_RANGE_MESSAGE = f"年度应在{YEAR_MIN}年至{YEAR_MAX}年之间。"

REQUEST_PREFIX = "{year}-"
CASE_PREFIX = "案{year}-"
WIDTH = 4
INDEX_WIDTH = 5


def year_valid(year) -> bool:
    return not isinstance(year, bool) and isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX


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
