"""The clerks' dashboard (到期提醒): per agency of the user, overdue requests, those due within 5
working days, those waiting on the applicant."""

import datetime
from unittest import mock

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disclosure.clock.selectors import dashboard
from disclosure.records import services
from tests.factories import log_in, make_agency, make_clerk, make_event, make_request, make_user

D = datetime.date
TODAY = D(2024, 10, 21)  # Monday; 5 working days on is 2024-10-28
URL = "admin:disclosure_disclosurerequest_dashboard"


class DashboardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency(name="甲局")
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.overdue = make_request(
            cls.agency, received_on=D(2024, 9, 2), number="A-1", subject="逾期的申请"
        )  # due 2024-09-30
        cls.due_today = make_request(cls.agency, received_on=D(2024, 9, 18), number="A-2")
        cls.soon = make_request(cls.agency, received_on=D(2024, 9, 24), number="A-3")
        cls.later = make_request(cls.agency, received_on=D(2024, 10, 14), number="A-4")
        cls.answered = make_request(cls.agency, received_on=D(2024, 9, 2), number="A-5")
        services.request_decide(request=cls.answered, outcome="granted", decided_on=D(2024, 9, 27))
        cls.waiting = make_request(cls.agency, received_on=D(2024, 9, 20), number="A-6")
        make_event(cls.waiting, "correction_notice", D(2024, 9, 23), period_days=5)
        other = make_agency(name="乙局")
        make_request(other, received_on=D(2024, 9, 2), number="B-1")

    def test_it_sorts_open_requests_by_urgency(self):
        (block,), problem = dashboard([self.agency], TODAY)
        self.assertEqual(problem, "")
        self.assertEqual([r.request.number for r in block.overdue], ["A-1"])
        # 10月8–11日, the 调休 Saturday 10月12日, 10月14–18日 and today.
        self.assertEqual(block.overdue[0].overdue_days, 11)
        self.assertEqual([r.request.number for r in block.due_soon], ["A-2", "A-3"])
        self.assertEqual([r.working_days_left for r in block.due_soon], [0, 4])
        self.assertEqual([r.request.number for r in block.waiting], ["A-6"])
        self.assertLess(block.waiting[0].working_days_left, 0)  # the 补正 period is over
        self.assertEqual(block.waiting[0].waiting_for, "待补正")

    def test_it_shows_the_users_agencies_only(self):
        log_in(self.client, self.clerk)
        with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
            response = self.client.get(reverse(URL))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "甲局")
        self.assertContains(response, "逾期的申请")
        self.assertContains(response, "今天到期")
        self.assertContains(response, "已过期")
        self.assertNotContains(response, "乙局")
        self.assertNotContains(response, "B-1")
        self.assertNotContains(response, "A-4")  # due in November: not yet

    def test_it_keeps_the_query_count_constant(self):
        log_in(self.client, self.clerk)

        def count():
            with (
                mock.patch("django.utils.timezone.localdate", return_value=TODAY),
                CaptureQueriesContext(connection) as queries,
            ):
                self.client.get(reverse(URL))
            return len(queries)

        before = count()
        for i in range(20):
            make_request(self.agency, received_on=D(2024, 9, 2), number=f"X-{i}")
        self.assertEqual(count(), before)

    def test_it_is_linked_from_the_admin_home(self):
        log_in(self.client, self.clerk)
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, reverse(URL))

    def test_it_fills_the_status_column_of_overdue_rows(self):
        log_in(self.client, self.clerk)
        with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
            response = self.client.get(reverse(URL))
        overdue_table = response.content.decode().split('<table class="overdue">')[1]
        row = overdue_table.split("A-1</a></th>")[1].split("</tr>")[0]
        status = row.rsplit("<td>", 1)[1]
        self.assertIn('<span class="tag tag-overdue">逾期未答复</span>', status)

    def test_it_is_linked_from_the_request_list_and_the_side_navigation(self):
        log_in(self.client, self.clerk)
        response = self.client.get(reverse("admin:disclosure_disclosurerequest_changelist"))
        self.assertContains(response, 'class="clock-dashboard-link"')
        nav = response.content.decode().split('id="nav-sidebar"')[1].split("</nav>")[0]
        self.assertIn(f'href="{reverse(URL)}"', nav)

    def test_it_needs_the_view_permission(self):
        outsider = make_user("outsider", agencies=[self.agency])  # staff without a role
        log_in(self.client, outsider)
        self.assertEqual(self.client.get(reverse(URL)).status_code, 404)  # refused: as missing


class LongDashboardTests(TestCase):
    def test_it_lists_the_most_urgent_fifty_and_counts_the_rest(self):
        agency = make_agency()
        for i in range(53):
            make_request(
                agency, received_on=D(2024, 1, 2) + datetime.timedelta(days=i), number=f"O-{i:02d}"
            )
        (block,), _problem = dashboard([agency], TODAY)
        self.assertEqual(block.counts["overdue"], 53)
        self.assertEqual(len(block.overdue), 50)
        self.assertEqual(block.overdue[0].request.number, "O-00")  # the longest overdue first
