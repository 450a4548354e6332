"""Each published version's PDF in the catalog is sealed to the version (security finding 7): the
version points at its attachment (PROTECT: the attachment cannot be deleted) and the attachment
carries the version's SHA-256 (it cannot be replaced; it is checked before it is sent).

Existing versions find their attachment as the publisher made it: in the version's catalog
item, titled like the version, or named "<agency code>-<year>-v<n>.pdf". It is sealed with the
hash the version was published with, whatever the file holds now: a file replaced before this
migration is then refused, not blessed."""

import re

import django.db.models.deletion
from django.db import migrations, models


def _attachment_of(version, attachments):
    title = version.title if version.version == 1 else f"{version.title}（第{version.version}版）"
    name = re.compile(
        rf"(^|/){re.escape(version.agency.code)}-{version.year}-v{version.version}"
        r"(_[A-Za-z0-9]{7})?\.pdf$"
    )
    for attachment in attachments:
        if attachment.title == title:
            return attachment
    for attachment in attachments:
        if name.search(attachment.file.name or ""):
            return attachment
    return None


def seal(apps, schema_editor):
    ReportVersion = apps.get_model("reports", "ReportVersion")
    Attachment = apps.get_model("disclosure", "Attachment")
    versions = ReportVersion.objects.filter(disclosure__isnull=False, attachment__isnull=True)
    for version in versions.select_related("agency").order_by("id"):
        unsealed = list(
            Attachment.objects.filter(disclosure_id=version.disclosure_id, sha256="").order_by("id")
        )
        attachment = _attachment_of(version, unsealed)
        if attachment is None:
            continue
        attachment.sha256 = version.pdf_sha256
        attachment.save(update_fields=["sha256"])
        version.attachment = attachment
        version.save(update_fields=["attachment"])


def unseal(apps, schema_editor):
    ReportVersion = apps.get_model("reports", "ReportVersion")
    Attachment = apps.get_model("disclosure", "Attachment")
    linked = ReportVersion.objects.filter(attachment__isnull=False).values("attachment_id")
    Attachment.objects.filter(pk__in=linked).update(sha256="")


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0012_attachment_sha256"),
        ("reports", "0003_report_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportversion",
            name="attachment",
            field=models.OneToOneField(
                blank=True,
                help_text="本版本的PDF在主动公开条目中的附件：封存于本版本，不能更换或删除。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="disclosure.attachment",
                verbose_name="目录附件",
            ),
        ),
        migrations.RunPython(seal, unseal),
    ]
