"""A year of the calendar from the State Council's notice (国务院办公厅关于XXXX年部分节假日安排的
通知): the parser on the real notices' wording (our copies of the public texts in
``fixtures/holiday_notices``), and the admin page where the system role pastes it, confirms the
periods and saves them."""

import datetime
from pathlib import Path

from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from disclosure.clock.calendar import package_calendar
from disclosure.clock.notice import MAX_NOTICE_CHARS, NoticeError, parse_notice
from disclosure.models import CalendarYear, Holiday
from disclosure.roles import SYSTEM
from tests.factories import log_in, make_agency, make_clerk, make_manager, make_request, make_user

D = datetime.date
NOTICES = Path(__file__).parent / "fixtures" / "holiday_notices"


def notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text()


def periods(parsed, kind):
    return [(p.name, p.first, p.last) for p in parsed.periods if p.kind == kind]


class NoticeParserTests(SimpleTestCase):
    def test_it_reads_the_2024_notice(self):
        parsed = parse_notice(notice(2024))
        self.assertEqual(parsed.year, 2024)
        self.assertEqual(
            parsed.source, "国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号）"
        )
        self.assertEqual(
            periods(parsed, "off"),
            [
                ("元旦", D(2024, 1, 1), D(2024, 1, 1)),  # "1月1日放假，与周末连休"
                ("春节", D(2024, 2, 10), D(2024, 2, 17)),
                ("清明节", D(2024, 4, 4), D(2024, 4, 6)),
                ("劳动节", D(2024, 5, 1), D(2024, 5, 5)),
                ("端午节", D(2024, 6, 10), D(2024, 6, 10)),
                ("中秋节", D(2024, 9, 15), D(2024, 9, 17)),
                ("国庆节", D(2024, 10, 1), D(2024, 10, 7)),
            ],
        )
        work = [first for _name, first, _last in periods(parsed, "work")]
        self.assertEqual(
            work,
            [D(2024, 2, 4), D(2024, 2, 18), D(2024, 4, 7), D(2024, 4, 28), D(2024, 5, 11),
             D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12)],
        )  # fmt: skip
        # "安排职工在除夕（2月9日）休息" is advice, not a day off.
        self.assertNotIn(D(2024, 2, 9), {d for p in parsed.periods for d in p.days})
        self.assertEqual(parsed.warnings, [])

    def test_it_reads_the_2025_notice_with_its_lunar_notes_and_month_crossings(self):
        parsed = parse_notice(notice(2025))
        self.assertEqual(
            periods(parsed, "off"),
            [
                ("元旦", D(2025, 1, 1), D(2025, 1, 1)),
                ("春节", D(2025, 1, 28), D(2025, 2, 4)),  # （农历除夕、周二）至2月4日
                ("清明节", D(2025, 4, 4), D(2025, 4, 6)),
                ("劳动节", D(2025, 5, 1), D(2025, 5, 5)),
                ("端午节", D(2025, 5, 31), D(2025, 6, 2)),
                ("国庆节、中秋节", D(2025, 10, 1), D(2025, 10, 8)),
            ],
        )
        self.assertEqual(
            periods(parsed, "work"),
            [
                ("春节", D(2025, 1, 26), D(2025, 1, 26)),
                ("春节", D(2025, 2, 8), D(2025, 2, 8)),
                ("劳动节", D(2025, 4, 27), D(2025, 4, 27)),
                ("国庆节、中秋节", D(2025, 9, 28), D(2025, 9, 28)),
                ("国庆节、中秋节", D(2025, 10, 11), D(2025, 10, 11)),
            ],
        )
        self.assertEqual(parsed.warnings, [])

    def test_it_reads_the_2026_notice(self):
        parsed = parse_notice(notice(2026))
        self.assertEqual(parsed.number, "国办发明电〔2025〕7号")
        self.assertIn(("元旦", D(2026, 1, 1), D(2026, 1, 3)), periods(parsed, "off"))
        self.assertIn(("春节", D(2026, 2, 15), D(2026, 2, 23)), periods(parsed, "off"))
        self.assertIn(("元旦", D(2026, 1, 4), D(2026, 1, 4)), periods(parsed, "work"))
        self.assertEqual(sum(len(p.days) for p in parsed.days_off), 33)
        self.assertEqual(len(parsed.make_up_days), 6)
        self.assertEqual(parsed.warnings, [])

    def test_it_agrees_with_the_chinesecalendar_package(self):
        years, rows = package_calendar()
        for year in (2024, 2025, 2026):
            with self.subTest(year=year):
                parsed = parse_notice(notice(year))
                ours = {(d, p.kind) for p in parsed.periods for d in p.days}
                theirs = {(d, kind) for d, kind, _name in rows if d.year == year}
                self.assertEqual(ours, theirs)

    def test_it_leaves_out_a_day_of_the_previous_year_and_says_so(self):
        # 2023: "元旦：2022年12月31日至2023年1月2日放假调休，共3天".
        parsed = parse_notice(notice(2023))
        self.assertIn(("元旦", D(2023, 1, 1), D(2023, 1, 2)), periods(parsed, "off"))
        self.assertIn(("中秋节、国庆节", D(2023, 9, 29), D(2023, 10, 6)), periods(parsed, "off"))
        self.assertEqual(len(parsed.warnings), 1)
        self.assertIn("2022年12月31日（元旦）不在2023年内，未录入", parsed.warnings[0])

    def test_it_reads_a_sloppy_paste(self):
        # Copied from a web page: spaces, full-width digits, one line per sentence.
        text = (
            "国务院办公厅关于 2026 年部分节假日安排的通知\n"
            "一、元旦：１月１日（周四）至３日（周六）放假调休，共３天。\n"
            "１月４日（周日）上班。\n"
            "二、春节：2月15日（农历腊月二十八、周日）至 23日（农历正月初七、周一）"
            "放假调休，共9天。"
        )
        parsed = parse_notice(text)
        self.assertEqual(
            [(p.kind, p.first, p.last) for p in parsed.periods],
            [
                ("off", D(2026, 1, 1), D(2026, 1, 3)),
                ("work", D(2026, 1, 4), D(2026, 1, 4)),
                ("off", D(2026, 2, 15), D(2026, 2, 23)),
            ],
        )

    def test_it_warns_where_the_text_contradicts_itself(self):
        text = notice(2026).replace("共9天", "共8天").replace("2月14日（周六）", "2月14日（周五）")
        text = text.replace("5月9日（周六）上班", "5月8日（周五）上班")
        warnings = " ".join(parse_notice(text).warnings)
        self.assertIn("通知写共8天", warnings)
        self.assertIn("通知写2026年2月14日为星期五，实际为星期六", warnings)
        self.assertIn("调休上班日2026年5月8日是星期五，不是周末，未录入", warnings)

    def test_it_refuses_what_is_not_a_notice(self):
        with self.assertRaisesMessage(NoticeError, "没有找到通知标题中的年度"):
            parse_notice("一、元旦：1月1日放假。")
        with self.assertRaisesMessage(NoticeError, "没有识别出放假安排"):
            parse_notice("国务院办公厅关于2027年部分节假日安排的通知")
        with self.assertRaisesMessage(NoticeError, "与所填年度2026年不符"):
            parse_notice(notice(2025), year=2026)
        with self.assertRaisesMessage(NoticeError, "超过"):
            parse_notice("放假" * MAX_NOTICE_CHARS)


def period_post(parsed, *, year, source, extra=()):
    """The confirmation form as the browser sends it back."""
    rows = [
        {"name": p.name, "kind": p.kind, "first": p.first.isoformat(), "last": p.last.isoformat()}
        for p in parsed.periods
    ] + list(extra)
    data = {
        "year": str(year),
        "source": source,
        "notice": "",
        "save": "确认保存",
        "periods-TOTAL_FORMS": str(len(rows)),
        "periods-INITIAL_FORMS": str(len(rows)),
        "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "60",
    }
    for i, row in enumerate(rows):
        data.update({f"periods-{i}-{k}": v for k, v in row.items()})
    return data


class CalendarFillPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        CalendarYear.objects.filter(year=2026).delete()
        cls.agency = make_agency()
        cls.system = make_user("system", role=SYSTEM)
        cls.clerk = make_clerk("clerk", cls.agency)
        cls.manager = make_manager("manager", cls.agency)
        cls.request = make_request(cls.agency, received_on=D(2025, 12, 5))

    url = reverse("admin:disclosure_calendaryear_fill")

    def test_the_system_role_pastes_the_notice_confirms_and_saves(self):
        log_in(self.client, self.system)
        self.assertContains(self.client.get(self.url), "通知全文")
        shown = self.client.post(self.url, {"notice": notice(2026), "parse": "识别通知"})
        self.assertContains(shown, 'value="2026-02-15"')  # the periods, for confirmation
        self.assertContains(shown, 'value="2026-01-04"')  # and the 调休 days
        self.assertContains(shown, "国办发明电〔2025〕7号")
        self.assertContains(shown, "春节：2026年2月15日（星期日）至2月23日（星期一）放假，共9天")
        self.assertFalse(CalendarYear.objects.filter(year=2026).exists())  # nothing saved yet

        parsed = parse_notice(notice(2026))
        response = self.client.post(self.url, period_post(parsed, year=2026, source=parsed.source))
        calendar = CalendarYear.objects.get(year=2026)
        self.assertRedirects(
            response, reverse("admin:disclosure_calendaryear_change", args=[calendar.pk])
        )
        self.assertEqual(calendar.days.filter(kind="off").count(), 33)
        self.assertEqual(calendar.days.filter(kind="work").count(), 6)
        self.request.refresh_from_db()
        self.assertEqual(
            (self.request.due_on, self.request.deadline_provisional), (D(2026, 1, 5), False)
        )
        page = self.client.get(response["Location"])
        self.assertContains(page, "春节：2026年2月15日（星期日）至2月23日（星期一）放假，共9天")

    def test_a_wrong_row_is_refused_and_nothing_is_saved(self):
        log_in(self.client, self.system)
        parsed = parse_notice(notice(2026))
        bad = {"name": "测试", "kind": "work", "first": "2026-03-02", "last": ""}  # a Monday
        response = self.client.post(
            self.url, period_post(parsed, year=2026, source=parsed.source, extra=[bad])
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "调休上班日应为星期六或星期日")
        self.assertFalse(CalendarYear.objects.filter(year=2026).exists())

    def test_it_replaces_an_existing_year(self):
        log_in(self.client, self.system)
        calendar = CalendarYear.objects.get(year=2025)
        Holiday.objects.create(calendar=calendar, date=D(2025, 3, 10), name="多余的一天")
        shown = self.client.get(self.url, {"year": 2025})
        self.assertContains(shown, "多余的一天")  # the year as it stands, by period
        parsed = parse_notice(notice(2025))
        self.client.post(self.url, period_post(parsed, year=2025, source=parsed.source))
        self.assertFalse(Holiday.objects.filter(date=D(2025, 3, 10)).exists())
        self.assertEqual(calendar.days.count(), 28 + 5)

    def test_only_the_system_role_may_fill_a_year(self):
        for user in (self.clerk, self.manager):
            with self.subTest(user=user.username):
                log_in(self.client, user)
                self.assertEqual(self.client.get(self.url).status_code, 404)
                response = self.client.post(self.url, {"notice": notice(2026), "parse": "识别通知"})
                self.assertEqual(response.status_code, 404)
