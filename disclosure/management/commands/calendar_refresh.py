from django.core.management.base import BaseCommand

from disclosure.clock import services as clock_services
from disclosure.clock.calendar import package_version


class Command(BaseCommand):
    help = (
        "从 chinesecalendar 包更新工作日历：补入数据库中还没有的年度（已有年度不动，"
        "加 --replace 则用包中的数据覆盖），然后重新计算办理中申请的答复期限。"
        "每年国务院办公厅发布节假日安排、升级 chinesecalendar 后运行一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--replace",
            action="store_true",
            help="用包中的数据覆盖已有年度（会丢弃在后台对这些年度所做的修改）",
        )

    def handle(self, *args, replace, **options):
        summary = clock_services.calendar_refresh_from_package(replace=replace)
        self.stdout.write(
            f"{package_version()}：新增 {summary['added']} 个年度，覆盖 {summary['replaced']} 个，"
            f"保留 {summary['kept']} 个；{summary['requests']} 件办理中申请的答复期限已更新。"
        )
