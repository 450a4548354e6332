"""Reports in the admin: the managers' report pages and the archive of published versions
(read-only: a published version never changes)."""

from django.contrib import admin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from disclosure.access import NOT_FOUND, AgencyScopedAdmin, AgencyScopedMixin, visible_or_404
from disclosure.records.applications import DisclosureRequest

from . import views
from .filters import ReportCellFilter
from .models import Report, ReportVersion

# The report's drill-down joins the clerks' request list here, so that ``disclosure`` needs no
# import of ``reports``: a table-三 cell links to the requests counted in it.
_request_admin = admin.site.get_model_admin(DisclosureRequest)
_request_admin.list_filter = [*_request_admin.list_filter, ReportCellFilter]


@admin.register(Report)
class ReportAdmin(AgencyScopedAdmin):
    list_display = ["title", "year", "template", "scope", "source", "updated_at", "open_link"]
    list_filter = ["year", "template", "scope"]
    list_select_related = ["agency"]
    ordering = ["-year", "agency"]

    @admin.display(description="报告")
    def title(self, obj):
        return str(obj)

    @admin.display(description="表格来源")
    def source(self, obj):
        return "纸质报告录入" if obj.is_entered else "由台账编制"

    @admin.display(description="")
    def open_link(self, obj):
        return format_html(
            '<a href="{}">预览、检查、发布</a>',
            reverse("admin:reports_report_preview", args=[obj.pk]),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("open/", wrap(views.open_report), name="reports_report_open"),
            path("<int:pk>/preview/", wrap(views.preview), name="reports_report_preview"),
            path("<int:pk>/pdf/", wrap(views.draft_pdf), name="reports_report_pdf"),
            path("<int:pk>/docx/", wrap(views.draft_docx), name="reports_report_docx"),
            path(
                "<int:pk>/publish/confirm/",
                wrap(views.publish_confirm),
                name="reports_report_publish_confirm",
            ),
            path("<int:pk>/publish/", wrap(views.publish), name="reports_report_publish"),
            path("<int:pk>/template/", wrap(views.switch_template), name="reports_report_template"),
            path("<int:pk>/refill/", wrap(views.refill), name="reports_report_refill"),
            path("<int:pk>/tables/", wrap(views.tables), name="reports_report_tables"),
            path("<int:pk>/scope/", wrap(views.switch_scope), name="reports_report_scope"),
            path("supervision/", wrap(views.supervision_page), name="reports_report_supervision"),
            path(
                "supervision/xlsx/",
                wrap(views.supervision_xlsx),
                name="reports_report_supervision_xlsx",
            ),
            *super().get_urls(),
        ]

    # The report pages replace the generic forms: "add" picks agency and year, "change" is
    # the preview with its narrative form. Each checks first, like the page it replaces:
    # another agency's report, or a page the user may not open, is the 404 of a missing one.
    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise Http404(NOT_FOUND)
        return redirect("admin:reports_report_open")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = visible_or_404(self.get_queryset(request), request.user, object_id)
        return redirect("admin:reports_report_preview", report.pk)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The history shows what the narrative was; restoring goes through the report page,
        # where the text is checked, not through a generic form. Not a 403: a refused page is
        # the same 404 as a missing one (another agency's report, a version that never was).
        raise Http404(NOT_FOUND)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportVersion)
class ReportVersionAdmin(AgencyScopedMixin, admin.ModelAdmin):
    list_display = ["title", "year", "version", "published_at", "published_by", "download"]
    list_filter = ["year"]
    list_select_related = ["agency", "published_by"]
    readonly_fields = [
        "agency",
        "year",
        "version",
        "template",
        "title",
        "download",
        "pdf_sha256",
        "data_sha256",
        "html_sha256",
        "reason",
        "published_at",
        "published_by",
        "disclosure",
        "attachment",
        "data",
    ]
    exclude = ["pdf", "html"]

    @admin.display(description="PDF")
    def download(self, obj):
        return format_html(
            '<a href="{}">下载</a>', reverse("admin:reports_reportversion_pdf", args=[obj.pk])
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/pdf/", wrap(views.version_pdf), name="reports_reportversion_pdf"),
            *super().get_urls(),
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
