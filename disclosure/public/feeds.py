"""RSS and Atom feeds of newly published items, per agency and per category.

An item's description is HTML to the reader (RSS ``<description>``, Atom ``<summary
type="html">``), and the feed's XML escaping is undone by the reader's XML parser. The body is
plain text, so it is escaped into HTML here (paragraphs kept) before the XML escapes it again: a
body ``<script>`` reaches the reader as the text ``<script>``, never as an element.
"""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.text import Truncator

from disclosure.records.models import Agency, Category, Disclosure

from .search import NEWEST_FIRST

FEED_ITEMS = 20


def _as_datetime(day: datetime.date) -> datetime.datetime:
    """Items carry a publication date only: midnight of that day, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ItemsFeed(Feed):
    """The newest published items of an agency (``/<code>/feed/rss/``), or of one category of it
    (``/<code>/feed/<slug>/rss/``)."""

    def get_object(self, request, code, slug=None):
        agency = get_object_or_404(Agency, code=code)
        category = get_object_or_404(Category, slug=slug) if slug else None
        return agency, category

    def title(self, obj):
        agency, category = obj
        return f"{agency.name} · {category.name}" if category else f"{agency.name} · 政府信息公开"

    def link(self, obj):
        agency, category = obj
        url = reverse("disclosure:item_list", args=[agency.code])
        return f"{url}?category={category.slug}" if category else url

    def description(self, obj):
        agency, category = obj
        where = f"“{category.name}”栏目" if category else "主动公开目录"
        return f"{agency.name}{where}新发布的政府信息。"

    subtitle = description  # Atom's name for it

    def items(self, obj):
        agency, category = obj
        items = Disclosure.objects.published().filter(agency=agency)
        if category:
            items = items.filter(category=category)
        return items.select_related("agency", "category").order_by(*NEWEST_FIRST)[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        number = f"{item.document_number}　" if item.document_number else ""
        # Truncated first, so no entity is cut in half; then plain text → HTML.
        return linebreaks(f"{number}{Truncator(item.body).chars(200)}", autoescape=True)

    def item_pubdate(self, item):
        return _as_datetime(item.published_on)

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.category.name]


class ItemsAtomFeed(ItemsFeed):
    feed_type = Atom1Feed
