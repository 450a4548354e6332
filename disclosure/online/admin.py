"""The 网上申请 queue for clerks: the agency's applications (scoped like every record), the
applicant's data masked, and the two decisions — confirm (it becomes a request received today)
or mark as not an application with a reason. Nothing here edits an application: decisions go
through ``services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from disclosure.access import AgencyScopedMixin, mask_name, visible_or_404
from disclosure.audit.models import AccessEvent
from disclosure.audit.services import audit_record
from disclosure.records.personal import mask_id_number, mask_phone

from .models import OnlineApplication, Status
from .services import application_confirm, application_reject

DECIDE_PERMISSION = "online.decide_onlineapplication"


def mask_email(value: str) -> str:
    """zhang.san@example.cn → z***@example.cn."""
    if not value or "@" not in value:
        return "-"
    local, domain = value.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_address(value: str) -> str:
    """The first six characters (province, city), the rest hidden."""
    return value[:6] + "****" if len(value) > 6 else "****"


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予受理的理由（申请人可见）",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
        help_text="如：重复申请（原申请号……）；不属于政府信息公开申请，请通过信访渠道反映；内容无法辨认等。",
    )


@admin.register(OnlineApplication)
class OnlineApplicationAdmin(AgencyScopedMixin, admin.ModelAdmin):
    change_form_template = "online/admin/change_form.html"
    list_display = [
        "number",
        "submitted_at",
        "status",
        "applicant_kind",
        "name_masked",
        "description_short",
        "request_link",
    ]
    list_filter = ["status", "applicant_kind"]
    list_select_related = ["agency", "request"]
    search_fields = ["number"]
    search_help_text = "按申请号查找。"
    date_hierarchy = "submitted_at"
    actions = ["confirm_selected"]
    fieldsets = [
        (None, {"fields": ["agency", "number", "status", "submitted_at", "request_link"]}),
        (
            "申请人（个人信息，已隐去部分内容；受理后完整信息见依申请公开登记）",
            {
                "fields": [
                    "applicant_kind",
                    "applicant_type",
                    "name_masked",
                    "contact_masked",
                    "id_type",
                    "id_number_masked",
                    "phone_masked",
                    "email_masked",
                    "address_masked",
                ]
            },
        ),
        (
            "所需政府信息",
            {
                "fields": [
                    "info_title",
                    "info_document_number",
                    "description",
                    "form_wanted",
                    "delivery",
                ]
            },
        ),
        ("处理", {"fields": ["decided_at", "decided_by", "reject_reason"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    # The queue is filled by the public form only, and changed only by the decisions.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="申请人")
    def name_masked(self, obj):
        return mask_name(obj.name)

    @admin.display(description="联系人")
    def contact_masked(self, obj):
        return mask_name(obj.contact_person) or "-"

    @admin.display(description="证件号码")
    def id_number_masked(self, obj):
        return mask_id_number(obj.id_number) or "-"

    @admin.display(description="联系电话")
    def phone_masked(self, obj):
        return mask_phone(obj.phone) or "-"

    @admin.display(description="电子邮箱")
    def email_masked(self, obj):
        return mask_email(obj.email)

    @admin.display(description="通信地址")
    def address_masked(self, obj):
        return mask_address(obj.address)

    @admin.display(description="所需信息")
    def description_short(self, obj):
        text = obj.info_title or obj.description
        return text[:30] + ("…" if len(text) > 30 else "")

    @admin.display(description="受理后的申请")
    def request_link(self, obj):
        if obj.request_id is None:
            return "-"
        url = reverse("admin:disclosure_disclosurerequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request.number)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            audit_record(
                request=request, action=AccessEvent.Action.REQUEST_VIEW, obj=obj, detail=obj.number
            )
            context["may_decide"] = obj.status == Status.PENDING and request.user.has_perm(
                DECIDE_PERMISSION
            )
            context["reject_form"] = RejectForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description="确认受理所选网上申请（收到申请日期为今天）", permissions=["decide"])
    def confirm_selected(self, request, queryset):
        done = 0
        for application in queryset.filter(status=Status.PENDING):
            try:
                application_confirm(application=application, user=request.user)
            except ValidationError as error:
                self.message_user(request, "；".join(error.messages), messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"已确认受理{done}件网上申请。", messages.SUCCESS)

    def has_decide_permission(self, request):
        return request.user.has_perm(DECIDE_PERMISSION)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/confirm/",
                view(self.confirm_view),
                name="online_onlineapplication_confirm",
            ),
            path(
                "<path:object_id>/reject/",
                view(self.reject_view),
                name="online_onlineapplication_reject",
            ),
            *super().get_urls(),
        ]

    def _decidable(self, request, object_id) -> OnlineApplication:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        return visible_or_404(OnlineApplication.objects.all(), request.user, object_id)

    def confirm_view(self, request, object_id):
        application = self._decidable(request, object_id)
        change_url = reverse("admin:online_onlineapplication_change", args=[application.pk])
        if request.method != "POST":
            return redirect(change_url)
        try:
            created = application_confirm(application=application, user=request.user)
        except ValidationError as error:
            self.message_user(request, "；".join(error.messages), messages.ERROR)
            return redirect(change_url)
        self.message_user(
            request,
            f"已确认受理，登记为依申请公开{created.number}，答复期限{created.due_on:%Y-%m-%d}。",
            messages.SUCCESS,
        )
        return redirect("admin:disclosure_disclosurerequest_change", created.pk)

    def reject_view(self, request, object_id):
        application = self._decidable(request, object_id)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                application_reject(
                    application=application, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, f"网上申请{application.number}已标记为不予受理。")
                return redirect("admin:online_onlineapplication_changelist")
        return TemplateResponse(
            request,
            "online/admin/reject.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"不予受理网上申请{application.number}",
                "application": application,
                "form": form,
            },
        )
