"""The annual-report archive of the public site: each agency's published reports, their stored
HTML and PDF. Every view starts from ``ReportVersion.objects.published()``; the pages are served
through the public page cache like the rest of the public site (``disclosure.urls`` mounts
them under the ``disclosure`` URL namespace)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.sitemaps import Sitemap
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from disclosure.public.pagecache import public_page
from disclosure.public.views import crumbs, public_agency, stream_download
from disclosure.records.models import Agency
from disclosure.records.uploads import refuse_altered

from . import labels
from .data import report_data_from_json
from .models import Report, ReportVersion
from .render import table2_blocks, table3_rows, table4_values


def _report_versions(agency: Agency):
    return ReportVersion.objects.published().filter(agency=agency)


def agency_home_context(agency: Agency) -> dict:
    """The current report of each year, for the agency home (``AGENCY_HOME_EXTRAS``)."""
    return {"reports": list(_report_versions(agency).current().order_by("-year"))}


def item_detail_context(item) -> dict:
    """For a report's catalog item (信息公开年报), the report's HTML page
    (``ITEM_DETAIL_EXTRAS``)."""
    version = (
        ReportVersion.objects.published()
        .filter(disclosure=item)
        .order_by("-version")
        .only("year", "version", "title")
        .first()
    )
    if version is None:
        return {}
    url = reverse("disclosure:report_detail", args=[item.agency.code, version.year])
    return {"report_page": (url, version.title)}


@dataclass(frozen=True)
class TypedYear:
    """A year whose report was published on paper before the agency used this app: its tables
    were typed in (``Report.entered_data``); no PDF is stored."""

    year: int
    title: str
    typed = True


def _typed_years(agency: Agency, published_years: set[int]) -> list[TypedYear]:
    """The years with tables typed in from paper and no report published here."""
    return [
        TypedYear(year=report.year, title=labels.report_title(agency.name, report.year))
        for report in Report.objects.filter(agency=agency, entered_data__isnull=False)
        .exclude(year__in=published_years)
        .only("year")
    ]


def report_list(request, code):
    """The annual-report archive: every year the agency has a report for (the current version
    of each published year, and each year typed in from paper), and the superseded versions."""
    agency = public_agency(code)
    versions = list(_report_versions(agency).order_by("-year", "-version"))
    current, superseded, seen = [], [], set()
    for version in versions:
        (superseded if version.year in seen else current).append(version)
        seen.add(version.year)
    current = sorted([*current, *_typed_years(agency, seen)], key=lambda r: -r.year)
    return render(
        request,
        "reports/public/report_list.html",
        {
            "agency": agency,
            "current": current,
            "has_typed": any(getattr(r, "typed", False) for r in current),
            "superseded": superseded,
            "crumbs": crumbs(agency, ("政府信息公开工作年度报告", None)),
        },
    )


def report_detail(request, code, year, version=None):
    """The stored HTML of a published report (the current version unless one is asked for)."""
    agency = public_agency(code)
    versions = _report_versions(agency).filter(year=year).order_by("-version")
    latest = versions.first()
    report = latest if version is None else versions.filter(version=version).first()
    archive_url = reverse("disclosure:report_list", args=[agency.code])
    if latest is None and version is None:
        return _typed_year(request, agency, year, archive_url)
    if report is None:
        raise Http404("没有这份报告。")
    return render(
        request,
        "reports/public/report_detail.html",
        {
            "agency": agency,
            "report": report,
            "latest": latest,
            "crumbs": crumbs(
                agency, ("政府信息公开工作年度报告", archive_url), (f"{report.year}年", None)
            ),
        },
    )


def _typed_year(request, agency: Agency, year: int, archive_url: str):
    """A year published on paper: its typed tables, as data (the narrative of the paper report
    is not stored here, nor a PDF)."""
    typed = Report.objects.filter(agency=agency, year=year, entered_data__isnull=False).first()
    if typed is None:
        raise Http404("没有这份报告。")
    try:
        data = report_data_from_json(
            typed.entered_data, agency_code=agency.code, agency_name=agency.name
        )
    except ValidationError:
        raise Http404("没有这份报告。") from None
    return render(
        request,
        "reports/public/typed_year.html",
        {
            "agency": agency,
            "title": data.title,
            "year": year,
            "labels": labels,
            "table2_blocks": table2_blocks(data),
            "table3": table3_rows(data),
            "table3_columns": [labels.TABLE3_COLUMN_LABELS[c] for c in labels.TABLE3_COLUMNS],
            "table4": table4_values(data),
            "table4_results": [labels.TABLE4_COLUMN_LABELS[c] for c in labels.TABLE4_COLUMNS],
            "crumbs": crumbs(
                agency, ("政府信息公开工作年度报告", archive_url), (f"{year}年", None)
            ),
        },
    )


@refuse_altered
def report_pdf(request, code, year, version):
    """The PDF stored when the report was published, as stored (never re-rendered), and only
    while it still has the SHA-256 it was published with (its ETag)."""
    report = get_object_or_404(_report_versions(public_agency(code)), year=year, version=version)
    suffix = f"（第{report.version}版）" if report.version > 1 else ""
    return stream_download(report.pdf, f"{report.title}{suffix}.pdf", sha256=report.pdf_sha256)


class ReportSitemap(Sitemap):
    def items(self):
        return ReportVersion.objects.published().select_related("agency").order_by("id")

    def location(self, version):
        return reverse(
            "disclosure:report_version", args=[version.agency.code, version.year, version.version]
        )

    def lastmod(self, version):
        return version.published_at

    def get_latest_lastmod(self):
        return ReportVersion.objects.published().aggregate(m=Max("published_at"))["m"]


urlpatterns = [
    path("<slug:code>/reports/", public_page(report_list), name="report_list"),
    path("<slug:code>/reports/<int:year>/", public_page(report_detail), name="report_detail"),
    path(
        "<slug:code>/reports/<int:year>/v<int:version>/",
        public_page(report_detail),
        name="report_version",
    ),
    path("<slug:code>/reports/<int:year>/v<int:version>.pdf", report_pdf, name="report_pdf"),
]
