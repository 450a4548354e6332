"""The year boundary (issue 15, part 1): a due date that runs into a year whose 工作日历 is not
entered yet is computed Monday–Friday and shown as provisional (暂定, with why) wherever a due date
is shown, recomputed as soon as the year is entered; from 1 November managers and the system role
are warned; ``manage.py deadline --provisional``."""

import datetime
from io import StringIO
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from disclosure.clock import compute as clock
from disclosure.clock import services as clock_services
from disclosure.clock.calendar import CalendarMissing, WorkCalendar, package_calendar
from disclosure.clock.notice import parse_notice
from disclosure.clock.selectors import calendar_missing_years, dashboard
from disclosure.models import CalendarYear
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
NOTICES = Path(__file__).parent / "fixtures" / "holiday_notices"


def enter_2026():
    """The system role enters 2026 from the State Council's notice."""
    notice = parse_notice((NOTICES / "2026.txt").read_text())
    return clock_services.calendar_year_fill(
        year=2026, source=notice.source, periods=notice.periods
    )


class ProvisionalClockTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        years, rows = package_calendar()
        years = [y for y in years if y <= 2025]
        cls.cal = WorkCalendar.from_rows(years, [r for r in rows if r[0].year <= 2025])

    def test_it_counts_weekdays_through_the_missing_year_and_says_so(self):
        with self.assertRaises(CalendarMissing):  # the strict clock still refuses
            clock.compute(D(2025, 12, 5), [], self.cal)
        result = clock.compute_or_provisional(D(2025, 12, 5), [], self.cal)
        # 12月8日–31日 are 18 working days, then 2026年1月1日、2日 counted as ordinary weekdays.
        self.assertEqual(result.due_on, D(2026, 1, 2))
        self.assertEqual(result.provisional_years, (2026,))
        self.assertIn("2026年的工作日历尚未录入，暂按周一至周五为工作日计算", result.steps[-2])
        self.assertEqual(
            result.steps[-1], "共20个工作日，应于2026年1月2日（星期五）前答复（暂定）。"
        )

    def test_a_date_inside_a_covered_year_is_not_provisional(self):
        result = clock.compute_or_provisional(D(2025, 11, 3), [], self.cal)
        self.assertEqual((result.due_on, result.provisional), (D(2025, 12, 1), False))

    def test_a_reply_in_time_needs_no_calendar_beyond_it(self):
        # Consultation from 12月15日, reply 12月19日: its 15-day limit (in January) is not needed.
        consult = clock_event("consult_third_party", D(2025, 12, 15), ends_on=D(2025, 12, 19))
        result = clock.compute_or_provisional(D(2025, 11, 24), [consult], self.cal)
        self.assertFalse(result.provisional)
        self.assertEqual(result.due_on, D(2025, 12, 26))  # 12月16–19日 not counted


def clock_event(kind, on, **kw):
    from types import SimpleNamespace

    defaults = dict(
        period_days=None, ends_on=None, counterpart="", approved_by="", notified_on=None
    )
    return SimpleNamespace(kind=kind, on=on, **{**defaults, **kw})


class YearBoundaryTests(TestCase):
    """A December with 2026 not entered yet, as every December before the notice is typed in."""

    @classmethod
    def setUpTestData(cls):
        CalendarYear.objects.filter(year=2026).delete()
        cls.agency = make_agency(name="甲局")
        cls.clerk = make_clerk("clerk", cls.agency)
        # Received Monday 1 December, extended by 20 working days on the 15th: 40 working days.
        cls.extended = make_request(cls.agency, received_on=D(2025, 12, 1), number="A-1")
        make_event(
            cls.extended,
            "extension",
            D(2025, 12, 15),
            period_days=20,
            approved_by="办公室主任",
            notified_on=D(2025, 12, 15),
        )
        cls.soon = make_request(cls.agency, received_on=D(2025, 12, 5), number="A-2")
        cls.answered = make_request(cls.agency, received_on=D(2025, 12, 10), number="A-3")
        services.request_decide(request=cls.answered, outcome="granted", decided_on=D(2026, 1, 8))
        cls.before = make_request(cls.agency, received_on=D(2025, 11, 3), number="A-4")

    def setUp(self):
        for request in (self.extended, self.soon, self.answered, self.before):
            request.refresh_from_db()

    def test_it_stores_provisional_dates_for_requests_crossing_into_the_missing_year(self):
        # Monday–Friday through January 2026: 12月30–31日, 1月1–2日, 1月5日 … 1月26日.
        self.assertEqual(
            (self.extended.due_on, self.extended.deadline_provisional), (D(2026, 1, 26), True)
        )
        self.assertEqual((self.soon.due_on, self.soon.deadline_provisional), (D(2026, 1, 2), True))
        self.assertEqual(
            (self.answered.due_on, self.answered.deadline_provisional), (D(2026, 1, 7), True)
        )
        self.assertEqual(
            (self.before.due_on, self.before.deadline_provisional), (D(2025, 12, 1), False)
        )

    def test_entering_the_year_recomputes_them(self):
        summary = enter_2026()
        self.assertEqual((summary["days_off"], summary["make_up_days"]), (33, 6))
        for request in (self.extended, self.soon, self.answered):
            request.refresh_from_db()
        # 元旦 1月1–3日 off, Sunday 1月4日 a working day.
        self.assertEqual(
            (self.extended.due_on, self.extended.deadline_provisional), (D(2026, 1, 27), False)
        )
        self.assertEqual((self.soon.due_on, self.soon.deadline_provisional), (D(2026, 1, 5), False))
        # Answered on 1月8日: provisionally one day late, on time once 2026 is known.
        self.assertEqual(
            (self.answered.due_on, self.answered.deadline_provisional), (D(2026, 1, 8), False)
        )

    def test_the_list_and_the_change_page_show_it_as_provisional_with_why(self):
        log_in(self.client, self.clerk)
        with mock.patch("django.utils.timezone.localdate", return_value=D(2025, 12, 29)):
            listing = self.client.get(reverse("admin:disclosure_disclosurerequest_changelist"))
            change = self.client.get(
                reverse("admin:disclosure_disclosurerequest_change", args=[self.extended.pk])
            )
            provisional_only = self.client.get(
                reverse("admin:disclosure_disclosurerequest_changelist"),
                {"deadline": "provisional"},
            )
        self.assertContains(listing, "2026年1月26日")
        self.assertContains(listing, 'class="clock-provisional"', count=3)
        self.assertContains(listing, "尚未录入工作日历，暂按周一至周五计算")
        self.assertContains(change, "2026年的工作日历尚未录入，暂按周一至周五为工作日计算")
        self.assertContains(change, "应于2026年1月26日（星期一）前答复（暂定）")
        numbers = sorted(r.number for r in provisional_only.context["cl"].result_list)
        self.assertEqual(numbers, ["A-1", "A-2", "A-3"])

    def test_the_dashboard_counts_and_flags_them(self):
        (block,), problem = dashboard([self.agency], D(2025, 12, 29))
        self.assertEqual([r.request.number for r in block.due_soon], ["A-2"])
        self.assertEqual(block.due_soon[0].working_days_left, 4)  # 12月30、31日, 1月1、2日
        self.assertTrue(block.due_soon[0].provisional)
        self.assertIn("2026年的工作日历尚未录入", problem)
        log_in(self.client, self.clerk)
        with mock.patch("django.utils.timezone.localdate", return_value=D(2025, 12, 29)):
            response = self.client.get(reverse("admin:disclosure_disclosurerequest_dashboard"))
        self.assertContains(response, "暂定")
        self.assertContains(response, "2026年的工作日历尚未录入")

    def test_a_clerk_can_still_record_events_in_december(self):
        # The extension's rule check counts through January too (it used to fail on 2026).
        request = make_request(self.agency, received_on=D(2025, 12, 8), number="A-5")
        make_event(request, "consult_third_party", D(2025, 12, 22), counterpart="某公司")
        request.refresh_from_db()
        self.assertTrue(request.deadline_provisional)
        self.assertEqual(request.events.count(), 1)


class CalendarWarningTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        CalendarYear.objects.filter(year=2026).delete()
        cls.agency = make_agency()
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.manager = make_manager("manager", cls.agency)
        cls.system = make_user("system", role=SYSTEM)

    def index(self, user, today):
        log_in(self.client, user)
        with mock.patch("django.utils.timezone.localdate", return_value=today):
            return self.client.get(reverse("admin:index"))

    def test_it_wants_next_year_from_the_first_of_november(self):
        self.assertEqual(calendar_missing_years(D(2025, 10, 31)), [])
        self.assertEqual(calendar_missing_years(D(2025, 11, 1)), [2026])
        self.assertEqual(calendar_missing_years(D(2026, 3, 1)), [2026])  # and all year long
        enter_2026()
        self.assertEqual(calendar_missing_years(D(2025, 11, 1)), [])

    def test_managers_and_the_system_role_are_warned_on_the_admin_home(self):
        warning = "2026年的工作日历尚未录入"
        self.assertContains(self.index(self.manager, D(2025, 11, 3)), warning)
        system = self.index(self.system, D(2025, 11, 3))
        self.assertContains(system, warning)
        self.assertContains(system, reverse("admin:disclosure_calendaryear_fill"))
        self.assertNotContains(self.index(self.clerk, D(2025, 11, 3)), warning)
        self.assertNotContains(self.index(self.manager, D(2025, 10, 31)), warning)

    def test_the_calendar_list_warns_too(self):
        log_in(self.client, self.system)
        with mock.patch("django.utils.timezone.localdate", return_value=D(2025, 11, 3)):
            response = self.client.get(reverse("admin:disclosure_calendaryear_changelist"))
        self.assertContains(response, "2026年的工作日历尚未录入")
        self.assertContains(response, "按通知或时段录入年度")


class DeadlineCommandProvisionalTests(TestCase):
    def run_command(self, *args):
        out, err = StringIO(), StringIO()
        call_command("deadline", *args, stdout=out, stderr=err)
        return out.getvalue().strip(), err.getvalue().strip()

    def test_it_keeps_refusing_an_uncovered_year_without_the_option(self):
        CalendarYear.objects.filter(year=2026).delete()
        with self.assertRaisesMessage(CommandError, "2026年的节假日安排尚未录入工作日历"):
            self.run_command("2025-12-05")

    def test_it_prints_the_provisional_date_and_says_so(self):
        CalendarYear.objects.filter(year=2026).delete()
        out, err = self.run_command("2025-12-05", "--provisional")
        self.assertEqual(out, "2026-01-02")
        self.assertIn("暂定：2026年的工作日历尚未录入", err)
        out, err = self.run_command("2025-12-05", "--provisional", "--extended")
        self.assertEqual(out, "2026-01-30")

    def test_a_covered_year_is_not_provisional(self):
        out, err = self.run_command("2025-12-05", "--provisional")
        self.assertEqual((out, err), ("2026-01-05", ""))
