"""``manage.py verify_published``: re-hash every sealed published document and name each one
that no longer has its hash (docs/operations.md "Verifying what was published")."""

from django.core.management.base import BaseCommand, CommandError

from disclosure.records.sealed import verify_all


class Command(BaseCommand):
    help = (
        "核对已发布的文件：重新计算每个已发布年度报告版本的PDF、报告数据和正文，以及封存附件的"
        " SHA-256，与发布时记录的校验和比较，并核对每个版本的目录附件就是该版本的PDF；"
        "逐项列出不一致之处（文件名），有任何不一致时退出状态为 1。不修改任何数据。"
    )

    def handle(self, *args, **options):
        result = verify_all()
        for finding in result.problems:
            self.stderr.write(f"不一致：{finding}")
        counts = "，".join(f"{kind} {n} 项" for kind, n in result.checked.items())
        if not result.ok:
            raise CommandError(f"核对未通过：{len(result.problems)} 处不一致（共核对 {counts}）。")
        self.stdout.write(f"核对通过：{counts}，全部与发布时的校验和一致。")
