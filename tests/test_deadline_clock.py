"""The due-date clock as a pure function of receipt, events and the calendar."""

import datetime
from types import SimpleNamespace

from django.test import SimpleTestCase, TestCase

from disclosure.clock import compute as clock
from disclosure.clock.calendar import CalendarMissing, WorkCalendar, package_calendar

D = datetime.date

# The four worked examples of annual-report-format.md §3.1 (receipt day not counted).
WORKED_EXAMPLES = [
    (D(2020, 1, 20), D(2020, 2, 25), D(2020, 3, 24)),
    (D(2023, 9, 25), D(2023, 10, 27), D(2023, 11, 24)),
    (D(2024, 1, 30), D(2024, 3, 1), D(2024, 3, 29)),
    (D(2024, 9, 20), D(2024, 10, 23), D(2024, 11, 20)),
]


def event(kind, on, **kw):
    kw.setdefault("period_days", None)
    kw.setdefault("ends_on", None)
    kw.setdefault("counterpart", "")
    kw.setdefault("approved_by", "")
    kw.setdefault("notified_on", None)
    return SimpleNamespace(kind=kind, on=on, **kw)


def extension(on, days=20):
    return event("extension", on, period_days=days, approved_by="办公室主任", notified_on=on)


class PackageCalendarClockTests(SimpleTestCase):
    """Against the chinesecalendar package directly: no database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        years, rows = package_calendar()
        cls.cal = WorkCalendar.from_rows(years, rows)

    def test_it_reproduces_the_worked_examples(self):
        for received, due, due_extended in WORKED_EXAMPLES:
            with self.subTest(received=received):
                self.assertEqual(clock.compute(received, [], self.cal).due_on, due)
                result = clock.compute(received, [extension(received)], self.cal)
                self.assertEqual(result.due_on, due_extended)
                self.assertEqual(result.working_days, 40)

    def test_it_explains_the_spring_festival_shift(self):
        steps = clock.compute(D(2020, 1, 20), [], self.cal).steps
        self.assertEqual(steps[0], "2020年1月20日收到申请，当日不计入，自次日起计算。")
        self.assertIn("春节（1月24日至2月2日）放假", steps[1])
        self.assertEqual(steps[-1], "共20个工作日，应于2020年2月25日（星期二）前答复。")

    def test_it_counts_make_up_weekends(self):
        steps = clock.compute(D(2023, 9, 25), [], self.cal).steps
        self.assertIn("中秋、国庆节（9月29日至10月6日）", "".join(steps))
        self.assertIn("10月7日（星期六）、10月8日（星期日）为调休上班日，计入期限。", steps)

    def test_it_counts_the_receipt_day_when_configured(self):
        # A Monday counted as day 1 makes the due date one working day earlier.
        self.assertEqual(
            clock.compute(D(2024, 9, 20), [], self.cal, count_receipt_day=True).due_on,
            D(2024, 10, 22),
        )
        # A day of receipt that is not a working day does not count either way.
        saturday = D(2024, 9, 21)
        self.assertEqual(
            clock.compute(saturday, [], self.cal, count_receipt_day=True).due_on,
            clock.compute(saturday, [], self.cal).due_on,
        )

    def test_it_stops_the_clock_while_waiting_for_a_correction(self):
        notice = event("correction_notice", D(2024, 9, 23), period_days=10)
        result = clock.compute(D(2024, 9, 20), [notice], self.cal)
        self.assertIsNone(result.due_on)
        self.assertEqual(result.state, clock.State.WAITING_CORRECTION)
        # 10 working days after 9月23日: the National Day break and the 调休 Saturday 10月12日.
        self.assertEqual(result.waiting_until, D(2024, 10, 11))

    def test_it_restarts_from_the_corrected_application(self):
        notice = event("correction_notice", D(2023, 9, 20), period_days=10)
        corrected = event("correction_received", D(2024, 1, 30))
        # Received long before; the 20 days run from the corrected application only.
        result = clock.compute(D(2023, 9, 18), [notice, corrected], self.cal)
        self.assertEqual(result.due_on, D(2024, 3, 1))
        self.assertIn("2024年1月30日收到补正后的申请，答复期限自该日起重新计算。", result.steps)

    def test_it_pauses_for_a_consultation(self):
        # Letter sent Tue 2024-02-20, reply on Tue 2024-02-27: 5 working days not counted.
        consult = event(
            "consult_third_party", D(2024, 2, 20), ends_on=D(2024, 2, 27), counterpart="某公司"
        )
        result = clock.compute(D(2024, 1, 30), [consult], self.cal)
        self.assertEqual(result.due_on, D(2024, 3, 8))  # 2024-03-01 + 5 working days
        self.assertIn("其间5个工作日不计入答复期限", "".join(result.steps))

    def test_it_counts_a_consultation_without_reply_as_fifteen_working_days(self):
        open_consult = event("consult_agency", D(2024, 2, 26))
        late_reply = event("consult_agency", D(2024, 2, 26), ends_on=D(2024, 6, 3))
        base = clock.compute(D(2024, 1, 30), [], self.cal).due_on
        for consult in (open_consult, late_reply):
            with self.subTest(ends_on=consult.ends_on):
                due = clock.compute(D(2024, 1, 30), [consult], self.cal).due_on
                self.assertEqual(due, self.cal.add_workdays(base, 15))

    def test_it_adds_the_extension_after_the_pause(self):
        consult = event("consult_third_party", D(2024, 3, 5), ends_on=D(2024, 3, 12))
        result = clock.compute(D(2024, 1, 30), [consult, extension(D(2024, 3, 6))], self.cal)
        self.assertEqual(result.due_on, self.cal.add_workdays(D(2024, 3, 29), 5))

    def test_it_waits_for_a_fee_and_then_continues(self):
        fee = event("fee_notice", D(2024, 2, 5), amount="720.00")
        waiting = clock.compute(D(2024, 1, 30), [fee], self.cal)
        self.assertIsNone(waiting.due_on)
        self.assertEqual(waiting.state, clock.State.WAITING_FEE)
        self.assertEqual(waiting.waiting_until, self.cal.add_workdays(D(2024, 2, 5), 20))
        # 1月31日、2月1–2日、调休的2月4日（星期日）和2月5日: 5 days used, 15 left.
        self.assertIn("此时已用5个工作日，缴费后继续计算剩余的15个工作日", "".join(waiting.steps))
        # Paid on Mon 2024-02-26: the working days between notice and payment do not count.
        paid = event("fee_paid", D(2024, 2, 26))
        paused = self.cal.workdays_in(D(2024, 2, 5), D(2024, 2, 26))
        result = clock.compute(D(2024, 1, 30), [fee, paid], self.cal)
        self.assertEqual(result.due_on, self.cal.add_workdays(D(2024, 3, 1), paused))

    def test_it_refuses_a_year_without_a_calendar(self):
        with self.assertRaises(CalendarMissing) as caught:
            clock.compute(D(2027, 3, 1), [], self.cal)
        self.assertIn("2027年的节假日安排尚未录入工作日历", str(caught.exception))
        # Received in a covered year, due in an uncovered one: an error too, never a guess.
        with self.assertRaises(CalendarMissing):
            clock.compute(D(2026, 12, 20), [], self.cal)

    def test_it_gives_the_last_day_for_a_correction_notice(self):
        # 1月21–23日, then (after the break to 2月2日) 2月3–6日: the 7th working day is 2月6日.
        self.assertEqual(clock.correction_notice_latest(D(2020, 1, 20), self.cal), D(2020, 2, 6))


class DatabaseCalendarTests(TestCase):
    def test_it_is_seeded_with_every_year_of_the_package(self):
        cal = WorkCalendar.load()
        years, _rows = package_calendar()
        self.assertEqual(cal.years, frozenset(years))
        self.assertIn(D(2020, 1, 19), cal.make_up_days)  # 调休 Sunday
        self.assertFalse(cal.is_workday(D(2020, 1, 31)))  # the 2020 extended Spring Festival

    def test_it_loads_in_one_query(self):
        with self.assertNumQueries(1):
            WorkCalendar.load()

    def test_it_reproduces_the_worked_examples_from_the_table(self):
        cal = WorkCalendar.load()
        for received, due, due_extended in WORKED_EXAMPLES:
            with self.subTest(received=received):
                self.assertEqual(clock.compute(received, [], cal).due_on, due)
                self.assertEqual(
                    clock.compute(received, [extension(received)], cal).due_on, due_extended
                )


class WorkingDayArithmeticTests(SimpleTestCase):
    """``workdays_in`` counts by arithmetic; it must agree with asking day by day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cal = WorkCalendar.from_rows(*package_calendar())

    def test_it_agrees_with_counting_day_by_day(self):
        from hypothesis import given, settings
        from hypothesis import strategies as st

        @settings(max_examples=300, deadline=None)
        @given(
            after=st.dates(D(2004, 1, 1), D(2026, 6, 30)),
            span=st.integers(min_value=-3, max_value=400),
        )
        def check(after, span):
            until = min(after + datetime.timedelta(days=span), D(2026, 12, 31))
            naive, day = 0, after + datetime.timedelta(days=1)
            while day <= until:
                naive += self.cal.is_workday(day)
                day += datetime.timedelta(days=1)
            self.assertEqual(self.cal.workdays_in(after, until), naive)
            if span >= 1:
                n = max(naive, 1)
                self.assertEqual(self.cal.workdays_in(after, self.cal.add_workdays(after, n)), n)

        check()

    def test_it_refuses_an_uncovered_year_in_between(self):
        cal = WorkCalendar.from_rows([2020, 2022], [])
        with self.assertRaises(CalendarMissing):
            cal.workdays_in(D(2020, 6, 1), D(2022, 6, 1))
