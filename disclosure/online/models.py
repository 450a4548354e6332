"""An application typed in by the public on the site (网上申请). It is not a request yet: under
条例第三十一条第三项 an online application is received on the day both sides confirm it, so it
waits here until a clerk confirms it (``services.application_confirm`` makes the
``DisclosureRequest``) or marks it as not an application, with a reason the applicant sees.

The ID number and phone are encrypted at rest as on requests (``disclosure.crypto``); the query
password is kept only as a Django password hash."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from disclosure.access import AgencyScopedQuerySet
from disclosure.crypto import EncryptedCharField
from disclosure.records.applications import DisclosureRequest
from disclosure.records.choices import ApplicantKind, ApplicantType
from disclosure.records.models import Agency

from .idnumbers import validate_id_card, validate_uscc

ID_CHECKS = {"id_card": validate_id_card, "uscc": validate_uscc}


class IdType(models.TextChoices):
    ID_CARD = "id_card", "居民身份证"
    USCC = "uscc", "统一社会信用代码"
    PASSPORT = "passport", "护照"
    OTHER = "other", "其他证件"


class FormWanted(models.TextChoices):
    PAPER = "paper", "纸质"
    ELECTRONIC = "electronic", "电子文档"
    DISC = "disc", "光盘"
    OTHER = "other", "其他"


class Delivery(models.TextChoices):
    POST = "post", "邮寄"
    EMAIL = "email", "电子邮件"
    PICKUP = "pickup", "自行领取"
    ONLINE = "online", "网上获取"


class Status(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已受理"
    REJECTED = "rejected", "不予受理"


class OnlineApplicationQuerySet(AgencyScopedQuerySet):
    def pending(self):
        return self.filter(status=Status.PENDING)


class OnlineApplication(models.Model):
    Kind = ApplicantKind
    Status = Status

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    number = models.CharField("申请号", max_length=20, unique=True, editable=False)
    password_hash = models.CharField("查询密码（散列）", max_length=128, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    applicant_kind = models.CharField("申请人", max_length=15, choices=ApplicantKind.choices)
    applicant_type = models.CharField(
        "申请人类型",
        max_length=20,
        choices=ApplicantType.choices,
        help_text="公民为自然人；法人或其他组织按年度报告表三的类型。",
    )
    name = models.CharField("姓名或名称", max_length=150)
    contact_person = models.CharField("联系人", max_length=40, blank=True)
    id_type = models.CharField("证件类型", max_length=10, choices=IdType.choices)
    id_number = EncryptedCharField("证件号码", max_length=40)
    phone = EncryptedCharField("联系电话", max_length=40)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通信地址", max_length=300)
    info_title = models.CharField("所需信息名称", max_length=300, blank=True)
    info_document_number = models.CharField("文号", max_length=100, blank=True)
    description = models.TextField("所需信息的内容描述", max_length=2000)
    form_wanted = models.CharField(
        "获取信息的方式（载体）", max_length=10, choices=FormWanted.choices
    )
    delivery = models.CharField("获取信息的途径", max_length=10, choices=Delivery.choices)
    consent = models.BooleanField("同意个人信息使用说明", default=False)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    decided_at = models.DateTimeField("确认或退回时间", null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reject_reason = models.TextField(
        "不予受理的理由", blank=True, help_text="申请人在查询页面看到。"
    )
    request = models.OneToOneField(
        DisclosureRequest,
        verbose_name="受理后的申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="online_application",
        editable=False,
    )

    objects = OnlineApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "网上申请"
        verbose_name_plural = "网上申请"
        ordering = ["-submitted_at", "-id"]
        permissions = [("decide_onlineapplication", "可以确认受理或退回网上申请")]
        indexes = [models.Index(fields=["agency", "status"], name="online_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent=True),
                name="online_consent_given",
                violation_error_message="须同意个人信息使用说明才能提交申请。",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="online_status_valid",
                violation_error_message="状态无效。",
            ),
            models.CheckConstraint(
                condition=(Q(applicant_kind="citizen") & Q(applicant_type="natural_person"))
                | (
                    Q(applicant_kind="organisation")
                    & Q(applicant_type__in=ApplicantType.values)
                    & ~Q(applicant_type="natural_person")
                ),
                name="online_applicant_type_matches_kind",
                violation_error_message="公民的申请人类型为自然人；法人或其他组织须选择组织类型。",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="online_rejected_has_reason",
                violation_error_message="不予受理须写明理由。",
            ),
            models.CheckConstraint(
                condition=Q(status="confirmed", request__isnull=False)
                | (~Q(status="confirmed") & Q(request__isnull=True)),
                name="online_confirmed_has_request",
                violation_error_message="已受理的网上申请须对应一件依申请公开登记。",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="online_decided_when_not_pending",
                violation_error_message="确认或退回后须有处理时间。",
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="online_description_required",
                violation_error_message="请描述所需的政府信息。",
            ),
        ]

    def __str__(self):
        return self.number

    def clean(self):
        errors = {}
        if self.id_number:
            self.id_number = self.id_number.strip().upper()
            check = ID_CHECKS.get(self.id_type)
            if check:
                try:
                    check(self.id_number)
                except ValidationError as error:
                    errors["id_number"] = error.messages
        if self.applicant_kind == ApplicantKind.CITIZEN and self.id_type == IdType.USCC:
            errors["id_type"] = "公民请选择居民身份证、护照或其他证件。"
        if self.applicant_kind == ApplicantKind.ORGANISATION and not self.contact_person.strip():
            errors["contact_person"] = "法人或其他组织请填写联系人。"
        if self.delivery == Delivery.EMAIL and not self.email:
            errors["email"] = "选择通过电子邮件获取时，请填写电子邮箱。"
        if errors:
            raise ValidationError(errors)
