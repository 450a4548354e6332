"""Request events through the services: validation, and the cached due date following them."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import TestCase

from disclosure.clock import services as clock_services
from disclosure.models import RequestEvent
from disclosure.records import services
from tests.factories import make_agency, make_event, make_request

D = datetime.date
RECEIVED = D(2024, 9, 20)  # a Friday; due 2024-10-23 (National Day break, two 调休 days)


class RequestEventTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()

    def request(self, received_on=RECEIVED, **kwargs):
        return make_request(self.agency, received_on=received_on, **kwargs)

    def test_it_stores_the_due_date_when_a_request_is_saved(self):
        request = self.request()
        self.assertEqual(request.due_on, D(2024, 10, 23))
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2024, 10, 23))

    def test_it_restarts_the_clock_from_the_corrected_application(self):
        request = self.request()
        make_event(request, "correction_notice", D(2024, 9, 23), period_days=10)
        request.refresh_from_db()
        self.assertIsNone(request.due_on)
        self.assertEqual(request.waiting_until, D(2024, 10, 11))

        make_event(request, "correction_received", D(2024, 10, 8))
        request.refresh_from_db()
        # 20 working days after 10月8日, the 调休 Saturday 10月12日 included.
        self.assertEqual(request.due_on, D(2024, 11, 4))
        self.assertIsNone(request.waiting_until)

    def test_it_refuses_a_correction_notice_after_seven_working_days(self):
        request = self.request(received_on=D(2020, 1, 20))
        # The 7th working day after 2020-01-20 is 2月6日 (the Spring Festival break between).
        make_event(request, "correction_notice", D(2020, 2, 6), period_days=10)
        late = self.request(received_on=D(2020, 1, 20))
        with self.assertRaisesMessage(ValidationError, "7个工作日内发出"):
            make_event(late, "correction_notice", D(2020, 2, 7), period_days=10)
        self.assertFalse(late.events.exists())

    def test_it_needs_the_notice_before_the_corrected_application(self):
        request = self.request()
        with self.assertRaisesMessage(ValidationError, "请先登记补正通知"):
            make_event(request, "correction_received", D(2024, 9, 25))

    def test_it_pauses_for_a_consultation(self):
        request = self.request(received_on=D(2024, 1, 30))
        self.assertEqual(request.due_on, D(2024, 3, 1))
        event = make_event(request, "consult_third_party", D(2024, 2, 20), counterpart="某公司")
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2024, 3, 22))  # the full 15 working days
        event.ends_on = D(2024, 2, 27)
        clock_services.request_event_save(event=event)
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2024, 3, 8))  # 5 working days

    def test_it_refuses_a_consultation_after_the_due_date(self):
        request = self.request(received_on=D(2024, 1, 30))
        with self.assertRaisesMessage(ValidationError, "答复期限已于2024-03-01届满"):
            make_event(request, "consult_agency", D(2024, 3, 4))

    def test_it_extends_once_by_at_most_twenty_working_days(self):
        request = self.request()
        with self.assertRaisesMessage(ValidationError, "1至20个"):
            make_event(
                request,
                "extension",
                D(2024, 10, 8),
                period_days=21,
                approved_by="主任",
                notified_on=D(2024, 10, 8),
            )
        make_event(
            request,
            "extension",
            D(2024, 10, 8),
            period_days=20,
            approved_by="主任",
            notified_on=D(2024, 10, 9),
        )
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2024, 11, 20))
        with self.assertRaisesMessage(ValidationError, "答复期限只能延长一次"):
            make_event(
                request,
                "extension",
                D(2024, 10, 10),
                period_days=5,
                approved_by="主任",
                notified_on=D(2024, 10, 10),
            )

    def test_it_refuses_an_extension_without_approver_or_after_the_due_date(self):
        request = self.request()
        with self.assertRaisesMessage(ValidationError, "批准人"):
            make_event(request, "extension", D(2024, 10, 8), period_days=10)
        with self.assertRaisesMessage(ValidationError, "原答复期限（2024-10-23）届满前"):
            make_event(
                request,
                "extension",
                D(2024, 10, 24),
                period_days=10,
                approved_by="主任",
                notified_on=D(2024, 10, 24),
            )

    def test_it_keeps_events_between_receipt_and_answer(self):
        request = self.request()
        with self.assertRaisesMessage(ValidationError, "不能早于收到申请日期"):
            make_event(request, "consult_agency", D(2024, 9, 19))
        services.request_decide(request=request, outcome="granted", decided_on=D(2024, 10, 10))
        with self.assertRaisesMessage(ValidationError, "不能晚于答复日期"):
            make_event(request, "consult_agency", D(2024, 10, 11))

    def test_it_refuses_events_in_the_future(self):
        request = self.request(received_on=datetime.date.today() - datetime.timedelta(days=1))
        with self.assertRaisesMessage(ValidationError, "不能晚于今天"):
            make_event(
                request, "consult_agency", datetime.date.today() + datetime.timedelta(days=1)
            )

    def test_the_database_allows_one_extension_only(self):
        request = self.request()
        fields = dict(
            request=request,
            kind="extension",
            on=D(2024, 10, 8),
            period_days=5,
            approved_by="主任",
            notified_on=D(2024, 10, 8),
        )
        RequestEvent.objects.create(**fields)
        with self.assertRaises(IntegrityError), transaction.atomic():
            RequestEvent.objects.create(**fields)

    def test_the_database_refuses_fee_fields_on_other_events(self):
        request = self.request()
        with self.assertRaises(IntegrityError), transaction.atomic():
            RequestEvent.objects.create(
                request=request, kind="consult_agency", on=D(2024, 9, 23), amount=100
            )

    def test_deleting_an_event_moves_the_due_date_back(self):
        request = self.request()
        event = make_event(request, "consult_agency", D(2024, 9, 23), ends_on=D(2024, 9, 27))
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2024, 10, 29))  # 4 working days paused
        clock_services.request_event_delete(event=event)
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2024, 10, 23))

    def test_it_keeps_a_notice_while_its_answer_is_recorded(self):
        request = self.request()
        notice = make_event(request, "correction_notice", D(2024, 9, 23), period_days=5)
        make_event(request, "correction_received", D(2024, 9, 25))
        with self.assertRaisesMessage(ValidationError, "请先删除“收到补正申请”"):
            clock_services.request_event_delete(event=notice)


class DecisionRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()

    def setUp(self):
        self.request = make_request(self.agency, received_on=D(2024, 9, 20))

    def test_it_ends_a_request_whose_correction_period_passed(self):
        make_event(self.request, "correction_notice", D(2024, 9, 23), period_days=10)
        with self.assertRaisesMessage(ValidationError, "补正期限至2024-10-11"):
            services.request_decide(
                request=self.request, outcome="other_no_correction", decided_on=D(2024, 10, 11)
            )
        services.request_decide(
            request=self.request, outcome="other_no_correction", decided_on=D(2024, 10, 14)
        )
        self.request.refresh_from_db()
        self.assertEqual(self.request.outcome, "other_no_correction")

    def test_it_needs_a_correction_notice_to_end_for_no_correction(self):
        with self.assertRaisesMessage(ValidationError, "没有登记发出补正通知"):
            services.request_decide(
                request=self.request, outcome="other_no_correction", decided_on=D(2024, 12, 2)
            )

    def test_it_refuses_no_correction_once_the_applicant_corrected(self):
        make_event(self.request, "correction_notice", D(2024, 9, 23), period_days=5)
        make_event(self.request, "correction_received", D(2024, 9, 27))
        with self.assertRaisesMessage(ValidationError, "申请人已补正"):
            services.request_decide(
                request=self.request, outcome="other_no_correction", decided_on=D(2024, 12, 2)
            )

    def test_it_ends_an_unpaid_fee_after_twenty_working_days(self):
        self.request.applicant_name = "张三"
        self.request.save()
        make_event(
            self.request, "fee_notice", D(2024, 9, 23), fee_basis="per_page", fee_quantity=50
        )
        # 20 working days after 9月23日, with the 调休 days 9月29日 and 10月12日 and the
        # National Day break: 10月24日.
        with self.assertRaisesMessage(ValidationError, "缴费期限至2024-10-24"):
            services.request_decide(
                request=self.request, outcome="other_unpaid_fee", decided_on=D(2024, 10, 24)
            )
        services.request_decide(
            request=self.request, outcome="other_unpaid_fee", decided_on=D(2024, 10, 25)
        )

    def test_still_unclear_needs_a_correction(self):
        with self.assertRaisesMessage(ValidationError, "须先登记补正通知和收到补正申请"):
            services.request_decide(
                request=self.request,
                outcome="unavailable_still_unclear",
                decided_on=D(2024, 10, 10),
            )
