import datetime

from django.core.management.base import BaseCommand, CommandError

from disclosure.clock.calendar import CalendarMissing
from disclosure.clock.compute import provisional_reason
from disclosure.clock.selectors import deadline_for_date
from disclosure.clock.statute import ANSWER_DAYS, MAX_EXTENSION_DAYS


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期“{value}”无效，应为 YYYY-MM-DD，如 2024-09-20。") from None


class Command(BaseCommand):
    help = (
        f"打印当天收到的政府信息公开申请的答复期限（YYYY-MM-DD）：{ANSWER_DAYS}个工作日，"
        f"加 --extended 为延长后的{ANSWER_DAYS + MAX_EXTENSION_DAYS}个工作日。"
        "按数据库中的工作日历计算；期限跨入尚未录入工作日历的年度时报错，"
        "加 --provisional 则该年度按周一至周五计算，打印暂定日期并说明。"
    )

    def add_arguments(self, parser):
        parser.add_argument("received_on", metavar="YYYY-MM-DD", help="收到申请日期")
        parser.add_argument(
            "--extended",
            action="store_true",
            help=f"包括一次最长{MAX_EXTENSION_DAYS}个工作日的延期",
        )
        parser.add_argument(
            "--provisional",
            action="store_true",
            help="尚未录入工作日历的年度按周一至周五计算（暂定），不报错",
        )

    def handle(self, *args, received_on, extended, provisional, **options):
        try:
            due, guessed = deadline_for_date(
                iso_date(received_on), extended=extended, provisional=provisional
            )
        except CalendarMissing as exc:
            raise CommandError(
                f"{exc}（加 --provisional 可得到按周一至周五计算的暂定日期。）"
            ) from None
        # The date alone on stdout, as without the option (scripts read it); the warning that
        # it is provisional on stderr, where a person running the command sees it.
        self.stdout.write(due.isoformat())
        if guessed:
            self.stderr.write(provisional_reason(guessed))
