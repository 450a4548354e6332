"""The applicant's status page (issue 13): number + password → the state in plain words with
the legal due date; wrong passwords locked out; nothing of the request beyond that."""

import datetime
from unittest import mock

import time_machine
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import reverse

from disclosure.clock.services import request_add_event
from disclosure.letters import services as letter_services
from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_confirm, application_reject
from disclosure.records.services import request_decide
from tests.factories import make_agency, make_clerk
from tests.online_helpers import APPLICANT_ADDRESS, APPLICANT_PHONE, VALID_ID_CARD, submit

CONFIRM_DAY = datetime.date(2024, 3, 4)
NOW = datetime.datetime(2024, 3, 5, 3, tzinfo=datetime.UTC)


class SubmittedMixin:
    """An application submitted through the form, its number and password as shown."""

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzj", "温州市交通局")
        cls.other = make_agency("rab", "瑞安市交通局")
        cls.clerk = make_clerk("clerk-wzj", cls.agency)

    def setUp(self):
        with time_machine.travel(datetime.datetime(2024, 3, 1, 3, tzinfo=datetime.UTC)):
            response = submit(self.client, self.agency.code)
            receipt = self.client.get(response["Location"])
        self.number = receipt.context["number"]
        self.password = receipt.context["password"]
        self.application = OnlineApplication.objects.get()
        self.url = reverse("disclosure:online_status", args=[self.agency.code])

    def look(self, number=None, password=None, **extra):
        with time_machine.travel(NOW):
            return self.client.post(
                self.url,
                {"number": number or self.number, "password": password or self.password},
                **extra,
            )


class StatusTests(SubmittedMixin, TestCase):
    def test_it_shows_a_pending_application(self):
        response = self.look()
        self.assertContains(response, "待确认")
        self.assertIn("no-store", response["Cache-Control"])

    def test_it_accepts_the_password_in_lower_case(self):
        self.assertContains(self.look(password=self.password.lower()), "待确认")

    def test_it_gives_the_same_answer_for_a_wrong_password_and_a_wrong_number(self):
        wrong_password = self.look(password="WRONGPASS2")
        wrong_number = self.look(number="WS20240101000000")
        for response in (wrong_password, wrong_number):
            self.assertContains(response, "未找到该申请，或查询密码不正确。", status_code=404)
            self.assertNotContains(response, "待确认", status_code=404)

    def test_it_does_not_find_the_application_under_another_agency(self):
        response = self.client.post(
            reverse("disclosure:online_status", args=[self.other.code]),
            {"number": self.number, "password": self.password},
        )
        self.assertEqual(response.status_code, 404)

    @override_settings(ONLINE_STATUS_FAILURE_LIMIT=5)
    def test_it_locks_out_a_brute_force_of_the_password(self):
        for n in range(5):
            self.look(password=f"GUESS{n:05d}")
        # The right password no longer helps, from this address or another one.
        locked = self.look()
        self.assertContains(locked, "查询失败次数过多", status_code=429)
        other_address = self.look(REMOTE_ADDR="10.1.2.3")
        self.assertEqual(other_address.status_code, 429)
        # After the lockout period it opens again.
        cache.clear()
        self.assertContains(self.look(), "待确认")

    def test_it_shows_the_received_and_due_dates_once_confirmed(self):
        request = application_confirm(
            application=self.application, user=self.clerk, confirmed_on=CONFIRM_DAY
        )
        response = self.look()
        self.assertContains(response, "已受理")
        self.assertContains(response, "2024年3月4日")
        self.assertContains(
            response, f"{request.due_on.year}年{request.due_on.month}月{request.due_on.day}日"
        )
        self.assertNotContains(response, "已超过答复期限")

    def test_it_shows_a_correction_with_its_period(self):
        request = application_confirm(
            application=self.application, user=self.clerk, confirmed_on=CONFIRM_DAY
        )
        request_add_event(request=request, kind="correction_notice", on=CONFIRM_DAY, period_days=10)
        response = self.look()
        self.assertContains(response, "待补正")
        self.assertContains(response, "补正期限")

    def test_it_shows_an_extension_with_the_new_date(self):
        request = application_confirm(
            application=self.application, user=self.clerk, confirmed_on=CONFIRM_DAY
        )
        request_add_event(
            request=request,
            kind="extension",
            on=datetime.date(2024, 3, 5),
            period_days=20,
            approved_by="王主任",
            notified_on=datetime.date(2024, 3, 5),
            note="需要调取档案",
        )
        response = self.look()
        self.assertContains(response, "已延期")
        self.assertContains(response, "延长后的答复期限")
        # Nothing of the handling: no approver, no note, no clerk.
        for text in ("王主任", "需要调取档案", self.clerk.username):
            self.assertNotContains(response, text)

    def test_it_flags_an_overdue_request(self):
        application_confirm(application=self.application, user=self.clerk, confirmed_on=CONFIRM_DAY)
        with time_machine.travel(datetime.datetime(2024, 6, 3, 3, tzinfo=datetime.UTC)):
            response = self.client.post(
                self.url, {"number": self.number, "password": self.password}
            )
        self.assertContains(response, "已超过答复期限")

    def test_it_shows_an_answered_request(self):
        request = application_confirm(
            application=self.application, user=self.clerk, confirmed_on=CONFIRM_DAY
        )
        with time_machine.travel(NOW):
            request_decide(request=request, outcome="granted", decided_on=datetime.date(2024, 3, 5))
        self.assertContains(self.look(), "已答复")

    def test_it_shows_the_reason_of_a_rejection(self):
        application_reject(application=self.application, user=self.clerk, reason="重复申请")
        response = self.look()
        self.assertContains(response, "不予受理")
        self.assertContains(response, "重复申请")

    def test_it_shows_no_personal_data(self):
        application_confirm(application=self.application, user=self.clerk, confirmed_on=CONFIRM_DAY)
        response = self.look()
        for value in (self.application.name, VALID_ID_CARD, APPLICANT_PHONE, APPLICANT_ADDRESS):
            self.assertNotContains(response, value)


class LetterDownloadTests(SubmittedMixin, TestCase):
    """The issued 答复书 once answered, for the number and password only."""

    def setUp(self):
        super().setUp()
        request = application_confirm(
            application=self.application, user=self.clerk, confirmed_on=CONFIRM_DAY
        )
        with time_machine.travel(NOW):
            request_decide(request=request, outcome="granted", decided_on=datetime.date(2024, 3, 5))
        self.letter_url = reverse("disclosure:online_status_letter", args=[self.agency.code])
        self.request = request

    def issue(self):
        draft = letter_services.letter_draft_create(request=self.request, kind="decision")
        with mock.patch.object(letter_services, "letter_pdf", return_value=b"%PDF-1.4 letter"):
            return letter_services.letter_issue(letter=draft, user=self.clerk)

    def test_it_offers_the_letter_only_once_issued(self):
        self.assertNotContains(self.look(), "下载答复书")
        self.issue()
        self.assertContains(self.look(), "下载答复书")

    def test_it_sends_the_issued_letter_for_the_right_password(self):
        self.issue()
        response = self.client.post(
            self.letter_url, {"number": self.number, "password": self.password}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), b"%PDF-1.4 letter")
        self.assertEqual(response["Content-Security-Policy"], "sandbox")
        self.assertIn("attachment", response["Content-Disposition"])

    def test_it_refuses_the_letter_for_a_wrong_password(self):
        self.issue()
        response = self.client.post(
            self.letter_url, {"number": self.number, "password": "WRONGPASS2"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertNotEqual(response.get("Content-Type"), "application/pdf")

    def test_it_has_no_letter_before_one_is_issued(self):
        response = self.client.post(
            self.letter_url, {"number": self.number, "password": self.password}
        )
        self.assertEqual(response.status_code, 404)
