"""Every change to a request, case or disclosure is kept with who and when."""

import datetime

from django.test import TestCase
from django.urls import reverse

from tests.adminforms import admin_post_data
from tests.factories import log_in, make_agency, make_clerk, make_request


class RequestHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("wangfang", cls.agency)
        cls.request = make_request(cls.agency, received_on=datetime.date(2020, 3, 2))

    def test_it_records_who_changed_an_outcome(self):
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosurerequest_change", args=[self.request.pk])
        data = admin_post_data(self.client.get(url), outcome="partial", decided_on="2020-03-20")
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        latest = self.request.history.latest()
        self.assertEqual(latest.history_user, self.clerk)
        self.assertEqual(latest.outcome, "partial")
        delta = latest.diff_against(latest.prev_record)
        self.assertIn("outcome", delta.changed_fields)

        page = self.client.get(
            reverse("admin:disclosure_disclosurerequest_history", args=[self.request.pk])
        )
        self.assertContains(page, "wangfang")

    def test_it_keeps_no_copy_of_the_id_number_or_phone(self):
        # Encrypted on the request, absent from its history (issue 12 point 5): a change is
        # still recorded, with who and when, but not the values.
        history_fields = {f.name for f in self.request.history.model._meta.fields}
        self.assertFalse(
            {"applicant_id_number", "applicant_phone", "applicant_id_index"} & history_fields
        )
        log_in(self.client, self.clerk)
        url = reverse("admin:disclosure_disclosurerequest_change", args=[self.request.pk])
        data = admin_post_data(self.client.get(url), applicant_id_number="330302199001011234")
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.request.refresh_from_db()
        self.assertEqual(self.request.applicant_id_number, "330302199001011234")
        latest = self.request.history.latest()
        self.assertEqual(latest.history_user, self.clerk)
        self.assertFalse(hasattr(latest, "applicant_id_number"))
