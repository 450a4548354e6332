"""Every model of the ``disclosure`` app, where Django looks for them.

Each model lives with its domain (``records``, ``clock``, ``letters``); this module only gathers
them so that Django registers them and other apps can write ``from disclosure.models import …``.
Code inside ``disclosure`` imports from the domain modules themselves.
"""

from disclosure.clock.kinds import FeeBasis, RequestEventKind
from disclosure.clock.models import CalendarYear, Holiday, RequestEvent
from disclosure.letters.models import Letter, LetterKind, WithheldPart
from disclosure.records.applications import Case, DisclosureRequest
from disclosure.records.choices import ApplicantType, CaseKind, CaseResult, Channel, Outcome
from disclosure.records.models import (
    RESERVED_AGENCY_CODES,
    Agency,
    Attachment,
    Category,
    Disclosure,
    YearlyFigures,
)

__all__ = [
    "RESERVED_AGENCY_CODES",
    "Agency",
    "ApplicantType",
    "Attachment",
    "CalendarYear",
    "Case",
    "CaseKind",
    "CaseResult",
    "Category",
    "Channel",
    "Disclosure",
    "DisclosureRequest",
    "FeeBasis",
    "Holiday",
    "Letter",
    "LetterKind",
    "Outcome",
    "RequestEvent",
    "RequestEventKind",
    "WithheldPart",
    "YearlyFigures",
]
