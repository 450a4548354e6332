"""The annual-report archive of the public site: each agency's published reports, their stored
HTML and PDF. Every view starts from ``ReportVersion.objects.published()``; the pages are served
through the public page cache like the rest of the public site (``disclosure.urls`` mounts
them under the ``disclosure`` URL namespace)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from disclosure.public.pagecache import public_page
from disclosure.public.views import crumbs, public_agency, stream_download
from disclosure.records.models import Agency
from disclosure.records.uploads import refuse_altered

from .models import ReportVersion


def _report_versions(agency: Agency):
    return ReportVersion.objects.published().filter(agency=agency)


def agency_home_context(agency: Agency) -> dict:
    """The current report of each year, for the agency home (``AGENCY_HOME_EXTRAS``)."""
    return {"reports": list(_report_versions(agency).current().order_by("-year"))}


def report_list(request, code):
    """The annual-report archive: the current version of each year, and superseded ones."""
    agency = public_agency(code)
    versions = list(_report_versions(agency).order_by("-year", "-version"))
    current, superseded, seen = [], [], set()
    for version in versions:
        (superseded if version.year in seen else current).append(version)
        seen.add(version.year)
    return render(
        request,
        "reports/public/report_list.html",
        {
            "agency": agency,
            "current": current,
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
    if report is None:
        raise Http404("没有这份报告。")
    archive_url = reverse("disclosure:report_list", args=[agency.code])
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
