"""The clock in the clerks' admin: the due-date column, filters, explanation, the events inline,
and the calendar (kept by the system role, 系统管理员)."""

import datetime
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosure.models import Holiday, RequestEvent
from disclosure.records import services
from disclosure.roles import SYSTEM
from tests.factories import (
    log_in,
    make_agency,
    make_clerk,
    make_event,
    make_manager,
    make_request,
    make_user,
)

D = datetime.date
TODAY = D(2024, 10, 21)  # a Monday
CHANGELIST = "admin:disclosure_disclosurerequest_changelist"


def frozen_today():
    return mock.patch("django.utils.timezone.localdate", return_value=TODAY)


class RequestListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.overdue = make_request(cls.agency, received_on=D(2024, 9, 2), number="A-overdue")
        cls.soon = make_request(cls.agency, received_on=D(2024, 9, 20), number="A-soon")
        cls.waiting = make_request(cls.agency, received_on=D(2024, 10, 8), number="A-waiting")
        make_event(cls.waiting, "correction_notice", D(2024, 10, 9), period_days=10)
        cls.extended = make_request(cls.agency, received_on=D(2024, 9, 3), number="A-extended")
        make_event(
            cls.extended,
            "extension",
            D(2024, 9, 20),
            period_days=20,
            approved_by="主任",
            notified_on=D(2024, 9, 20),
        )
        cls.consulting = make_request(cls.agency, received_on=D(2024, 10, 9), number="A-consult")
        make_event(cls.consulting, "consult_third_party", D(2024, 10, 10))
        cls.answered_late = make_request(cls.agency, received_on=D(2024, 8, 1), number="A-late")
        services.request_decide(
            request=cls.answered_late, outcome="granted", decided_on=D(2024, 9, 30)
        )
        other = make_agency()
        make_request(other, received_on=D(2024, 9, 2), number="B-overdue")

    def setUp(self):
        log_in(self.client, self.clerk)

    def numbers(self, **params):
        with frozen_today():
            response = self.client.get(reverse(CHANGELIST), params)
        self.assertEqual(response.status_code, 200)
        return sorted(r.number for r in response.context["cl"].result_list)

    def test_it_filters_by_deadline(self):
        self.assertEqual(self.numbers(deadline="overdue"), ["A-overdue"])
        self.assertEqual(self.numbers(deadline="soon"), ["A-soon"])
        self.assertEqual(self.numbers(deadline="waiting"), ["A-waiting"])
        self.assertEqual(self.numbers(deadline="extended"), ["A-extended"])
        self.assertEqual(self.numbers(deadline="consulting"), ["A-consult"])
        self.assertEqual(self.numbers(deadline="late"), ["A-late"])

    def test_it_highlights_overdue_rows(self):
        with frozen_today():
            response = self.client.get(reverse(CHANGELIST))
        self.assertContains(
            response, '<span class="clock-overdue">2024年9月30日 已逾期</span>', html=True
        )
        self.assertContains(response, "css/clock-admin.css")  # highlights the row
        self.assertContains(response, "待申请人，至2024年10月22日")
        self.assertContains(response, "2024年8月29日（逾期答复）")
        self.assertNotContains(response, "B-overdue")

    def test_it_keeps_the_query_count_constant(self):
        def count():
            with frozen_today(), CaptureQueriesContext(connection) as queries:
                response = self.client.get(reverse(CHANGELIST), {"deadline": "overdue"})
            self.assertEqual(response.status_code, 200)
            return len(queries)

        before = count()
        for i in range(30):
            make_request(self.agency, received_on=D(2024, 8, 1), number=f"X{i}")
        self.assertEqual(count(), before)


class RequestChangePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)

    def setUp(self):
        log_in(self.client, self.clerk)
        self.request = make_request(
            self.agency,
            received_on=D(2020, 1, 20),
            subject="申请公开某项目资料",
            applicant_name="张三",
            applicant_id_number="330302199001011234",
        )
        self.url = reverse("admin:disclosure_disclosurerequest_change", args=[self.request.pk])

    def form_data(self, events=(), **changes):
        data = {
            "agency": self.agency.pk,
            "number": self.request.number,
            "received_on": "2020-01-20",
            "channel": "online",
            "subject": self.request.subject,
            "applicant_type": "natural_person",
            "applicant_name": "张三",
            "applicant_id_number": "330302199001011234",
            "applicant_phone": "",
            "applicant_address": "",
            "applicant_email": "",
            "handler": "",
            "outcome": "",
            "decided_on": "",
            "notes": "",
            "events-TOTAL_FORMS": str(len(events)),
            "events-INITIAL_FORMS": "0",
            "events-MIN_NUM_FORMS": "0",
            "events-MAX_NUM_FORMS": "1000",
            "cases-TOTAL_FORMS": "0",
            "cases-INITIAL_FORMS": "0",
            "cases-MIN_NUM_FORMS": "0",
            "cases-MAX_NUM_FORMS": "1000",
            "withheld_parts-TOTAL_FORMS": "0",
            "withheld_parts-INITIAL_FORMS": "0",
            "withheld_parts-MIN_NUM_FORMS": "0",
            "withheld_parts-MAX_NUM_FORMS": "1000",
            "_continue": "保存并继续编辑",
        }
        blank = dict.fromkeys(
            [
                "kind",
                "on",
                "period_days",
                "ends_on",
                "counterpart",
                "approved_by",
                "notified_on",
                "fee_basis",
                "fee_quantity",
                "note",
            ],
            "",
        )
        for i, event in enumerate(events):
            data.update({f"events-{i}-{k}": v for k, v in {**blank, **event}.items()})
        data.update(changes)
        return data

    def test_it_explains_the_due_date(self):
        response = self.client.get(self.url)
        self.assertContains(response, "答复期限")
        self.assertContains(response, "期间遇春节（1月24日至2月2日）放假")
        self.assertContains(
            response, "<li>共20个工作日，应于2020年2月25日（星期二）前答复。</li>", html=True
        )

    def test_it_records_an_event_from_the_inline(self):
        response = self.client.post(
            self.url,
            self.form_data(
                [
                    {
                        "kind": "extension",
                        "on": "2020-02-20",
                        "period_days": "10",
                        "approved_by": "办公室主任",
                        "notified_on": "2020-02-21",
                    }
                ]
            ),
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        self.request.refresh_from_db()
        self.assertEqual(self.request.due_on, D(2020, 3, 10))
        event = self.request.events.get()
        self.assertEqual(event.created_by, self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, "经办公室主任同意，延长答复期限10个工作日")

    def test_it_computes_the_fee_in_the_inline(self):
        response = self.client.post(
            self.url,
            self.form_data(
                [
                    {
                        "kind": "fee_notice",
                        "on": "2020-02-03",
                        "fee_basis": "per_page",
                        "fee_quantity": "120",
                    }
                ]
            ),
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.request.events.get().amount, 1100)

    def test_it_shows_event_errors_on_the_form(self):
        response = self.client.post(
            self.url,
            self.form_data(
                [{"kind": "correction_notice", "on": "2020-02-07", "period_days": "10"}]
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "补正通知应自收到申请之日起7个工作日内发出")
        self.assertFalse(RequestEvent.objects.exists())

    def test_it_refuses_ending_for_no_correction_without_a_notice(self):
        response = self.client.post(
            self.url, self.form_data(outcome="other_no_correction", decided_on="2020-03-02")
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "没有登记发出补正通知")
        self.request.refresh_from_db()
        self.assertEqual(self.request.outcome, "")

    def test_it_adds_no_events_before_the_request_exists(self):
        response = self.client.get(reverse("admin:disclosure_disclosurerequest_add"))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(b'name="events-TOTAL_FORMS"', response.content)


class CalendarAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.manager = make_manager("manager", cls.agency)

    def test_clerks_see_but_do_not_edit_the_calendar(self):
        log_in(self.client, self.clerk)
        self.assertEqual(
            self.client.get(reverse("admin:disclosure_calendaryear_changelist")).status_code, 200
        )
        self.assertEqual(self.client.get(reverse("admin:disclosure_holiday_add")).status_code, 404)

    def test_the_system_role_adds_a_day_off_and_open_due_dates_move(self):
        request = make_request(self.agency, received_on=D(2024, 9, 20))
        log_in(self.client, make_user("system", role=SYSTEM))
        calendar = Holiday.objects.get(date=D(2024, 10, 1)).calendar
        response = self.client.post(
            reverse("admin:disclosure_holiday_add"),
            {"calendar": calendar.pk, "date": "2024-10-14", "kind": "off", "name": "测试"},
        )
        self.assertEqual(response.status_code, 302)
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2024, 10, 24))

    def test_the_calendar_year_list_counts_days(self):
        log_in(self.client, make_user("system", role=SYSTEM))
        response = self.client.get(reverse("admin:disclosure_calendaryear_changelist"))
        self.assertContains(response, "chinesecalendar")
        self.assertContains(response, "2020年")
