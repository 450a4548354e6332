"""The State Council's yearly notice (国务院办公厅关于XXXX年部分节假日安排的通知), read from its
pasted text into the periods of the working-day calendar: one break (放假) per holiday, from–to,
and the 调休 working weekend days. Pure: nothing is saved here. The system role confirms the
periods (``CalendarYearAdmin.fill_view``) before ``services.calendar_year_fill`` saves them.

The wording the notices have used since 2008, each item on the pattern::

    二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。
    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
    一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
    五、端午节：6月10日放假，与周末连休。

A sentence with 放假 gives the break (the dates before 放假: one day, or a range with 至 in which
the year and the month carry over), one with 上班 the working weekend days before 上班. Other
sentences (除夕休息, 值班) are not read. What the text itself lets us check is checked and
reported as a warning, never silently corrected: 共N天 against the range, the weekday written
in brackets against the date, a 调休 day that is not a weekend, a day outside the year.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from .calendar import WEEKDAYS, HolidayPeriod, format_date, periods_from_days

MAX_NOTICE_CHARS = 20_000  # a notice is about 1,000 characters; a bound before any work

TITLE = re.compile(r"国务院办公厅关于(\d{4})年部分节假日安排的通知")
NUMBER = re.compile(r"国办发明?电?〔\d{4}〕\d+号")
# An item: "二、春节：" at the start of a line or after a full stop.
ITEM = re.compile(r"(?:^|(?<=[。\n]))[ \t]*[一二三四五六七八九十]+、([^：:。\n]{1,20})[：:]")
DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（([^）]*)）|\(([^)]*)\))?")
WEEKDAY = re.compile(r"(?:星期|周)([一二三四五六日天])")
DAYS = re.compile(r"共(\d+)天")
# Where the list of holidays ends: the closing paragraph of every notice.
END = "节假日期间"
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９：", "0123456789：")


class NoticeError(ValueError):
    """The text is not a notice the parser can read (too long, no year, no holiday in it)."""


@dataclass(frozen=True)
class ParsedNotice:
    year: int
    title: str
    number: str  # the notice's 文号, e.g. 国办发明电〔2023〕7号
    periods: list[HolidayPeriod]
    warnings: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        """For ``CalendarYear.source``."""
        return f"{self.title}（{self.number}）" if self.number else self.title

    @property
    def days_off(self) -> list[HolidayPeriod]:
        return [p for p in self.periods if p.kind == "off"]

    @property
    def make_up_days(self) -> list[HolidayPeriod]:
        return [p for p in self.periods if p.kind == "work"]


def parse_notice(text: str, *, year: int | None = None) -> ParsedNotice:
    """The periods of a pasted notice. ``year`` is needed only when the title is not pasted."""
    if len(text) > MAX_NOTICE_CHARS:
        raise NoticeError(f"粘贴的文字超过{MAX_NOTICE_CHARS}字，不像是一份放假安排通知。")
    text = _normalise(text)
    title = TITLE.search(text)
    if title:
        if year is not None and int(title.group(1)) != year:
            raise NoticeError(f"通知标题是{title.group(1)}年的安排，与所填年度{year}年不符。")
        year = int(title.group(1))
    if year is None:
        raise NoticeError("没有找到通知标题中的年度，请填写年度。")
    number = NUMBER.search(text)
    body = text.split(END, 1)[0]
    reader = _Reader(year)
    items = list(ITEM.finditer(body))
    for i, item in enumerate(items):
        end = items[i + 1].start() if i + 1 < len(items) else len(body)
        reader.item(item.group(1).strip(), body[item.end() : end])
    if not reader.days:
        raise NoticeError("没有识别出放假安排：请粘贴通知正文（含“一、元旦：……放假”等各项）。")
    rows = [(day, kind, name) for day, (kind, name) in reader.days.items()]
    return ParsedNotice(
        year=year,
        title=title.group(0) if title else f"国务院办公厅关于{year}年部分节假日安排的通知",
        number=number.group(0) if number else "",
        periods=periods_from_days(rows),
        warnings=reader.warnings,
    )


def _normalise(text: str) -> str:
    """Full-width digits as ASCII; no spaces inside a line (web pages and PDFs add them)."""
    text = text.translate(FULL_WIDTH_DIGITS).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(re.sub(r"[ \t\u3000\xa0]+", "", line) for line in text.split("\n"))


@dataclass
class _Date:
    day: datetime.date
    explicit_year: bool
    note: str  # what the brackets after it say: "星期日", "农历除夕、周二"


class _Reader:
    """Reads the items one by one into ``days`` (date → (kind, name)) and ``warnings``."""

    def __init__(self, year: int):
        self.year = year
        self.days: dict[datetime.date, tuple[str, str]] = {}
        self.warnings: list[str] = []

    def item(self, name: str, body: str) -> None:
        found = False
        for sentence in re.split(r"[。；;\n]", body):
            if "放假" in sentence:
                found |= self._break(name, sentence)
            elif "上班" in sentence:
                found |= self._working_days(name, sentence)
        if not found:
            self.warnings.append(f"“{name}”一项没有识别出日期，请核对后手工补充。")

    def _dates(self, name: str, text: str) -> list[_Date]:
        """The dates in ``text``, the year and month carried over from the one before."""
        dates: list[_Date] = []
        year, month = self.year, None
        for match in DATE.finditer(text):
            y, m, d, note_a, note_b = match.groups()
            explicit = y is not None
            if explicit:
                year = int(y)
            if m is not None:
                month = int(m)
            if month is None:
                self.warnings.append(f"“{name}”：“{match.group(0)}”没有月份，未能识别。")
                continue
            try:
                day = datetime.date(year, month, int(d))
            except ValueError:
                self.warnings.append(f"“{name}”：“{match.group(0)}”不是有效日期。")
                continue
            if dates and day < dates[-1].day and not explicit:  # 12月31日至1月2日
                day, year = day.replace(year=year + 1), year + 1
            dates.append(_Date(day, explicit, note_a or note_b or ""))
            self._check_weekday(name, dates[-1])
        return dates

    def _check_weekday(self, name: str, date: _Date) -> None:
        written = WEEKDAY.search(date.note)
        if not written:
            return
        weekday = "日" if written.group(1) == "天" else written.group(1)
        actual = WEEKDAYS[date.day.weekday()]
        if weekday != actual:
            self.warnings.append(
                f"“{name}”：通知写{format_date(date.day)}为星期{weekday}，实际为星期{actual}，请核对。"
            )

    def _break(self, name: str, sentence: str) -> bool:
        before = sentence.split("放假", 1)[0]
        dates = self._dates(name, before)
        if not dates:
            return False
        first, last = dates[0].day, dates[-1].day
        if len(dates) > 2 or last < first:
            self.warnings.append(f"“{name}”：“{before}”的放假起止日期无法确定，请核对。")
            return False
        period = HolidayPeriod(name, "off", first, last)
        stated = DAYS.search(sentence)
        if stated and int(stated.group(1)) != len(period.days):
            self.warnings.append(
                f"“{name}”：通知写共{stated.group(1)}天，{format_date(first)}至"
                f"{format_date(last)}实为{len(period.days)}天，请核对。"
            )
        for day in period.days:
            self._add(name, day, "off")
        return True

    def _working_days(self, name: str, sentence: str) -> bool:
        dates = self._dates(name, sentence.split("上班", 1)[0])
        for date in dates:
            if date.day.weekday() < 5:
                self.warnings.append(
                    f"“{name}”：调休上班日{format_date(date.day)}是星期"
                    f"{WEEKDAYS[date.day.weekday()]}，不是周末，未录入，请核对。"
                )
                continue
            self._add(name, date.day, "work")
        return bool(dates)

    def _add(self, name: str, day: datetime.date, kind: str) -> None:
        if day.year != self.year:
            self.warnings.append(
                f"{format_date(day)}（{name}）不在{self.year}年内，未录入：它属于{day.year}年的"
                f"工作日历（通常已由上一年的通知录入）。"
            )
            return
        if day in self.days:
            self.warnings.append(f"{format_date(day)}在“{self.days[day][1]}”和“{name}”中重复出现。")
            return
        self.days[day] = (kind, name)
