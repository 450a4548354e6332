"""Letters in the admin. On a request (``LetterAdminMixin``, mixed into
``DisclosureRequestAdmin``): its letters and the ones its record allows, the preview of a letter
from the record and the draft made from it, the withheld parts inline. The letters themselves
(``LetterAdmin``): edit a draft, regenerate it from the record, issue it, download PDF and Word.

Every rendering of a letter (preview, PDF, Word, the change page) is logged with
``audit_record``: a letter carries the applicant's name and address."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe

from disclosure.access import NOT_FOUND, AgencyScopedMixin, visible_or_404
from disclosure.audit.models import AccessEvent
from disclosure.audit.services import audit_record
from disclosure.clock.models import RequestEvent
from disclosure.records.uploads import check_sealed, refuse_altered, sandbox_download

from . import services
from .decision import NoLetter
from .drafting import letter_draft, letter_options
from .models import Letter, LetterKind, WithheldPart
from .rendering import letter_context, letter_docx, letter_pdf
from .wording import DEFAULT_COURT, DEFAULT_REVIEW_BODY

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _log(request, letter: Letter, what: str) -> None:
    """One access-log row per rendering; the detail names the request number and the letter,
    never the applicant."""
    kind = "" if letter.kind == LetterKind.DECISION else f" {letter.get_kind_display()}"
    number = f" {letter.number}" if letter.number else ""
    audit_record(
        request=request,
        action=AccessEvent.Action.LETTER,
        obj=letter.request,
        detail=f"{letter.request.number}{kind}{number} {what}",
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # The name holds Chinese characters: RFC 6266 encoding.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # admin_view adds never_cache (private, no-store): the letter carries personal data.
    return sandbox_download(response)


def _filename(letter: Letter, extension: str) -> str:
    label = letter.get_kind_display()
    return f"{label}-{letter.number or letter.request.number + '-草稿'}.{extension}"


def _warnings(letter: Letter) -> list[str]:
    """What the clerk should know before sending: what is still to be written, and the
    agency's remedies bodies when they are only the default wording."""
    warnings = list(services.letter_issue_problems(letter))
    agency = letter.agency
    if letter.kind not in (LetterKind.RECEIPT, LetterKind.CONSULTATION):
        if not agency.review_body and not agency.parent_id:
            warnings.append(
                f"本机关未填写行政复议机关，救济告知写作“{DEFAULT_REVIEW_BODY}”；"
                "请负责人在“机关”中填写。"
            )
        if not agency.court:
            warnings.append(
                f"本机关未填写管辖法院，救济告知写作“{DEFAULT_COURT}”；请负责人在“机关”中填写。"
            )
    return warnings


class WithheldPartForm(forms.ModelForm):
    class Meta:
        model = WithheldPart
        fields = ["description", "ground", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 2, "cols": 50})}


class WithheldPartInline(admin.TabularInline):
    """On the request's change page: what is not disclosed, on which ground, why."""

    model = WithheldPart
    form = WithheldPartForm
    extra = 0


class LetterAdminMixin:
    """For ``DisclosureRequestAdmin``: the letters of a request."""

    letter_fields = ["letter_links"]

    @admin.display(description="文书")
    def letter_links(self, obj):
        if obj is None or obj.pk is None:
            return "保存后可在此生成受理回执、告知书、通知书和答复书。"
        info = self.opts.app_label, self.opts.model_name
        preview = reverse("admin:{}_{}_letter".format(*info), args=[obj.pk])
        existing = format_html_join(
            "",
            '<li><a href="{}">{}</a>（{}）</li>',
            (
                (
                    reverse("admin:disclosure_letter_change", args=[letter.pk]),
                    letter.title,
                    letter.number or "草稿",
                )
                for letter in obj.letters.all()
            ),
        )
        options = format_html_join(
            "",
            '<li><a href="{}?{}">{}</a></li>',
            (
                (
                    preview,
                    f"kind={option.kind}" + (f"&event={option.event.pk}" if option.event else ""),
                    f"预览{option.label}",
                )
                for option in letter_options(obj)
            ),
        )
        return format_html(
            '<ul class="letter-list">{}</ul><ul class="letter-list">{}</ul>', existing, options
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

    def _draft_from_query(self, request, obj) -> Letter:
        """The letter ``?kind=…&event=…`` asks for (the decision letter by default), as the
        record words it now. ``NoLetter`` if the record does not allow it."""
        kind = request.GET.get("kind", LetterKind.DECISION)
        event_id = request.GET.get("event", "")
        event = None
        if event_id:
            if not event_id.isdigit():
                raise Http404(NOT_FOUND)
            event = RequestEvent.objects.filter(pk=event_id, request=obj).first()
            if event is None:
                raise Http404(NOT_FOUND)
        return letter_draft(obj, kind, event)

    def letter_view(self, request, object_id):
        """GET: the letter from the record, to check before making a draft of it. POST: save
        that draft and go to it."""
        obj = self._visible_request(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"文书预览：{obj.number}",
            "opts": self.opts,
            "original": obj,
            "query": request.GET.urlencode(),
        }
        try:
            letter = self._draft_from_query(request, obj)
        except NoLetter as exc:
            context["no_letter"] = str(exc)
            return TemplateResponse(request, "disclosure/admin/letter_preview.html", context)
        if request.method == "POST":
            if not request.user.has_perm("disclosure.add_letter"):
                raise PermissionDenied
            letter = services.letter_draft_create(
                request=obj, kind=letter.kind, event=letter.event, user=request.user
            )
            messages.success(request, f"已生成{letter.title}草稿，请核对修改后签发。")
            return redirect("admin:disclosure_letter_change", letter.pk)
        _log(request, letter, "预览")
        context.update(
            letter=letter,
            sheet=letter_context(letter),
            warnings=_warnings(letter),
            can_draft=request.user.has_perm("disclosure.add_letter"),
        )
        return TemplateResponse(request, "disclosure/admin/letter_preview.html", context)

    def letter_pdf_view(self, request, object_id):
        obj = self._visible_request(request, object_id)
        try:
            letter = self._draft_from_query(request, obj)
        except NoLetter as exc:
            messages.error(request, str(exc))
            return redirect("admin:disclosure_disclosurerequest_change", obj.pk)
        pdf = letter_pdf(letter)
        _log(request, letter, "PDF")
        return _download(pdf, "application/pdf", _filename(letter, "pdf"))

    def save_withheld_formset(self, request, form, formset):
        """The withheld parts go through the service (validated like any other write)."""
        instances = formset.save(commit=False)
        for part in formset.deleted_objects:
            part.delete()
        for part in instances:
            part.request = form.instance
            services.withheld_part_save(part=part)


class LetterForm(forms.ModelForm):
    class Meta:
        model = Letter
        fields = ["addressee", "body", "closing", "signer", "dated", "contact"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 24, "cols": 90, "class": "letter-body-input"}),
            "contact": forms.TextInput(attrs={"size": 90}),
        }


@admin.register(Letter)
class LetterAdmin(AgencyScopedMixin, admin.ModelAdmin):
    """A request's letters: drafts are edited here, then issued (numbered, frozen as a PDF);
    an issued letter is read-only. Letters are made from their request's page."""

    form = LetterForm
    list_display = ["title", "number_display", "request", "status", "dated"]
    list_filter = ["status", "kind"]
    list_select_related = ["request", "agency"]
    search_fields = ["number", "request__number"]
    search_help_text = "按文号或申请编号查找。"
    date_hierarchy = "dated"
    change_form_template = "disclosure/admin/letter_change_form.html"
    fieldsets = [
        (None, {"fields": ["request_link", "kind_display", "status_display", "number_display"]}),
        ("正文（段与段之间空一行）", {"fields": ["addressee", "body", "closing"]}),
        ("落款", {"fields": ["signer", "dated", "contact"]}),
        ("预览", {"fields": ["preview"]}),
    ]
    readonly_fields = [
        "request_link",
        "kind_display",
        "status_display",
        "number_display",
        "preview",
    ]

    class Media:
        css = {"all": ["css/letter.css", "css/letter-admin.css"]}

    @admin.display(description="文号", ordering="number")
    def number_display(self, obj):
        return obj.number or "（签发时编号）"

    @admin.display(description="申请")
    def request_link(self, obj):
        url = reverse("admin:disclosure_disclosurerequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.number)

    @admin.display(description="文书类别")
    def kind_display(self, obj):
        return obj.get_kind_display()

    @admin.display(description="状态")
    def status_display(self, obj):
        if obj.is_issued:
            return format_html(
                "已签发（{}，SHA-256 {}），不能再修改。",
                timezone.localtime(obj.issued_at).strftime("%Y-%m-%d %H:%M"),
                obj.pdf_sha256,
            )
        return "草稿：修改保存后可下载核对，无误后签发。"

    @admin.display(description="预览")
    def preview(self, obj):
        sheet = render_to_string("disclosure/letters/_body.html", letter_context(obj))
        return format_html('<div class="letter-sheet">{}</div>', mark_safe(sheet))

    def has_add_permission(self, request):
        return False  # made from the request's page

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_issued:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_issued:
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/pdf/",
                view(refuse_altered(self.pdf_view)),
                name="{}_{}_pdf".format(*info),
            ),
            path("<path:object_id>/docx/", view(self.docx_view), name="{}_{}_docx".format(*info)),
            path(
                "<path:object_id>/issue/", view(self.issue_view), name="{}_{}_issue".format(*info)
            ),
            path(
                "<path:object_id>/regenerate/",
                view(self.regenerate_view),
                name="{}_{}_regenerate".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        letter = getattr(response, "context_data", {}).get("original")
        if request.method == "GET" and letter is not None:
            _log(request, letter, "查看")
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["warnings"] = [] if obj.is_issued else _warnings(obj)
            context["can_issue"] = request.user.has_perm("disclosure.issue_letter")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        services.letter_save(letter=obj)

    def delete_model(self, request, obj):
        obj.delete()  # a draft; an issued letter has no delete permission (and refuses)

    def _letter(self, request, object_id) -> Letter:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        queryset = self.get_queryset(request).select_related("request", "agency__parent")
        return visible_or_404(queryset, request.user, object_id)

    def pdf_view(self, request, object_id):
        """A draft is rendered now (marked 草稿); an issued letter is its stored PDF, sent only
        while it has the SHA-256 it was issued with."""
        letter = self._letter(request, object_id)
        if letter.is_issued:
            with default_storage.open(letter.pdf.name, "rb") as handle:
                check_sealed(handle, letter.pdf_sha256, name=letter.pdf.name)
                pdf = handle.read()
        else:
            pdf = letter_pdf(letter)
        _log(request, letter, "PDF")
        return _download(pdf, "application/pdf", _filename(letter, "pdf"))

    def docx_view(self, request, object_id):
        letter = self._letter(request, object_id)
        content = letter_docx(letter)
        _log(request, letter, "Word")
        return _download(content, DOCX_TYPE, _filename(letter, "docx"))

    def issue_view(self, request, object_id):
        """GET: the letter as it will be issued and what still stops it; POST: issue it."""
        letter = self._letter(request, object_id)
        if not (
            request.user.has_perm("disclosure.issue_letter")
            and self.has_change_permission(request, letter)
        ):
            raise PermissionDenied
        change_url = reverse("admin:disclosure_letter_change", args=[letter.pk])
        if request.method == "POST":
            try:
                services.letter_issue(letter=letter, user=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect(change_url)
            messages.success(request, f"已签发：{letter.number}。定稿PDF已保存，不能再修改。")
            return redirect(change_url)
        _log(request, letter, "签发前核对")
        context = {
            **self.admin_site.each_context(request),
            "title": f"签发{letter.title}",
            "opts": self.opts,
            "original": letter,
            "sheet": letter_context(letter),
            "problems": services.letter_issue_problems(letter),
            "change_url": change_url,
        }
        return TemplateResponse(request, "disclosure/admin/letter_issue.html", context)

    def regenerate_view(self, request, object_id):
        """POST: replace a draft's text with what the record gives now."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        letter = self._letter(request, object_id)
        if not self.has_change_permission(request, letter):
            raise PermissionDenied
        try:
            services.letter_regenerate(letter=letter)
        except (NoLetter, ValidationError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "已按申请记录重新生成正文。")
        return redirect("admin:disclosure_letter_change", letter.pk)
