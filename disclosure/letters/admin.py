"""Decision letters in the admin: the preview and PDF download of a request's 答复书, mixed into
``DisclosureRequestAdmin``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from disclosure.access import visible_or_404

from .decision import NoLetter, letter_context, letter_pdf


class LetterAdminMixin:
    """For ``DisclosureRequestAdmin``."""

    letter_fields = ["letter_links"]

    @admin.display(description="答复书")
    def letter_links(self, obj):
        if obj is None or obj.pk is None or not obj.outcome:
            return "填写办理结果和答复日期并保存后，可在此预览和下载答复书。"
        info = self.opts.app_label, self.opts.model_name
        return format_html(
            '<a href="{}">预览答复书</a> · <a href="{}">下载PDF</a>',
            reverse("admin:{}_{}_letter".format(*info), args=[obj.pk]),
            reverse("admin:{}_{}_letter_pdf".format(*info), args=[obj.pk]),
        )

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.letter_fields]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/letter/",
                view(self.letter_view),
                name="{}_{}_letter".format(*info),
            ),
            path(
                "<path:object_id>/letter.pdf",
                view(self.letter_pdf_view),
                name="{}_{}_letter_pdf".format(*info),
            ),
            *super().get_urls(),
        ]

    def _visible_request(self, request, object_id):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        queryset = self.get_queryset(request).select_related("agency__parent")
        return visible_or_404(queryset, request.user, object_id)

    def letter_view(self, request, object_id):
        obj = self._visible_request(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"答复书预览：{obj.number}",
            "opts": self.opts,
            "original": obj,
        }
        try:
            context["letter"] = letter_context(obj)
        except NoLetter as exc:
            context["no_letter"] = str(exc)
        return TemplateResponse(request, "disclosure/admin/letter_preview.html", context)

    def letter_pdf_view(self, request, object_id):
        obj = self._visible_request(request, object_id)
        try:
            pdf = letter_pdf(obj)
        except NoLetter as exc:
            messages.error(request, str(exc))
            return redirect("admin:disclosure_disclosurerequest_change", obj.pk)
        response = HttpResponse(pdf, content_type="application/pdf")
        # The number may be typed by hand (Chinese characters): RFC 6266 encoding.
        response["Content-Disposition"] = content_disposition_header(
            True, f"答复书-{obj.number}.pdf"
        )
        # admin_view adds never_cache (private, no-store): the letter carries personal data.
        return response
