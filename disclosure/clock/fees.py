"""信息处理费 under 《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）: pure functions.

Both standards are 超额累进 (progressive): only the part above each threshold pays that band's
rate. A request is charged by one standard, never both (第三条).

按件计收 (第四条) counts the pieces (件) the same applicant has asked for in one natural month:
1–10 free; 11–30 100 元 each; from the 31st, every further band of 10 pieces costs 100 元 more
per piece (31–40 200 元, 41–50 300 元, …).

按量计收 (第五条) counts the pages of one reply: 1–30 free; 31–100 10 元 a page;
101–200 20 元 a page; from 201 40 元 a page.
"""

from __future__ import annotations

from decimal import Decimal

FREE_PIECES = 10
FIRST_BAND_LAST_PIECE = 30
PIECE_BAND = 10
PIECE_STEP = Decimal(100)

# (first page of the band, price per page); the last band is open-ended.
PAGE_BANDS = ((31, Decimal(10)), (101, Decimal(20)), (201, Decimal(40)))


def piece_price(n: int) -> Decimal:
    """The price of the n-th piece an applicant asks for in a month."""
    if n < 1:
        raise ValueError("n starts at 1")
    if n <= FREE_PIECES:
        return Decimal(0)
    if n <= FIRST_BAND_LAST_PIECE:
        return PIECE_STEP
    bands_above = (n - FIRST_BAND_LAST_PIECE + PIECE_BAND - 1) // PIECE_BAND  # 31–40 → 1
    return PIECE_STEP * (1 + bands_above)


def per_piece_fee(pieces: int, *, earlier_in_month: int = 0) -> Decimal:
    """按件计收 for a request of ``pieces`` pieces, when the applicant has already asked for
    ``earlier_in_month`` pieces this month."""
    if pieces < 1 or earlier_in_month < 0:
        raise ValueError("pieces must be at least 1 and earlier_in_month not negative")
    first = earlier_in_month + 1
    return sum((piece_price(n) for n in range(first, first + pieces)), Decimal(0))


def per_page_fee(pages: int) -> Decimal:
    """按量计收 for a reply of ``pages`` pages."""
    if pages < 0:
        raise ValueError("pages must not be negative")
    total = Decimal(0)
    for i, (first, price) in enumerate(PAGE_BANDS):
        last = PAGE_BANDS[i + 1][0] - 1 if i + 1 < len(PAGE_BANDS) else pages
        if pages >= first:
            total += price * (min(pages, last) - first + 1)
    return total
