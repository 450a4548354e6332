"""The working-day calendar in the admin, shared by every agency and kept by the system role
(``roles.SYSTEM``): one year per page with its periods, the days one by one, and the page that
fills a year from its periods — typed, or read from the pasted State Council notice
(``notice.parse_notice``) and confirmed before anything is saved."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.forms import formset_factory
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from disclosure.records.numbering import YEAR_MAX

from . import services
from .calendar import WEEKDAYS, HolidayPeriod, periods_from_days
from .models import CalendarYear, Holiday
from .notice import MAX_NOTICE_CHARS, NoticeError, parse_notice
from .selectors import calendar_warning

MAX_PERIODS = 60  # a year has about 20; a bound on the formset


class HolidayInline(admin.TabularInline):
    model = Holiday
    fields = ["date", "weekday", "kind", "name"]
    readonly_fields = ["weekday"]
    extra = 0
    verbose_name_plural = "逐日（单日修改用；整年请用“按时段录入”）"

    @admin.display(description="星期")
    def weekday(self, obj):
        return f"星期{WEEKDAYS[obj.date.weekday()]}" if obj and obj.date else ""


class FillForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=YEAR_MAX, required=False)
    source = forms.CharField(
        label="依据",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="如“国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）”。",
    )
    notice = forms.CharField(
        label="通知全文",
        max_length=MAX_NOTICE_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 100}),
        help_text="从中国政府网复制通知全文粘贴于此，点“识别”后核对下表各时段，再点“确认保存”。",
    )


class PeriodForm(forms.Form):
    name = forms.CharField(label="节日", max_length=50)
    # The initial value is what an empty row's select shows: the row stays "unchanged".
    kind = forms.ChoiceField(label="类型", choices=Holiday.Kind.choices, initial=Holiday.Kind.OFF)
    first = forms.DateField(
        label="开始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="单日可留空。",
    )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and last < first:
            self.add_error("last", "结束日期不能早于开始日期。")
        return cleaned

    def period(self) -> HolidayPeriod:
        data = self.cleaned_data
        return HolidayPeriod(
            data["name"], data["kind"], data["first"], data["last"] or data["first"]
        )


PeriodFormSet = formset_factory(
    PeriodForm, extra=3, can_delete=True, max_num=MAX_PERIODS, validate_max=True
)


def _period_initial(periods: list[HolidayPeriod]) -> list[dict]:
    return [
        {
            "name": p.name,
            "kind": p.kind,
            "first": p.first,
            "last": p.last if p.last != p.first else None,
        }
        for p in periods
    ]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    """The working-day calendar, one year per page: its periods, then its days one by one.
    Saving moves the due dates of every agency's open requests at once (and the provisional
    ones of answered requests), so only the system role and superusers may change it
    (``roles.SYSTEM_PERMISSIONS``); the others look."""

    list_display = ["year", "source", "days_off", "make_up_days", "updated_at"]
    search_fields = ["year", "source"]
    fields = ["year", "source", "note", "periods"]
    readonly_fields = ["periods"]
    inlines = [HolidayInline]
    change_list_template = "disclosure/admin/calendar_change_list.html"
    change_form_template = "disclosure/admin/calendar_change_form.html"

    class Media:
        css = {"all": ["css/clock-admin.css"]}

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

    @admin.display(description="放假和调休安排（按时段）")
    def periods(self, obj):
        if obj is None or obj.pk is None:
            return "保存后显示；整年的安排请用“按时段录入”。"
        periods = periods_from_days(obj.days.values_list("date", "kind", "name"))
        listed = format_html_join("", "<li>{}</li>", ((str(p),) for p in periods)) or "（无）"
        return format_html('<ul class="calendar-periods">{}</ul>', listed)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "fill/",
                self.admin_site.admin_view(self.fill_view),
                name="{}_{}_fill".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        warning = calendar_warning(timezone.localdate())
        if warning and request.method == "GET":
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "fill_url": self._fill_url(object_id)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _fill_url(self, object_id) -> str:
        year = CalendarYear.objects.filter(pk=object_id).values_list("year", flat=True).first()
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_fill")
        return f"{url}?year={year}" if year else url

    def fill_view(self, request):
        """Fill a year from its periods: GET shows the year's periods (or an empty table),
        "识别" reads a pasted notice into the table, "确认保存" replaces the year's days."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        warnings: list[str] = []
        parsed: list[HolidayPeriod] = []
        if request.method != "POST":
            form, formset = self._fill_start(request)
        elif "parse" in request.POST:
            form, formset, warnings, parsed = self._fill_parse(request)
        else:
            form = FillForm(request.POST)
            formset = PeriodFormSet(request.POST, prefix="periods")
            saved = self._fill_save(request, form, formset)
            if saved is not None:
                return saved
        year = form["year"].value()
        context = {
            **self.admin_site.each_context(request),
            "title": "按时段录入工作日历",
            "opts": self.opts,
            "form": form,
            "formset": formset,
            "warnings": warnings,
            "parsed": [str(p) for p in parsed],
            "existing": CalendarYear.objects.filter(year=year).first() if _is_year(year) else None,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "disclosure/admin/calendar_fill.html", context)

    def _fill_start(self, request):
        year = request.GET.get("year", "")
        if not _is_year(year):
            next_year = timezone.localdate().year + 1
            return FillForm(initial={"year": next_year}), PeriodFormSet(prefix="periods")
        calendar = CalendarYear.objects.filter(year=int(year)).first()
        if calendar is None:
            return FillForm(initial={"year": int(year)}), PeriodFormSet(prefix="periods")
        periods = periods_from_days(calendar.days.values_list("date", "kind", "name"))
        form = FillForm(initial={"year": calendar.year, "source": calendar.source})
        return form, PeriodFormSet(prefix="periods", initial=_period_initial(periods))

    def _fill_parse(self, request):
        form = FillForm(request.POST)
        formset = PeriodFormSet(prefix="periods")
        if not form.is_valid():
            return form, formset, [], []
        if not form.cleaned_data["notice"].strip():
            form.add_error("notice", "请粘贴通知全文。")
            return form, formset, [], []
        try:
            parsed = parse_notice(form.cleaned_data["notice"], year=form.cleaned_data["year"])
        except NoticeError as exc:
            form.add_error("notice", str(exc))
            return form, formset, [], []
        form = FillForm(
            initial={
                "year": parsed.year,
                "source": parsed.source,
                "notice": form.cleaned_data["notice"],
            }
        )
        formset = PeriodFormSet(prefix="periods", initial=_period_initial(parsed.periods))
        return form, formset, parsed.warnings, parsed.periods

    def _fill_save(self, request, form, formset):
        """The redirect after saving, or None (the errors are on the form and formset)."""
        if not (form.is_valid() and formset.is_valid()):
            return None
        year, source = form.cleaned_data["year"], form.cleaned_data["source"].strip()
        if year is None:
            form.add_error("year", "请填写年度。")
        if not source:
            form.add_error("source", "请填写依据（通知名称和文号）。")
        # Blank extra rows have no cleaned data; ticked rows are left out.
        periods = [
            f.period() for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        if not periods and form.is_valid():
            form.add_error(None, "没有任何放假或调休时段。")
        if form.errors:
            return None
        try:
            summary = services.calendar_year_fill(year=year, source=source, periods=periods)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return None
        done = "录入" if summary["created"] else "更新"
        messages.success(
            request,
            f"{year}年工作日历已{done}：放假{summary['days_off']}天，"
            f"调休上班{summary['make_up_days']}天；"
            f"{summary['requests']}件申请的答复期限已随之重算。",
        )
        calendar = CalendarYear.objects.get(year=year)
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", calendar.pk)

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
            messages.info(request, f"{changed} 件申请的答复期限已随日历调整。")


def _is_year(value) -> bool:
    return str(value).isdigit() and 2000 <= int(value) <= YEAR_MAX


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
