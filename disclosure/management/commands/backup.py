"""``manage.py backup -o DIR``: a snapshot of the database and the stored files
(docs/operations.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disclosure.ops.backup import backup_create
from disclosure.ops.errors import OpsError


class Command(BaseCommand):
    help = (
        "备份数据库和全部存储文件：在 DIR 下新建 backup-年月日-时分秒 文件夹，"
        "含数据库转储、文件副本和 manifest.json（各文件的 SHA-256、数据库迁移状态、程序版本）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            required=True,
            type=Path,
            metavar="DIR",
            help="存放备份的文件夹（不存在则新建）；每次备份在其中新建一个子文件夹",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="备份成功后，DIR 中只保留最新的 N 份完整备份，更早的删除",
        )

    def handle(self, *args, output, keep=None, **options):
        try:
            result = backup_create(output_dir=output, keep=keep)
        except OpsError as error:
            raise CommandError(str(error)) from None
        manifest = result.manifest
        self.stdout.write(
            f"数据库（{manifest.database_vendor}）{manifest.database.size} 字节，"
            f"文件 {len(manifest.files)} 个共 {manifest.total_bytes} 字节。"
        )
        for skipped in result.skipped:
            self.stderr.write(f"未备份（不是普通文件，或复制时已不存在）：{skipped}")
        for removed in result.removed:
            self.stdout.write(f"按保留规则删除旧备份：{removed}")
        self.stdout.write(f"备份完成：{result.folder}")
