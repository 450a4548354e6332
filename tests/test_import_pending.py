"""The admin import's uploaded file between preview and confirmation (security finding 6): kept
privately under a random token tied to the clerk's session, never a path from the client, and
deleted on confirmation, cancellation, a failed preview and expiry."""

import os
import stat
import tempfile
import time
import uuid
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from disclosure.ledger import pending
from disclosure.models import DisclosureRequest
from tests.factories import log_in

from .factories import ledger_csv, make_agency, make_clerk, make_user

HEADER = ["申请编号", "收到申请日期", "申请人类型", "申请人"]
IMPORT_URL = reverse("admin:disclosure_disclosurerequest_import")
CONFIRM_URL = reverse("admin:disclosure_disclosurerequest_process_import")
CANCEL_URL = reverse("admin:disclosure_disclosurerequest_import_cancel")
CASE_CONFIRM_URL = reverse("admin:disclosure_case_process_import")


class PendingImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency_a = make_agency("a", "甲机关")
        cls.agency_b = make_agency("b", "乙机关")
        cls.clerk_a = make_clerk("clerk-a", cls.agency_a)
        cls.clerk_b = make_clerk("clerk-b", cls.agency_b)

    def setUp(self):
        # A name no other file has: any copy of the upload left anywhere can be found by it.
        self.marker = f"申请人{uuid.uuid4().hex}"

    def ledger(self, *rows):
        return ledger_csv([HEADER, *(rows or [["A-1", "2020-03-02", "自然人", self.marker]])])

    def preview(self, client, agency, data=None, *, name="台账.csv"):
        return client.post(
            IMPORT_URL,
            {
                "agency": agency.pk,
                "import_file": SimpleUploadedFile(name, data or self.ledger()),
                "format": "0",
                "resource": "0",
            },
        )

    def confirmation(self, preview):
        form = preview.context["confirm_form"]
        self.assertIsNotNone(form, "the preview should offer the confirmation")
        return {name: form.initial.get(name, "") for name in form.fields}

    def stored_files(self):
        folder = Path(settings.LEDGER_PENDING_DIR)
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def copies_in_temp_folder(self):
        """Files in the system's temp folder holding the upload (import-export kept its files
        there, under a name the form showed)."""
        found = []
        for entry in os.scandir(tempfile.gettempdir()):
            try:
                if entry.is_file() and entry.stat().st_size < 1_000_000:
                    with open(entry.path, "rb") as f:
                        if self.marker.encode() in f.read():
                            found.append(entry.path)
            except OSError:
                pass  # another process's file, gone or unreadable
        return found

    def test_it_keeps_the_upload_privately_under_a_random_token(self):
        log_in(self.client, self.clerk_a)
        preview = self.preview(self.client, self.agency_a)
        token = self.confirmation(preview)["import_file_name"]
        self.assertEqual(self.stored_files(), [token])
        self.assertEqual(len(token), 43)
        folder = Path(settings.LEDGER_PENDING_DIR)
        self.assertEqual(stat.S_IMODE(folder.stat().st_mode), 0o700)
        self.assertEqual(stat.S_IMODE((folder / token).stat().st_mode), 0o600)
        page = preview.content.decode()
        self.assertNotIn(str(folder), page)
        self.assertNotIn(tempfile.gettempdir() + "/", page, "the page shows no server path")
        self.assertEqual(self.copies_in_temp_folder(), [])

    def test_it_deletes_the_file_once_confirmed(self):
        log_in(self.client, self.clerk_a)
        preview = self.preview(self.client, self.agency_a)
        done = self.client.post(CONFIRM_URL, self.confirmation(preview))
        self.assertRedirects(done, reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertEqual(DisclosureRequest.objects.get().applicant_name, self.marker)
        self.assertEqual(self.stored_files(), [])
        again = self.client.post(CONFIRM_URL, self.confirmation(preview))
        self.assertRedirects(again, IMPORT_URL, fetch_redirect_response=False)
        self.assertEqual(DisclosureRequest.objects.count(), 1, "a confirmation counts once")

    def test_it_deletes_the_file_when_the_clerk_cancels(self):
        log_in(self.client, self.clerk_a)
        preview = self.preview(self.client, self.agency_a)
        self.assertContains(preview, f'action="{CANCEL_URL}"')
        token = self.confirmation(preview)["import_file_name"]
        done = self.client.post(CANCEL_URL, {"import_file_name": token}, follow=True)
        self.assertContains(done, "已取消导入，上传的文件已删除")
        self.assertEqual(self.stored_files(), [])
        refused = self.client.post(CONFIRM_URL, self.confirmation(preview), follow=True)
        self.assertContains(refused, "这次导入已过期、已完成或已取消")
        self.assertEqual(DisclosureRequest.objects.count(), 0)

    def test_it_keeps_nothing_of_a_file_whose_preview_found_problems(self):
        log_in(self.client, self.clerk_a)
        bad_row = self.preview(
            self.client, self.agency_a, self.ledger(["A-1", "2020/3/2", "自然人", self.marker])
        )
        self.assertContains(bad_row, "发现问题，未保存任何记录")
        unreadable = self.preview(
            self.client, self.agency_a, b"\xd0\xcf\x11\xe0" + self.marker.encode()
        )
        self.assertContains(unreadable, "旧版 Excel")
        self.assertEqual(self.stored_files(), [])
        self.assertEqual(self.copies_in_temp_folder(), [])

    def test_it_refuses_another_clerks_pending_import(self):
        client_b = self.client_class()
        log_in(client_b, self.clerk_b)
        preview_b = self.preview(client_b, self.agency_b)
        stolen = self.confirmation(preview_b)

        log_in(self.client, self.clerk_a)
        for agency in (self.agency_a, self.agency_b):
            with self.subTest(agency=agency.code):
                response = self.client.post(CONFIRM_URL, {**stolen, "agency": agency.pk})
                self.assertRedirects(response, IMPORT_URL, fetch_redirect_response=False)
        cancel = self.client.post(CANCEL_URL, {"import_file_name": stolen["import_file_name"]})
        self.assertEqual(cancel.status_code, 302)
        self.assertEqual(DisclosureRequest.objects.count(), 0)
        self.assertEqual(self.stored_files(), [stolen["import_file_name"]], "B's file is B's")

        client_b.post(CONFIRM_URL, stolen)
        self.assertEqual(
            list(DisclosureRequest.objects.values_list("agency__code", "applicant_name")),
            [("b", self.marker)],
        )

    def test_it_stores_what_was_previewed_not_what_the_form_sends_back(self):
        log_in(self.client, self.clerk_a)
        preview = self.preview(self.client, self.agency_a, name="本机关台账.csv")
        data = self.confirmation(preview)
        data.update(original_file_name="别的文件.csv", update="on")
        self.client.post(CONFIRM_URL, data)
        history = DisclosureRequest.history.get()
        self.assertEqual(history.history_change_reason, "后台导入 本机关台账.csv")

    def test_it_confirms_a_token_only_for_the_ledger_it_was_previewed_for(self):
        log_in(self.client, self.clerk_a)
        data = self.confirmation(self.preview(self.client, self.agency_a))
        response = self.client.post(CASE_CONFIRM_URL, data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.stored_files(), [data["import_file_name"]], "still pending")
        self.client.post(CONFIRM_URL, data)
        self.assertEqual(DisclosureRequest.objects.count(), 1)

    def test_it_expires_pending_imports(self):
        log_in(self.client, self.clerk_a)
        data = self.confirmation(self.preview(self.client, self.agency_a))
        token = data["import_file_name"]
        session = self.client.session
        session[pending.SESSION_KEY][token]["stored_at"] -= settings.LEDGER_PENDING_MINUTES * 60 + 1
        session.save()
        refused = self.client.post(CONFIRM_URL, data, follow=True)
        self.assertContains(refused, "这次导入已过期")
        self.assertEqual(DisclosureRequest.objects.count(), 0)
        self.assertEqual(self.stored_files(), [])

    def test_it_deletes_abandoned_files_at_the_next_preview_and_by_command(self):
        client_b = self.client_class()
        log_in(client_b, self.clerk_b)
        abandoned = self.confirmation(self.preview(client_b, self.agency_b))["import_file_name"]
        old = time.time() - settings.LEDGER_PENDING_MINUTES * 60 - 1
        os.utime(Path(settings.LEDGER_PENDING_DIR) / abandoned, (old, old))

        log_in(self.client, self.clerk_a)
        fresh = self.confirmation(self.preview(self.client, self.agency_a))["import_file_name"]
        self.assertEqual(self.stored_files(), [fresh])

        os.utime(Path(settings.LEDGER_PENDING_DIR) / fresh, (old, old))
        out = StringIO()
        call_command("import_purge", stdout=out)
        self.assertIn("已删除 1 个", out.getvalue())
        self.assertEqual(self.stored_files(), [])

    def test_its_cancel_view_is_for_those_who_may_import(self):
        viewer = make_user("viewer", agencies=[self.agency_a])  # staff, but no role
        log_in(self.client, viewer)
        refused = self.client.get(IMPORT_URL).status_code
        self.assertIn(refused, (403, 404))
        self.assertEqual(
            self.client.post(CANCEL_URL, {"import_file_name": "x"}).status_code, refused
        )
        log_in(self.client, self.clerk_a)
        self.assertEqual(self.client.get(CANCEL_URL).status_code, 405)
        self.client.logout()
        self.assertEqual(self.client.post(CANCEL_URL).status_code, 302)  # to the login page
