"""Agencies, the disclosure catalog and its items, and the yearly figures no record produces.

Requests and cases are in ``applications``; the official label text of their choices is in
``choices``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from disclosure.access import AgencyScopedQuerySet

from .numbering import YEAR_MAX, YEAR_MIN, YEAR_RANGE_MESSAGE
from .uploads import check_upload

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
    # What the letters to applicants print (disclosure/letters/): the remedies paragraph names
    # the review body and the court; issued letters are numbered with the 文号 pattern.
    review_body = models.CharField(
        "行政复议机关",
        max_length=200,
        blank=True,
        help_text="答复书告知申请人可向其申请行政复议的机关，如“温州市人民政府”。"
        "留空时：填写了上级政府的写上级政府名称，否则写“本机关的上一级行政机关”。",
    )
    court = models.CharField(
        "管辖法院",
        max_length=200,
        blank=True,
        help_text="答复书告知申请人可向其提起行政诉讼的法院，如“温州市鹿城区人民法院”。"
        "留空时写“有管辖权的人民法院”。",
    )
    letter_number_pattern = models.CharField(
        "文书文号格式",
        max_length=100,
        default="依申请公开〔{年}〕{号}号",
        help_text="签发文书时编号：{年}为成文年份，{号}为本机关当年的顺序号，可选{类}为文书类别"
        "（收、补、延、费、征、复，各类分别编号），如“温机事依{类}〔{年}〕{号}号”"
        "得到“温机事依复〔2026〕3号”。",
    )
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
            models.CheckConstraint(
                condition=Q(letter_number_pattern__contains="{号}"),
                name="agency_letter_number_has_serial",
                violation_error_message="文书文号格式须含{号}（顺序号），如“依申请公开〔{年}〕{号}号”。",
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


class CategoryKey(models.TextChoices):
    """The categories the code relies on, found by this fixed key (``Category.key``)."""

    NONE = "", "—"
    GUIDE = "guide", "信息公开指南"  # shown on each agency's home page
    ANNUAL_REPORT = "annual-report", "信息公开年报"  # a published report is listed here


class CategoryQuerySet(models.QuerySet):
    def for_key(self, key: str) -> "Category":
        """The category the code relies on for ``key`` (never found by its name or slug, which
        the system role may edit); a clear error, not a 500, if it is missing."""
        category = self.filter(key=key).first()
        if category is None:
            label = CategoryKey(key).label
            raise ValidationError(f"公开目录中没有“{label}”分类，请联系系统管理员恢复。")
        return category


class Category(models.Model):
    """An entry of the 主动公开目录 (disclosure catalog), shared by every agency: kept by the system
    role (``roles.SYSTEM``), looked at by clerks and managers."""

    Key = CategoryKey

    name = models.CharField("分类名称", max_length=50, unique=True)
    slug = models.SlugField(
        "网址名",
        max_length=50,
        unique=True,
        help_text="用于公开网站的网址和订阅地址，创建后不能修改。",
    )
    position = models.PositiveSmallIntegerField("排序", default=0)
    key = models.CharField(
        "系统用途",
        max_length=20,
        choices=CategoryKey.choices,
        blank=True,
        default=CategoryKey.NONE,
        editable=False,
        help_text="程序按此查找的分类（指南、年报），不能修改，也不能删除。",
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        verbose_name = "公开目录分类"
        verbose_name_plural = "公开目录分类"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=~Q(key=""),
                name="category_unique_key",
                violation_error_message="已有相同系统用途的分类。",
            ),
            models.CheckConstraint(
                condition=Q(key__in=CategoryKey.values),
                name="category_key_valid",
                violation_error_message="系统用途无效。",
            ),
        ]

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


SEALED_MESSAGE = (
    "该附件是已发布文件的封存版本（如政府信息公开工作年度报告的PDF），不能更换、修改或删除；"
    "如需更正，请发布新的版本。"
)


class Attachment(models.Model):
    disclosure = models.ForeignKey(
        Disclosure, verbose_name="信息", on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField("附件名称", max_length=200, blank=True)
    file = models.FileField("文件", upload_to="attachments/%Y/%m/")
    sha256 = models.CharField(
        "封存校验和（SHA-256）",
        max_length=64,
        blank=True,
        editable=False,
        help_text="发布后封存的文件（如年度报告的PDF）的校验和：封存的附件不能更换、修改或删除，"
        "每次下载前按此核对。",
    )

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["id"]

    def __str__(self):
        return self.title or self.file.name.rsplit("/", 1)[-1]

    def clean(self):
        """A newly chosen file must be an allowed type by name and content, within the size
        limit (``uploads.check_upload``). A file already stored is not re-read: it is sent as a
        sandboxed download whatever it holds. A sealed attachment (as stored, not as this
        instance claims) does not change at all."""
        super().clean()
        if self.stored_sealed():
            stored = Attachment.objects.filter(pk=self.pk).values("title", "file", "sha256").get()
            if stored != {"title": self.title, "file": self.file.name, "sha256": self.sha256}:
                raise ValidationError(SEALED_MESSAGE, code="attachment_sealed")
        if self.file and not self.file._committed:
            try:
                check_upload(self.file.name, self.file.file)
            except ValidationError as error:
                raise ValidationError({"file": error}) from None

    def stored_sealed(self) -> bool:
        """Whether the stored row is sealed (``sha256`` set when it was published as a fixed
        version); read from the database, so an edited instance cannot unseal itself."""
        return (
            self.pk is not None
            and Attachment.objects.filter(pk=self.pk).exclude(sha256="").exists()
        )


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
                condition=Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                name="yearlyfigures_year_range",
                violation_error_message=YEAR_RANGE_MESSAGE,
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
