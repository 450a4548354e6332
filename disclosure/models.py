"""The records the annual report is made of.

Official label text for applicant types, outcomes, channels and case kinds lives here, on the
``TextChoices``, and nowhere else; the report's row labels (with their "（一）" numbering) live in
``reports.labels``.
"""

from enum import nonmember

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Agency(models.Model):
    code = models.SlugField(
        "机关代码", max_length=40, unique=True, help_text="英文字母、数字或连字符，用于网址和命令行。"
    )
    name = models.CharField("机关名称", max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级政府",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
        help_text="本机关为某级政府的部门时填写，用于汇总报告。",
    )
    contact_office = models.CharField("联系部门", max_length=100, blank=True, default="办公室")
    address = models.CharField("地址", max_length=200, blank=True)
    postcode = models.CharField("邮编", max_length=6, blank=True)
    phone = models.CharField("电话", max_length=40, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="工作人员",
        blank=True,
        related_name="agencies",
        help_text="只有这里列出的用户能在后台看到和办理本机关的记录。",
    )

    class Meta:
        verbose_name = "机关"
        verbose_name_plural = "机关"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(postcode="") | Q(postcode__regex=r"^[0-9]{6}$"),
                name="agency_postcode_six_digits",
                violation_error_message="邮编应为6位数字。",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("disclosure:agency_home", args=[self.code])

    @property
    def contact_line(self) -> str:
        """The contact sentence printed in the report's introduction."""
        parts = []
        if self.address:
            parts.append(f"地址：{self.address}")
        if self.postcode:
            parts.append(f"邮编：{self.postcode}")
        if self.phone:
            parts.append(f"电话：{self.phone}")
        return "；".join(parts)


def agency_ids_of(user) -> list[int]:
    """Ids of the agencies the user works for, looked up once per user object (request)."""
    if not hasattr(user, "_agency_ids"):
        user._agency_ids = list(Agency.objects.filter(members=user).values_list("id", flat=True))
    return user._agency_ids


class AgencyScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Records of the agencies the user works for; everything for a superuser."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        # A plain id list (not a join through the membership table) lets the database use the
        # (agency, …) indexes: the 100,000-row request list stays fast.
        return self.filter(agency_id__in=agency_ids_of(user))


class Category(models.Model):
    """An entry of the 主动公开目录 (disclosure catalog); the list is editable by managers."""

    name = models.CharField("分类名称", max_length=50, unique=True)
    slug = models.SlugField("网址名", max_length=50, unique=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "公开目录分类"
        verbose_name_plural = "公开目录分类"
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class DisclosureQuerySet(AgencyScopedQuerySet):
    def published(self):
        """What the public may see: published items whose publication date has come."""
        return self.filter(
            status=Disclosure.Status.PUBLISHED, published_on__lte=timezone.localdate()
        )


class Disclosure(models.Model):
    """A proactively disclosed item (主动公开信息)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    class Kind(models.TextChoices):
        """What table 二 第二十条第（一）项 counts."""

        OTHER = "", "—"
        REGULATION = "regulation", "规章"
        NORMATIVE_DOCUMENT = "normative_document", "行政规范性文件"

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    title = models.CharField("标题", max_length=300)
    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.PROTECT)
    document_number = models.CharField("文号", max_length=100, blank=True)
    index_number = models.CharField(
        "索引号", max_length=100, blank=True, help_text="留空时发布时自动生成。"
    )
    made_on = models.DateField("成文日期", null=True, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    body = models.TextField("正文", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    kind = models.CharField(
        "文件类型",
        max_length=20,
        choices=Kind.choices,
        blank=True,
        default=Kind.OTHER,
        help_text="规章和行政规范性文件计入年度报告表二第二十条第（一）项。",
    )
    repealed_on = models.DateField("废止日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = DisclosureQuerySet.as_manager()

    class Meta:
        verbose_name = "主动公开信息"
        verbose_name_plural = "主动公开信息"
        ordering = ["-published_on", "-id"]
        permissions = [("publish_disclosure", "可以发布和撤回主动公开信息")]
        indexes = [
            models.Index(fields=["agency", "status", "-published_on"], name="disclosure_list_idx"),
            models.Index(fields=["agency", "category", "-published_on"], name="disclosure_cat_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_on__isnull=False),
                name="disclosure_published_has_date",
                violation_error_message="已发布的信息必须有发布日期。",
            ),
            models.CheckConstraint(
                condition=Q(repealed_on__isnull=True)
                | Q(made_on__isnull=True)
                | Q(repealed_on__gte=F("made_on")),
                name="disclosure_repealed_after_made",
                violation_error_message="废止日期不能早于成文日期。",
            ),
            models.CheckConstraint(
                condition=Q(repealed_on__isnull=True) | ~Q(kind=""),
                name="disclosure_repealed_only_documents",
                violation_error_message="只有规章和行政规范性文件可以填写废止日期。",
            ),
            models.UniqueConstraint(
                fields=["agency", "index_number"],
                condition=~Q(index_number=""),
                name="disclosure_unique_index_number",
                violation_error_message="本机关已有相同索引号的信息。",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("disclosure:item_detail", args=[self.agency.code, self.pk])


class Attachment(models.Model):
    disclosure = models.ForeignKey(
        Disclosure, verbose_name="信息", on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField("附件名称", max_length=200, blank=True)
    file = models.FileField("文件", upload_to="attachments/%Y/%m/")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["id"]

    def __str__(self):
        return self.title or self.file.name.rsplit("/", 1)[-1]


class ApplicantType(models.TextChoices):
    """The columns of table 三 (申请人情况)."""

    NATURAL_PERSON = "natural_person", "自然人"
    COMMERCIAL = "commercial", "商业企业"
    RESEARCH = "research", "科研机构"
    PUBLIC_INTEREST = "public_interest", "社会公益组织"
    LEGAL_SERVICE = "legal_service", "法律服务机构"
    OTHER_ORG = "other_org", "其他"


class Outcome(models.TextChoices):
    """The rows of 三、本年度办理结果; one outcome per request."""

    GRANTED = "granted", "予以公开"
    PARTIAL = "partial", "部分公开"
    WITHHELD_STATE_SECRET = "withheld_state_secret", "属于国家秘密"
    WITHHELD_LAW_PROHIBITS = "withheld_law_prohibits", "其他法律行政法规禁止公开"
    WITHHELD_SECURITY_STABILITY = "withheld_security_stability", "危及“三安全一稳定”"
    WITHHELD_THIRD_PARTY = "withheld_third_party", "保护第三方合法权益"
    WITHHELD_INTERNAL_AFFAIRS = "withheld_internal_affairs", "属于三类内部事务信息"
    WITHHELD_PROCESS_INFO = "withheld_process_info", "属于四类过程性信息"
    WITHHELD_ENFORCEMENT_FILE = "withheld_enforcement_file", "属于行政执法案卷"
    WITHHELD_QUERY_MATTER = "withheld_query_matter", "属于行政查询事项"
    UNAVAILABLE_NOT_HELD = "unavailable_not_held", "本机关不掌握相关政府信息"
    UNAVAILABLE_NEEDS_CREATION = "unavailable_needs_creation", "没有现成信息需要另行制作"
    UNAVAILABLE_STILL_UNCLEAR = "unavailable_still_unclear", "补正后申请内容仍不明确"
    REJECTED_PETITION = "rejected_petition", "信访举报投诉类申请"
    REJECTED_DUPLICATE = "rejected_duplicate", "重复申请"
    REJECTED_PUBLICATION = "rejected_publication", "要求提供公开出版物"
    REJECTED_EXCESSIVE = "rejected_excessive", "无正当理由大量反复申请"
    REJECTED_CONFIRMATION = "rejected_confirmation", "要求行政机关确认或重新出具已获取信息"
    OTHER_NO_CORRECTION = (
        "other_no_correction",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    )
    OTHER_UNPAID_FEE = (
        "other_unpaid_fee",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    )
    OTHER = "other", "其他处理"

    # Groups of the report (（三）不予公开, （四）无法提供, （五）不予处理, （六）其他处理).
    WITHHELD = nonmember(
        (
            "withheld_state_secret",
            "withheld_law_prohibits",
            "withheld_security_stability",
            "withheld_third_party",
            "withheld_internal_affairs",
            "withheld_process_info",
            "withheld_enforcement_file",
            "withheld_query_matter",
        )
    )
    UNAVAILABLE = nonmember(
        ("unavailable_not_held", "unavailable_needs_creation", "unavailable_still_unclear")
    )
    REJECTED = nonmember(
        (
            "rejected_petition",
            "rejected_duplicate",
            "rejected_publication",
            "rejected_excessive",
            "rejected_confirmation",
        )
    )
    OTHERS = nonmember(("other_no_correction", "other_unpaid_fee", "other"))


class Channel(models.TextChoices):
    """How the application arrived (条例第三十一条)."""

    IN_PERSON = "in_person", "当面"
    POST = "post", "邮寄"
    ONLINE = "online", "网络"
    FAX = "fax", "传真"
    OTHER = "other", "其他"


class DisclosureRequestQuerySet(AgencyScopedQuerySet):
    def open(self):
        return self.filter(decided_on__isnull=True)

    def decided_in(self, year: int):
        return self.filter(decided_on__year=year)


class DisclosureRequest(models.Model):
    """An application for disclosure (依申请公开). Applicant fields are personal data."""

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    number = models.CharField(
        "申请编号", max_length=50, blank=True, help_text="留空时按“年份-序号”自动生成。"
    )
    received_on = models.DateField("收到申请日期", help_text="条例第三十一条规定的收到申请之日。")
    channel = models.CharField(
        "申请方式", max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    applicant_type = models.CharField(
        "申请人类型", max_length=20, choices=ApplicantType.choices, db_index=True
    )
    applicant_name = models.CharField("申请人", max_length=200, blank=True)
    applicant_id_number = models.CharField("证件号码", max_length=40, blank=True)
    applicant_phone = models.CharField("联系电话", max_length=40, blank=True)
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
    decided_on = models.DateField("答复日期", null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField("办理备注", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = DisclosureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "依申请公开"
        verbose_name_plural = "依申请公开"
        ordering = ["-received_on", "-id"]
        indexes = [
            models.Index(fields=["agency", "-received_on", "-id"], name="request_list_idx"),
            models.Index(fields=["agency", "decided_on"], name="request_decided_idx"),
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

    @property
    def is_open(self) -> bool:
        return self.decided_on is None


class CaseKind(models.TextChoices):
    REVIEW = "review", "行政复议"
    LITIGATION_DIRECT = "litigation_direct", "未经复议直接起诉"
    LITIGATION_AFTER_REVIEW = "litigation_after_review", "复议后起诉"


class CaseResult(models.TextChoices):
    UPHELD = "upheld", "结果维持"
    CORRECTED = "corrected", "结果纠正"
    OTHER = "other", "其他结果"


class CaseQuerySet(AgencyScopedQuerySet):
    pass


class Case(models.Model):
    """An administrative review (行政复议) or lawsuit (行政诉讼) about disclosure work."""

    Kind = CaseKind
    Result = CaseResult

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    number = models.CharField("案号", max_length=80, blank=True, help_text="留空时自动生成。")
    kind = models.CharField("类型", max_length=30, choices=CaseKind.choices, db_index=True)
    filed_on = models.DateField("立案日期")
    result = models.CharField(
        "结果", max_length=10, choices=CaseResult.choices, blank=True, help_text="尚未审结时留空。"
    )
    concluded_on = models.DateField("审结日期", null=True, blank=True)
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

    objects = CaseQuerySet.as_manager()

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


class YearlyFigures(models.Model):
    """Table 二 figures that no record in the app produces, entered once a year per agency.

    Fields cover both national templates; the report's template decides which are printed.
    """

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度")
    # 第二十条第（五）项
    licensing_previous = models.IntegerField("行政许可：上一年项目数量", default=0)
    licensing_change = models.IntegerField("行政许可：本年增/减", default=0)
    licensing_decisions = models.IntegerField("行政许可：（本年）处理决定数量", default=0)
    other_services_previous = models.IntegerField("其他对外管理服务事项：上一年项目数量", default=0)
    other_services_change = models.IntegerField("其他对外管理服务事项：本年增/减", default=0)
    other_services_decisions = models.IntegerField("其他对外管理服务事项：处理决定数量", default=0)
    # 第二十条第（六）项
    penalty_previous = models.IntegerField("行政处罚：上一年项目数量", default=0)
    penalty_change = models.IntegerField("行政处罚：本年增/减", default=0)
    penalty_decisions = models.IntegerField("行政处罚：（本年）处理决定数量", default=0)
    coercion_previous = models.IntegerField("行政强制：上一年项目数量", default=0)
    coercion_change = models.IntegerField("行政强制：本年增/减", default=0)
    coercion_decisions = models.IntegerField("行政强制：（本年）处理决定数量", default=0)
    # 第二十条第（八）项
    fees_previous = models.IntegerField("行政事业性收费：上一年项目数量", default=0)
    fees_change = models.IntegerField("行政事业性收费：本年增/减", default=0)
    fees_amount_wan_yuan = models.DecimalField(
        "行政事业性收费：本年收费金额（万元）", max_digits=14, decimal_places=4, default=0
    )
    # 第二十条第（九）项 (2019 trial template only)
    procurement_projects = models.IntegerField("政府集中采购：采购项目数量", default=0)
    procurement_amount_wan_yuan = models.DecimalField(
        "政府集中采购：采购总金额（万元）", max_digits=14, decimal_places=4, default=0
    )

    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度主动公开数据"
        verbose_name_plural = "年度主动公开数据"
        ordering = ["agency", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year"],
                name="yearlyfigures_unique_year",
                violation_error_message="本机关该年度的数据已存在。",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2008, year__lte=2100),
                name="yearlyfigures_year_range",
                violation_error_message="年度应在2008年至2100年之间。",
            ),
            models.CheckConstraint(
                condition=Q(
                    licensing_previous__gte=0,
                    licensing_decisions__gte=0,
                    other_services_previous__gte=0,
                    other_services_decisions__gte=0,
                    penalty_previous__gte=0,
                    penalty_decisions__gte=0,
                    coercion_previous__gte=0,
                    coercion_decisions__gte=0,
                    fees_previous__gte=0,
                    fees_amount_wan_yuan__gte=0,
                    procurement_projects__gte=0,
                    procurement_amount_wan_yuan__gte=0,
                ),
                name="yearlyfigures_counts_not_negative",
                violation_error_message="数量和金额不能为负数（“本年增/减”除外）。",
            ),
        ]

    def __str__(self):
        return f"{self.agency} {self.year}年"
