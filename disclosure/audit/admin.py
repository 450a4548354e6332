"""The access log in the admin: read-only for everyone (superusers too), seen by a superuser
or a holder of ``audit.view_accessevent`` (the 系统管理员 group); filterable, searchable and
exportable as CSV."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header

from .export import content_type_label, csv_lines, record_model
from .models import AccessEvent
from .services import audit_record


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    change_list_template = "audit/admin/accessevent_change_list.html"
    list_display = ["at", "who", "action", "record", "agency", "address", "detail"]
    list_filter = ["action", "user", "agency", "at"]
    list_select_related = ["agency"]
    search_fields = ["username", "detail", "address"]
    search_help_text = "按用户名、说明（如申请编号）或访问地址查找。"
    date_hierarchy = "at"
    show_full_result_count = False
    actions = None
    fields = ["at", "who", "address", "action", "record", "agency_name", "detail"]

    # Nobody adds, changes or deletes a row here, not even a superuser: the log is written by
    # audit_record and thinned only by audit_prune.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="用户", ordering="username")
    def who(self, obj):
        return f"{obj.username}（ID {obj.user_id}）" if obj.user_id else obj.username or "—"

    @admin.display(description="记录")
    def record(self, obj):
        if obj.content_type_id is None:
            return "—"
        label = f"{content_type_label(obj.content_type_id)} #{obj.object_id}"
        model = record_model(obj.content_type_id)
        try:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[obj.object_id],
            )
        except (AttributeError, NoReverseMatch):  # a model removed since, or not in the admin
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="机关")
    def agency_name(self, obj):
        return obj.agency.name if obj.agency_id and obj.agency else "—"

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="audit_accessevent_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The rows of the list as filtered and searched (the same query string), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:audit_accessevent_changelist") + "?e=1")
        # The search words may be a name: only the filters go into the log.
        filters = urlencode(sorted(changelist.get_filters_params().items()), doseq=True)
        event = audit_record(
            request=request,
            action=AccessEvent.Action.AUDIT_EXPORT,
            detail=f"CSV {filters}".strip(),
        )
        response = StreamingHttpResponse(
            csv_lines(changelist.queryset.exclude(pk=event.pk)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"access-log-{timezone.localdate().isoformat()}.csv"
        )
        return response
