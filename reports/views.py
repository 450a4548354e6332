"""The managers' report pages, inside the admin (see ``ReportAdmin.get_urls``).

Every view starts from the user's agencies: another agency's report is a 404, and so is a page
or action the user lacks the permission for (no status tells a report that exists from one that
does not).
"""

from __future__ import annotations

import hashlib
import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from disclosure.access import NOT_FOUND, may_supervise, supervised_agencies, user_agencies
from disclosure.public.views import stream_download
from disclosure.records import numbering
from disclosure.records.uploads import refuse_altered

from . import labels, services, supervision, trends
from .checks import Check
from .document import ReportDocument, published_unchanged, report_document
from .forms import EnterTablesForm, ImportTablesForm, NarrativeForm, OpenReportForm, PublishForm
from .models import Report, ReportVersion, Scope
from .render import render_body, render_charts, render_report_pdf
from .word import MIME_TYPE as DOCX_TYPE
from .word import render_report_docx


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise Http404(NOT_FOUND)


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
            body=render_body(document, links=True, draft=True),
            problems=_problems(document, can_change=can_change),
            year_on_year=trends.year_on_year(document),
            charts=render_charts(document),
            form=form,
            can_change=can_change,
            can_publish=request.user.has_perm("reports.publish_report"),
            publish_form=PublishForm(),
            versions=versions,
            template_name=labels.TEMPLATE_NAMES[document.template],
            template_choices=list(labels.TEMPLATE_NAMES.items()),
            scope_choices=Scope.choices,
            can_supervise=may_supervise(request.user, report.agency),
        ),
    )


def draft_pdf(request, pk: int):
    """The PDF of the report as it stands (not stored; publishing stores its own render)."""
    report = _report(request, pk)
    document = report_document(agency=report.agency, year=report.year, report=report)
    pdf = render_report_pdf(document, draft=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{report.agency.code}-{report.year}-draft.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def draft_docx(request, pk: int):
    """The report as a Word file, from the same document as the PDF: marked 草稿 unless it is
    exactly the latest published version (then it is the text to sign, stamp and file)."""
    report = _report(request, pk)
    document = report_document(agency=report.agency, year=report.year, report=report)
    draft = not published_unchanged(document)
    response = HttpResponse(render_report_docx(document, draft=draft), content_type=DOCX_TYPE)
    filename = f"{report.agency.code}-{report.year}{'-draft' if draft else ''}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _problems(document: ReportDocument, *, can_change: bool) -> list[tuple[Check, str]]:
    """The failed checks, each with the address of what to fix on the preview page: a table
    cell of the preview, or the narrative field (the section of the preview for those who may
    not edit)."""
    found = []
    for check in [*document.errors, *document.warnings]:
        where = check.where
        if where.startswith("narrative-") and not can_change:
            where = "report-" + where.removeprefix("narrative-")
        found.append((check, f"#{where}" if where else ""))
    return found


def _digest(document: ReportDocument) -> str:
    """What the confirmation page showed: the data with its checks and the narrative."""
    shown = json.dumps([document.to_json(), document.narrative.sections()], sort_keys=True)
    return hashlib.sha256(shown.encode()).hexdigest()


def publish_confirm(request, pk: int):
    """The page before publishing: what will be published (title, version, checks, the body
    exactly as it will be stored), and the button that publishes it."""
    report = _report(request, pk)
    _require(request, "reports.publish_report")
    document = report_document(agency=report.agency, year=report.year, report=report)
    versions = ReportVersion.objects.filter(agency=report.agency, year=report.year)
    number = (versions.aggregate(last=Max("version"))["last"] or 0) + 1
    return TemplateResponse(
        request,
        "reports/admin/publish_confirm.html",
        _context(
            request,
            f"确认发布：{document.title}",
            report=report,
            document=document,
            number=number,
            problems=_problems(document, can_change=False),
            body=render_body(document),
            digest=_digest(document),
            publish_form=PublishForm(),
            template_name=labels.TEMPLATE_NAMES[document.template],
        ),
    )


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
    document = report_document(agency=report.agency, year=report.year, report=report)
    if request.POST.get("confirmed") != _digest(document):
        # Not from the confirmation page, or the report changed since it was shown.
        messages.error(request, "报告在确认后有变化（或未经确认），请核对后重新确认发布。")
        return redirect("admin:reports_report_publish_confirm", report.pk)
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
        public = reverse(
            "disclosure:report_version", args=[report.agency.code, version.year, version.version]
        )
        messages.success(
            request,
            format_html('已发布：{}。<a href="{}">查看公开页面</a>', version, public),
        )
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


@refuse_altered
def version_pdf(request, pk: int):
    """The stored PDF of a published version, exactly as published (checked against its hash)."""
    _require(request, "reports.view_reportversion")
    version = get_object_or_404(
        ReportVersion.objects.visible_to(request.user).select_related("agency"), pk=pk
    )
    return stream_download(
        version.pdf,
        f"{version.agency.code}-{version.year}-v{version.version}.pdf",
        sha256=version.pdf_sha256,
    )


@require_POST
def switch_scope(request, pk: int):
    """本机关 or 汇总 (a manager who supervises the agency's units)."""
    report = _report(request, pk)
    _require(request, "reports.change_report")
    scope = request.POST.get("scope", "")
    if scope not in Scope.values:
        messages.error(request, "请选择报告范围。")
    else:
        try:
            services.report_set_scope(report=report, scope=scope, user=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                f"报告范围已改为“{Scope(scope).label}”。正文中与表格不符的数字见检查结果，"
                "可按当前数据重新生成。",
            )
    return redirect("admin:reports_report_preview", report.pk)


def _supervision_params(request):
    """The supervising agency (``?agency=CODE``, one the user supervises), the year (``?year=``,
    default last year) and the order (``?o=`` a column key, "-" for descending). A value
    outside these is a 404, like an agency the user does not supervise."""
    agencies = list(supervised_agencies(request.user).order_by("code"))
    code = request.GET.get("agency")
    agency = next((a for a in agencies if code is None or a.code == code), None)
    year_text = request.GET.get("year")
    year = (
        timezone.localdate().year - 1 if year_text is None else numbering.year_from_text(year_text)
    )
    order = request.GET.get("o", "unit")
    if agency is None or year is None or order.removeprefix("-") not in dict(supervision.COLUMNS):
        raise Http404(NOT_FOUND)
    return agencies, agency, year, order


def supervision_page(request):
    """Every unit under an agency the user supervises, for a year: report state and figures."""
    agencies, agency, year, order = _supervision_params(request)
    rows = supervision.supervision_rows(
        agency=agency, year=year, today=timezone.localdate(), order=order
    )
    base = {"agency": agency.code, "year": year}
    headers = []
    for key, heading in supervision.COLUMNS:
        # A click sorts by the column; a second click on the sorted column reverses it.
        next_order = f"-{key}" if order == key else key
        arrow = "▲" if order == key else "▼" if order == f"-{key}" else ""
        url = f"?{urlencode({**base, 'o': next_order})}"
        headers.append({"key": key, "heading": heading, "url": url, "arrow": arrow})
    return TemplateResponse(
        request,
        "reports/admin/supervision.html",
        _context(
            request,
            f"{agency.name}所属单位{year}年度政府信息公开情况",
            agencies=agencies,
            agency=agency,
            year=year,
            rows=rows,
            totals=supervision.totals(rows),
            figures=supervision.FIGURES,
            headers=headers,
            xlsx_url=f"?{urlencode({**base, 'o': order})}",
            typed=any(row.typed for row in rows),
        ),
    )


def supervision_xlsx(request):
    """The supervision page as an .xlsx workbook (figures only)."""
    _agencies, agency, year, order = _supervision_params(request)
    rows = supervision.supervision_rows(
        agency=agency, year=year, today=timezone.localdate(), order=order
    )
    response = HttpResponse(
        supervision.rows_xlsx(agency=agency, year=year, rows=rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{agency.code}-{year}-units.xlsx"'
    return response
