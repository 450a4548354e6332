"""URLs the site keeps for itself: agency codes cannot take them, and uploaded files are for
staff only (the public gets published files through views that check publication)."""

from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.test import TestCase

from disclosure.models import Agency, Attachment
from tests.factories import log_in, make_agency, make_clerk, make_disclosure


class ReservedAgencyCodeTests(TestCase):
    def test_it_refuses_an_agency_code_that_shadows_the_admin(self):
        with self.assertRaisesMessage(CommandError, "机关代码不能使用网站保留的名称"):
            call_command("agency_add", "admin", "某机关")
        with self.assertRaises(IntegrityError):
            Agency.objects.create(code="media", name="某机关")


class StaffMediaTests(TestCase):
    def test_it_serves_uploaded_files_only_to_staff_of_their_agency(self):
        agency = make_agency()
        draft = make_disclosure(agency, status="draft")
        attachment = Attachment(disclosure=draft, title="草稿附件")
        attachment.file.save("draft.txt", ContentFile("草稿内容".encode()))
        url = attachment.file.url

        anonymous = self.client.get(url)
        self.assertEqual(anonymous.status_code, 302)
        self.assertIn("/admin/login/", anonymous["Location"])

        log_in(self.client, make_clerk("other-clerk", make_agency()))
        self.assertEqual(self.client.get(url).status_code, 404)

        log_in(self.client, make_clerk("clerk", agency))
        response = self.client.get(url)
        self.assertEqual(b"".join(response.streaming_content), "草稿内容".encode())
