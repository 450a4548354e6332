"""De-identify the applicants of requests closed longer ago than the retention period
(docs/personal-data.md).

    python manage.py personal_data_deidentify [--years N] [--dry-run]
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from disclosure.records import personal

MAX_YEARS = 100


class Command(BaseCommand):
    help = (
        "去除办结（已答复，且相关行政复议、诉讼均已审结）超过保存期限的申请中的申请人个人信息"
        "（姓名、证件号码、电话、地址、电子邮箱），包括其历史记录；统计数字不变。"
        "保存期限默认为 PERSONAL_DATA_RETENTION_YEARS 年。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, help="保存期限（年），默认取设置")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不改动数据")
        parser.add_argument(
            "--no-vacuum",
            action="store_true",
            help="不整理数据库文件（被清除的信息会留在数据库文件的空闲空间中，直到被覆盖）",
        )

    def handle(self, *args, years, dry_run, no_vacuum, **options):
        years = settings.PERSONAL_DATA_RETENTION_YEARS if years is None else years
        if not 1 <= years <= MAX_YEARS:
            raise CommandError(f"保存期限应为1至{MAX_YEARS}年，而不是{years}。")
        cutoff = personal.years_before(timezone.localdate(), years)
        if dry_run:
            n = personal.requests_past_retention(cutoff).count()
            self.stdout.write(
                f"{cutoff:%Y-%m-%d} 之前办结、尚有申请人信息的申请：{n} 条（未改动）。"
            )
            return
        n = personal.personal_data_deidentify(cutoff=cutoff)
        if n and not no_vacuum:
            personal.vacuum_request_tables()
        self.stdout.write(f"已去除 {n} 条 {cutoff:%Y-%m-%d} 之前办结的申请中的申请人个人信息。")
