"""Applications for disclosure (依申请公开) and the review and litigation cases about them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from disclosure.access import AgencyScopedQuerySet
from disclosure.crypto import BlindIndexField, EncryptedCharField

from .choices import ApplicantType, CaseKind, CaseResult, Channel, Outcome
from .models import Agency
from .numbering import DATE_MIN, DATE_MIN_TEXT, date_not_in_future


class DisclosureRequestQuerySet(AgencyScopedQuerySet):
    def open(self):
        return self.filter(decided_on__isnull=True)

    def overdue(self, today):
        """Open requests whose answer due date has passed."""
        return self.filter(decided_on__isnull=True, due_on__lt=today)


class DisclosureRequest(models.Model):
    """An application for disclosure (依申请公开). Applicant fields are personal data: the ID
    number and phone are stored encrypted (``disclosure.crypto``, docs/personal-data.md) and kept
    out of the history rows; the same applicant is found by ``applicant_id_index``."""

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    number = models.CharField(
        "申请编号", max_length=50, blank=True, help_text="留空时按“年份-序号”自动生成。"
    )
    received_on = models.DateField(
        "收到申请日期",
        validators=[date_not_in_future],
        help_text="条例第三十一条规定的收到申请之日。",
    )
    channel = models.CharField(
        "申请方式", max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    applicant_type = models.CharField(
        "申请人类型", max_length=20, choices=ApplicantType.choices, db_index=True
    )
    applicant_name = models.CharField("申请人", max_length=200, blank=True)
    applicant_id_number = EncryptedCharField(
        "证件号码",
        max_length=40,
        blank=True,
        help_text="身份证件号码或统一社会信用代码。加密保存，只有有权查看个人信息的人员看到完整号码。",
    )
    applicant_phone = EncryptedCharField("联系电话", max_length=40, blank=True)
    # The keyed hash of the ID number: "the same applicant" (fees per applicant) without
    # decrypting; kept by the field itself whenever the request is saved. Not indexed: the fee
    # count reads one agency's month through request_list_idx, and an index of random hashes
    # would make every insert of a large import slower.
    applicant_id_index = BlindIndexField("证件号码索引", source="applicant_id_number")
    applicant_address = models.CharField("通信地址", max_length=300, blank=True)
    applicant_email = models.EmailField("电子邮箱", blank=True)
    subject = models.TextField("申请内容", blank=True)
    outcome = models.CharField(
        "办理结果",
        max_length=30,
        choices=Outcome.choices,
        blank=True,
        db_index=True,
        help_text="部分公开的申请只计“部分公开”，不计其他情形。",
    )
    decided_on = models.DateField(
        "答复日期", null=True, blank=True, validators=[date_not_in_future]
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField("办理备注", blank=True)
    # Cached results of the clock (``disclosure.clock.compute``: received_on + events + calendar),
    # kept by the services so the request list can sort and filter on them; never typed in.
    due_on = models.DateField("答复期限", null=True, blank=True, editable=False)
    waiting_until = models.DateField("申请人补正/缴费期限", null=True, blank=True, editable=False)
    # True while those dates were counted through a year the 工作日历 does not cover yet
    # (Monday–Friday): shown as 暂定 and recomputed when the year is entered.
    deadline_provisional = models.BooleanField("答复期限暂定", default=False, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    # No copy of the encrypted fields in the history: each copy would be one more place to
    # re-encrypt, expire and guard (a change still gets its history row, without the values).
    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "due_on",
            "waiting_until",
            "deadline_provisional",
            "applicant_id_number",
            "applicant_phone",
            "applicant_id_index",
        ]
    )

    objects = DisclosureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "依申请公开"
        verbose_name_plural = "依申请公开"
        ordering = ["-received_on", "-id"]
        permissions = [("view_personal_data", "可以查看申请人完整的证件号码和联系电话")]
        indexes = [
            models.Index(fields=["agency", "-received_on", "-id"], name="request_list_idx"),
            models.Index(fields=["agency", "decided_on"], name="request_decided_idx"),
            # The clerks' dashboard and the overdue filter: open requests by due date.
            models.Index(
                fields=["agency", "due_on"],
                condition=Q(decided_on__isnull=True),
                name="request_open_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "number"],
                name="request_unique_number",
                violation_error_message="本机关已有相同编号的申请。",
            ),
            models.CheckConstraint(
                condition=~Q(number=""),
                name="request_number_not_blank",
                violation_error_message="申请编号不能为空。",
            ),
            models.CheckConstraint(
                condition=Q(received_on__gte=DATE_MIN),
                name="request_received_after_statute",
                violation_error_message=f"收到申请日期不能早于{DATE_MIN_TEXT}。",
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=F("received_on")),
                name="request_decided_after_received",
                violation_error_message="答复日期不能早于收到申请日期。",
            ),
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(decided_on__isnull=True))
                | (~Q(outcome="") & Q(decided_on__isnull=False)),
                name="request_outcome_with_decision_date",
                violation_error_message="办理结果和答复日期须同时填写：有结果就要有答复日期，反之亦然。",
            ),
            models.CheckConstraint(
                condition=Q(applicant_type__in=ApplicantType.values),
                name="request_applicant_type_valid",
                violation_error_message="申请人类型无效。",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values),
                name="request_outcome_valid",
                violation_error_message="办理结果无效。",
            ),
        ]

    def __str__(self):
        return f"{self.number}"


class Case(models.Model):
    """An administrative review (行政复议) or lawsuit (行政诉讼) about disclosure work."""

    Kind = CaseKind
    Result = CaseResult

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    number = models.CharField("案号", max_length=80, blank=True, help_text="留空时自动生成。")
    kind = models.CharField("类型", max_length=30, choices=CaseKind.choices, db_index=True)
    filed_on = models.DateField("立案日期", validators=[date_not_in_future])
    result = models.CharField(
        "结果", max_length=10, choices=CaseResult.choices, blank=True, help_text="尚未审结时留空。"
    )
    concluded_on = models.DateField(
        "审结日期", null=True, blank=True, validators=[date_not_in_future]
    )
    authority = models.CharField(
        "复议机关或法院",
        max_length=200,
        blank=True,
        help_text="行政复议：复议机关，如“温州市人民政府”；行政诉讼：受理的人民法院。",
    )
    decision_number = models.CharField(
        "决定书文号",
        max_length=100,
        blank=True,
        help_text="复议决定书或判决书、裁定书的文号，如“温政复〔2024〕12号”“（2024）浙0302行初45号”。",
    )
    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name="所涉申请",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    notes = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "行政复议/行政诉讼案件"
        verbose_name_plural = "行政复议/行政诉讼案件"
        ordering = ["-filed_on", "-id"]
        indexes = [models.Index(fields=["agency", "filed_on"], name="case_filed_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "number"],
                name="case_unique_number",
                violation_error_message="本机关已有相同案号的案件。",
            ),
            models.CheckConstraint(
                condition=~Q(number=""),
                name="case_number_not_blank",
                violation_error_message="案号不能为空。",
            ),
            models.CheckConstraint(
                condition=Q(filed_on__gte=DATE_MIN),
                name="case_filed_after_statute",
                violation_error_message=f"立案日期不能早于{DATE_MIN_TEXT}。",
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(concluded_on__gte=F("filed_on")),
                name="case_concluded_after_filed",
                violation_error_message="审结日期不能早于立案日期。",
            ),
            models.CheckConstraint(
                condition=(Q(result="") & Q(concluded_on__isnull=True))
                | (~Q(result="") & Q(concluded_on__isnull=False)),
                name="case_result_with_conclusion_date",
                violation_error_message="结果和审结日期须同时填写：已审结的案件要有结果和审结日期。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CaseKind.values),
                name="case_kind_valid",
                violation_error_message="案件类型无效。",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def clean(self):
        if self.request_id and self.agency_id and self.request.agency_id != self.agency_id:
            raise ValidationError({"request": "所涉申请必须是本机关的申请。"})
