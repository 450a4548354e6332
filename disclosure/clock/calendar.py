"""Working days (工作日): Monday to Friday, minus the statutory holidays, plus the make-up working
weekends (调休上班) of the State Council's yearly notice.

The calendar is the ``Holiday`` table (seeded from the ``chinesecalendar`` package, editable by
the system role 系统管理员) and the ``CalendarYear`` rows that mark which years it covers. A date
in a year without a ``CalendarYear`` row has no answer: asking for it raises ``CalendarMissing``.
Only a *guessing* copy (``WorkCalendar.guessing``) answers for such a year, from the weekday
alone, and notes the year: what it computes is provisional (暂定) and says so.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from .models import CalendarYear

ONE_DAY = datetime.timedelta(days=1)
WEEKDAYS = "一二三四五六日"


class CalendarMissing(Exception):
    """A date falls in a year the holiday table does not cover."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的节假日安排尚未录入工作日历，无法计算工作日期限。"
            f"请系统管理员在后台“工作日历”中录入{year}年的放假和调休安排，"
            f"或运行 python manage.py calendar_refresh 从 chinesecalendar 包更新。"
        )


@dataclass(frozen=True)
class WorkCalendar:
    """An immutable snapshot of the holiday table; every question is answered in memory.

    A ``provisional`` copy (``guessing()``) counts Monday–Friday in a year the table does not
    cover instead of refusing, and adds that year to ``guessed``."""

    years: frozenset[int]
    days_off: dict[datetime.date, str] = field(default_factory=dict)  # 放假 → holiday name
    make_up_days: dict[datetime.date, str] = field(default_factory=dict)  # 调休上班 → name
    provisional: bool = False
    guessed: set[int] = field(default_factory=set, compare=False)

    @classmethod
    def from_rows(cls, years: Iterable[int], rows: Iterable[tuple]) -> WorkCalendar:
        """Build from ``(date, kind, name)`` rows; ``kind`` is ``Holiday.Kind`` ("off"/"work")."""
        days_off, make_up = {}, {}
        for day, kind, name in rows:
            (make_up if kind == "work" else days_off)[day] = name
        return cls(frozenset(years), days_off, make_up)

    @classmethod
    def load(cls) -> WorkCalendar:
        """The calendar from the database, in one query."""
        years, rows = set(), []
        for year, day, kind, name in CalendarYear.objects.values_list(
            "year", "days__date", "days__kind", "days__name"
        ):
            years.add(year)
            if day is not None:
                rows.append((day, kind, name))
        return cls.from_rows(years, rows)

    def guessing(self) -> WorkCalendar:
        """A copy that answers for uncovered years too, counting Monday–Friday, and records in
        ``guessed`` each uncovered year it was asked about (one copy per computation)."""
        return replace(self, provisional=True, guessed=set())

    def check(self, day: datetime.date) -> None:
        self._check_year(day.year)

    def _check_year(self, year: int) -> None:
        if year not in self.years:
            if not self.provisional:
                raise CalendarMissing(year)
            self.guessed.add(year)

    def is_workday(self, day: datetime.date) -> bool:
        self.check(day)
        if day in self.make_up_days:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def add_workdays(
        self,
        start: datetime.date,
        n: int,
        *,
        include_start: bool = False,
        paused: frozenset[datetime.date] | set[datetime.date] = frozenset(),
    ) -> datetime.date:
        """The day on which the n-th working day after ``start`` falls.

        ``start`` itself counts only with ``include_start`` (and only if it is a working day);
        days in ``paused`` do not count.
        """
        if n < 1:
            raise ValueError("n must be at least 1")
        day = start if include_start else start + ONE_DAY
        counted = 0
        while True:
            if day not in paused and self.is_workday(day):
                counted += 1
                if counted == n:
                    return day
            day += ONE_DAY

    def workdays_in(self, after: datetime.date, until: datetime.date) -> int:
        """Working days in the interval (after, until], by arithmetic (the dashboard asks this
        for requests overdue by years): weekdays, minus weekday holidays, plus 调休 weekends."""
        if until <= after:
            return 0
        for year in range((after + ONE_DAY).year, until.year + 1):
            self._check_year(year)
        weekdays = _weekdays_through(until) - _weekdays_through(after)
        off = bisect.bisect_right(self._weekday_days_off, until) - bisect.bisect_right(
            self._weekday_days_off, after
        )
        extra = bisect.bisect_right(self._weekend_make_up, until) - bisect.bisect_right(
            self._weekend_make_up, after
        )
        return weekdays - off + extra

    @cached_property
    def _weekday_days_off(self) -> list[datetime.date]:
        return sorted(d for d in self.days_off if d.weekday() < 5)

    @cached_property
    def _weekend_make_up(self) -> list[datetime.date]:
        return sorted(d for d in self.make_up_days if d.weekday() >= 5)

    def breaks_between(
        self, after: datetime.date, until: datetime.date
    ) -> list[tuple[str, datetime.date, datetime.date]]:
        """The holiday breaks that take working days away in (after, until], as
        ``(names, first day, last day)``. A break is a run of consecutive days off (国庆节 and
        中秋 back to back are one break); one that only covers weekends changes nothing and is
        left out."""
        breaks = []
        day = after + ONE_DAY
        while day <= until:
            if day not in self.days_off:
                day += ONE_DAY
                continue
            first = last = day
            while first - ONE_DAY in self.days_off:
                first -= ONE_DAY
            while last + ONE_DAY in self.days_off:
                last += ONE_DAY
            run = [first + ONE_DAY * i for i in range((last - first).days + 1)]
            if any(d.weekday() < 5 and after < d <= until for d in run):
                names = list(dict.fromkeys(self.days_off[d] for d in run))
                breaks.append(("、".join(names), first, last))
            day = last + ONE_DAY
        return breaks

    def make_up_between(self, after: datetime.date, until: datetime.date) -> list[datetime.date]:
        """调休 working weekends in (after, until]."""
        return sorted(d for d in self.make_up_days if after < d <= until)


@dataclass(frozen=True)
class HolidayPeriod:
    """Days of the calendar as the State Council's notice states them: a break (放假, from–to,
    weekends inside it included) or a run of 调休 working weekend days, with the holiday's name.
    ``kind`` is ``Holiday.Kind`` ("off" / "work")."""

    name: str
    kind: str
    first: datetime.date
    last: datetime.date

    @property
    def days(self) -> list[datetime.date]:
        return [self.first + ONE_DAY * i for i in range((self.last - self.first).days + 1)]

    def __str__(self) -> str:
        what = "放假" if self.kind == "off" else "调休上班"
        first = format_date(self.first, weekday=True)
        if self.first == self.last:
            return f"{self.name}：{first}{what}"
        last = format_date(self.last, year=False, weekday=True)
        return f"{self.name}：{first}至{last}{what}，共{len(self.days)}天"


def periods_from_days(rows: Iterable[tuple[datetime.date, str, str]]) -> list[HolidayPeriod]:
    """``(date, kind, name)`` rows grouped into periods: consecutive days of the same kind and
    name are one period; sorted by first day."""
    periods: list[HolidayPeriod] = []
    for day, kind, name in sorted(rows):
        last = periods[-1] if periods else None
        if last and last.kind == kind and last.name == name and last.last + ONE_DAY == day:
            periods[-1] = replace(last, last=day)
        else:
            periods.append(HolidayPeriod(name, kind, day, day))
    return sorted(periods, key=lambda p: (p.first, p.kind))


def _weekdays_through(day: datetime.date) -> int:
    """Monday–Friday days from 0001-01-01 (a Monday) up to and including ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def package_calendar() -> tuple[list[int], list[tuple[datetime.date, str, str]]]:
    """Every year the installed ``chinesecalendar`` package covers, and its days as
    ``(date, kind, Chinese name)`` rows (kind "off" = 放假, "work" = 调休上班)."""
    from chinese_calendar import constants

    names = {h.value: h.chinese for h in constants.Holiday}
    first = min(constants.holidays).year
    last = max(constants.holidays).year
    rows = [(d, "off", names.get(v, v)) for d, v in constants.holidays.items()]
    rows += [(d, "work", names.get(v, v)) for d, v in constants.workdays.items()]
    return list(range(first, last + 1)), sorted(rows)


def package_version() -> str:
    import chinese_calendar

    return f"chinesecalendar {chinese_calendar.__version__}"


def format_date(day: datetime.date, *, year: bool = True, weekday: bool = False) -> str:
    """2020年2月25日 / 2月25日, optionally with （星期二）."""
    text = f"{day.year}年{day.month}月{day.day}日" if year else f"{day.month}月{day.day}日"
    if weekday:
        text += f"（星期{WEEKDAYS[day.weekday()]}）"
    return text
