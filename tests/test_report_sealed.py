"""A published report's PDF is sealed (security finding 7). Its catalog attachment is locked to
the version: the model and the admin refuse to replace, edit or delete it, and the database
refuses to delete it. Every way the PDF is sent (the public archive, the catalog attachment,
the admin's download, staff media) checks the stored bytes against the SHA-256 it was published
with: an altered file is refused with a Chinese 503 page and logged, never sent as genuine."""

import datetime
import hashlib
import importlib
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.test import TestCase
from django.urls import reverse

from disclosure.models import Attachment, Disclosure
from disclosure.records import services as disclosure_services
from disclosure.records.models import SEALED_MESSAGE
from reports import services
from tests.adminforms import admin_post_data
from tests.factories import (
    SMALL_PDF,
    log_in,
    make_agency,
    make_attachment,
    make_disclosure,
    make_manager,
    make_report_version,
    make_user,
)
from tests.test_report_publish import make_ready_report

OTHER_PDF = SMALL_PDF.replace(b"200 200", b"300 300")
LOGGER = "disclosure.records.uploads"


def alter_on_disk(field_file) -> None:
    """What an intruder or a careless operator does: rewrite the stored file in place."""
    path = Path(field_file.path)
    path.write_bytes(path.read_bytes().replace(b"200 200", b"999 999"))


class SealedReportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("sealed", "封存局")
        cls.manager = make_manager("sealed-manager", cls.agency)
        cls.root = make_user("sealed-root", superuser=True)
        cls.item = make_disclosure(
            cls.agency, category="annual-report", title="封存局2021年政府信息公开工作年度报告"
        )

    def setUp(self):
        # As report_publish leaves them (files go to each test's MEDIA_ROOT).
        self.version = make_report_version(
            self.agency, year=2021, pdf=SMALL_PDF, disclosure=self.item
        )
        self.attachment = disclosure_services.attachment_add_sealed(
            disclosure=self.item,
            title=self.version.title,
            filename="sealed-2021-v1.pdf",
            content=SMALL_PDF,
        )
        self.version.attachment = self.attachment
        self.version.save()
        self.change_url = reverse("admin:disclosure_disclosure_change", args=[self.item.pk])

    def stored_attachment(self) -> bytes:
        attachment = Attachment.objects.get(pk=self.attachment.pk)
        with attachment.file.open("rb") as handle:
            return handle.read()

    def test_it_seals_the_attachment_when_a_report_is_published(self):
        agency = make_agency("published", "发布局")
        version = services.report_publish(
            report=make_ready_report(agency), user=make_manager("publisher", agency)
        )
        attachment = version.attachment
        self.assertEqual(attachment.disclosure, version.disclosure)
        self.assertEqual(attachment.sha256, version.pdf_sha256)
        with attachment.file.open("rb") as handle:
            self.assertEqual(hashlib.sha256(handle.read()).hexdigest(), version.pdf_sha256)

    def test_it_refuses_to_replace_the_attachment_in_the_admin(self):
        log_in(self.client, self.manager)
        data = admin_post_data(self.client.get(self.change_url))
        data["attachments-0-file"] = SimpleUploadedFile("replacement.pdf", OTHER_PDF)
        response = self.client.post(self.change_url, data)
        self.assertEqual(response.status_code, 200, "the form should be shown again")
        self.assertContains(response, "不能更换、修改或删除")
        self.assertEqual(self.stored_attachment(), SMALL_PDF)

    def test_it_refuses_to_rename_the_attachment_in_the_admin(self):
        log_in(self.client, self.manager)
        data = admin_post_data(self.client.get(self.change_url))
        data["attachments-0-title"] = "另一份报告"
        response = self.client.post(self.change_url, data)
        self.assertContains(response, "不能更换、修改或删除")
        self.assertEqual(Attachment.objects.get(pk=self.attachment.pk).title, self.version.title)

    def test_it_refuses_to_delete_the_attachment_in_the_admin(self):
        log_in(self.client, self.manager)
        data = admin_post_data(self.client.get(self.change_url))
        data["attachments-0-DELETE"] = "on"
        response = self.client.post(self.change_url, data)
        self.assertEqual(response.status_code, 200, "the form should be shown again")
        # Django's own refusal of a protected object, naming the version that holds it.
        self.assertContains(response, "受保护的相关对象: 已发布年度报告")
        self.assertTrue(Attachment.objects.filter(pk=self.attachment.pk).exists())

    def test_it_still_lets_a_manager_edit_the_item_and_add_an_attachment(self):
        log_in(self.client, self.manager)
        data = admin_post_data(self.client.get(self.change_url), body="补充说明。")
        data.update(
            {
                "attachments-TOTAL_FORMS": "2",
                "attachments-1-title": "解读",
                "attachments-1-file": SimpleUploadedFile("解读.pdf", OTHER_PDF),
            }
        )
        response = self.client.post(self.change_url, data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Disclosure.objects.get(pk=self.item.pk).body, "补充说明。")
        self.assertEqual(self.item.attachments.count(), 2)
        self.assertEqual(self.stored_attachment(), SMALL_PDF)

    def test_the_model_refuses_a_new_file_title_or_seal(self):
        for field, value in [
            ("file", SimpleUploadedFile("replacement.pdf", OTHER_PDF)),
            ("title", "另一份报告"),
            ("sha256", hashlib.sha256(OTHER_PDF).hexdigest()),
            ("sha256", ""),  # an instance cannot unseal itself
        ]:
            with self.subTest(field=field, value=value):
                attachment = Attachment.objects.get(pk=self.attachment.pk)
                setattr(attachment, field, value)
                with self.assertRaises(ValidationError) as raised:
                    attachment.full_clean()
                self.assertIn(SEALED_MESSAGE, raised.exception.messages)

    def test_the_database_refuses_to_delete_the_attachment_or_its_item(self):
        with self.assertRaises(ProtectedError):
            Attachment.objects.get(pk=self.attachment.pk).delete()
        with self.assertRaises(ProtectedError):
            Disclosure.objects.get(pk=self.item.pk).delete()
        self.assertTrue(Attachment.objects.filter(pk=self.attachment.pk).exists())

    def test_it_sends_an_intact_pdf_everywhere(self):
        log_in(self.client, self.manager)
        for url in self.download_urls():
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(b"".join(response.streaming_content), SMALL_PDF)

    def test_it_refuses_and_logs_a_pdf_altered_on_disk(self):
        alter_on_disk(self.version.pdf)
        alter_on_disk(self.attachment.file)
        altered = hashlib.sha256(Path(self.version.pdf.path).read_bytes()).hexdigest()
        log_in(self.client, self.manager)
        for url in self.download_urls():
            with self.subTest(url=url), self.assertLogs(LOGGER, "WARNING") as logs:
                response = self.client.get(url)
                self.assertEqual(response.status_code, 503)
                self.assertNotIn("ETag", response)
                self.assertFalse(response.streaming)
                self.assertContains(response, "文件暂不能下载", status_code=503)
                self.assertNotIn(b"999 999", response.content)
                (line,) = logs.output
                self.assertIn(self.version.pdf_sha256, line)
                self.assertIn(altered, line)
                stored = (
                    self.attachment.file.name if "attachments" in url else self.version.pdf.name
                )
                self.assertIn(stored, line)

    def test_a_superuser_is_refused_the_altered_pdf_too(self):
        alter_on_disk(self.version.pdf)
        log_in(self.client, self.root)
        with self.assertLogs(LOGGER, "WARNING"):
            response = self.client.get(self.media_url(self.version.pdf.name))
        self.assertEqual(response.status_code, 503)

    def test_an_unsealed_attachment_is_sent_without_a_check(self):
        # An ordinary attachment has no published hash: it is sent as stored.
        other = make_attachment(self.item, title="解读", name="解读.pdf", content=OTHER_PDF)
        alter_on_disk(other.file)
        log_in(self.client, self.manager)
        response = self.client.get(self.media_url(other.file.name))
        self.assertEqual(response.status_code, 200)

    def download_urls(self) -> list[str]:
        return [
            reverse("disclosure:report_pdf", args=[self.agency.code, 2021, 1]),
            reverse(
                "disclosure:attachment_download",
                args=[self.agency.code, self.item.pk, self.attachment.pk],
            ),
            reverse("admin:reports_reportversion_pdf", args=[self.version.pk]),
            self.media_url(self.version.pdf.name),
            self.media_url(self.attachment.file.name),
        ]

    def media_url(self, name: str) -> str:
        return reverse("staff_media", args=[name])


class SealMigrationTests(TestCase):
    """Versions published before the seal find their attachment and are sealed with the hash
    they were published with, even when the file was already replaced."""

    migration = importlib.import_module("reports.migrations.0004_reportversion_attachment_sealed")

    def test_it_seals_the_attachment_of_each_existing_version(self):
        agency = make_agency("premig", "旧局")
        item = make_disclosure(agency, category="annual-report", published_on=datetime.date.today())
        first = make_report_version(agency, year=2020, disclosure=item)
        second = make_report_version(agency, year=2020, version=2, disclosure=item)
        make_attachment(item, title="说明", name="说明.pdf")
        v1 = make_attachment(item, title=first.title, name=f"{agency.code}-2020-v1.pdf")
        # Renamed by hand, and its file replaced: found by its file name, sealed all the same.
        v2 = make_attachment(
            item, title="改过的名字", name=f"{agency.code}-2020-v2.pdf", content=OTHER_PDF
        )

        self.migration.seal(apps, None)

        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual((first.attachment, second.attachment), (v1, v2))
        self.assertEqual(Attachment.objects.get(pk=v1.pk).sha256, first.pdf_sha256)
        self.assertEqual(Attachment.objects.get(pk=v2.pk).sha256, second.pdf_sha256)
        self.assertEqual(Attachment.objects.filter(sha256="").count(), 1)
        log_in(self.client, make_user("premig-root", superuser=True))
        with self.assertLogs(LOGGER, "WARNING"):
            response = self.client.get(reverse("staff_media", args=[v2.file.name]))
        self.assertEqual(response.status_code, 503)
