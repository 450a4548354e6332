"""The working-day calendar and the events of a request that move its statutory clock."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from disclosure.records.applications import DisclosureRequest

from .kinds import FeeBasis, RequestEventKind
from .statute import CONSULTATION_DAYS, MAX_EXTENSION_DAYS


class CalendarYear(models.Model):
    """A year the working-day calendar covers. Without a row for a year, no deadline that
    touches it is computed: a missing calendar is an error, never a guess."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField(
        "依据",
        max_length=200,
        help_text="如“国务院办公厅关于2027年部分节假日安排的通知”或“chinesecalendar 1.11.0”。",
    )
    note = models.TextField("备注", blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="calendaryear_year_range",
                violation_error_message="年度应在2000年至2100年之间。",
            ),
        ]

    def __str__(self):
        return f"{self.year}年"


class Holiday(models.Model):
    """A day that differs from the Monday–Friday rule: a day off (放假, including the weekend
    days inside a break) or a make-up working weekend day (调休上班)."""

    class Kind(models.TextChoices):
        OFF = "off", "放假"
        WORK = "work", "调休上班"

    calendar = models.ForeignKey(
        CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=4, choices=Kind.choices, default=Kind.OFF)
    name = models.CharField("节日", max_length=50, help_text="如“春节”“国庆节”。")

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["off", "work"]),
                name="holiday_kind_valid",
                violation_error_message="类型无效。",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.name}{self.get_kind_display()}"

    def clean(self):
        if self.date and self.calendar_id and self.date.year != self.calendar.year:
            raise ValidationError({"date": f"日期不在{self.calendar.year}年内。"})
        if self.date and self.kind == self.Kind.WORK and self.date.weekday() < 5:
            raise ValidationError({"kind": "调休上班日应为星期六或星期日。"})


class RequestEvent(models.Model):
    """One step of a request's handling that the deadline depends on."""

    Kind = RequestEventKind

    request = models.ForeignKey(
        DisclosureRequest, verbose_name="申请", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("事项", max_length=30, choices=RequestEventKind.choices)
    on = models.DateField(
        "日期", help_text="发出通知、收到补正、发出征求意见书、批准延期或缴费的日期。"
    )
    period_days = models.PositiveSmallIntegerField(
        "期限（工作日）",
        null=True,
        blank=True,
        help_text=f"补正通知：给申请人的补正期限；延长答复期限：延长的工作日数（最多{MAX_EXTENSION_DAYS}）。",
    )
    ends_on = models.DateField(
        "收到意见日期",
        null=True,
        blank=True,
        help_text=f"征求意见：收到对方意见之日；尚未收到时留空（按最长{CONSULTATION_DAYS}个工作日计）。",
    )
    counterpart = models.CharField("征求意见对象", max_length=200, blank=True)
    approved_by = models.CharField(
        "批准人", max_length=100, blank=True, help_text="延长答复期限：政府信息公开工作机构负责人。"
    )
    notified_on = models.DateField("告知申请人日期", null=True, blank=True)
    fee_basis = models.CharField("计费方式", max_length=10, choices=FeeBasis.choices, blank=True)
    fee_quantity = models.PositiveIntegerField(
        "件数/页数",
        null=True,
        blank=True,
        help_text="按件计收：本申请按“一事一申请”拆分后的件数（通常为1）；按量计收：页数。",
    )
    fee_earlier_pieces = models.PositiveIntegerField(
        "本月此前已申请件数", null=True, blank=True, editable=False
    )
    amount = models.DecimalField(
        "收费金额（元）",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="按国办函〔2020〕109号的标准自动计算。",
    )
    note = models.CharField(
        "备注",
        max_length=300,
        blank=True,
        help_text="补正通知：需要补正的事项；延长答复期限：延期的理由。写入相应的文书。",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "办理事项"
        verbose_name_plural = "办理事项（补正、征求意见、延期、收费）"
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RequestEventKind.values),
                name="requestevent_kind_valid",
                violation_error_message="办理事项类型无效。",
            ),
            models.UniqueConstraint(
                fields=["request", "kind"],
                condition=Q(kind__in=RequestEventKind.ONCE),
                name="requestevent_once_per_request",
                violation_error_message="每件申请只能登记一次该事项（补正通知一次性告知，答复期限只能延长一次，收费只能通知一次）。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="correction_notice") | Q(period_days__gte=1),
                name="requestevent_correction_has_period",
                violation_error_message="补正通知须写明给申请人的补正期限（工作日）。",
            ),
            models.CheckConstraint(
                condition=~Q(kind="extension")
                | (
                    Q(period_days__gte=1, period_days__lte=MAX_EXTENSION_DAYS)
                    & ~Q(approved_by="")
                    & Q(notified_on__isnull=False)
                ),
                name="requestevent_extension_complete",
                violation_error_message=f"延长答复期限须写明延长的工作日数（1至{MAX_EXTENSION_DAYS}个）、批准人和告知申请人的日期（条例第三十三条第二款）。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["correction_notice", "extension"])
                | Q(period_days__isnull=True),
                name="requestevent_period_only_where_used",
                violation_error_message="只有补正通知和延长答复期限填写期限。",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | (Q(kind__in=RequestEventKind.CONSULTATIONS) & Q(ends_on__gte=F("on"))),
                name="requestevent_consultation_ends_after_start",
                violation_error_message="收到意见日期只用于征求意见，且不能早于发出征求意见的日期。",
            ),
            models.CheckConstraint(
                condition=Q(notified_on__isnull=True) | Q(notified_on__gte=F("on")),
                name="requestevent_notified_after_approval",
                violation_error_message="告知申请人日期不能早于批准日期。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="fee_notice")
                    & Q(fee_basis__in=FeeBasis.values)
                    & Q(fee_quantity__gte=1)
                    & Q(amount__gte=0)
                )
                | (
                    ~Q(kind="fee_notice")
                    & Q(fee_basis="")
                    & Q(fee_quantity__isnull=True)
                    & Q(amount__isnull=True)
                ),
                name="requestevent_fee_only_on_notice",
                violation_error_message="收费通知须选择一种计费方式（按件或按量，不得同时使用）并填写件数或页数；其他事项不填收费内容。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.on}"
