"""Published annual reports. A published version is frozen: its PDF, data and HTML are stored
once and served as stored; a correction is a new version with a reason."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from disclosure.models import Agency, AgencyScopedQuerySet


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
    template = models.CharField("报告格式", max_length=4)
    title = models.CharField("标题", max_length=200)
    pdf = models.FileField("PDF文件", upload_to=_pdf_path)
    pdf_sha256 = models.CharField("PDF校验和（SHA-256）", max_length=64)
    data = models.JSONField("报告数据")
    html = models.TextField("报告正文（HTML）")
    reason = models.TextField("更正原因", blank=True, help_text="第2版起必须说明更正原因。")
    published_at = models.DateTimeField("发布时间")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
        ]

    def __str__(self):
        suffix = f"（第{self.version}版）" if self.version > 1 else ""
        return f"{self.title}{suffix}"
