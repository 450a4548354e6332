"""The statutory clock in the admin: the events inline and the due-date column, filters and
explanation of the request admin, and the clerks' dashboard. ``disclosure.records.admin``
mixes these into ``DisclosureRequestAdmin``. The working-day calendar's pages, shared by every
agency and kept by the system role (``roles.SYSTEM``), are in ``calendar_admin``."""

from __future__ import annotations

import datetime
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, F, OuterRef
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from disclosure.access import user_agencies

from . import rules, services
from .calendar import WEEKDAYS, CalendarMissing, WorkCalendar
from .calendar_admin import CalendarYearAdmin, HolidayAdmin
from .models import RequestEvent, RequestEventKind
from .selectors import SOON_WORKING_DAYS, calendar_warning, dashboard, request_deadline

__all__ = [
    "CalendarYearAdmin",  # registered in calendar_admin
    "ClockAdminMixin",
    "DeadlineFilter",
    "HolidayAdmin",
    "RequestCheckFormMixin",
    "RequestEventInline",
]


class RequestCheckFormMixin:
    """Adds the decision rules between a request and its events (``rules.request_check``)
    to the request's admin form, so they show as form errors."""

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            rules.request_check(request=self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


# The fields each kind of event uses besides 事项 and 日期 (the model's constraints say the
# same in the database). The inline shows only these (static/js/clock-events.js reads the map
# from the 事项 select), and a value left in a hidden field is dropped when the form is saved.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    RequestEventKind.CORRECTION_NOTICE: ("period_days", "note"),
    RequestEventKind.CORRECTION_RECEIVED: ("note",),
    RequestEventKind.CONSULT_THIRD_PARTY: ("ends_on", "counterpart", "note"),
    RequestEventKind.CONSULT_AGENCY: ("ends_on", "counterpart", "note"),
    RequestEventKind.EXTENSION: ("period_days", "approved_by", "notified_on", "note"),
    RequestEventKind.FEE_NOTICE: ("fee_basis", "fee_quantity", "amount", "note"),
    RequestEventKind.FEE_PAID: ("note",),
}
KIND_DEPENDENT_FIELDS = (
    "period_days",
    "ends_on",
    "counterpart",
    "approved_by",
    "notified_on",
    "fee_basis",
    "fee_quantity",
    "note",
)


class RequestEventForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].widget.attrs.update(
                {
                    "class": "clock-event-kind",
                    "data-kind-fields": json.dumps({str(k): v for k, v in KIND_FIELDS.items()}),
                }
            )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in KIND_FIELDS:
            # A value typed before the kind was changed is hidden on the page: drop it rather
            # than fail on a field the clerk cannot see.
            for name in KIND_DEPENDENT_FIELDS:
                if name not in KIND_FIELDS[kind] and name in cleaned:
                    cleaned[name] = getattr(self.fields[name], "empty_value", None)
        event = self.instance
        event.kind = cleaned.get("kind", event.kind)
        event.fee_basis = cleaned.get("fee_basis", "")
        event.fee_quantity = cleaned.get("fee_quantity")
        if cleaned.get("request"):
            event.request = cleaned["request"]
        if event.kind and event.request_id:
            try:
                # The fee is computed, not typed: it must be there before the model validates.
                services.request_event_prepare(event=event)
            except ValidationError as exc:
                self._update_errors(exc)
            cleaned["fee_basis"], cleaned["fee_quantity"] = event.fee_basis, event.fee_quantity
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            rules.event_check(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


class RequestEventInline(admin.StackedInline):
    """One block per event, a line per group of fields: the page does not scroll sideways at
    1366 px, and the script hides the fields the chosen kind does not use."""

    model = RequestEvent
    form = RequestEventForm
    extra = 0
    fields = [
        ("kind", "on"),
        ("period_days", "ends_on", "counterpart"),
        ("approved_by", "notified_on"),
        ("fee_basis", "fee_quantity", "amount"),
        "note",
    ]
    readonly_fields = ["amount"]
    classes = ["clock-events"]

    class Media:
        js = ["js/clock-events.js"]

    verbose_name = "办理事项"
    verbose_name_plural = (
        "办理事项（补正、征求意见、延期、收费）：每项按实际发生的日期登记，答复期限随之重算"
    )


class DeadlineFilter(admin.SimpleListFilter):
    title = "期限"
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "已逾期"),
            ("soon", f"{SOON_WORKING_DAYS}个工作日内到期"),
            ("waiting", "等待申请人（补正、缴费）"),
            ("extended", "已延期"),
            ("consulting", "征求意见中"),
            ("late", "逾期答复（已答复）"),
            ("provisional", "答复期限暂定（缺少工作日历）"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        today = timezone.localdate()
        events = RequestEvent.objects.filter(request=OuterRef("pk"))
        if value == "overdue":
            return queryset.overdue(today)
        if value == "soon":
            limit = WorkCalendar.load().guessing().add_workdays(today, SOON_WORKING_DAYS)
            return queryset.filter(decided_on__isnull=True, due_on__gte=today, due_on__lte=limit)
        if value == "provisional":
            return queryset.filter(deadline_provisional=True)
        if value == "waiting":
            return queryset.filter(decided_on__isnull=True, waiting_until__isnull=False)
        if value == "extended":
            return queryset.filter(Exists(events.filter(kind=RequestEventKind.EXTENSION)))
        if value == "consulting":
            return queryset.filter(
                Exists(
                    events.filter(kind__in=RequestEventKind.CONSULTATIONS, ends_on__isnull=True)
                ),
                decided_on__isnull=True,
            )
        if value == "late":
            return queryset.filter(decided_on__gt=F("due_on"))
        return queryset


PROVISIONAL_TITLE = "跨入的年度尚未录入工作日历，暂按周一至周五计算；录入后自动重算。"


def due_badge(obj, today) -> str:
    """The due-date cell: overdue in red (the row is highlighted by CSS), waiting on the
    applicant, or answered late; a date counted through a year without a calendar is marked
    暂定 (with why, on hover and on the change page)."""
    badge = _due_badge(obj, today)
    if obj.deadline_provisional and (obj.due_on or obj.waiting_until):
        return format_html(
            '{} <span class="clock-provisional" title="{}">暂定</span>', badge, PROVISIONAL_TITLE
        )
    return badge


def _due_badge(obj, today) -> str:
    if obj.decided_on:
        if obj.due_on and obj.decided_on > obj.due_on:
            return format_html(
                '<span class="clock-late">{}（逾期答复）</span>', date_format(obj.due_on)
            )
        return date_format(obj.due_on) if obj.due_on else "—"
    if obj.waiting_until:
        return format_html(
            '<span class="clock-waiting">待申请人，至{}</span>', date_format(obj.waiting_until)
        )
    if obj.due_on is None:
        return "—"
    if obj.due_on < today:
        return format_html('<span class="clock-overdue">{} 已逾期</span>', date_format(obj.due_on))
    return date_format(obj.due_on)


def answer_timing(
    decided_on: datetime.date, due_on: datetime.date | None, *, provisional: bool = False
) -> str:
    """The clock block of an answered request: when it was answered and how many working days
    before or after the deadline."""
    answered = f"已于{date_format(decided_on)}答复"
    if due_on is None:
        return answered
    calendar = WorkCalendar.load()
    try:
        early = calendar.workdays_in(decided_on, due_on)
        late = calendar.workdays_in(due_on, decided_on)
    except CalendarMissing:
        provisional = True
        calendar = calendar.guessing()
        early = calendar.workdays_in(decided_on, due_on)
        late = calendar.workdays_in(due_on, decided_on)
    limit = f"答复期限{date_format(due_on)}"
    if late:
        text = format_html(
            '{}，<span class="clock-late">逾期{}个工作日</span>（{}）', answered, late, limit
        )
    elif early:
        text = format_html(
            '{}，<span class="clock-on-time">提前{}个工作日</span>（{}）', answered, early, limit
        )
    else:
        text = format_html(
            '{}，<span class="clock-on-time">期限当日答复</span>（{}）', answered, limit
        )
    if provisional:
        return format_html(
            '{} <span class="clock-provisional" title="{}">暂定</span>', text, PROVISIONAL_TITLE
        )
    return text


class ClockAdminMixin:
    """For ``DisclosureRequestAdmin``."""

    clock_fields = ["due_display", "deadline_explanation"]

    class Media:
        css = {"all": ["css/clock-admin.css"]}

    @admin.display(description="答复期限", ordering="due_on")
    def due_column(self, obj):
        return due_badge(obj, timezone.localdate())

    @admin.display(description="答复期限")
    def due_display(self, obj):
        if obj is None or obj.pk is None:
            return "保存后计算。"
        if obj.decided_on:
            return answer_timing(obj.decided_on, obj.due_on, provisional=obj.deadline_provisional)
        return due_badge(obj, timezone.localdate())

    @admin.display(description="期限计算")
    def deadline_explanation(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        deadline = request_deadline(obj)
        lines = list(deadline.steps)
        if obj.decided_on and lines and "前答复" in lines[-1]:
            # Answered: the last line says when and whether on time, not "应于…前答复".
            lines[-1] = lines[-1].replace("应于", "答复期限为").replace("前答复", "")
            lines.append(
                answer_timing(obj.decided_on, obj.due_on, provisional=obj.deadline_provisional)
            )
        steps = format_html_join(
            "",
            "<li{}>{}</li>",
            (
                (
                    mark_safe(' class="clock-provisional-step"')
                    if step == deadline.provisional_reason
                    else "",
                    step,
                )
                for step in lines
            ),
        )
        return format_html('<ol class="clock-steps">{}</ol>', steps)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.clock_fields]

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if obj is None:  # events belong to a registered request
            inlines = [i for i in inlines if i is not RequestEventInline]
        return inlines

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path("dashboard/", view(self.dashboard_view), name="{}_{}_dashboard".format(*info)),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        blocks, problem = dashboard(user_agencies(request.user), today)
        problem = calendar_warning(today) or problem
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "到期提醒",
            "opts": self.opts,
            "blocks": blocks,
            "problem": problem,
            "today": today,
            "today_weekday": WEEKDAYS[today.weekday()],
            "soon_days": SOON_WORKING_DAYS,
            "changelist": changelist,
        }
        return TemplateResponse(request, "disclosure/admin/dashboard.html", context)

    def save_event_formset(self, request, form, formset):
        """Events go through the services, which validate them and recompute the due date."""
        instances = formset.save(commit=False)
        for event in formset.deleted_objects:
            try:
                services.request_event_delete(event=event)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        for event in sorted(instances, key=lambda e: e.on):
            event.request = form.instance
            services.request_event_save(event=event, user=request.user)
        services.request_deadline_refresh(request=form.instance)
