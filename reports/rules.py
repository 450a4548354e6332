"""The counting rules of tables 三 and 四 (../docs/interchange.md), written once.

Each rule is a ``Q`` on ``DisclosureRequest`` / ``Case``. The compiler aggregates with them
(conditional ``Count``) and the admin's drill-down filter filters with them, so a table-三 cell and
the request list behind it cannot disagree.
"""

from __future__ import annotations

import datetime

from django.db.models import Q

from disclosure.models import Outcome

from . import labels


def year_bounds(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- Table 三 ------------------------------------------------------------------------------


def received_q(year: int) -> Q:
    """一、本年新收: received in the year."""
    first, last = year_bounds(year)
    return Q(received_on__gte=first, received_on__lte=last)


def carried_over_q(year: int) -> Q:
    """二、上年结转: received before 1 January and not decided before it."""
    first, _last = year_bounds(year)
    return Q(received_on__lt=first) & (Q(decided_on__isnull=True) | Q(decided_on__gte=first))


def decided_q(year: int) -> Q:
    """三、本年度办理结果: decided in the year (a decision always carries its outcome)."""
    first, last = year_bounds(year)
    return Q(decided_on__gte=first, decided_on__lte=last)


def carried_forward_q(year: int) -> Q:
    """四、结转下年度继续办理: received by 31 December and not decided by then."""
    _first, last = year_bounds(year)
    return Q(received_on__lte=last) & (Q(decided_on__isnull=True) | Q(decided_on__gt=last))


def in_year_q(year: int) -> Q:
    """Every request that appears anywhere in the year's table (the union of the rules above);
    narrows the aggregate to the rows that matter."""
    first, last = year_bounds(year)
    return Q(received_on__lte=last) & (Q(decided_on__isnull=True) | Q(decided_on__gte=first))


def outcome_row(template: str, outcome: str) -> str:
    """The table-三 row an outcome is counted in: the 2019 trial format has a single （六）其他处理
    row, into which the two outcomes 30号 split out (逾期不补正, 逾期未缴费) are added."""
    if template == labels.TEMPLATE_2019 and outcome in Outcome.OTHERS:
        return Outcome.OTHER.value
    return outcome


def row_outcomes(template: str, row: str) -> tuple[str, ...]:
    return tuple(o for o in Outcome.values if outcome_row(template, o) == row)


def table3_row_q(year: int, template: str, row: str) -> Q:
    """The requests counted in one row of table 三."""
    if row == labels.ROW_RECEIVED:
        return received_q(year)
    if row == labels.ROW_CARRIED_OVER:
        return carried_over_q(year)
    if row == labels.ROW_CARRIED_FORWARD:
        return carried_forward_q(year)
    if row == labels.ROW_TOTAL:
        return decided_q(year)
    if row in labels.outcome_row_keys(template):
        return decided_q(year) & Q(outcome__in=row_outcomes(template, row))
    raise ValueError(f"表三没有“{row}”这一行。")


def table3_cell_q(year: int, template: str, row: str, column: str) -> Q:
    """The requests counted in one cell of table 三 (column 总计: every applicant type)."""
    q = table3_row_q(year, template, row)
    if column == labels.COLUMN_TOTAL:
        return q
    if column not in labels.TABLE3_COLUMNS:
        raise ValueError(f"表三没有“{column}”这一列。")
    return q & Q(applicant_type=column)


# --- Table 四 ------------------------------------------------------------------------------


def case_concluded_q(year: int) -> Q:
    """Counted under its result: concluded in the year (even if filed in an earlier year)."""
    first, last = year_bounds(year)
    return Q(concluded_on__gte=first, concluded_on__lte=last)


def case_pending_q(year: int) -> Q:
    """尚未审结: filed by 31 December and not concluded by then."""
    _first, last = year_bounds(year)
    return Q(filed_on__lte=last) & (Q(concluded_on__isnull=True) | Q(concluded_on__gt=last))


def case_in_year_q(year: int) -> Q:
    return case_concluded_q(year) | case_pending_q(year)


# --- Table 二 第二十条第（一）项: regulations and normative documents --------------------------
#
# These come from ``Disclosure`` records with ``kind`` set. How each column is derived (the
# format notes define none of them precisely, so this is the app's documented reading):
#
# - A document "is made" on its 成文日期 (``made_on``), or on its 发布日期 when that is missing.
# - Drafts are entries still being prepared, not yet records of a document: never counted.
# - 2019 本年新制作数量 / 2021 本年制发件数: made in the year.
# - 2021 本年废止件数: ``repealed_on`` in the year.
# - 2021 现行有效件数: made by 31 December and not repealed by then; therefore
#   现行有效(Y) = 现行有效(Y−1) + 制发(Y) − 废止(Y) holds for the records, and a break of it
#   against last year's published report points at a changed record (checked as a warning).
# - 2019 本年新公开数量: published (status 已发布) with 发布日期 in the year.
# - 2019 对外公开总数量: published by 31 December and still in force then — the documents a member
#   of the public could read as valid rules at the end of the year (a withdrawn item is off the
#   public site and not counted).


def document_made_q(year: int) -> Q:
    first, last = year_bounds(year)
    return Q(effective_on__gte=first, effective_on__lte=last)


def document_repealed_q(year: int) -> Q:
    first, last = year_bounds(year)
    return Q(repealed_on__gte=first, repealed_on__lte=last)


def document_in_force_q(year: int) -> Q:
    _first, last = year_bounds(year)
    return Q(effective_on__lte=last) & (Q(repealed_on__isnull=True) | Q(repealed_on__gt=last))


def document_published_q(year: int) -> Q:
    first, last = year_bounds(year)
    return Q(status="published", published_on__gte=first, published_on__lte=last)


def document_total_public_q(year: int) -> Q:
    _first, last = year_bounds(year)
    return Q(status="published", published_on__lte=last) & (
        Q(repealed_on__isnull=True) | Q(repealed_on__gt=last)
    )
