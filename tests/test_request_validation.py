"""Bad dates are refused with a clear message by the form, and by the database when a form is
bypassed."""

import datetime
import tempfile
from io import StringIO
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from disclosure.models import Case, DisclosureRequest
from disclosure.records import services
from tests.adminforms import admin_post_data
from tests.factories import ledger_csv, log_in, make_agency, make_case, make_clerk, make_request


class RequestDateRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)

    def _post(self, **fields):
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosurerequest_add")
        fields = {"received_on": "2020-03-10", "applicant_type": "natural_person", **fields}
        return self.client.post(url, admin_post_data(self.client.get(url), **fields))

    def test_it_refuses_a_decision_before_receipt_in_the_form(self):
        response = self._post(outcome="granted", decided_on="2020-03-09")
        self.assertContains(response, "答复日期不能早于收到申请日期。")
        self.assertFalse(DisclosureRequest.objects.exists())

    def test_it_refuses_an_outcome_without_a_decision_date_in_the_form(self):
        response = self._post(outcome="granted")
        self.assertContains(response, "办理结果和答复日期须同时填写")
        self.assertFalse(DisclosureRequest.objects.exists())

    def test_it_refuses_a_decision_date_without_an_outcome_in_the_form(self):
        response = self._post(decided_on="2020-03-12")
        self.assertContains(response, "办理结果和答复日期须同时填写")

    def test_it_refuses_an_impossible_date_in_the_form(self):
        response = self._post(received_on="2020-02-30")
        self.assertContains(response, "输入一个有效的日期")

    def test_it_generates_a_number_when_blank(self):
        response = self._post(outcome="granted", decided_on="2020-03-12")
        self.assertEqual(response.status_code, 302)
        request = DisclosureRequest.objects.get()
        self.assertEqual(request.number, "2020-0001")
        self.assertEqual(request.handler, self.clerk)
        self.assertEqual(make_request(self.agency).number, "2020-0002")

    def test_it_refuses_a_duplicate_number(self):
        make_request(self.agency, number="X-1")
        response = self._post(number="X-1")
        self.assertContains(response, "本机关已有相同编号的申请。")

    def test_the_database_refuses_bad_dates_when_the_form_is_bypassed(self):
        base = dict(agency=self.agency, applicant_type="natural_person")
        bad = [
            dict(
                number="a",
                received_on=datetime.date(2020, 3, 10),
                decided_on=datetime.date(2020, 3, 9),
                outcome="granted",
            ),
            dict(number="b", received_on=datetime.date(2020, 3, 10), outcome="granted"),
            dict(
                number="c",
                received_on=datetime.date(2020, 3, 10),
                decided_on=datetime.date(2020, 3, 11),
            ),
            dict(
                number="d",
                received_on=datetime.date(2020, 3, 10),
                outcome="no-such-outcome",
                decided_on=datetime.date(2020, 3, 11),
            ),
            dict(number="", received_on=datetime.date(2020, 3, 10)),
        ]
        for fields in bad:
            with self.subTest(fields=fields), self.assertRaises(IntegrityError):
                with transaction.atomic():
                    DisclosureRequest.objects.create(**base, **fields)

    def test_the_service_gives_a_clear_message(self):
        request = make_request(self.agency, received_on=datetime.date(2020, 3, 10))
        with self.assertRaises(ValidationError) as caught:
            services.request_decide(
                request=request, outcome="granted", decided_on=datetime.date(2020, 3, 1)
            )
        self.assertIn("答复日期不能早于收到申请日期。", caught.exception.messages)


class CaseDateRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.other = make_agency()

    def test_the_database_refuses_a_conclusion_before_filing(self):
        with self.assertRaises(IntegrityError):
            Case.objects.create(
                agency=self.agency,
                number="1",
                kind="review",
                filed_on=datetime.date(2020, 5, 1),
                concluded_on=datetime.date(2020, 4, 1),
                result="upheld",
            )

    def test_the_database_refuses_a_result_without_a_conclusion_date(self):
        with self.assertRaises(IntegrityError):
            Case.objects.create(
                agency=self.agency,
                number="1",
                kind="review",
                filed_on=datetime.date(2020, 5, 1),
                result="upheld",
            )

    def test_it_refuses_a_case_about_another_agencys_request(self):
        foreign = make_request(self.other)
        case = Case(
            agency=self.agency, kind="review", filed_on=datetime.date(2020, 5, 1), request=foreign
        )
        with self.assertRaises(ValidationError) as caught:
            services.case_save(case=case)
        self.assertIn("所涉申请必须是本机关的申请。", caught.exception.messages)


class CaseInlineTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.request = make_request(cls.agency, received_on=datetime.date(2020, 3, 2))

    def test_it_adds_a_case_under_its_request_with_a_generated_number(self):
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosurerequest_change", args=[self.request.pk])
        data = admin_post_data(self.client.get(url))
        data.update(
            {
                "cases-TOTAL_FORMS": "1",
                "cases-0-kind": "review",
                "cases-0-filed_on": "2020-06-01",
            }
        )
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        case = Case.objects.get()
        self.assertEqual(
            (case.agency, case.request, case.number), (self.agency, self.request, "案2020-0001")
        )


def _run_import(command, agency, rows):
    """Import a CSV ledger with ``command``; returns (the problem lines, the error or None)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.csv"
        path.write_bytes(ledger_csv(rows))
        err = StringIO()
        try:
            call_command(command, "--agency", agency.code, str(path), stdout=StringIO(), stderr=err)
        except CommandError as exc:
            return err.getvalue().splitlines(), exc
    return err.getvalue().splitlines(), None


class DateBoundTests(TestCase):
    """No date of a request or case before 2008-05-01 (the first 条例 took effect) or after today
    (security finding 8): the admin, the services, the importers and the database agree."""

    EARLY = "收到申请日期不能早于2008年5月1日（《政府信息公开条例》施行之日）。"

    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)

    def _post(self, **fields):
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosurerequest_add")
        fields = {"applicant_type": "natural_person", **fields}
        return self.client.post(url, admin_post_data(self.client.get(url), **fields))

    def future(self):
        return f"日期不能晚于今天（{timezone.localdate():%Y-%m-%d}）：只登记已经发生的事项。"

    def test_it_refuses_a_receipt_before_the_regulation_in_the_form(self):
        for day in ["0001-01-01", "2008-04-30"]:
            with self.subTest(day=day):
                self.assertContains(self._post(received_on=day), self.EARLY)
        self.assertFalse(DisclosureRequest.objects.exists())
        self.assertEqual(self._post(received_on="2008-05-01").status_code, 302)

    def test_it_refuses_a_future_receipt_in_the_form(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        for day in ["2099-01-01", tomorrow.isoformat()]:
            with self.subTest(day=day):
                self.assertContains(self._post(received_on=day), self.future())
        self.assertFalse(DisclosureRequest.objects.exists())
        today = timezone.localdate().isoformat()
        self.assertEqual(self._post(received_on=today).status_code, 302)

    def test_it_refuses_a_future_decision_in_the_form(self):
        response = self._post(received_on="2020-03-10", outcome="granted", decided_on="2099-01-01")
        self.assertContains(response, self.future())
        self.assertFalse(DisclosureRequest.objects.exists())

    def test_the_service_refuses_bad_dates_of_a_case(self):
        future = timezone.localdate() + datetime.timedelta(days=1)
        with self.assertRaises(ValidationError) as caught:
            make_case(self.agency, filed_on=datetime.date(2008, 4, 30))
        self.assertIn(
            "立案日期不能早于2008年5月1日（《政府信息公开条例》施行之日）。",
            caught.exception.messages,
        )
        with self.assertRaises(ValidationError) as caught:
            make_case(self.agency, filed_on=future)
        self.assertEqual(caught.exception.message_dict["filed_on"], [self.future()])
        with self.assertRaises(ValidationError) as caught:
            make_case(self.agency, concluded_on=future, result="upheld")
        self.assertEqual(caught.exception.message_dict["concluded_on"], [self.future()])

    def test_the_database_refuses_dates_before_the_regulation(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            DisclosureRequest.objects.create(
                agency=self.agency,
                number="a",
                applicant_type="natural_person",
                received_on=datetime.date(1, 1, 1),
            )
        with self.assertRaises(IntegrityError), transaction.atomic():
            Case.objects.create(
                agency=self.agency, number="1", kind="review", filed_on=datetime.date(2008, 4, 30)
            )

    def test_the_request_importer_names_the_row_and_column_of_a_bad_date(self):
        header = ["number", "received_on", "applicant_type", "outcome", "decided_on"]
        problems, error = _run_import(
            "import_requests",
            self.agency,
            [
                header,
                ["A", "0001-01-01", "natural_person", "", ""],
                ["B", "2099-01-01", "natural_person", "", ""],
                ["C", "2020-03-02", "natural_person", "granted", "2099-01-01"],
                ["D", "2008-05-01", "natural_person", "granted", "2008-05-04"],
            ],
        )
        self.assertIsNotNone(error)
        self.assertEqual(
            problems,
            [
                f"row 2: received_on: {self.EARLY}",
                f"row 3: received_on: {self.future()}",
                f"row 4: decided_on: {self.future()}",
            ],
        )
        self.assertFalse(DisclosureRequest.objects.exists())

    def test_the_case_importer_names_the_row_and_column_of_a_bad_date(self):
        header = ["number", "kind", "filed_on", "result", "concluded_on"]
        problems, error = _run_import(
            "import_cases",
            self.agency,
            [
                header,
                ["A", "review", "2008-04-30", "", ""],
                ["B", "review", "2020-05-06", "upheld", "2099-01-01"],
            ],
        )
        self.assertIsNotNone(error)
        self.assertEqual(
            problems,
            [
                "row 2: filed_on: 立案日期不能早于2008年5月1日（《政府信息公开条例》施行之日）。",
                f"row 3: concluded_on: {self.future()}",
            ],
        )
