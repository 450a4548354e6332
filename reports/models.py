"""Annual reports. ``Report`` is the manager's working copy for one agency and year (the narrative,
and for a year before the records the tables typed in from paper); ``ReportVersion`` is a published
version, frozen: its PDF, data and HTML are stored once and served as stored; a correction is a new
version with a reason."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from disclosure.access import AgencyScopedQuerySet
from disclosure.models import Agency
from disclosure.records import numbering

from . import data, labels


class Template(models.TextChoices):
    """The national template (统一格式) a report follows; the year picks the default."""

    TRIAL_2019 = labels.TEMPLATE_2019, labels.TEMPLATE_NAMES[labels.TEMPLATE_2019]
    FORMAT_2021 = labels.TEMPLATE_2021, labels.TEMPLATE_NAMES[labels.TEMPLATE_2021]


class Scope(models.TextChoices):
    """本机关: the agency's own records; 汇总: the agency and every agency under it."""

    OWN = data.SCOPE_OWN, data.SCOPE_NAMES[data.SCOPE_OWN]
    CONSOLIDATED = data.SCOPE_CONSOLIDATED, data.SCOPE_NAMES[data.SCOPE_CONSOLIDATED]


class Report(models.Model):
    """One agency's annual report for one year, before (and between) publications.

    The tables are compiled from the records, unless ``entered_data`` holds the tables of a year
    before the agency used this app, typed in or imported from its paper report.
    """

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度")
    template = models.CharField("报告格式", max_length=4, choices=Template.choices)
    scope = models.CharField(
        "报告范围",
        max_length=12,
        choices=Scope.choices,
        default=Scope.OWN,
        help_text="汇总：本机关和所属各单位（逐级）的数据之和，附各单位主要数据。",
    )
    introduction = models.TextField(
        "引言", blank=True, help_text="标题下、“一、总体情况”前的说明段落。"
    )
    overview = models.TextField(
        labels.SECTION_OVERVIEW,
        blank=True,
        help_text="每段一行；以“（一）”等开头的段落作为二级标题。“【】”中的内容须改写后才能发布。",
    )
    problems = models.TextField(labels.SECTION_PROBLEMS, blank=True)
    other_matters = models.TextField(
        labels.SECTION_OTHER,
        blank=True,
        help_text="须说明收取信息处理费的情况（件数和金额，或未收取）。",
    )
    entered_data = models.JSONField(
        "纸质报告表格",
        null=True,
        blank=True,
        help_text="本系统启用以前的年度：按纸质报告录入的表二、表三、表四（report_data 格式）。"
        "留空时表格由台账编制。",
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = AgencyScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "年度报告"
        verbose_name_plural = "年度报告"
        ordering = ["agency", "-year"]
        permissions = [("publish_report", "可以发布年度报告")]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year"],
                name="report_unique_year",
                violation_error_message="本机关该年度的报告已存在。",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=numbering.YEAR_MIN, year__lte=numbering.YEAR_MAX),
                name="report_year_range",
                violation_error_message=numbering.YEAR_RANGE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(template__in=Template.values),
                name="report_template_valid",
                violation_error_message="报告格式无效。",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=Scope.values),
                name="report_scope_valid",
                violation_error_message="报告范围无效。",
            ),
            # Typed tables are one agency's own (a unit's typed year is summed into its parent's
            # consolidated report): a consolidated report is always compiled.
            models.CheckConstraint(
                condition=Q(scope=Scope.OWN) | Q(entered_data__isnull=True),
                name="report_consolidated_not_typed",
                violation_error_message="汇总报告由各单位的数据汇总编制，不能录入纸质报告表格；"
                "请先将报告范围改为本机关。",
            ),
        ]

    def __str__(self):
        return labels.report_title(self.agency.name, self.year)

    @property
    def is_entered(self) -> bool:
        return self.entered_data is not None

    @property
    def consolidated(self) -> bool:
        return self.scope == Scope.CONSOLIDATED


class ReportVersionQuerySet(AgencyScopedQuerySet):
    def published(self):
        """What the public sees: every published version (the archive keeps corrected ones)."""
        return self.all()

    def current(self):
        """The newest version of each (agency, year)."""
        newer = ReportVersion.objects.filter(
            agency=models.OuterRef("agency"),
            year=models.OuterRef("year"),
            version__gt=models.OuterRef("version"),
        )
        return self.exclude(models.Exists(newer))


def _pdf_path(instance, filename):
    return f"reports/{instance.agency.code}/{instance.year}/v{instance.version}.pdf"


class ReportVersion(models.Model):
    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    template = models.CharField("报告格式", max_length=4, choices=Template.choices)
    title = models.CharField("标题", max_length=200)
    pdf = models.FileField("PDF文件", upload_to=_pdf_path)
    pdf_sha256 = models.CharField("PDF校验和（SHA-256）", max_length=64)
    data = models.JSONField("报告数据")
    data_sha256 = models.CharField(
        "数据校验和（SHA-256）",
        max_length=64,
        blank=True,
        help_text="报告数据按键排序、UTF-8 紧凑编码后的 SHA-256。",
    )
    html = models.TextField("报告正文（HTML）")
    html_sha256 = models.CharField(
        "正文校验和（SHA-256）",
        max_length=64,
        blank=True,
        help_text="报告正文（HTML）UTF-8 编码后的 SHA-256。",
    )
    reason = models.TextField("更正原因", blank=True, help_text="第2版起必须说明更正原因。")
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    disclosure = models.ForeignKey(
        "disclosure.Disclosure",
        verbose_name="主动公开条目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_versions",
        help_text="发布时在“信息公开年报”栏目生成的主动公开信息。",
    )
    attachment = models.OneToOneField(
        "disclosure.Attachment",
        verbose_name="目录附件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="本版本的PDF在主动公开条目中的附件：封存于本版本，不能更换或删除。",
    )

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "已发布年度报告"
        verbose_name_plural = "已发布年度报告"
        ordering = ["agency", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "version"],
                name="reportversion_unique_version",
                violation_error_message="该年度报告的这一版本已存在。",
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""),
                name="reportversion_correction_has_reason",
                violation_error_message="更正版本必须说明更正原因。",
            ),
            models.CheckConstraint(
                condition=Q(template__in=Template.values),
                name="reportversion_template_valid",
                violation_error_message="报告格式无效。",
            ),
        ]

    def __str__(self):
        suffix = f"（第{self.version}版）" if self.version > 1 else ""
        return f"{self.title}{suffix}"
