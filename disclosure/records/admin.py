"""The clerks' admin. Every agency-owned record is scoped to the user's agencies: another
agency's record is a 404 everywhere (list, change, delete, history), never a 403 that would
confirm it exists."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Min
from django.http import Http404
from django.urls import path
from django.utils.html import format_html

from disclosure.access import (
    NOT_FOUND,
    AgencyScopedAdmin,
    AgencyScopedMixin,
    mask_name,
    user_agencies,
)
from disclosure.audit.models import AccessEvent
from disclosure.audit.services import audit_record
from disclosure.clock.admin import (
    ClockAdminMixin,
    DeadlineFilter,
    RequestCheckFormMixin,
    RequestEventInline,
)
from disclosure.ledger.admin import CaseResource, LedgerAdminMixin, RequestResource
from disclosure.letters.admin import LetterAdminMixin, WithheldPartInline
from disclosure.letters.models import WithheldPart

from . import numbering, personal, services
from .applications import Case, DisclosureRequest
from .choices import ApplicantKind, ApplicantType
from .models import Agency, Attachment, Category, Disclosure, YearlyFigures

admin.site.site_header = "政府信息公开管理"
admin.site.site_title = "政府信息公开管理"
admin.site.index_title = "工作台"


class NumberedForm(forms.ModelForm):
    """Fills a blank number with the next one, so the model's "not blank" rule holds when the
    form validates (the same numbering service the importers use)."""

    date_field = ""
    next_number = None

    def clean(self):
        cleaned = super().clean()
        agency = cleaned.get("agency") or self.owning_agency()
        day = cleaned.get(self.date_field)
        if not cleaned.get("number") and agency and day:
            cleaned["number"] = type(self).next_number(agency=agency, **{self.date_field: day})
        return cleaned

    def owning_agency(self):
        instance = self.instance
        if instance.agency_id:
            return instance.agency
        # A case added inline under its request belongs to the request's agency.
        request = getattr(instance, "request", None)
        return getattr(request, "agency", None)


class RequestForm(RequestCheckFormMixin, NumberedForm):
    """申请人类型 in two steps, as the application form asks it: 公民 or 法人或其他组织, then
    (for an organisation) its kind, the columns of table 三."""

    PERSON, ORGANISATION = ApplicantKind.CITIZEN, ApplicantKind.ORGANISATION

    applicant_category = forms.ChoiceField(
        label="申请人类型",
        choices=ApplicantKind.choices,
        widget=forms.RadioSelect(attrs={"class": "applicant-category"}),
        # Not required: a form posted without it (an older page, a script) is read from the
        # stored type below.
        required=False,
    )

    date_field = "received_on"
    next_number = staticmethod(services.request_number_next)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields.get("applicant_type")
        if kind is None:
            return
        kind.label = "组织类型"
        kind.required = False
        kind.help_text = "申请人为法人或其他组织时选择。"
        # The select offers the organisations' kinds only; the field still accepts 自然人.
        kind.widget.choices = [("", "---------")] + [
            (value, label)
            for value, label in ApplicantType.choices
            if value != ApplicantType.NATURAL_PERSON
        ]
        kind.widget.attrs["class"] = "applicant-org-type"
        current = self.instance.applicant_type
        if current:
            is_person = current == ApplicantType.NATURAL_PERSON
            self.initial["applicant_category"] = self.PERSON if is_person else self.ORGANISATION

    def clean(self):
        cleaned = super().clean()
        if "applicant_type" not in self.fields:
            return cleaned
        category = cleaned.get("applicant_category")
        kind = cleaned.get("applicant_type")
        if not category and kind:
            category = self.PERSON if kind == ApplicantType.NATURAL_PERSON else self.ORGANISATION
        if category == self.PERSON:
            cleaned["applicant_type"] = ApplicantType.NATURAL_PERSON
        elif category == self.ORGANISATION:
            if kind in ("", None, ApplicantType.NATURAL_PERSON):
                self.add_error("applicant_type", "申请人为法人或其他组织时，请选择组织类型。")
        elif "applicant_type" not in self.errors:
            self.add_error("applicant_category", "请选择申请人类型：公民或法人或其他组织。")
        return cleaned


class CaseForm(NumberedForm):
    date_field = "filed_on"
    next_number = staticmethod(services.case_number_next)


def request_choice_label(obj: DisclosureRequest) -> str:
    """A request as the case form's chooser lists it: number, subject and date of receipt (no
    applicant: the chooser is not the place for personal data)."""
    subject = obj.subject if len(obj.subject) <= 30 else obj.subject[:29] + "…"
    return f"{obj.number}｜{subject or '（无申请内容）'}｜{obj.received_on.isoformat()}"


class RequestChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return request_choice_label(obj)


class RequestAutocompleteView(AutocompleteJsonView):
    """The admin's autocomplete (same permission checks and search), with the label above."""

    def serialize_result(self, obj, to_field_name):
        return {"id": str(getattr(obj, to_field_name)), "text": request_choice_label(obj)}


class RequestAutocompleteSelect(AutocompleteSelect):
    url_name = "%s:disclosure_case_request_autocomplete"


class DecidedYearFilter(admin.SimpleListFilter):
    title = "答复年度"
    parameter_name = "decided_year"

    def lookups(self, request, model_admin):
        # MIN/MAX use the (agency, decided_on) index; a DISTINCT over every row would not.
        span = model_admin.get_queryset(request).aggregate(
            first=Min("decided_on"), last=Max("decided_on")
        )
        if not span["first"]:
            return []
        years = range(span["last"].year, span["first"].year - 1, -1)
        return [(str(y), f"{y}年") for y in years]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        year = numbering.year_from_text(self.value())
        if year is None:  # "abc" or 10**20 from a hand-edited address: a 404, not a 500
            raise Http404(f"答复年度无效：{numbering.YEAR_RANGE_MESSAGE}")
        return queryset.filter(decided_on__year=year)


class OpenFilter(admin.SimpleListFilter):
    title = "办理状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "办理中"), ("decided", "已答复")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(decided_on__isnull=True)
        if self.value() == "decided":
            return queryset.filter(decided_on__isnull=False)
        return queryset


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "phone"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return user_agencies(request.user).select_related("parent")

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return []
        # Who the agency is and who works for it are set by a superuser (the code and name show
        # on the shared public home page); a manager keeps the contact fields of their agency.
        return ["code", "name", "parent", "members"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(NOT_FOUND)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The catalog every agency shares: changed by the system role only (``roles.SYSTEM``). The
    slug is part of public addresses and feed subscriptions, so it is fixed once created; the
    categories the code relies on (``key``) cannot be deleted."""

    list_display = ["name", "slug", "key", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["slug", "key"] if obj is not None else ["key"]

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if obj is None else {}

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.key:
            return False
        return super().has_delete_permission(request, obj)


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 1


@admin.register(Disclosure)
class DisclosureAdmin(AgencyScopedAdmin):
    list_display = ["title", "category", "status_badge", "published_on", "document_number"]
    list_filter = ["status", "category", "kind"]
    list_select_related = ["category", "agency"]
    search_fields = ["title", "document_number", "index_number"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["category"]
    inlines = [AttachmentInline]
    actions = ["publish_selected", "withdraw_selected"]
    fieldsets = [
        (None, {"fields": ["agency", "title", "category", "body"]}),
        (
            "公文信息",
            {"fields": ["document_number", "index_number", "made_on", "kind", "repealed_on"]},
        ),
        ("发布", {"fields": ["status", "published_on"]}),
    ]

    @admin.display(description="状态", ordering="status")
    def status_badge(self, obj):
        # Colours in static/css/admin.css: the CSP allows no style="" attribute.
        return format_html(
            '<span class="status-badge status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    def _can_publish(self, request):
        return request.user.has_perm("disclosure.publish_disclosure")

    def get_view_on_site_url(self, obj=None):
        # "在站点上查看" leads to the public page, which only a published item has.
        if obj is None or not Disclosure.objects.published().filter(pk=obj.pk).exists():
            return None
        return super().get_view_on_site_url(obj)

    def get_readonly_fields(self, request, obj=None):
        if self._can_publish(request):
            return []
        # A clerk prepares drafts; publishing is a manager's decision.
        readonly = ["status", "published_on"]
        if obj is not None and obj.status != Disclosure.Status.DRAFT:
            readonly = [f.name for f in Disclosure._meta.fields if f.name != "id"]
        return readonly

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and not self._can_publish(request):
            return obj.status == Disclosure.Status.DRAFT
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None and not self._can_publish(request):
            return obj.status == Disclosure.Status.DRAFT
        return allowed

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._can_publish(request):
            actions.pop("publish_selected", None)
            actions.pop("withdraw_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        services.disclosure_save(disclosure=obj)

    def _apply(self, request, queryset, service, verb):
        done = 0
        for disclosure in queryset:
            try:
                service(disclosure=disclosure, user=request.user)
                done += 1
            except ValidationError as exc:
                messages.error(request, f"“{disclosure}”未能{verb}：{'；'.join(exc.messages)}")
            except PermissionDenied as exc:
                messages.error(request, f"“{disclosure}”未能{verb}：{exc}")
        if done:
            messages.success(request, f"已{verb} {done} 条信息。")

    @admin.action(description="发布所选信息", permissions=["change"])
    def publish_selected(self, request, queryset):
        self._apply(request, queryset, services.disclosure_publish, "发布")

    @admin.action(description="撤回所选信息", permissions=["change"])
    def withdraw_selected(self, request, queryset):
        self._apply(request, queryset, services.disclosure_withdraw, "撤回")


class CaseInline(admin.TabularInline):
    model = Case
    form = CaseForm
    fields = ["number", "kind", "filed_on", "result", "concluded_on"]
    extra = 0
    show_change_link = True


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(
    ClockAdminMixin, LetterAdminMixin, LedgerAdminMixin, AgencyScopedAdmin
):
    resource_classes = [RequestResource]
    form = RequestForm
    change_list_template = "disclosure/admin/request_change_list.html"
    list_display = [
        "number",
        "received_on",
        "due_column",
        "applicant_type",
        "applicant_masked",
        "channel",
        "outcome",
        "decided_on",
    ]
    list_display_links = ["number"]
    list_filter = [
        OpenFilter,
        DeadlineFilter,
        DecidedYearFilter,
        "outcome",
        "applicant_type",
        "channel",
        # reports.admin adds the drill-down from a table-三 cell (shown only when used).
    ]
    list_select_related = ["agency"]
    search_fields = ["number", "subject", "applicant_name"]
    search_help_text = "按申请编号、申请内容或申请人姓名查找。"
    date_hierarchy = "received_on"
    show_full_result_count = False
    inlines = [RequestEventInline, WithheldPartInline, CaseInline]
    fieldsets = [
        (None, {"fields": ["agency", "number", "received_on", "channel", "subject"]}),
        (
            "申请人（个人信息，不对外公开）",
            {
                "fields": [
                    "applicant_category",
                    "applicant_type",
                    "applicant_name",
                    "applicant_id_number",
                    "applicant_phone",
                    "applicant_address",
                    "applicant_email",
                ]
            },
        ),
        ("办理", {"fields": ["handler", "outcome", "decided_on", "notes"]}),
        ("答复期限", {"fields": ["due_display", "deadline_explanation", "letter_links"]}),
    ]

    class Media:
        # A Media here replaces the mixins' (they are not media-defining classes): keep theirs.
        css = ClockAdminMixin.Media.css
        js = ["js/applicant-type.js"]

    @admin.display(description="申请人", ordering="applicant_name")
    def applicant_masked(self, obj):
        return mask_name(obj.applicant_name)

    # The ID number and phone in full only for users with "view personal data" (each showing
    # logged, records/personal.py); for the others a stored value is masked and read-only (an
    # empty one stays an input: typing a number in shows nothing).
    @admin.display(description="证件号码")
    def applicant_id_number_masked(self, obj):
        return personal.mask_id_number(obj.applicant_id_number) or "-"

    @admin.display(description="联系电话")
    def applicant_phone_masked(self, obj):
        return personal.mask_phone(obj.applicant_phone) or "-"

    def _masked_fields(self, request, obj) -> dict[str, str]:
        """The stored personal fields this user sees masked: field → its display method."""
        if obj is None or personal.can_view_personal_data(request.user):
            return {}
        return {f: f"{f}_masked" for f in personal.ENCRYPTED_FIELDS if getattr(obj, f)}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        masked = self._masked_fields(request, obj)
        return [
            (title, {**options, "fields": [masked.get(f, f) for f in options["fields"]]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        masked = self._masked_fields(request, obj)
        return [*super().get_readonly_fields(request, obj), *masked.values()]

    def _log_reveals(self, request, obj) -> None:
        if personal.can_view_personal_data(request.user):
            for name in personal.ENCRYPTED_FIELDS:
                if getattr(obj, name):
                    personal.reveal_logged(request, obj, name)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The page shows the applicant's data: each showing is recorded (docs/audit.md).
            audit_record(
                request=request, action=AccessEvent.Action.REQUEST_VIEW, obj=obj, detail=obj.number
            )
            self._log_reveals(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_history_view(self, request, template, context, **kwargs):
        if template == self.object_history_form_template:  # one past version, as a form
            original = context["original"]
            audit_record(
                request=request,
                action=AccessEvent.Action.REQUEST_VIEW,
                obj=original,
                detail=f"{original.number} 历史版本",
            )
            self._log_reveals(request, original)
        return super().render_history_view(request, template, context, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change and obj.handler_id is None:
            obj.handler = request.user
        services.request_save(request=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is WithheldPart:
            return self.save_withheld_formset(request, form, formset)
        if formset.model is not Case:
            return self.save_event_formset(request, form, formset)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for case in instances:
            case.agency = form.instance.agency
            services.case_save(case=case)
        formset.save_m2m()


@admin.register(Case)
class CaseAdmin(LedgerAdminMixin, AgencyScopedAdmin):
    resource_classes = [CaseResource]
    form = CaseForm
    list_display = [
        "number",
        "kind",
        "authority",
        "filed_on",
        "result_display",
        "concluded_on",
        "decision_number",
        "request",
    ]
    list_filter = ["kind", "result"]
    list_select_related = ["agency", "request"]
    search_fields = ["number", "request__number", "decision_number", "authority"]
    date_hierarchy = "filed_on"
    autocomplete_fields = ["request"]
    fieldsets = [
        (None, {"fields": ["agency", "number", "kind", "authority", "filed_on", "request"]}),
        ("审结", {"fields": ["result", "concluded_on", "decision_number"]}),
        (None, {"fields": ["notes"]}),
    ]

    def get_urls(self):
        view = self.admin_site.admin_view(
            RequestAutocompleteView.as_view(admin_site=self.admin_site)
        )
        name = "disclosure_case_request_autocomplete"
        return [path("request-autocomplete/", view, name=name), *super().get_urls()]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "request":
            kwargs["form_class"] = RequestChoiceField
            kwargs["widget"] = RequestAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="结果", ordering="result")
    def result_display(self, obj):
        return obj.get_result_display() or "尚未审结"

    def save_model(self, request, obj, form, change):
        services.case_save(case=obj)


@admin.register(YearlyFigures)
class YearlyFiguresAdmin(AgencyScopedMixin, admin.ModelAdmin):
    list_display = ["agency", "year"]
    list_filter = ["year"]
    fieldsets = [
        (None, {"fields": ["agency", "year"]}),
        (
            "第二十条第（五）项",
            {
                "fields": [
                    ("licensing_previous", "licensing_change", "licensing_decisions"),
                    (
                        "other_services_previous",
                        "other_services_change",
                        "other_services_decisions",
                    ),
                ]
            },
        ),
        (
            "第二十条第（六）项",
            {
                "fields": [
                    ("penalty_previous", "penalty_change", "penalty_decisions"),
                    ("coercion_previous", "coercion_change", "coercion_decisions"),
                ]
            },
        ),
        (
            "第二十条第（八）项",
            {"fields": [("fees_previous", "fees_change"), "fees_amount_wan_yuan"]},
        ),
        (
            "第二十条第（九）项（仅2019年试行格式）",
            {"fields": [("procurement_projects", "procurement_amount_wan_yuan")]},
        ),
    ]

    list_select_related = ["agency"]
