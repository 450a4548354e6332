"""Attachments are checked by content on upload (an allowlist of office/PDF/image/ZIP types, a
size limit) and every stored file is served as a download that a browser never renders: an
uploaded HTML or SVG page must not run script on the admin's origin."""

from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse

from disclosure.models import Attachment
from disclosure.pdf import html_to_pdf
from tests.adminforms import admin_post_data
from tests.factories import (
    SMALL_PDF,
    log_in,
    make_agency,
    make_attachment,
    make_clerk,
    make_disclosure,
    make_report_version,
)

EVIL_HTML = (
    b"<!doctype html><script>fetch('/admin/auth/user/1/change/',"
    b"{method:'POST',body:'is_superuser=on'})</script>"
)
EVIL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)">'
    b"<script>alert(1)</script></svg>"
)


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class AdminUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("agency-up", "上传局")
        cls.clerk = make_clerk("up-clerk", cls.agency)
        cls.draft = make_disclosure(cls.agency, title="草稿信息", status="draft")

    def setUp(self):
        log_in(self.client, self.clerk)
        self.url = reverse("admin:disclosure_disclosure_change", args=[self.draft.pk])

    def post_attachment(self, name, content):
        data = admin_post_data(self.client.get(self.url))
        data.update(
            {
                "attachments-TOTAL_FORMS": "1",
                "attachments-INITIAL_FORMS": "0",
                "attachments-0-title": "附件",
                "attachments-0-file": SimpleUploadedFile(name, content),
            }
        )
        return self.client.post(self.url, data)

    def attachment_errors(self, response) -> str:
        self.assertEqual(response.status_code, 200, "the form should be shown again")
        formset = response.context["inline_admin_formsets"][0].formset
        return " ".join(str(e) for e in formset.errors)

    def test_it_refuses_html_and_svg_attachments_and_stores_nothing(self):
        for name, content in [("x.html", EVIL_HTML), ("x.svg", EVIL_SVG), ("x.htm", EVIL_HTML)]:
            with self.subTest(name=name):
                response = self.post_attachment(name, content)
                errors = self.attachment_errors(response)
                self.assertIn("只能上传", errors)
                self.assertIn("PDF", errors)
                self.assertContains(response, "只能上传")
                self.assertFalse(Attachment.objects.exists())
                self.assertEqual(media_files(), [])

    def test_it_refuses_a_pdf_whose_content_is_html(self):
        response = self.post_attachment("report.pdf", EVIL_HTML)
        self.assertIn("内容与扩展名", self.attachment_errors(response))
        self.assertFalse(Attachment.objects.exists())
        self.assertEqual(media_files(), [])

    def test_it_refuses_office_and_image_names_with_other_content(self):
        for name in ["a.docx", "a.doc", "a.png", "a.jpg", "a.zip", "a.ofd", "a.wps"]:
            with self.subTest(name=name):
                response = self.post_attachment(name, SMALL_PDF)
                self.assertIn("内容与扩展名", self.attachment_errors(response))
                self.assertFalse(Attachment.objects.exists())

    def test_it_accepts_a_real_pdf(self):
        response = self.post_attachment("实施细则.pdf", SMALL_PDF)
        self.assertEqual(response.status_code, 302)
        attachment = Attachment.objects.get()
        self.assertEqual(attachment.disclosure, self.draft)
        with attachment.file.open("rb") as handle:
            self.assertEqual(handle.read(), SMALL_PDF)

    def test_it_accepts_each_allowed_family_by_content(self):
        samples = {
            "a.docx": b"PK\x03\x04" + b"\0" * 40,
            "a.ofd": b"PK\x03\x04" + b"\0" * 40,
            "a.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40,
            "a.et": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40,
            "a.JPG": b"\xff\xd8\xff\xe0" + b"\0" * 40,
            "a.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
        }
        for name, content in samples.items():
            with self.subTest(name=name):
                attachment = Attachment(
                    disclosure=self.draft, file=SimpleUploadedFile(name, content)
                )
                attachment.full_clean()

    @override_settings(ATTACHMENT_MAX_MB=1)
    def test_it_refuses_an_attachment_over_the_size_limit(self):
        big = SMALL_PDF + b"\0" * (1024 * 1024)
        response = self.post_attachment("big.pdf", big)
        errors = self.attachment_errors(response)
        self.assertIn("不能超过 1 MB", errors)
        self.assertFalse(Attachment.objects.exists())
        self.assertEqual(media_files(), [])


class StaffMediaHeadersTests(TestCase):
    def test_it_serves_a_legacy_html_file_as_a_sandboxed_download(self):
        agency = make_agency()
        draft = make_disclosure(agency, status="draft")
        # As an old database might hold it: stored before uploads were checked.
        legacy = Attachment(disclosure=draft, title="旧附件")
        legacy.file.save("x.html", ContentFile(EVIL_HTML))
        log_in(self.client, make_clerk("media-clerk", agency))

        response = self.client.get(legacy.file.url)

        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Security-Policy"], "sandbox")
        self.assertEqual(response["Cache-Control"], "no-store")
        self.assertNotIn("html", response["Content-Type"])
        self.assertEqual(response["Content-Type"], "application/octet-stream")

    def test_it_serves_a_legacy_svg_file_as_octet_stream(self):
        agency = make_agency()
        draft = make_disclosure(agency, status="draft")
        legacy = Attachment(disclosure=draft)
        legacy.file.save("x.svg", ContentFile(EVIL_SVG))
        log_in(self.client, make_clerk("media-clerk", agency))

        response = self.client.get(legacy.file.url)

        self.assertEqual(response["Content-Type"], "application/octet-stream")
        self.assertEqual(response["Content-Security-Policy"], "sandbox")

    def test_it_keeps_the_type_of_an_allowed_file(self):
        agency = make_agency()
        attachment = make_attachment(make_disclosure(agency, status="draft"), name="a.pdf")
        log_in(self.client, make_clerk("media-clerk", agency))

        response = self.client.get(attachment.file.url)

        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")


class PublicDownloadHeadersTests(TestCase):
    def assert_sandboxed_download(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Security-Policy"], "sandbox")

    def test_it_sends_attachments_of_published_items_sandboxed(self):
        agency = make_agency("pubdl", "公开局")
        item = make_disclosure(agency)
        attachment = make_attachment(item, name="rules.pdf")
        url = reverse("disclosure:attachment_download", args=[agency.code, item.pk, attachment.pk])
        response = self.client.get(url)
        self.assert_sandboxed_download(response)
        self.assertEqual(response["Content-Type"], "application/pdf")

    def test_it_never_sends_a_legacy_html_attachment_as_html(self):
        agency = make_agency("pubdl", "公开局")
        item = make_disclosure(agency)
        legacy = Attachment(disclosure=item, title="旧页面")
        legacy.file.save("old.html", ContentFile(EVIL_HTML))
        url = reverse("disclosure:attachment_download", args=[agency.code, item.pk, legacy.pk])
        response = self.client.get(url)
        self.assert_sandboxed_download(response)
        self.assertEqual(response["Content-Type"], "application/octet-stream")

    def test_it_sends_report_pdfs_sandboxed(self):
        agency = make_agency("pubrep", "报告局")
        make_report_version(agency, year=2020)
        response = self.client.get(reverse("disclosure:report_pdf", args=["pubrep", 2020, 1]))
        self.assert_sandboxed_download(response)
        self.assertEqual(response["Content-Type"], "application/pdf")


class ReportAttachmentTests(TestCase):
    def test_it_accepts_the_pdf_the_report_publisher_attaches(self):
        pdf = html_to_pdf("<p>测试</p>")
        item = make_disclosure(make_agency(), status="draft")
        attachment = Attachment(disclosure=item, file=SimpleUploadedFile("r.pdf", pdf))
        attachment.full_clean()
