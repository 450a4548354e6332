"""``manage.py verify_published`` (issue 16 point 2): every published report version's PDF, data
and HTML re-hashed against what was stored when it was published, its catalog attachment checked
to be that PDF, every sealed attachment re-hashed; each mismatch named, a non-zero exit on any.
The run on a restored backup is in ``tests/test_backup.py``."""

import importlib
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from disclosure.records import sealed
from disclosure.records import services as disclosure_services
from reports import services
from reports.models import ReportVersion
from tests.factories import SMALL_PDF, make_agency, make_manager
from tests.test_report_publish import make_ready_report


def verify() -> tuple[bool, str]:
    """Run the command; (passed, everything it printed)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_published", stdout=out, stderr=err)
    except CommandError as error:
        return False, f"{out.getvalue()}{err.getvalue()}{error}"
    return True, out.getvalue() + err.getvalue()


def rewrite(field_file, change=lambda b: b + b"%") -> None:
    path = Path(field_file.path)
    path.write_bytes(change(path.read_bytes()))


class VerifyPublishedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("verify", "核对局")
        cls.manager = make_manager("verify-manager", cls.agency)

    def setUp(self):
        # Files go to each test's own MEDIA_ROOT: published in every test.
        self.version = services.report_publish(
            report=make_ready_report(self.agency), user=self.manager
        )

    def test_it_passes_when_every_published_part_has_its_hash(self):
        passed, printed = verify()

        self.assertTrue(passed, printed)
        # PDF, data, HTML and catalog attachment of the version; its sealed attachment.
        self.assertIn("年度报告 4 项", printed)
        self.assertIn("封存附件 1 项", printed)

    def test_it_names_an_altered_pdf_and_fails(self):
        rewrite(self.version.pdf)

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn(f"不一致：{self.version.pdf.name}", printed)
        self.assertIn(self.version.pdf_sha256, printed)
        self.assertIn("核对未通过：1 处不一致", printed)

    def test_it_names_a_missing_pdf(self):
        Path(self.version.pdf.path).unlink()

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn(f"{self.version.pdf.name}", printed)
        self.assertIn("文件缺失", printed)

    def test_it_names_altered_data(self):
        data = {**self.version.data, "year": 1999}
        ReportVersion.objects.filter(pk=self.version.pk).update(data=data)

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn(f"ReportVersion #{self.version.pk} 报告数据（data）", printed)

    def test_it_names_altered_html(self):
        html = self.version.html.replace("核对局", "核対局")
        ReportVersion.objects.filter(pk=self.version.pk).update(html=html)

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn(f"ReportVersion #{self.version.pk} 报告正文（html）", printed)

    def test_it_names_an_altered_catalog_attachment(self):
        rewrite(self.version.attachment.file)

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn(f"不一致：{self.version.attachment.file.name}", printed)
        self.assertNotIn(f"不一致：{self.version.pdf.name}", printed)

    def test_it_fails_when_the_catalog_attachment_is_another_file(self):
        other = disclosure_services.attachment_add_sealed(
            disclosure=self.version.disclosure,
            title="另一个文件",
            filename="other.pdf",
            content=SMALL_PDF,
        )
        ReportVersion.objects.filter(pk=self.version.pk).update(attachment=other)

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn(f"{other.file.name}", printed)
        self.assertIn("目录附件不是本版本的PDF", printed)

    def test_it_fails_when_a_version_has_no_catalog_attachment(self):
        ReportVersion.objects.filter(pk=self.version.pk).update(attachment=None)

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn("没有目录附件", printed)

    def test_it_fails_when_a_hash_was_blanked(self):
        ReportVersion.objects.filter(pk=self.version.pk).update(html_sha256="")

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn("没有记录封存的校验和", printed)

    def test_it_names_every_mismatch_not_only_the_first(self):
        rewrite(self.version.pdf)
        ReportVersion.objects.filter(pk=self.version.pk).update(html="<p>改</p>")

        passed, printed = verify()

        self.assertFalse(passed)
        self.assertIn(self.version.pdf.name, printed)
        self.assertIn("报告正文（html）", printed)
        self.assertIn("核对未通过：2 处不一致", printed)

    def test_it_runs_a_check_registered_by_another_kind_of_document(self):
        # The extension point issued letters use (issue 15).
        def letters():
            yield sealed.Finding("某答复书", "letters/1.pdf", "SHA-256 与封存时不符")

        issued_letters = sealed.SEALED_CHECKS.get(sealed.LETTERS)  # the real one, put back
        sealed.register(sealed.LETTERS, letters)
        try:
            passed, printed = verify()
        finally:
            sealed.register(sealed.LETTERS, issued_letters)

        self.assertFalse(passed)
        self.assertIn("letters/1.pdf（某答复书）", printed)

    def test_it_seals_versions_published_before_the_html_hash_existed(self):
        migration = importlib.import_module("reports.migrations.0005_reportversion_html_sha256")
        ReportVersion.objects.filter(pk=self.version.pk).update(html_sha256="", data_sha256="")
        self.assertFalse(verify()[0])

        migration.seal(apps, None)

        version = ReportVersion.objects.get(pk=self.version.pk)
        self.assertEqual(version.html_sha256, self.version.html_sha256)
        self.assertEqual(version.data_sha256, self.version.data_sha256)
        self.assertTrue(verify()[0])
