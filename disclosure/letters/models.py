"""Letters to applicants (and to consulted third parties) as documents with a life: a draft
generated from the record, edited by the clerk paragraph by paragraph, then issued — numbered with
the agency's 文号 pattern, frozen as a PDF with its SHA-256 and kept with the request, never
changed again. And the withheld or refused parts of a request, each with its ground and reason,
which the decision letter lists."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from disclosure.access import AgencyScopedQuerySet
from disclosure.clock.models import RequestEvent
from disclosure.records.applications import DisclosureRequest
from disclosure.records.models import Agency
from disclosure.records.sealed import LETTERS, Finding, register, stored_file_problem

from .grounds import PART_GROUND_CHOICES, PART_GROUNDS

ISSUED_IS_FROZEN = "已签发的文书不能修改或删除；如需更正，请另行制作并签发新的文书。"


class WithheldPart(models.Model):
    """A part of what was asked for that is not disclosed (部分公开, 不予公开): what it is, the
    ground it rests on (the 条例 article, from the mapping in ``grounds``) and the reason."""

    request = models.ForeignKey(
        DisclosureRequest,
        verbose_name="申请",
        on_delete=models.CASCADE,
        related_name="withheld_parts",
    )
    description = models.CharField(
        "不予公开的内容", max_length=300, help_text="如“验收报告中供应商的报价明细”。"
    )
    ground = models.CharField("依据", max_length=40, choices=PART_GROUND_CHOICES)
    reason = models.TextField("理由", help_text="具体说明该内容为何适用所选依据，将写入答复书。")

    class Meta:
        verbose_name = "不予公开的部分"
        verbose_name_plural = "不予公开的部分（内容、依据和理由，写入答复书）"
        ordering = ["request", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ground__in=PART_GROUNDS),
                name="withheldpart_ground_valid",
                violation_error_message="不予公开的依据无效。",
            ),
            models.CheckConstraint(
                condition=~Q(description="") & ~Q(reason=""),
                name="withheldpart_described_with_reason",
                violation_error_message="请写明不予公开的内容和理由。",
            ),
        ]

    def __str__(self):
        return self.description


class LetterKind(models.TextChoices):
    """The letters the clock knows about; the short code is the {类} of the 文号 pattern."""

    RECEIPT = "receipt", "受理回执"
    CORRECTION = "correction", "补正通知书"
    EXTENSION = "extension", "延期答复告知书"
    FEE = "fee", "收费通知书"
    CONSULTATION = "consultation", "征求第三方意见函"
    DECISION = "decision", "答复书"


KIND_CODES = {
    LetterKind.RECEIPT: "收",
    LetterKind.CORRECTION: "补",
    LetterKind.EXTENSION: "延",
    LetterKind.FEE: "费",
    LetterKind.CONSULTATION: "征",
    LetterKind.DECISION: "复",
}


class LetterQuerySet(AgencyScopedQuerySet):
    def issued(self):
        return self.filter(status=Letter.Status.ISSUED)

    # An issued letter is a document sent out: no bulk write may change or remove it either.
    def update(self, **kwargs):
        if self.issued().exists():
            raise ValidationError(ISSUED_IS_FROZEN)
        return super().update(**kwargs)

    def delete(self):
        if self.issued().exists():
            raise ValidationError(ISSUED_IS_FROZEN)
        return super().delete()


def _pdf_path(letter, filename):
    return f"letters/{letter.agency.code}/{letter.dated.year}/{filename}"


class Letter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ISSUED = "issued", "已签发"

    Kind = LetterKind

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT)
    request = models.ForeignKey(
        DisclosureRequest, verbose_name="申请", on_delete=models.PROTECT, related_name="letters"
    )
    event = models.ForeignKey(
        RequestEvent,
        verbose_name="所涉办理事项",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="letters",
        help_text="补正通知、延期、收费通知或征求意见的文书所依据的事项。",
    )
    kind = models.CharField("文书类别", max_length=20, choices=LetterKind.choices)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    title = models.CharField("标题", max_length=100)
    addressee = models.CharField("主送（称呼）", max_length=200)
    body = models.TextField(
        "正文", help_text="每段一行，段与段之间空一行；【】中的内容须填写或删除后才能签发。"
    )
    closing = models.CharField("结束语", max_length=50, default="特此告知。")
    signer = models.CharField("落款机关", max_length=200)
    dated = models.DateField("成文日期", help_text="落款日期，以中文数字印出。")
    contact = models.CharField("联系方式", max_length=400, blank=True)
    number = models.CharField("文号", max_length=100, blank=True, editable=False)
    sequence = models.PositiveIntegerField("顺序号", null=True, blank=True, editable=False)
    issued_at = models.DateTimeField("签发时间", null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    pdf = models.FileField("PDF文件", upload_to=_pdf_path, blank=True, editable=False)
    pdf_sha256 = models.CharField("PDF校验和（SHA-256）", max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书（回执、告知书、通知书、答复书）"
        ordering = ["-created_at", "-id"]
        permissions = [("issue_letter", "可以签发文书（编号并定稿）")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LetterKind.values),
                name="letter_kind_valid",
                violation_error_message="文书类别无效。",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="draft")
                    & Q(number="")
                    & Q(sequence__isnull=True)
                    & Q(issued_at__isnull=True)
                    & Q(pdf_sha256="")
                )
                | (
                    Q(status="issued")
                    & ~Q(number="")
                    & Q(sequence__gte=1)
                    & Q(issued_at__isnull=False)
                    & Q(pdf_sha256__regex=r"^[0-9a-f]{64}$")
                    & ~Q(pdf="")
                ),
                name="letter_issued_complete",
                violation_error_message="文书签发时须有文号、签发时间和定稿PDF及其校验和；草稿没有这些。",
            ),
            models.CheckConstraint(
                condition=~Q(addressee="") & ~Q(body="") & ~Q(signer=""),
                name="letter_has_text",
                violation_error_message="文书须有主送、正文和落款机关。",
            ),
            models.UniqueConstraint(
                fields=["agency", "number"],
                condition=~Q(number=""),
                name="letter_unique_number",
                violation_error_message="本机关已有相同文号的文书。",
            ),
        ]

    def __str__(self):
        return f"{self.title}（{self.number or '草稿'}）"

    # The one exception to "nothing in save()": an issued letter is a document that has been
    # sent, and its row must not change whoever writes it (admin, shell, a future service) —
    # the integrity rule of the record itself, as a database constraint would be.
    def save(self, *args, **kwargs):
        if self.pk and Letter.objects.filter(pk=self.pk).issued().exists():
            raise ValidationError(ISSUED_IS_FROZEN)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and Letter.objects.filter(pk=self.pk).issued().exists():
            raise ValidationError(ISSUED_IS_FROZEN)
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.request_id and self.agency_id and self.request.agency_id != self.agency_id:
            raise ValidationError("文书和申请须属于同一机关。")
        if self.pk and Letter.objects.filter(pk=self.pk).issued().exists():
            raise ValidationError(ISSUED_IS_FROZEN)

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    @property
    def paragraphs(self) -> list[str]:
        """The body's paragraphs: separated by blank lines (or single lines: a clerk may type
        either)."""
        return [" ".join(p.split()) for p in self.body.replace("\r", "").split("\n") if p.strip()]


def issued_letters_check():
    """For ``verify_published``: every issued letter's stored PDF still has the SHA-256 it was
    issued with (the document named by its 文号, never by its addressee)."""
    issued = Letter.objects.issued().only("title", "number", "pdf", "pdf_sha256").order_by("pk")
    for letter in issued.iterator():
        yield Finding(
            f"{letter.title}{letter.number}",
            letter.pdf.name,
            stored_file_problem(letter.pdf.name, letter.pdf_sha256),
        )


# Registered where the model is defined: Django imports it at start-up, so the check is there for
# every command (records.sealed is the registry; it imports no domain above it).
register(LETTERS, issued_letters_check)
