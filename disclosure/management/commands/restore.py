"""``manage.py restore DIR``: restore a backup into an empty database and media folder, after
checking every hash and the migration state (docs/operations.md)."""

from pathlib import Path

from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError

from disclosure.ops.errors import OpsError
from disclosure.ops.restore import restore_check, restore_run


class Command(BaseCommand):
    help = (
        "从 backup 命令写的备份文件夹恢复数据库和存储文件。先校验全部 SHA-256 和数据库迁移状态；"
        "目标数据库或文件夹不空时拒绝（除非 --force）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, metavar="DIR", help="一份备份的文件夹")
        parser.add_argument(
            "--check",
            action="store_true",
            help="只校验备份（哈希、迁移状态），不写任何东西",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标不空也恢复：数据库整体替换，文件夹中原有的文件移到旁边的新文件夹",
        )

    def handle(self, *args, source, check=False, force=False, **options):
        try:
            if check:
                manifest = restore_check(source=source)
                self.stdout.write(
                    f"备份完好：数据库和 {len(manifest.files)} 个文件与清单一致"
                    f"（{manifest.created_at}，程序版本 {manifest.app_version}）。"
                )
                return
            result = restore_run(source=source, force=force)
        except OpsError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(
            f"已恢复 {manifest.created_at} 的备份：数据库（{manifest.database_vendor}），"
            f"文件 {len(manifest.files)} 个。"
        )
        if result.moved_aside:
            self.stdout.write(f"原有文件已移到：{result.moved_aside}")
        if result.pending_migrations:
            self.stdout.write(
                f"当前程序比备份新，还有 {result.pending_migrations} 个数据库迁移未执行："
                "请运行 manage.py migrate。"
            )
        if result.cache_error:
            raise CommandError(
                "数据已恢复，但页面缓存未能清空（"
                f"{result.cache_error}）：公开网站可能仍显示恢复前的页面。"
                "请修复缓存后运行 manage.py public_changed。"
            )
        self.stdout.write("恢复完成。")
        if "verify_published" in get_commands():
            self.stdout.write("请运行 manage.py verify_published 核对已发布的报告和文书。")
