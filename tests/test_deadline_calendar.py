"""The working-day calendar: editing it moves open requests' due dates; the refresh and deadline
commands."""

import datetime
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from disclosure.clock import services as clock_services
from disclosure.models import CalendarYear, DisclosureRequest, Holiday
from disclosure.records import services
from tests.factories import make_agency, make_request

D = datetime.date


class HolidayEditTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency()

    def test_editing_a_holiday_moves_open_requests_due_dates(self):
        open_request = make_request(self.agency, received_on=D(2024, 9, 20))
        decided = make_request(self.agency, received_on=D(2024, 9, 20))
        services.request_decide(request=decided, outcome="granted", decided_on=D(2024, 10, 9))
        later = make_request(self.agency, received_on=D(2024, 10, 25))
        later_due = later.due_on
        self.assertEqual(open_request.due_on, D(2024, 10, 23))

        # A (hypothetical) extra day off on Monday 2024-10-14 pushes the deadline a day.
        clock_services.holiday_save(
            holiday=Holiday(
                calendar=CalendarYear.objects.get(year=2024), date=D(2024, 10, 14), name="测试"
            )
        )
        open_request.refresh_from_db()
        decided.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(open_request.due_on, D(2024, 10, 24))
        self.assertEqual(decided.due_on, D(2024, 10, 23))  # answered: history stays as it was
        self.assertEqual(later.due_on, later_due)  # received after the day: not affected

        # Turning the 调休 Saturday 10月12日 into an ordinary weekend day moves it once more.
        clock_services.holiday_delete(holiday=Holiday.objects.get(date=D(2024, 10, 12)))
        open_request.refresh_from_db()
        self.assertEqual(open_request.due_on, D(2024, 10, 25))

    def test_moving_a_holiday_recomputes_from_the_old_date_too(self):
        request = make_request(self.agency, received_on=D(2020, 1, 20))
        extra = clock_services.holiday_save(
            holiday=Holiday(
                calendar=CalendarYear.objects.get(year=2020), date=D(2020, 2, 3), name="测试"
            )
        )
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2020, 2, 26))
        extra.date = D(2020, 3, 2)  # after the due date: the request is back to 2月25日
        clock_services.holiday_save(holiday=extra)
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2020, 2, 25))

    def test_it_validates_a_holiday(self):
        from django.core.exceptions import ValidationError

        calendar = CalendarYear.objects.get(year=2024)
        with self.assertRaisesMessage(ValidationError, "调休上班日应为星期六或星期日"):
            clock_services.holiday_save(
                holiday=Holiday(calendar=calendar, date=D(2024, 10, 14), kind="work", name="x")
            )
        with self.assertRaisesMessage(ValidationError, "日期不在2024年内"):
            clock_services.holiday_save(
                holiday=Holiday(calendar=calendar, date=D(2025, 10, 13), name="x")
            )

    def test_a_year_without_a_calendar_gives_a_provisional_due_date_until_it_is_added(self):
        CalendarYear.objects.filter(year=2025).delete()
        request = make_request(self.agency, received_on=D(2025, 3, 3))
        # Counted Monday–Friday and flagged 暂定 (it was "no due date" before).
        self.assertEqual((request.due_on, request.deadline_provisional), (D(2025, 3, 31), True))
        year = clock_services.calendar_year_save(
            calendar_year=CalendarYear(
                year=2025, source="国务院办公厅关于2025年部分节假日安排的通知"
            )
        )
        request.refresh_from_db()
        self.assertEqual((request.due_on, request.deadline_provisional), (D(2025, 3, 31), False))
        clock_services.holiday_save(
            holiday=Holiday(calendar=year, date=D(2025, 3, 10), name="测试")
        )
        request.refresh_from_db()
        self.assertEqual(request.due_on, D(2025, 4, 1))


class CalendarRefreshCommandTests(TestCase):
    def test_it_adds_missing_years_and_keeps_edited_ones(self):
        agency = make_agency()
        CalendarYear.objects.filter(year=2025).delete()
        request = make_request(agency, received_on=D(2025, 9, 22))
        self.assertEqual((request.due_on, request.deadline_provisional), (D(2025, 10, 20), True))
        Holiday.objects.filter(date=D(2024, 10, 12)).delete()  # a manager's edit of 2024

        out = StringIO()
        call_command("calendar_refresh", stdout=out)
        self.assertIn("新增 1 个年度", out.getvalue())
        self.assertIn("1 件办理中申请的答复期限已更新", out.getvalue())
        request.refresh_from_db()
        self.assertEqual((request.due_on, request.deadline_provisional), (D(2025, 10, 24), False))
        self.assertFalse(Holiday.objects.filter(date=D(2024, 10, 12)).exists())

        call_command("calendar_refresh", "--replace", stdout=StringIO())
        self.assertTrue(Holiday.objects.filter(date=D(2024, 10, 12), kind="work").exists())


class DeadlineCommandTests(TestCase):
    def deadline(self, *args):
        out = StringIO()
        call_command("deadline", *args, stdout=out)
        return out.getvalue().strip()

    def test_it_prints_the_worked_examples(self):
        examples = [
            ("2020-01-20", "2020-02-25", "2020-03-24"),
            ("2023-09-25", "2023-10-27", "2023-11-24"),
            ("2024-01-30", "2024-03-01", "2024-03-29"),
            ("2024-09-20", "2024-10-23", "2024-11-20"),
        ]
        for received, due, extended in examples:
            with self.subTest(received=received):
                self.assertEqual(self.deadline(received), due)
                self.assertEqual(self.deadline(received, "--extended"), extended)

    @override_settings(DEADLINE_COUNT_RECEIPT_DAY=True)
    def test_it_follows_the_receipt_day_setting(self):
        self.assertEqual(self.deadline("2024-09-20"), "2024-10-22")

    def test_it_uses_the_holiday_table(self):
        Holiday.objects.filter(date=D(2024, 10, 12)).delete()
        self.assertEqual(self.deadline("2024-09-20"), "2024-10-24")

    def test_it_fails_for_a_year_without_a_calendar(self):
        with self.assertRaisesMessage(CommandError, "2027年的节假日安排尚未录入工作日历"):
            self.deadline("2027-01-05")
        with self.assertRaisesMessage(CommandError, "2027年"):
            self.deadline("2026-12-20")  # due in January 2027

    def test_it_rejects_a_bad_date(self):
        with self.assertRaisesMessage(CommandError, "应为 YYYY-MM-DD"):
            self.deadline("2024-13-01")


class DueDateFieldTests(TestCase):
    def test_the_cached_due_date_is_not_in_the_history(self):
        agency = make_agency()
        request = make_request(agency, received_on=D(2024, 9, 20))
        historical = request.history.model
        self.assertNotIn("due_on", [f.name for f in historical._meta.fields])
        self.assertEqual(DisclosureRequest.objects.overdue(D(2024, 10, 24)).count(), 1)
        self.assertEqual(DisclosureRequest.objects.overdue(D(2024, 10, 23)).count(), 0)
