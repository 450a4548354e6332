from django.core.management.base import BaseCommand

from disclosure.ledger import pending


class Command(BaseCommand):
    help = (
        "删除后台导入中超过 LEDGER_PENDING_MINUTES 分钟仍未确认或取消的上传文件"
        "（含申请人个人信息）。每次后台导入预览时也会删除；可由 cron 定时运行（docs/ledger.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="删除全部待确认的文件（如维护前），不论多久"
        )

    def handle(self, *args, all=False, **options):
        removed = pending.purge(max_age_seconds=-1 if all else None)
        self.stdout.write(f"已删除 {removed} 个待确认的导入文件。")
