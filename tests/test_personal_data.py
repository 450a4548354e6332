"""Applicants' ID numbers and phones encrypted at rest (issue 12 point 5): no plaintext in any
table or in the SQLite file, masked unless the user may see personal data (each reveal logged),
key rotation, and the ledger still importing and exporting around them."""

import datetime
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse

from disclosure import crypto, ledger
from disclosure.audit.models import AccessEvent
from disclosure.clock.selectors import applicant_pieces_before
from disclosure.ledger import writing
from disclosure.models import DisclosureRequest
from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_submit
from disclosure.records import services
from tests.adminforms import admin_post_data
from tests.factories import ledger_csv, log_in, make_agency, make_clerk, make_event, make_request

ID_NUMBER = "33030219900101123X"
PHONE = "13912345678"
D = datetime.date


def grant_personal_data(user):
    user.user_permissions.add(Permission.objects.get(codename="view_personal_data"))


def raw_column(request, column):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM disclosure_disclosurerequest WHERE id = %s", [request.pk]
        )
        return cursor.fetchone()[0]


class PlaintextScanTests(TestCase):
    """A raw SELECT of every table finds no ID number or phone, whichever way it was written."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)

    def scan(self, needles) -> list[str]:
        """Every "table.column" whose raw value contains one of ``needles``."""
        found = []
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                columns = [c[0] for c in cursor.description]
                for row in cursor.fetchall():
                    for column, value in zip(columns, row, strict=True):
                        if isinstance(value, bytes | memoryview):
                            value = bytes(value).decode(errors="ignore")
                        if any(n in str(value) for n in needles):
                            found.append(f"{table}.{column}")
        return found

    def test_it_stores_no_id_number_or_phone_in_plain_text(self):
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosurerequest_add")
        data = admin_post_data(
            self.client.get(url),
            received_on="2024-04-01",
            applicant_type="natural_person",
            applicant_name="张三",
            applicant_id_number=ID_NUMBER,
            applicant_phone=PHONE,
        )
        self.assertEqual(self.client.post(url, data).status_code, 302)
        request = DisclosureRequest.objects.get()
        services.request_decide(request=request, outcome="granted", decided_on=D(2024, 4, 10))
        make_event(request, "fee_notice", D(2024, 4, 2), fee_basis="per_page", fee_quantity=40)
        make_request(self.agency, applicant_id_number=ID_NUMBER.lower(), applicant_phone=PHONE)

        self.assertEqual(self.scan({ID_NUMBER, ID_NUMBER.lower(), PHONE}), [])
        # The scan does find what is stored in plain text, and the values are all there.
        self.assertIn("disclosure_disclosurerequest.applicant_name", self.scan({"张三"}))
        self.assertIn("disclosure_historicaldisclosurerequest.applicant_name", self.scan({"张三"}))
        request.refresh_from_db()
        self.assertEqual((request.applicant_id_number, request.applicant_phone), (ID_NUMBER, PHONE))
        self.assertTrue(raw_column(request, "applicant_id_number").startswith("pd1$"))
        self.assertEqual(request.history.count(), 2)

    def test_it_refuses_to_look_up_an_encrypted_field_by_value(self):
        make_request(self.agency, applicant_id_number=ID_NUMBER)
        with self.assertRaises(FieldError):
            DisclosureRequest.objects.filter(applicant_id_number=ID_NUMBER).exists()
        with self.assertRaises(FieldError):
            DisclosureRequest.objects.filter(applicant_phone__contains="139").exists()
        self.assertFalse(DisclosureRequest.objects.filter(applicant_id_number="").exists())

    def test_a_changed_token_fails_instead_of_decrypting(self):
        request = make_request(self.agency, applicant_id_number=ID_NUMBER)
        token = raw_column(request, "applicant_id_number")
        forged = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE disclosure_disclosurerequest SET applicant_id_number = %s WHERE id = %s",
                [forged, request.pk],
            )
        with self.assertRaisesMessage(crypto.DecryptionError, "数据已损坏或被改动"):
            DisclosureRequest.objects.get(pk=request.pk)


class SqliteFileTests(TestCase):
    """The migration encrypts the rows a database already holds and drops the history's copies,
    and the SQLite file keeps no old plaintext page (a file database in another process)."""

    SCRIPT = """
import datetime, json, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

ID, PHONE, ID2, PHONE2 = {values}
call_command("migrate", "disclosure", "0009", verbosity=0)
state = MigrationExecutor(connection).loader.project_state(
    [("disclosure", "0009_request_case_date_bounds")]
)
Agency = state.apps.get_model("disclosure", "Agency")
Request = state.apps.get_model("disclosure", "DisclosureRequest")
History = state.apps.get_model("disclosure", "HistoricalDisclosureRequest")
agency = Agency.objects.create(code="a", name="甲机关")
old = Request.objects.create(
    agency=agency, number="2024-0001", received_on=datetime.date(2024, 4, 1),
    applicant_type="natural_person", applicant_name="张三",
    applicant_id_number=ID, applicant_phone=PHONE,
)
kept = {{f.attname for f in History._meta.fields}}
History.objects.create(
    **{{f.attname: getattr(old, f.attname) for f in Request._meta.fields if f.attname in kept}},
    history_date=timezone.now(), history_type="+",
)
call_command("migrate", verbosity=0)

from disclosure.clock.selectors import applicant_pieces_before
from disclosure.models import DisclosureRequest
from disclosure.records import services
migrated = DisclosureRequest.objects.get(number="2024-0001")
new = services.request_save(request=DisclosureRequest(
    agency_id=migrated.agency_id, received_on=datetime.date(2024, 4, 2),
    applicant_type="natural_person", applicant_name="张三",
    applicant_id_number=ID2, applicant_phone=PHONE2,
))
same = services.request_save(request=DisclosureRequest(
    agency_id=migrated.agency_id, received_on=datetime.date(2024, 4, 3),
    applicant_type="natural_person", applicant_name="张三", applicant_id_number=ID,
))
connection.close()
print(json.dumps([migrated.applicant_id_number, migrated.applicant_phone,
                  applicant_pieces_before(same)]))
"""

    def test_it_leaves_no_plaintext_in_the_sqlite_file(self):
        values = (ID_NUMBER, PHONE, "110101198001010011", "13800001111")
        with tempfile.TemporaryDirectory() as var:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env.update(VAR_DIR=var, DJANGO_SETTINGS_MODULE="disclosure.settings")
            done = subprocess.run(
                [sys.executable, "-c", self.SCRIPT.format(values=repr(values))],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            self.assertEqual(done.returncode, 0, done.stderr[-3000:])
            # After the migration the values read back, and the fee count finds the applicant.
            self.assertEqual(json.loads(done.stdout.splitlines()[-1]), [ID_NUMBER, PHONE, 1])
            files = list(Path(var).glob("db.sqlite3*"))
            data = b"".join(f.read_bytes() for f in files)
            self.assertIn("张三".encode(), data)  # the scan sees what is stored in plain text
            for value in values:
                with self.subTest(value=value):
                    self.assertNotIn(value.encode(), data)
            db = sqlite3.connect(Path(var) / "db.sqlite3")
            columns = {
                r[1]
                for r in db.execute("PRAGMA table_info(disclosure_historicaldisclosurerequest)")
            }
            db.close()
            self.assertFalse({"applicant_id_number", "applicant_phone"} & columns)


class KeyFileTests(TestCase):
    def test_it_generates_the_keys_once_into_var(self):
        script = (
            "from django.conf import settings; "
            "print(settings.PERSONAL_DATA_KEYS[0], settings.PERSONAL_DATA_INDEX_KEY)"
        )
        with tempfile.TemporaryDirectory() as var:
            env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONAL_DATA")}
            env.update(VAR_DIR=var, DJANGO_SETTINGS_MODULE="disclosure.settings")
            runs = [
                subprocess.run(
                    [sys.executable, "-c", script],
                    cwd=settings.BASE_DIR,
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                for _ in range(2)
            ]
            self.assertEqual(runs[0], runs[1])
            key = Path(var) / "personal_data_key"
            self.assertEqual(key.stat().st_mode & 0o777, 0o600)
            crypto.Keyring((key.read_text().strip(),))  # a valid key


class RevealTests(TestCase):
    """Masked for a clerk without "view personal data"; in full, and logged, for one with it."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.trusted = make_clerk("trusted", cls.agency)
        grant_personal_data(cls.trusted)
        cls.request = make_request(
            cls.agency,
            number="2020-0007",
            applicant_name="张三",
            applicant_id_number=ID_NUMBER,
            applicant_phone=PHONE,
        )

    def change_url(self):
        return reverse("admin:disclosure_disclosurerequest_change", args=[self.request.pk])

    def test_it_masks_the_id_number_and_phone_without_the_permission(self):
        log_in(self.client, self.clerk)
        with self.assertNoLogs("disclosure.personal", "INFO"):
            page = self.client.get(self.change_url())
            listing = self.client.get(reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertContains(page, "330***********123X")
        self.assertContains(page, "139****5678")
        for response in (page, listing):
            self.assertNotContains(response, ID_NUMBER)
            self.assertNotContains(response, PHONE)

    def test_saving_without_the_permission_keeps_the_stored_values(self):
        log_in(self.client, self.clerk)
        data = admin_post_data(self.client.get(self.change_url()), subject="改过的内容")
        self.assertEqual(self.client.post(self.change_url(), data).status_code, 302)
        self.request.refresh_from_db()
        self.assertEqual(self.request.subject, "改过的内容")
        self.assertEqual(
            (self.request.applicant_id_number, self.request.applicant_phone), (ID_NUMBER, PHONE)
        )

    def test_a_clerk_without_the_permission_can_enter_an_id_number(self):
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosurerequest_add")
        data = admin_post_data(
            self.client.get(url),
            received_on="2024-04-01",
            applicant_type="natural_person",
            applicant_id_number="110101198001010011",
        )
        self.assertEqual(self.client.post(url, data).status_code, 302)
        added = DisclosureRequest.objects.get(received_on=D(2024, 4, 1))
        self.assertEqual(added.applicant_id_number, "110101198001010011")

    def reveals(self):
        return list(
            AccessEvent.objects.filter(action=AccessEvent.Action.PERSONAL_DATA).order_by("pk")
        )

    def test_it_shows_the_full_values_with_the_permission_and_audits_each_reveal(self):
        log_in(self.client, self.trusted)
        page = self.client.get(self.change_url())
        self.assertContains(page, ID_NUMBER)
        self.assertContains(page, PHONE)
        rows = self.reveals()
        self.assertEqual(len(rows), 2)
        for row in rows:
            self.assertEqual((row.username, row.object_id), ("trusted", self.request.pk))
            self.assertIn("2020-0007", row.detail)
            self.assertNotIn(ID_NUMBER, row.detail)
            self.assertNotIn(PHONE, row.detail)
        self.assertIn("证件号码", rows[0].detail)
        self.assertIn("联系电话", rows[1].detail)

    def test_a_past_version_is_masked_or_audited_too(self):
        version = self.request.history.latest()
        url = reverse(
            "admin:disclosure_disclosurerequest_simple_history",
            args=[self.request.pk, version.history_id],
        )
        log_in(self.client, self.clerk)
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, ID_NUMBER)
        self.assertEqual(self.reveals(), [])
        log_in(self.client, self.trusted)
        self.client.get(url)
        self.assertEqual(len(self.reveals()), 2)


class KeyRotationTests(TestCase):
    OLD, NEW = crypto.generate_key(), crypto.generate_key()

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()

    def test_it_reencrypts_every_value_with_the_new_key(self):
        with override_settings(PERSONAL_DATA_KEYS=[self.OLD]):
            request = make_request(
                self.agency, applicant_id_number=ID_NUMBER, applicant_phone=PHONE
            )
            make_request(self.agency)  # nothing to encrypt
        with override_settings(PERSONAL_DATA_KEYS=[self.NEW]):
            with self.assertRaisesMessage(crypto.DecryptionError, crypto.key_id(self.OLD)):
                DisclosureRequest.objects.get(pk=request.pk)
        out = StringIO()
        with override_settings(PERSONAL_DATA_KEYS=[self.NEW, self.OLD]):
            call_command("personal_data_rotate", stdout=out)
        self.assertIn("重新加密 2 个值", out.getvalue())
        with override_settings(PERSONAL_DATA_KEYS=[self.NEW]):
            request = DisclosureRequest.objects.get(pk=request.pk)
            self.assertEqual(
                (request.applicant_id_number, request.applicant_phone), (ID_NUMBER, PHONE)
            )
            self.assertTrue(
                raw_column(request, "applicant_phone").startswith(f"pd1${crypto.key_id(self.NEW)}$")
            )
            out = StringIO()
            call_command("personal_data_rotate", stdout=out)  # nothing left to do
            self.assertIn("重新加密 0 个值", out.getvalue())

    def test_it_reencrypts_the_online_applications_waiting_in_the_queue(self):
        with override_settings(PERSONAL_DATA_KEYS=[self.OLD]):
            application, _password = application_submit(
                application=OnlineApplication(
                    agency=self.agency,
                    applicant_kind="citizen",
                    applicant_type="natural_person",
                    name="网上申请人",
                    id_type="passport",
                    id_number="E12345678",
                    phone=PHONE,
                    address="某路1号",
                    description="网上申请",
                    form_wanted="paper",
                    delivery="pickup",
                    consent=True,
                )
            )
        out = StringIO()
        with override_settings(PERSONAL_DATA_KEYS=[self.NEW, self.OLD]):
            call_command("personal_data_rotate", stdout=out)
        self.assertIn("网上申请 2 个值", out.getvalue())
        with override_settings(PERSONAL_DATA_KEYS=[self.NEW]):  # the old key removed
            application = OnlineApplication.objects.get(pk=application.pk)
            self.assertEqual((application.id_number, application.phone), ("E12345678", PHONE))

    def test_it_refuses_when_a_key_is_missing_and_writes_nothing(self):
        with override_settings(PERSONAL_DATA_KEYS=[self.OLD]):
            request = make_request(self.agency, applicant_id_number=ID_NUMBER)
        before = raw_column(request, "applicant_id_number")
        with override_settings(PERSONAL_DATA_KEYS=[self.NEW]):
            with self.assertRaisesMessage(Exception, "未改动任何数据"):
                call_command("personal_data_rotate", stdout=StringIO())
        self.assertEqual(raw_column(request, "applicant_id_number"), before)

    def test_it_recomputes_the_keyed_hashes_after_the_index_key_changed(self):
        first = make_request(self.agency, applicant_name="张三", applicant_id_number=ID_NUMBER)
        later = make_request(self.agency, applicant_name="张三", applicant_id_number=ID_NUMBER)
        self.assertEqual(applicant_pieces_before(later), 1)
        with override_settings(PERSONAL_DATA_INDEX_KEY="another-index-key-" + "x" * 32):
            self.assertEqual(applicant_pieces_before(later), 0)  # stale hashes
            out = StringIO()
            call_command("personal_data_rotate", stdout=out)
            self.assertIn("更新 2 个密钥散列", out.getvalue())
            self.assertEqual(applicant_pieces_before(later), 1)
        self.assertNotEqual(first.pk, later.pk)

    def test_it_prints_a_new_key(self):
        out = StringIO()
        call_command("personal_data_rotate", "--generate", stdout=out)
        crypto.Keyring((out.getvalue().strip(),))


class LedgerTests(TestCase):
    """The ledger's columns hold no ID number or phone (docs/interchange.md); importing and
    exporting around them keeps them, and the bulk writer encrypts like ``save()``."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()

    def test_an_export_reimports_without_touching_the_encrypted_fields(self):
        request = make_request(
            self.agency, number="A-1", applicant_id_number=ID_NUMBER, applicant_phone=PHONE
        )
        rows = [
            [c.header for c in ledger.REQUESTS.columns],
            ledger.export_row(ledger.REQUESTS, request),
        ]
        rows[1][5] = "更正后的申请内容"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ledger.csv"
            path.write_bytes(ledger_csv(rows))
            out = StringIO()
            call_command(
                "import_requests", "--agency", self.agency.code, "--update", str(path), stdout=out
            )
        self.assertIn("更新 1 条", out.getvalue())
        request.refresh_from_db()
        self.assertEqual(request.subject, "更正后的申请内容")
        self.assertEqual((request.applicant_id_number, request.applicant_phone), (ID_NUMBER, PHONE))
        self.assertEqual(ledger.export_row(ledger.REQUESTS, request)[5], "更正后的申请内容")
        self.assertEqual(request.history.count(), 2)  # the import's history row, copied in SQL

    def test_the_bulk_insert_encrypts_and_indexes(self):
        obj = DisclosureRequest(
            agency=self.agency,
            number="B-1",
            received_on=D(2024, 4, 1),
            applicant_type="natural_person",
            applicant_name="张三",
            applicant_id_number=ID_NUMBER,
            applicant_phone=PHONE,
        )
        writing._insert(DisclosureRequest, [obj])
        self.assertTrue(raw_column(obj, "applicant_id_number").startswith("pd1$"))
        self.assertTrue(raw_column(obj, "applicant_phone").startswith("pd1$"))
        self.assertEqual(raw_column(obj, "applicant_id_index"), crypto.blind_index(ID_NUMBER))
        stored = DisclosureRequest.objects.get(pk=obj.pk)
        self.assertEqual((stored.applicant_id_number, stored.applicant_phone), (ID_NUMBER, PHONE))
