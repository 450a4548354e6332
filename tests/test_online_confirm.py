"""The 网上申请 queue (issue 13): confirming an application makes the request (channel 网络,
received on the day of confirmation, 条例第三十一条第三项), or it is turned away with a reason;
the queue is scoped to the agency and shows the applicant's data masked."""

import datetime

import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from disclosure.online.models import OnlineApplication
from disclosure.online.services import application_confirm, application_reject
from disclosure.records.applications import DisclosureRequest
from reports.selectors import report_compile
from tests.factories import log_in, make_agency, make_clerk, make_request, make_user
from tests.online_helpers import (
    APPLICANT_ADDRESS,
    APPLICANT_NAME,
    APPLICANT_PHONE,
    VALID_ID_CARD,
    submit,
)

CONFIRM_DAY = datetime.date(2024, 3, 4)  # a Monday of a year the calendar covers


class ConfirmTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wzj", "温州市交通局")
        cls.other = make_agency("rab", "瑞安市交通局")
        cls.clerk = make_clerk("clerk-wzj", cls.agency)
        cls.other_clerk = make_clerk("clerk-rab", cls.other)

    def _submitted(self) -> OnlineApplication:
        with time_machine.travel(datetime.datetime(2024, 3, 1, 10, tzinfo=datetime.UTC)):
            submit(self.client, self.agency.code)
        return OnlineApplication.objects.get()

    def test_it_confirms_into_a_request_received_on_the_confirmation_day(self):
        application = self._submitted()
        with time_machine.travel(datetime.datetime(2024, 3, 4, 3, tzinfo=datetime.UTC)):
            log_in(self.client, self.clerk)
            response = self.client.post(
                reverse("admin:online_onlineapplication_confirm", args=[application.pk])
            )
        request = DisclosureRequest.objects.get()
        self.assertRedirects(
            response,
            reverse("admin:disclosure_disclosurerequest_change", args=[request.pk]),
            fetch_redirect_response=False,
        )
        self.assertEqual(request.channel, "online")
        self.assertEqual(request.received_on, CONFIRM_DAY)
        self.assertEqual(request.applicant_name, APPLICANT_NAME)
        self.assertEqual(request.applicant_id_number, VALID_ID_CARD)
        self.assertEqual(request.applicant_phone, APPLICANT_PHONE)
        self.assertEqual(request.applicant_address, APPLICANT_ADDRESS)
        self.assertEqual(request.handler, self.clerk)
        self.assertIn("2023年城市道路维修计划", request.subject)
        # The due date the clock gives a request typed in by a clerk that day.
        typed = make_request(self.agency, received_on=CONFIRM_DAY, number="typed")
        self.assertIsNotNone(request.due_on)
        self.assertEqual(request.due_on, typed.due_on)
        application.refresh_from_db()
        self.assertEqual(application.status, "confirmed")
        self.assertEqual(application.request, request)

    def test_it_confirms_an_application_once(self):
        application = self._submitted()
        application_confirm(application=application, user=self.clerk, confirmed_on=CONFIRM_DAY)
        with self.assertRaises(ValidationError):
            application_confirm(application=application, user=self.clerk, confirmed_on=CONFIRM_DAY)
        self.assertEqual(DisclosureRequest.objects.count(), 1)

    def test_it_counts_in_the_annual_report_like_a_typed_request(self):
        application = self._submitted()
        application_confirm(application=application, user=self.clerk, confirmed_on=CONFIRM_DAY)
        online = report_compile(agency=self.agency, year=2024, template="2021")
        make_request(
            self.other, received_on=CONFIRM_DAY, channel="online", applicant_type="natural_person"
        )
        typed = report_compile(agency=self.other, year=2024, template="2021")
        self.assertEqual(online.table3, typed.table3)

    def test_it_rejects_with_a_reason_and_tells_the_applicant(self):
        application = self._submitted()
        with self.captureOnCommitCallbacks(execute=True):
            application_reject(application=application, user=self.clerk, reason="重复申请")
        application.refresh_from_db()
        self.assertEqual(application.status, "rejected")
        self.assertFalse(DisclosureRequest.objects.exists())
        self.assertIn("重复申请", mail.outbox[-1].body)

    def test_it_refuses_a_rejection_without_a_reason(self):
        application = self._submitted()
        with self.assertRaises(ValidationError):
            application_reject(application=application, user=self.clerk, reason="  ")
        application.refresh_from_db()
        self.assertEqual(application.status, "pending")

    def test_it_rejects_through_the_admin_form(self):
        application = self._submitted()
        log_in(self.client, self.clerk)
        url = reverse("admin:online_onlineapplication_reject", args=[application.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {"reason": "不属于政府信息公开申请，请通过信访渠道反映。"})
        self.assertEqual(response.status_code, 302)
        application.refresh_from_db()
        self.assertEqual(application.status, "rejected")

    def test_it_hides_the_queue_item_from_another_agency(self):
        application = self._submitted()
        log_in(self.client, self.other_clerk)
        change = reverse("admin:online_onlineapplication_change", args=[application.pk])
        self.assertEqual(self.client.get(change).status_code, 404)
        confirm = reverse("admin:online_onlineapplication_confirm", args=[application.pk])
        self.assertEqual(self.client.post(confirm).status_code, 404)
        changelist = self.client.get(reverse("admin:online_onlineapplication_changelist"))
        self.assertNotContains(changelist, application.number)
        application.refresh_from_db()
        self.assertEqual(application.status, "pending")

    def test_it_masks_the_applicant_in_the_queue(self):
        application = self._submitted()
        log_in(self.client, self.clerk)
        changelist = self.client.get(reverse("admin:online_onlineapplication_changelist"))
        self.assertContains(changelist, application.number)
        change = self.client.get(
            reverse("admin:online_onlineapplication_change", args=[application.pk])
        )
        self.assertContains(change, "确认受理")
        for page in (changelist, change):
            for value in (APPLICANT_NAME, VALID_ID_CARD, APPLICANT_PHONE, APPLICANT_ADDRESS):
                self.assertNotContains(page, value)
        self.assertContains(change, "110***********002X")

    def test_it_lets_no_one_without_the_role_decide(self):
        application = self._submitted()
        outsider = make_user("no-role", agencies=[self.agency])
        log_in(self.client, outsider)
        confirm = reverse("admin:online_onlineapplication_confirm", args=[application.pk])
        self.assertEqual(self.client.post(confirm).status_code, 404)
        self.assertFalse(DisclosureRequest.objects.exists())
