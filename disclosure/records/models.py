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


# First path segments the site uses itself; an agency code must not shadow them.
RESERVED_AGENCY_CODES = ("admin", "media", "static")


class Agency(models.Model):
    code = models.SlugField(
        "机关代码",
        max_length=40,
        unique=True,
        help_text="英文字母、数字或连字符，用于网址和命令行。",
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
                condition=~Q(code__in=RESERVED_AGENCY_CODES),
                name="agency_code_not_reserved",
                violation_error_message="机关代码不能使用网站保留的名称（admin、media、static）。",
            ),
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
            # Public lists, newest first: the index gives the order (no sort of the page's rows).
            models.Index(
                fields=["agency", "status", "-published_on", "-id"], name="disclosure_list_idx"
            ),
            models.Index(fields=["agency", "category", "-published_on"], name="disclosure_cat_idx"),
            # Public site: category counts and category lists read this index only.
            models.Index(
                fields=["agency", "status", "category", "-published_on", "-id"],
                name="disclosure_pub_cat_idx",
            ),
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

    def overdue(self, today):
        """Open requests whose answer due date has passed."""
        return self.filter(decided_on__isnull=True, due_on__lt=today)


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
    # Cached results of ``disclosure.clock.compute`` (received_on + events + calendar), kept by
    # the services so the request list can sort and filter on them; never typed in.
    due_on = models.DateField("答复期限", null=True, blank=True, editable=False)
    waiting_until = models.DateField("申请人补正/缴费期限", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "due_on", "waiting_until"])

    objects = DisclosureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "依申请公开"
        verbose_name_plural = "依申请公开"
        ordering = ["-received_on", "-id"]
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


class RequestEventKind(models.TextChoices):
    """What happened to a request that moves its statutory clock."""

    CORRECTION_NOTICE = "correction_notice", "发出补正通知"
    CORRECTION_RECEIVED = "correction_received", "收到补正申请"
    CONSULT_THIRD_PARTY = "consult_third_party", "征求第三方意见"
    CONSULT_AGENCY = "consult_agency", "征求其他机关意见"
    EXTENSION = "extension", "延长答复期限"
    FEE_NOTICE = "fee_notice", "发出收费通知"
    FEE_PAID = "fee_paid", "申请人缴费"

    # Kinds a request has at most once (第三十条 一次性告知; 第三十三条 one extension).
    ONCE = nonmember(
        ("correction_notice", "correction_received", "extension", "fee_notice", "fee_paid")
    )
    CONSULTATIONS = nonmember(("consult_third_party", "consult_agency"))


class FeeBasis(models.TextChoices):
    """国办函〔2020〕109号第三条: one standard per request, never both."""

    PER_PIECE = "per_piece", "按件计收"
    PER_PAGE = "per_page", "按量计收"


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
        help_text="补正通知：给申请人的补正期限；延长答复期限：延长的工作日数（最多20）。",
    )
    ends_on = models.DateField(
        "收到意见日期",
        null=True,
        blank=True,
        help_text="征求意见：收到对方意见之日；尚未收到时留空（按最长15个工作日计）。",
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
    note = models.CharField("备注", max_length=300, blank=True)
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
                    Q(period_days__gte=1, period_days__lte=20)
                    & ~Q(approved_by="")
                    & Q(notified_on__isnull=False)
                ),
                name="requestevent_extension_complete",
                violation_error_message="延长答复期限须写明延长的工作日数（1至20个）、批准人和告知申请人的日期（条例第三十三条第二款）。",
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

    def clean(self):
        """Rules that need the request, its other events or the calendar."""
        from .calendar import CalendarMissing, WorkCalendar
        from .clock import compute, correction_notice_latest, due_without_extension

        def request_deadline_from(request, events):
            return compute(
                request.received_on,
                events,
                WorkCalendar.load(),
                count_receipt_day=settings.DEADLINE_COUNT_RECEIPT_DAY,
            ).due_on

        if not self.request_id or not self.on:
            return
        request = self.request
        errors = {}
        if self.on < request.received_on:
            errors["on"] = "日期不能早于收到申请日期。"
        elif request.decided_on and self.on > request.decided_on:
            errors["on"] = "日期不能晚于答复日期。"
        elif self.on > timezone.localdate():
            errors["on"] = "日期不能晚于今天：只登记已经发生的事项。"
        if errors:
            raise ValidationError(errors)

        others = list(RequestEvent.objects.filter(request_id=self.request_id).exclude(pk=self.pk))
        kinds = {e.kind: e for e in others}
        count_receipt_day = settings.DEADLINE_COUNT_RECEIPT_DAY
        try:
            if self.kind == RequestEventKind.CORRECTION_NOTICE:
                latest = correction_notice_latest(
                    request.received_on, WorkCalendar.load(), count_receipt_day=count_receipt_day
                )
                if self.on > latest:
                    errors["on"] = (
                        f"补正通知应自收到申请之日起7个工作日内发出（条例第三十条），"
                        f"本申请最晚为{latest:%Y-%m-%d}，已超过，不能再要求补正。"
                    )
            elif self.kind == RequestEventKind.CORRECTION_RECEIVED:
                notice = kinds.get(RequestEventKind.CORRECTION_NOTICE)
                if notice is None:
                    errors["kind"] = "请先登记补正通知，再登记收到补正申请。"
                elif self.on < notice.on:
                    errors["on"] = "收到补正的日期不能早于补正通知的日期。"
            elif self.kind == RequestEventKind.FEE_PAID:
                notice = kinds.get(RequestEventKind.FEE_NOTICE)
                if notice is None:
                    errors["kind"] = "请先登记收费通知，再登记缴费。"
                elif self.on < notice.on:
                    errors["on"] = "缴费日期不能早于收费通知的日期。"
            elif self.kind in (*RequestEventKind.CONSULTATIONS, RequestEventKind.FEE_NOTICE):
                due = request_deadline_from(request, others)
                if due is not None and self.on > due:
                    errors["on"] = (
                        f"答复期限已于{due:%Y-%m-%d}届满，不能再{self.get_kind_display()}；"
                        f"征求意见和收费通知应在答复期限内进行。"
                    )
            elif self.kind == RequestEventKind.EXTENSION:
                due = due_without_extension(
                    request.received_on,
                    others,
                    WorkCalendar.load(),
                    count_receipt_day=count_receipt_day,
                )
                if due is None:
                    errors["kind"] = "等待申请人补正或缴费期间不能延长答复期限。"
                elif self.on > due or (self.notified_on and self.notified_on > due):
                    errors["on"] = (
                        f"延长答复期限须在原答复期限（{due:%Y-%m-%d}）届满前批准并告知申请人。"
                    )
        except CalendarMissing as exc:
            errors.setdefault("on", str(exc))
        if errors:
            raise ValidationError(errors)
