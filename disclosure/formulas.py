"""CSV formula injection (security finding 5): a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is a formula to Excel and WPS when they open a CSV file, so an
applicant's subject ``=HYPERLINK(…)`` would run on the clerk's computer. The CSV export writes such
a cell with a leading apostrophe (OWASP's advice); the CSV import takes exactly that apostrophe off
again, so that an exported file re-imports to the same values.

The rule is one of escaping, so that it can be undone exactly: a value that starts with any
number of apostrophes followed by a trigger character gets one more apostrophe (``'=x`` is
exported as ``''=x``), and the import removes one apostrophe from every such cell. .xlsx files
need none of this: the export writes every cell as text, which Excel never runs.
"""

from __future__ import annotations

import re

TRIGGERS = "=+-@\t\r"
_ESCAPED = re.compile(rf"^'*[{re.escape(TRIGGERS)}]")


def csv_escape(text: str) -> str:
    """The cell as the CSV export writes it."""
    return "'" + text if _ESCAPED.match(text) else text


def csv_unescape(text: str) -> str:
    """The value of a cell of a CSV file the export wrote (or a clerk edited)."""
    return text[1:] if text.startswith("'") and _ESCAPED.match(text) else text
