"""The access audit log: every rendered decision letter leaves one row; the log is read-only in
the admin, filterable and exportable as spreadsheet-safe CSV; prune keeps six months at least."""

import csv
import datetime
import io
import shutil
import unittest

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from disclosure.audit.checks import check_audit_settings
from disclosure.audit.export import csv_safe
from disclosure.audit.models import AccessEvent
from disclosure.audit.services import audit_record, client_address
from disclosure.models import DisclosureRequest
from disclosure.records import services
from tests.factories import log_in, make_agency, make_clerk, make_request, make_user

D = datetime.date
Action = AccessEvent.Action


def decided_request(agency, **kwargs):
    request = make_request(
        agency, received_on=D(2024, 9, 20), applicant_name="张三丰", number="2024-017", **kwargs
    )
    return services.request_decide(
        request=request, outcome="unavailable_not_held", decided_on=D(2024, 10, 9)
    )


def letter_url(name, request):
    return reverse(f"admin:disclosure_disclosurerequest_{name}", args=[request.pk])


def event(*, action=Action.LETTER, at=None, **kwargs):
    """A row as if written at ``at`` (the service writes the current time)."""
    return AccessEvent.objects.create(action=action, at=at or timezone.now(), **kwargs)


class LetterHookTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="温州市机关事务管理局")
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = decided_request(cls.agency)
        cls.other_request = decided_request(make_agency())

    def setUp(self):
        log_in(self.client, self.clerk)

    def test_it_records_a_letter_preview_once_with_user_record_and_address(self):
        response = self.client.get(letter_url("letter", self.request), REMOTE_ADDR="203.0.113.7")
        self.assertContains(response, "张三丰：")
        row = AccessEvent.objects.exclude(action=Action.LOGIN).get()
        self.assertEqual(row.action, Action.LETTER)
        self.assertEqual((row.user_id, row.username), (self.clerk.pk, "clerk"))
        self.assertEqual(row.address, "203.0.113.7")
        self.assertEqual(row.content_type, ContentType.objects.get_for_model(DisclosureRequest))
        self.assertEqual((row.object_id, row.agency_id), (self.request.pk, self.agency.pk))
        self.assertEqual(row.detail, "2024-017 预览")
        self.assertLess(timezone.now() - row.at, datetime.timedelta(minutes=1))

    @unittest.skipUnless(shutil.which("pdftotext"), "poppler-utils not installed")
    def test_it_records_a_letter_pdf(self):
        response = self.client.get(letter_url("letter_pdf", self.request))
        self.assertEqual(response["Content-Type"], "application/pdf")
        row = AccessEvent.objects.exclude(action=Action.LOGIN).get()
        self.assertEqual((row.action, row.object_id), (Action.LETTER, self.request.pk))
        self.assertEqual(row.detail, "2024-017 PDF")

    def test_it_records_nothing_when_no_letter_is_rendered(self):
        undecided = make_request(self.agency, received_on=D(2024, 9, 20))
        self.assertContains(self.client.get(letter_url("letter", undecided)), "还不能生成答复书")
        self.client.get(letter_url("letter_pdf", undecided))
        for name in ("letter", "letter_pdf"):
            self.assertEqual(self.client.get(letter_url(name, self.other_request)).status_code, 404)
        self.assertFalse(AccessEvent.objects.exclude(action=Action.LOGIN).exists())


class RecordAndExportHookTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="温州市机关事务管理局")
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = decided_request(cls.agency)

    def setUp(self):
        log_in(self.client, self.clerk)

    def test_it_records_a_view_of_a_request_change_page(self):
        url = reverse("admin:disclosure_disclosurerequest_change", args=[self.request.pk])
        self.assertContains(self.client.get(url, REMOTE_ADDR="203.0.113.7"), "2024-017")
        row = AccessEvent.objects.get(action=Action.REQUEST_VIEW)
        self.assertEqual(
            (row.object_id, row.agency_id, row.user_id, row.address, row.detail),
            (self.request.pk, self.agency.pk, self.clerk.pk, "203.0.113.7", "2024-017"),
        )

    def test_it_records_a_ledger_export(self):
        url = reverse("admin:disclosure_disclosurerequest_export")
        response = self.client.post(
            url, {"format": "0", "resource": "0"}, REMOTE_ADDR="203.0.113.7"
        )
        self.assertEqual(response.status_code, 200)
        row = AccessEvent.objects.exclude(action=Action.LOGIN).get()
        self.assertEqual(
            (row.action, row.agency_id, row.user_id, row.address, row.detail),
            (
                Action.LEDGER_EXPORT,
                self.agency.pk,
                self.clerk.pk,
                "203.0.113.7",
                "requests csv 1 条",
            ),
        )


class ServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.user = make_clerk("clerk", cls.agency)
        cls.request = make_request(cls.agency, applicant_name="李四")

    def http_request(self, **meta):
        request = RequestFactory().get("/admin/", **meta)
        request.user = self.user
        return request

    def test_it_costs_one_insert(self):
        ContentType.objects.get_for_model(DisclosureRequest)  # cached once per process
        http_request = self.http_request()
        with self.assertNumQueries(1):
            audit_record(request=http_request, action=Action.REQUEST_VIEW, obj=self.request)

    def test_it_takes_the_agency_given_or_none(self):
        http_request = self.http_request()
        row = audit_record(request=http_request, action=Action.LEDGER_EXPORT, agency=self.agency)
        self.assertEqual(
            (row.agency_id, row.content_type_id, row.object_id), (self.agency.pk, None, None)
        )
        row = audit_record(request=http_request, action=Action.LEDGER_EXPORT, detail="x" * 500)
        self.assertIsNone(row.agency_id)
        self.assertEqual(len(row.detail), 200)

    def test_it_ignores_x_forwarded_for_without_a_trusted_proxy(self):
        request = self.http_request(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
        self.assertEqual(client_address(request), "203.0.113.7")

    @override_settings(TRUSTED_PROXY_COUNT=1)
    def test_it_reads_the_entry_the_trusted_proxy_appended(self):
        forged = self.http_request(
            REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9"
        )
        self.assertEqual(client_address(forged), "198.51.100.9")
        self.assertEqual(client_address(self.http_request(REMOTE_ADDR="10.0.0.2")), "10.0.0.2")
        garbage = self.http_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="<script>")
        self.assertEqual(client_address(garbage), "10.0.0.2")

    @override_settings(TRUSTED_PROXY_COUNT=2)
    def test_it_counts_the_proxies_from_the_right(self):
        request = self.http_request(
            REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 2001:db8::1, 10.0.0.2"
        )
        self.assertEqual(client_address(request), "2001:db8::1")
        # Fewer entries than proxies: the request did not come through them all.
        short = self.http_request(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6")
        self.assertEqual(client_address(short), "10.0.0.3")

    def test_the_database_refuses_an_unknown_action_and_half_a_record(self):
        for kwargs in ({"action": "peek"}, {"action": Action.LETTER, "object_id": 1}):
            with self.subTest(**kwargs), self.assertRaises(IntegrityError), transaction.atomic():
                AccessEvent.objects.create(**kwargs)

    def test_it_keeps_the_rows_of_a_deleted_user(self):
        audit_record(request=self.http_request(), action=Action.REQUEST_VIEW, obj=self.request)
        user_id = self.user.pk
        self.user.delete()
        row = AccessEvent.objects.get()
        self.assertEqual((row.user_id, row.username), (user_id, "clerk"))


class AdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="温州市机关事务管理局")
        cls.other_agency = make_agency(name="温州市财政局")
        cls.superuser = make_user("root", superuser=True)
        cls.auditor = make_user("auditor")
        cls.auditor.user_permissions.add(Permission.objects.get(codename="view_accessevent"))
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = decided_request(cls.agency)
        ct = ContentType.objects.get_for_model(DisclosureRequest)
        record = {"content_type": ct, "object_id": cls.request.pk, "agency": cls.agency}
        cls.letter = event(user=cls.clerk, username="clerk", detail="2024-017 预览", **record)
        cls.view = event(action=Action.REQUEST_VIEW, username="clerk", **record)
        cls.ledger_export = event(
            action=Action.LEDGER_EXPORT, username="manager", agency=cls.other_agency
        )

    def changelist(self, query=""):
        return reverse("admin:audit_accessevent_changelist") + query

    def export(self, query=""):
        return self.client.get(reverse("admin:audit_accessevent_export") + query)

    def test_a_system_administrator_and_a_superuser_see_it_a_clerk_does_not(self):
        for user in (self.auditor, self.superuser):
            with self.subTest(user=user.username):
                log_in(self.client, user)
                self.assertEqual(self.client.get(self.changelist()).status_code, 200)
                self.assertEqual(self.export().status_code, 200)
        log_in(self.client, self.clerk)
        # Refused (the admin site answers 404 where Django says 403: disclosure/access.py).
        self.assertIn(self.client.get(self.changelist()).status_code, (403, 404))
        self.assertIn(self.export().status_code, (403, 404))
        self.assertFalse(AccessEvent.objects.filter(user=self.clerk, action="audit_export"))

    def test_nobody_adds_changes_or_deletes_a_row_not_even_a_superuser(self):
        log_in(self.client, self.superuser)
        response = self.client.get(self.changelist())
        self.assertNotContains(response, reverse("admin:audit_accessevent_add"))
        self.assertNotContains(response, 'name="action"')  # no bulk delete
        pk = self.letter.pk
        posts = {
            reverse("admin:audit_accessevent_add"): {"action": "letter", "username": "x"},
            reverse("admin:audit_accessevent_change", args=[pk]): {"username": "x"},
            reverse("admin:audit_accessevent_delete", args=[pk]): {"post": "yes"},
        }
        for url, data in posts.items():
            with self.subTest(url=url):
                self.assertIn(self.client.post(url, data).status_code, (403, 404))
        self.client.post(self.changelist(), {"action": "delete_selected", "_selected_action": [pk]})
        self.assertEqual(AccessEvent.objects.exclude(action=Action.LOGIN).count(), 3)
        self.assertEqual(AccessEvent.objects.get(pk=pk).username, "clerk")
        # The change page shows the row, read-only.
        response = self.client.get(reverse("admin:audit_accessevent_change", args=[pk]))
        self.assertContains(response, "2024-017 预览")
        self.assertNotContains(response, 'name="username"')

    def test_it_filters_by_action_user_agency_and_date_and_searches(self):
        log_in(self.client, self.auditor)
        login = AccessEvent.objects.get(action=Action.LOGIN)  # the auditor's, just now
        today = timezone.localdate()
        cases = {
            "?action=letter": {self.letter},
            f"?user__id__exact={self.clerk.pk}": {self.letter},
            f"?agency__id__exact={self.other_agency.pk}": {self.ledger_export},
            f"?at__day={today.day}&at__month={today.month}&at__year={today.year}": {
                self.letter,
                self.view,
                self.ledger_export,
                login,
            },
            "?q=2024-017": {self.letter},
            "?q=manager": {self.ledger_export},
        }
        for query, expected in cases.items():
            with self.subTest(query=query):
                response = self.client.get(self.changelist(query))
                self.assertEqual(set(response.context["cl"].result_list), expected)
                # The export link carries the same filters.
                export = reverse("admin:audit_accessevent_export")
                self.assertContains(response, f'href="{export}{escape(query)}"')

    def test_the_list_page_costs_the_same_for_more_rows(self):
        log_in(self.client, self.auditor)
        self.client.get(self.changelist())  # warm the per-process caches
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.changelist())
        for n in range(30):
            event(username=f"u{n}", content_type=self.letter.content_type, object_id=n)
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(self.changelist())

    def test_the_export_is_the_filtered_list_and_is_logged_without_the_search_words(self):
        log_in(self.client, self.auditor)
        response = self.export("?action=letter&q=2024")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        text = b"".join(response.streaming_content).decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"))
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        self.assertEqual(rows[0][:5], ["时间", "用户名", "用户ID", "访问地址", "操作"])
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][1:3], ["clerk", str(self.clerk.pk)])
        self.assertEqual(
            rows[1][4:9],
            [
                "生成答复书",
                "依申请公开",
                str(self.request.pk),
                "温州市机关事务管理局",
                "2024-017 预览",
            ],
        )
        logged = AccessEvent.objects.get(action=Action.AUDIT_EXPORT)
        self.assertEqual((logged.user_id, logged.detail), (self.auditor.pk, "CSV action=letter"))

    def test_the_csv_export_neutralises_a_formula(self):
        formulas = [
            '=HYPERLINK("http://evil.example","x")',
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ]
        for text in formulas:
            event(username=text, detail=text)
        log_in(self.client, self.auditor)
        text = b"".join(self.export("?action=letter").streaming_content).decode("utf-8-sig")
        cells = {cell for row in csv.reader(io.StringIO(text)) for cell in row}
        for formula in formulas:
            with self.subTest(formula=formula):
                self.assertIn("'" + formula, cells)
                self.assertNotIn(formula, cells)
        self.assertIn("2024-017 预览", cells)  # an ordinary cell is left alone

    def test_csv_safe_leaves_ordinary_text_and_numbers(self):
        self.assertEqual(csv_safe("张三 2024-017"), "张三 2024-017")
        self.assertEqual(csv_safe(12), "12")
        self.assertEqual(csv_safe(None), "")
        self.assertEqual(csv_safe("-1"), "'-1")


class PruneTests(TestCase):
    def setUp(self):
        now = timezone.now()
        self.rows = {
            days: event(username=f"{days}d", at=now - datetime.timedelta(days=days))
            for days in (400, 366, 364, 10)
        }

    def left(self):
        return set(AccessEvent.objects.values_list("username", flat=True))

    @override_settings(AUDIT_RETENTION_DAYS=365)
    def test_it_deletes_the_rows_older_than_the_period_and_keeps_the_younger(self):
        out = io.StringIO()
        call_command("audit_prune", stdout=out)
        self.assertEqual(self.left(), {"364d", "10d"})
        self.assertIn("已删除 2 条", out.getvalue())

    def test_it_takes_a_period_of_at_least_six_months(self):
        call_command("audit_prune", days=184, stdout=io.StringIO())
        self.assertEqual(self.left(), {"10d"})

    def test_it_refuses_a_period_shorter_than_six_months(self):
        for days in (183, 30, 0, -1):
            with self.subTest(days=days), self.assertRaisesMessage(CommandError, "不得少于184天"):
                call_command("audit_prune", days=days)
        with override_settings(AUDIT_RETENTION_DAYS=90):
            with self.assertRaisesMessage(CommandError, "不得少于184天"):
                call_command("audit_prune")
        self.assertEqual(len(self.left()), 4)

    def test_the_system_check_refuses_a_short_period_in_the_settings(self):
        self.assertEqual(check_audit_settings(), [])
        with override_settings(AUDIT_RETENTION_DAYS=180, TRUSTED_PROXY_COUNT=-1):
            self.assertEqual([e.id for e in check_audit_settings()], ["audit.E001", "audit.E002"])
