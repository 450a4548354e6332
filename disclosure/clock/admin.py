"""The statutory clock in the admin: the events inline and the due-date column, filters and
explanation of the request admin, the clerks' dashboard, and the working-day
calendar kept by managers. ``disclosure.records.admin`` mixes these into
``DisclosureRequestAdmin``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from disclosure.access import user_agencies

from . import rules, services
from .calendar import WEEKDAYS, CalendarMissing, WorkCalendar
from .models import CalendarYear, Holiday, RequestEvent, RequestEventKind
from .selectors import SOON_WORKING_DAYS, dashboard, request_deadline


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


class RequestEventForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
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


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    form = RequestEventForm
    extra = 0
    fields = [
        "kind",
        "on",
        "period_days",
        "ends_on",
        "counterpart",
        "approved_by",
        "notified_on",
        "fee_basis",
        "fee_quantity",
        "amount",
        "note",
    ]
    readonly_fields = ["amount"]
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
        ]

    def queryset(self, request, queryset):
        value = self.value()
        today = timezone.localdate()
        events = RequestEvent.objects.filter(request=OuterRef("pk"))
        if value == "overdue":
            return queryset.overdue(today)
        if value == "soon":
            try:
                limit = WorkCalendar.load().add_workdays(today, SOON_WORKING_DAYS)
            except CalendarMissing as exc:
                messages.warning(request, str(exc))
                return queryset.none()
            return queryset.filter(decided_on__isnull=True, due_on__gte=today, due_on__lte=limit)
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


def due_badge(obj, today) -> str:
    """The due-date cell: overdue in red (the row is highlighted by CSS), waiting on the
    applicant, no calendar, or answered late."""
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
        return format_html('<span class="clock-missing">{}</span>', "缺少工作日历")
    if obj.due_on < today:
        return format_html('<span class="clock-overdue">{} 已逾期</span>', date_format(obj.due_on))
    return date_format(obj.due_on)


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
        return due_badge(obj, timezone.localdate())

    @admin.display(description="期限计算")
    def deadline_explanation(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        try:
            deadline = request_deadline(obj)
        except CalendarMissing as exc:
            return format_html('<span class="clock-missing">{}</span>', str(exc))
        return format_html(
            '<ol class="clock-steps">{}</ol>',
            format_html_join("", "<li>{}</li>", ((step,) for step in deadline.steps)),
        )

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


class HolidayInline(admin.TabularInline):
    model = Holiday
    fields = ["date", "weekday", "kind", "name"]
    readonly_fields = ["weekday"]
    extra = 3

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}" if obj and obj.date else ""


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """The working-day calendar, one year per page: its days off and 调休 working weekends.
    Saving moves the due dates of open requests at once."""

    list_display = ["year", "source", "days_off", "make_up_days", "updated_at"]
    search_fields = ["year", "source"]
    inlines = [HolidayInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_off=Count("days", filter=Q(days__kind=Holiday.Kind.OFF)),
                n_work=Count("days", filter=Q(days__kind=Holiday.Kind.WORK)),
            )
        )

    @admin.display(description="放假天数", ordering="n_off")
    def days_off(self, obj):
        return obj.n_off

    @admin.display(description="调休上班天数", ordering="n_work")
    def make_up_days(self, obj):
        return obj.n_work

    def save_model(self, request, obj, form, change):
        services.calendar_year_save(calendar_year=obj)

    def delete_model(self, request, obj):
        services.calendar_year_delete(calendar_year=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.calendar_year_delete(calendar_year=obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        changed = services.holidays_save(save=instances, delete=formset.deleted_objects)
        if changed:
            messages.info(request, f"{changed} 件办理中申请的答复期限已随日历调整。")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "calendar"]
    list_filter = ["kind", "calendar"]
    list_select_related = ["calendar"]
    search_fields = ["name", "date"]
    date_hierarchy = "date"

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}"

    def save_model(self, request, obj, form, change):
        services.holiday_save(holiday=obj)

    def delete_model(self, request, obj):
        services.holiday_delete(holiday=obj)

    def delete_queryset(self, request, queryset):
        services.holidays_save(delete=list(queryset))
