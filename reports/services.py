"""Writes: opening a report, saving its narrative, entering a past year's tables, publishing."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from disclosure.access import may_supervise, user_agencies
from disclosure.models import Agency, Attachment, Category, Disclosure
from disclosure.records import services as disclosure_services

from . import labels, selectors
from .data import report_data_from_json
from .document import ReportDocument, report_document
from .models import Report, ReportVersion, Scope
from .narrative import NARRATIVE_FIELDS, narrative_prefill
from .render import render_published_html, render_report_pdf


def _check_agency(user, agency: Agency) -> None:
    if not user_agencies(user).filter(pk=agency.pk).exists():
        raise PermissionDenied("您不是该机关的工作人员。")


def report_open(*, agency: Agency, year: int, template: str | None, user) -> Report:
    """The report of ``agency`` for ``year``; created with a pre-filled narrative the first time.
    A template given for an existing report switches it (not for tables typed in from paper,
    whose template is that of the paper)."""
    if not user.has_perm("reports.change_report"):
        raise PermissionDenied("只有负责人可以编制年度报告。")
    _check_agency(user, agency)
    report = Report.objects.filter(agency=agency, year=year).first()
    if report is None:
        template = template or labels.default_template(year)
        data = selectors.report_compile(agency=agency, year=year, template=template)
        items = selectors.published_items_by_category(agency=agency, year=year)
        fees = selectors.fee_totals(agency=agency, year=year)
        narrative = narrative_prefill(agency=agency, data=data, items=items, fees=fees)
        report = Report(agency=agency, year=year, template=template, updated_by=user)
        for field in NARRATIVE_FIELDS:
            setattr(report, field, getattr(narrative, field))
        report.full_clean()
        report.save()
    elif template and template != report.template:
        if report.is_entered:
            raise ValidationError("本年度的表格按纸质报告录入，报告格式以录入的表格为准。")
        report.template = template
        report.updated_by = user
        report.full_clean()
        report.save()
    return report


def report_save_narrative(*, report: Report, user, **sections: str) -> Report:
    if not user.has_perm("reports.change_report"):
        raise PermissionDenied("只有负责人可以修改年度报告正文。")
    _check_agency(user, report.agency)
    unknown = set(sections) - set(NARRATIVE_FIELDS)
    if unknown:
        raise ValueError(f"未知的正文部分：{', '.join(sorted(unknown))}")
    for field, text in sections.items():
        # Normalise line ends so the paragraph split does not depend on the browser.
        setattr(report, field, text.replace("\r\n", "\n").strip())
    report.updated_by = user
    report.full_clean()
    report.save()
    return report


def report_refill_narrative(*, report: Report, user, fields=NARRATIVE_FIELDS) -> Report:
    """Replace sections with the pre-fill from the current data (the manager asked for it)."""
    document = report_document(agency=report.agency, year=report.year, report=report)
    fresh = narrative_prefill(
        agency=report.agency,
        data=document.data,
        items=document.published_items,
        fees=document.fees,
    )
    return report_save_narrative(
        report=report, user=user, **{field: getattr(fresh, field) for field in fields}
    )


def report_enter_tables(*, report: Report, user, data: dict | None) -> Report:
    """Store the tables of a year before the records, typed in or imported from its paper
    report (``ogi-annual-report/1`` form); ``None`` goes back to compiling from the records.
    Structure is validated here; the identities are checked like any report's."""
    if not user.has_perm("reports.change_report"):
        raise PermissionDenied("只有负责人可以录入纸质报告表格。")
    _check_agency(user, report.agency)
    if data is not None:
        parsed = report_data_from_json(
            data, agency_code=report.agency.code, agency_name=report.agency.name
        )
        if parsed.year != report.year:
            raise ValidationError(f"表格数据是{parsed.year}年度的，不是{report.year}年度。")
        if parsed.consolidated:
            # A parent's consolidated report sums its units' typed tables: typed sums would
            # count the units twice.
            raise ValidationError("这是汇总报告的数据；纸质报告表格只录入本机关自己的数据。")
        data = parsed.to_json()
        del data["checks"]
        report.template = parsed.template
    report.entered_data = data
    report.updated_by = user
    report.full_clean()
    report.save()
    return report


def report_set_scope(*, report: Report, scope: str, user) -> Report:
    """Make the report the agency's own (本机关) or consolidated (汇总: the agency and every
    agency under it). Consolidated only for a manager who supervises the agency's units
    (``access.may_supervise``), and never over tables typed in from paper (the constraint
    ``report_consolidated_not_typed``). The narrative stays as written: the checks flag the
    numbers that no longer agree, and each section can be regenerated."""
    if not user.has_perm("reports.change_report"):
        raise PermissionDenied("只有负责人可以修改年度报告。")
    _check_agency(user, report.agency)
    if scope == Scope.CONSOLIDATED and not may_supervise(user, report.agency):
        raise ValidationError("本机关没有下级单位，或您不是本机关的负责人，不能编制汇总报告。")
    report.scope = scope
    report.updated_by = user
    report.full_clean()
    report.save()
    return report


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def canonical_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@transaction.atomic
def report_publish(*, report: Report, user, reason: str = "") -> ReportVersion:
    """Publish the report as it stands: refused while a check fails; the PDF, data and HTML are
    stored once and never re-rendered; the report is listed under 信息公开年报. Publishing again is
    a correction: a new version, with its reason, the old one kept."""
    if not user.has_perm("reports.publish_report"):
        raise PermissionDenied("只有负责人可以发布年度报告。")
    _check_agency(user, report.agency)
    # Lock the report so two publishers cannot take the same version number.
    report = Report.objects.select_for_update().select_related("agency").get(pk=report.pk)
    document = report_document(agency=report.agency, year=report.year, report=report)
    if document.errors:
        raise ValidationError(
            ["检查未通过，不能发布："] + [check.detail for check in document.errors]
        )
    previous = ReportVersion.objects.filter(agency=report.agency, year=report.year)
    number = (previous.aggregate(m=Max("version"))["m"] or 0) + 1
    reason = reason.strip()
    if number > 1 and not reason:
        raise ValidationError({"reason": "已发布过本年度报告，更正发布必须说明更正原因。"})

    pdf = render_report_pdf(document)
    data = document.to_json()
    html = render_published_html(document)  # the body, then the charts of the year
    version = ReportVersion(
        agency=report.agency,
        year=report.year,
        version=number,
        template=document.template,
        title=document.title,
        pdf_sha256=_sha256(pdf),
        data=data,
        data_sha256=_sha256(canonical_json(data)),
        html=html,
        html_sha256=_sha256(html.encode()),
        reason=reason if number > 1 else "",
        published_at=timezone.now(),
        published_by=user,
    )
    version.disclosure, version.attachment = _list_in_catalog(
        document=document, version=version, pdf=pdf, user=user, previous=previous.first()
    )
    version.pdf.save(f"v{number}.pdf", ContentFile(pdf), save=False)
    version.full_clean()
    version.save()
    return version


def _list_in_catalog(
    *, document: ReportDocument, version: ReportVersion, pdf: bytes, user, previous
) -> tuple[Disclosure, Attachment]:
    """The published report as a proactive disclosure under 信息公开年报, the PDF attached and
    sealed to the version (it cannot be replaced or deleted; it is checked before it is sent).
    A correction adds its PDF to the same item (the first version's attachment stays)."""
    disclosure = previous.disclosure if previous is not None else None
    today = timezone.localdate()
    if disclosure is None:
        disclosure = Disclosure(
            agency=document.agency,
            title=document.title,
            category=Category.objects.for_key(Category.Key.ANNUAL_REPORT),
            made_on=today,
            body=document.narrative.introduction,
        )
        disclosure.full_clean()
        disclosure.save()
    else:
        disclosure.body = (
            f"{disclosure.body}\n\n{today:%Y年%-m月%-d日}发布更正版（第{version.version}版）。"
            f"更正原因：{version.reason}"
        ).strip()
    disclosure_services.disclosure_publish(
        disclosure=disclosure, user=user, published_on=disclosure.published_on or today
    )
    title = document.title if version.version == 1 else f"{document.title}（第{version.version}版）"
    attachment = disclosure_services.attachment_add_sealed(
        disclosure=disclosure,
        title=title,
        filename=f"{document.agency.code}-{document.year}-v{version.version}.pdf",
        content=pdf,
    )
    return disclosure, attachment
