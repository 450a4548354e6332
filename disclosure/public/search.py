"""Selectors for the public lists: search that works for Chinese text, and a pager that never
counts a whole 100,000-item catalog.

Search is substring matching (``LIKE '%词%'``, case-insensitive) over title, 文号, 索引号 and
body; every whitespace-separated term must occur. Chinese has no spaces between words, so a word
index is no use, and pg_trgm cannot index a two-character word (the commonest length in Chinese:
a ``LIKE '%通知%'`` pattern yields no trigram). Two ways to find the matches, with opposite costs:

* a common word is found by testing the newest items one by one, in date order: a page of hits
  fills after a few dozen rows, and the index below would have to fetch tens of thousands;
* a rare word is found, on PostgreSQL, through a GIN index on the bigrams (pairs of adjacent
  characters) of the text (migration 0005): a text containing the word contains all of the
  word's bigrams, so the index returns a superset that ``LIKE`` confirms, newest candidates
  first, until the page is full (the total is exact when every candidate had to be tested).

So a search first tests the newest items (``WALK_CHUNKS``) and goes to the index only when they
hold too few hits for the page asked for.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import BooleanField, F, Func, QuerySet, TextField, Value
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from disclosure.records.models import Disclosure

PER_PAGE = 20
NEWEST_FIRST = ("-published_on", "-id")
# What a list row shows; the body (a few KB each) stays in the database.
LIST_ROW_FIELDS = ("id", "title", "document_number", "published_on", "category__name")


def list_rows(queryset: QuerySet) -> QuerySet:
    """The items of a list page, with only the fields a row shows."""
    return queryset.select_related("category").only(*LIST_ROW_FIELDS)


# Items tested in date order before the index is used, as (start, stop) windows: 500 rows cost
# about 8 ms to test and fill a first page with any word found in 4% of the items or more.
WALK_CHUNKS = ((0, 100), (100, 500))
# Candidates from the bigram index tested per query (a page of a word found through the index
# usually fills from the first chunk).
VERIFY_CHUNK = 500
MIN_TERM_LENGTH = 2


class SearchText(Func):
    """``title || ' ' || 文号 || ' ' || 索引号 || ' ' || body``: the text searched."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self):
        super().__init__(F("title"), F("document_number"), F("index_number"), F("body"))


class SearchDocument(SearchText):
    """``LOWER(title || ' ' || 文号 || ' ' || 索引号 || ' ' || body)``: the text searched for a
    term with letters (``ABC`` finds ``abc``).

    Keep it identical to the expression indexed by migration 0005 (the planner matches the
    index by expression); a change here needs a new migration.
    """

    template = "LOWER(%(expressions)s)"


class HasAllBigrams(Func):
    """True when the indexed bigrams of the document include every bigram of the terms
    (PostgreSQL only; the SQL functions come from migration 0005)."""

    output_field = BooleanField()

    def __init__(self, terms: list[str]):
        super().__init__(SearchDocument(), Value(" ".join(terms)))

    def as_sql(self, compiler, connection, **extra_context):
        document, terms = self.get_source_expressions()
        document_sql, document_params = compiler.compile(document)
        terms_sql, terms_params = compiler.compile(terms)
        sql = (
            f"disclosure_search_bigrams({document_sql})"
            f" @> disclosure_query_bigrams(LOWER({terms_sql}))"
        )
        return sql, (*document_params, *terms_params)


def search_terms(q: str) -> list[str]:
    """The whitespace-separated terms of a query, without control characters, deduplicated."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in q)
    return list(dict.fromkeys(cleaned.split()))


def matching(queryset: QuerySet, terms: list[str]) -> QuerySet:
    """Items whose text contains every term (tested row by row).

    Only a term with letters is matched against the lower-cased text: a Chinese word or a
    number has no case, and PostgreSQL's ``LOWER()`` of a long Chinese body costs several times
    the ``LIKE`` itself.
    """
    queryset = queryset.alias(search_text=SearchText(), search_document=SearchDocument())
    for term in terms:
        if term.lower() == term.upper():
            queryset = queryset.filter(search_text__contains=term)
        else:
            queryset = queryset.filter(search_document__contains=Lower(Value(term)))
    return queryset


# The passage shown under a search hit: this many characters before the first match and after it.
PASSAGE_BEFORE = 30
PASSAGE_AFTER = 70


def highlight(text: str, terms: list[str]) -> SafeString:
    """``text`` escaped, each occurrence of a term (any case) wrapped in ``<mark>``.

    The text is split at the matches and every piece is escaped before the ``<mark>`` tags are
    added, so nothing the text holds (``<script>``, ``&``) ever reaches the page as markup."""
    if not terms:
        return escape(text)
    longest_first = sorted(terms, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in longest_first), re.IGNORECASE)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # every piece of the text was escaped above


def passage(body: str, terms: list[str]) -> SafeString | None:
    """The part of ``body`` around its first match, highlighted; None when no term is in it
    (the item matched by its title, 文号 or 索引号)."""
    text = " ".join(body.split())
    lowered = text.lower()
    found = [i for i in (lowered.find(t.lower()) for t in terms) if i >= 0]
    if not found:
        return None
    first = min(found)
    start, stop = max(0, first - PASSAGE_BEFORE), first + PASSAGE_AFTER
    # Widen the window to the end of a term that starts inside it, so no match is cut in two.
    while True:
        spill = [
            m.end()
            for t in terms
            for m in re.finditer(re.escape(t), text, re.IGNORECASE)
            if m.start() < stop < m.end()
        ]
        if not spill:
            break
        stop = max(spill)
    snippet = highlight(text[start:stop], terms)
    return mark_safe(f"{'…' if start else ''}{snippet}{'…' if stop < len(text) else ''}")


def mark_hits(items: list[Disclosure], terms: list[str]) -> None:
    """Give each item of a search page its title highlighted (``highlighted_title``) and the
    passage of its body that matches (``passage``): one query for the page's bodies."""
    bodies = dict(
        Disclosure.objects.filter(id__in=[item.id for item in items]).values_list("id", "body")
    )
    for item in items:
        item.highlighted_title = highlight(item.title, terms)
        item.passage = passage(bodies.get(item.id, ""), terms)


class _IdsPage:
    """One page of an ordered list of ids; ``total`` is None when only "more than this" is known."""

    def __init__(self, ids: list[int], number: int, total: int | None):
        self.ids = ids
        self.number = number
        self.total = total
        self.paginator = (
            Paginator(range(total), PER_PAGE, allow_empty_first_page=True)
            if total is not None
            else None
        )

    def has_next(self) -> bool:
        return len(self.ids) > self.number * PER_PAGE

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @cached_property
    def page_ids(self) -> list[int]:
        return self.ids[(self.number - 1) * PER_PAGE : self.number * PER_PAGE]


@dataclass(frozen=True)
class SearchPage:
    page: _IdsPage
    items: list[Disclosure]

    @property
    def total(self) -> int | None:
        return self.page.total


def disclosure_search(*, queryset: QuerySet, terms: list[str], page: int) -> SearchPage:
    """Page ``page`` (from 1) of the items of ``queryset`` that contain every term, newest first.

    Raises ``EmptyPage`` for a page past the last one.
    """
    if page < 1 or page > MAX_PAGE:
        raise EmptyPage("页码无效。")
    newest = queryset.order_by(*NEWEST_FIRST)
    hits = matching(newest, terms).values_list("id", flat=True)
    walk_rows = WALK_CHUNKS[-1][1]
    if newest.order_by()[: walk_rows + 1].count() <= walk_rows:
        # A short list: testing every item is the cheapest way, and the answer is complete.
        return _search_page(queryset, list(hits), page, complete=True)
    wanted = page * PER_PAGE + 1  # one more than the page tells whether a next page exists
    ids: list[int] = []
    for start, stop in WALK_CHUNKS:
        window = newest.values("id")[start:stop]  # a subquery: LIMIT/OFFSET on the date index
        ids += hits.filter(id__in=window)
        if len(ids) >= wanted:
            return _search_page(queryset, ids, page, complete=False)
    if connection.vendor != "postgresql":
        return _search_page(queryset, list(hits), page, complete=True)  # SQLite: a small table
    # The index's candidates, newest first, are tested in that order until the page is full:
    # testing a candidate (LIKE over the whole text) costs several times finding it.
    candidates = list(newest.filter(HasAllBigrams(terms)).values_list("id", flat=True))
    ids = []
    for start in range(0, len(candidates), VERIFY_CHUNK):
        ids += hits.filter(id__in=candidates[start : start + VERIFY_CHUNK])
        if len(ids) >= wanted and start + VERIFY_CHUNK < len(candidates):
            return _search_page(queryset, ids, page, complete=False)
    return _search_page(queryset, ids, page, complete=True)


def _search_page(queryset: QuerySet, ids: list[int], number: int, *, complete: bool) -> SearchPage:
    ids = list(dict.fromkeys(ids))  # an item published between two window queries shifts them
    page = _IdsPage(ids, number, len(ids) if complete else None)
    if number > 1 and not page.page_ids:
        raise EmptyPage("没有这一页。")
    items = list(list_rows(queryset.filter(id__in=page.page_ids)).order_by(*NEWEST_FIRST))
    return SearchPage(page=page, items=items)


# The highest page number a list or a search answers: 200,000 items deep. Past it (or past the last
# page) is a 404 before any query: a huge number must not reach the database as an integer.
MAX_PAGE = 10_000


class ElasticPaginator(Paginator):
    """Counts only up to ten pages past the page asked for: exact for a short list, "more than
    N" for a long one, so no page view counts a whole 100,000-item catalog (25 ms on its own).
    ``more`` tells that the list goes on past ``count``."""

    lookahead_pages = 10

    def __init__(self, object_list, per_page, *, page_number=1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        try:
            number = min(max(1, int(page_number)), MAX_PAGE + 1)  # the count's LIMIT stays sane
        except (TypeError, ValueError):
            number = 1
        self.limit = (number + self.lookahead_pages) * per_page

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > MAX_PAGE:
            raise EmptyPage("没有这一页。")
        return number

    @cached_property
    def _counted(self) -> int:
        # No ORDER BY, so the database stops after limit + 1 rows.
        return self.object_list.order_by()[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.limit)

    @property
    def more(self) -> bool:
        return self._counted > self.limit

    @cached_property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page)) if self.count else 1
