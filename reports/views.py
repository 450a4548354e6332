"""The managers' report pages, inside the admin (see ``ReportAdmin.get_urls``).

Every view starts from the user's agencies: another agency's report is a 404; a missing
permission is a 403.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from disclosure.access import user_agencies

from . import labels, services
from .document import report_document
from .forms import EnterTablesForm, ImportTablesForm, NarrativeForm, OpenReportForm, PublishForm
from .models import Report, ReportVersion
from .render import render_body, render_report_pdf


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _report(request, pk: int) -> Report:
    _require(request, "reports.view_report")
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("agency"), pk=pk
    )


def _context(request, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "opts": Report._meta,
        "title": title,
        **extra,
    }


def open_report(request):
    """Pick agency, year (and template) and go to that report, creating it the first time."""
    _require(request, "reports.change_report")
    agencies = user_agencies(request.user)
    form = OpenReportForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_open(
                agency=form.cleaned_data["agency"],
                year=form.cleaned_data["year"],
                template=form.cleaned_data["template"] or None,
                user=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            return redirect("admin:reports_report_preview", report.pk)
    return TemplateResponse(
        request, "reports/admin/open.html", _context(request, "编制年度报告", form=form)
    )


def preview(request, pk: int):
    """Preview (the same body as the PDF, with drill-down links), checks, narrative form."""
    report = _report(request, pk)
    can_change = request.user.has_perm("reports.change_report")
    form = NarrativeForm(request.POST or None, instance=report)
    if request.method == "POST":
        _require(request, "reports.change_report")
        if form.is_valid():
            try:
                services.report_save_narrative(
                    report=report, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, "正文已保存。")
                return redirect("admin:reports_report_preview", report.pk)
    document = report_document(agency=report.agency, year=report.year, report=report)
    versions = ReportVersion.objects.filter(agency=report.agency, year=report.year).order_by(
        "-version"
    )
    return TemplateResponse(
        request,
        "reports/admin/preview.html",
        _context(
            request,
            document.title,
            report=report,
            document=document,
            body=render_body(document, links=True),
            form=form,
            can_change=can_change,
            can_publish=request.user.has_perm("reports.publish_report"),
            publish_form=PublishForm(),
            versions=versions,
            template_name=labels.TEMPLATE_NAMES[document.template],
            template_choices=list(labels.TEMPLATE_NAMES.items()),
        ),
    )


def draft_pdf(request, pk: int):
    """The PDF of the report as it stands (not stored; publishing stores its own render)."""
    report = _report(request, pk)
    document = report_document(agency=report.agency, year=report.year, report=report)
    response = HttpResponse(render_report_pdf(document), content_type="application/pdf")
    filename = f"{report.agency.code}-{report.year}-draft.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def switch_template(request, pk: int):
    report = _report(request, pk)
    _require(request, "reports.change_report")
    template = request.POST.get("template", "")
    if template not in labels.TEMPLATE_NAMES:
        messages.error(request, "请选择报告格式。")
    else:
        try:
            services.report_open(
                agency=report.agency, year=report.year, template=template, user=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return redirect("admin:reports_report_preview", report.pk)


@require_POST
def refill(request, pk: int):
    report = _report(request, pk)
    _require(request, "reports.change_report")
    field = request.POST.get("field")
    fields = [field] if field in NarrativeForm.Meta.fields else NarrativeForm.Meta.fields
    services.report_refill_narrative(report=report, user=request.user, fields=fields)
    messages.success(request, "已按当前数据重新生成正文（原文已记入修改历史）。")
    return redirect("admin:reports_report_preview", report.pk)


@require_POST
def publish(request, pk: int):
    report = _report(request, pk)
    _require(request, "reports.publish_report")
    form = PublishForm(request.POST)
    form.is_valid()
    try:
        version = services.report_publish(
            report=report, user=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已发布：{version}。")
    return redirect("admin:reports_report_preview", report.pk)


def tables(request, pk: int):
    """Enter (or import) the tables of a year before the records, from its paper report."""
    report = _report(request, pk)
    _require(request, "reports.change_report")
    template = request.GET.get("template") or report.template
    if template not in labels.TEMPLATE_NAMES:
        raise Http404
    entered = report.entered_data if report.is_entered else None
    if entered and entered.get("template") != template:
        entered = None
    form = EnterTablesForm(
        request.POST if "save" in request.POST else None,
        template=template,
        initial_data=entered,
    )
    import_form = ImportTablesForm(
        request.POST if "import" in request.POST else None,
        request.FILES if "import" in request.POST else None,
    )
    if request.method == "POST":
        data = None
        if "clear" in request.POST:
            services.report_enter_tables(report=report, user=request.user, data=None)
            messages.success(request, "已删除录入的表格，本年度改由台账编制。")
            return redirect("admin:reports_report_preview", report.pk)
        if "save" in request.POST and form.is_valid():
            data = form.to_json(agency=report.agency, year=report.year)
        elif "import" in request.POST and import_form.is_valid():
            data = import_form.cleaned_data["file"]
        if data is not None:
            try:
                services.report_enter_tables(report=report, user=request.user, data=data)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, "表格已保存，检查结果见下方。")
                return redirect("admin:reports_report_preview", report.pk)
    return TemplateResponse(
        request,
        "reports/admin/tables.html",
        _context(
            request,
            f"{report}：录入纸质报告表格",
            report=report,
            form=form,
            import_form=import_form,
            template=template,
            template_name=labels.TEMPLATE_NAMES[template],
            template_choices=list(labels.TEMPLATE_NAMES.items()),
            table3_columns=[labels.TABLE3_COLUMN_LABELS[c] for c in labels.TABLE3_COLUMNS],
            table4_columns=[labels.TABLE4_COLUMN_LABELS[c] for c in labels.TABLE4_COLUMNS],
        ),
    )


def version_pdf(request, pk: int):
    """The stored PDF of a published version, exactly as published."""
    _require(request, "reports.view_reportversion")
    version = get_object_or_404(ReportVersion.objects.visible_to(request.user), pk=pk)
    return FileResponse(
        version.pdf.open("rb"),
        as_attachment=True,
        filename=f"{version.agency.code}-{version.year}-v{version.version}.pdf",
        content_type="application/pdf",
    )
