from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from disclosure.audit.retention import MIN_RETENTION_DAYS, RetentionTooShort
from disclosure.audit.services import audit_prune


class Command(BaseCommand):
    help = (
        "删除超过保留期限的访问审计记录（默认按 AUDIT_RETENTION_DAYS 设置，"
        f"不得少于{MIN_RETENTION_DAYS}天，即六个月：网络安全法第二十一条）。可每日由 cron 运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"保留天数（默认 {settings.AUDIT_RETENTION_DAYS}，即设置 AUDIT_RETENTION_DAYS）",
        )

    def handle(self, *args, days, **options):
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        try:
            deleted, cutoff = audit_prune(days=days)
        except RetentionTooShort as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已删除 {deleted} 条 {timezone.localtime(cutoff):%Y-%m-%d %H:%M} 之前的访问记录"
            f"（保留 {days} 天）。"
        )
