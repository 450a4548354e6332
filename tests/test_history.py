"""Every change to a request, case or disclosure is kept with who and when."""

import datetime

from django.test import TestCase
from django.urls import reverse

from tests.adminforms import admin_post_data
from tests.factories import make_agency, make_clerk, make_request


class RequestHistoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()
        cls.clerk = make_clerk("wangfang", cls.agency)
        cls.request = make_request(cls.agency, received_on=datetime.date(2020, 3, 2))

    def test_it_records_who_changed_an_outcome(self):
        self.client.force_login(self.clerk)
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
