"""Each published version's HTML gets its SHA-256 beside the PDF's and the data's, so
``verify_published`` can re-check all three (issue 16).

Versions published before have no hash of their HTML (nor of their data, if published before
``data_sha256`` existed): they are sealed with what is stored when this migration runs. A change
made before it is then not detected; every change after it is."""

import hashlib
import json

from django.db import migrations, models


def _canonical(data) -> bytes:
    # reports.services.canonical_json, as of this migration.
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def seal(apps, schema_editor):
    ReportVersion = apps.get_model("reports", "ReportVersion")
    for version in ReportVersion.objects.filter(html_sha256="").order_by("id").iterator():
        version.html_sha256 = hashlib.sha256(version.html.encode()).hexdigest()
        fields = ["html_sha256"]
        if not version.data_sha256:
            version.data_sha256 = hashlib.sha256(_canonical(version.data)).hexdigest()
            fields.append("data_sha256")
        version.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_reportversion_attachment_sealed"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportversion",
            name="html_sha256",
            field=models.CharField(
                blank=True,
                help_text="报告正文（HTML）UTF-8 编码后的 SHA-256。",
                max_length=64,
                verbose_name="正文校验和（SHA-256）",
            ),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
