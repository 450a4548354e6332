"""sitemap.xml: agency pages, published items and published annual reports."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from disclosure.records.models import Agency, Disclosure


class AgencySitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return [
            (name, code)
            for code in Agency.objects.order_by("code").values_list("code", flat=True)
            for name in ("disclosure:agency_home", "disclosure:item_list", "disclosure:report_list")
        ]

    def location(self, item):
        name, code = item
        return reverse(name, args=[code])


class ItemSitemap(Sitemap):
    limit = 5000  # URLs per sitemap page; the index lists the pages

    def items(self):
        return (
            Disclosure.objects.published()
            .order_by("id")
            .values_list("id", "agency__code", "updated_at", named=True)
        )

    def location(self, item):
        return reverse("disclosure:item_detail", args=[item.agency__code, item.id])

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        # Django's default reads every item; one aggregate does.
        return Disclosure.objects.published().aggregate(m=Max("updated_at"))["m"]


SITEMAPS = {"agencies": AgencySitemap, "items": ItemSitemap}  # the project adds "reports"
