from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disclosure import ledger
from disclosure.models import Agency


class Command(BaseCommand):
    help = (
        "导入依申请公开台账（CSV 或 .xlsx，格式见 interchange.md）：全部成功才保存，"
        "否则逐条列出问题（row N: 列: 问题）且不保存任何记录。文件大小和行数的上限见 "
        "LEDGER_COMMAND_MAX_MB、LEDGER_COMMAND_MAX_ROWS（docs/ledger.md）。"
    )
    ledger = ledger.REQUESTS

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV（UTF-8，可带 BOM）或 .xlsx 文件")
        parser.add_argument("--agency", required=True, metavar="CODE", help="机关代码")
        parser.add_argument(
            "--update", action="store_true", help="编号已存在时更新该记录（重新导入修正后的台账）"
        )
        parser.add_argument(
            "--progress", action="store_true", help="显示进度（在终端中运行时默认显示）"
        )

    def handle(self, *args, file, agency, update=False, progress=False, **options):
        try:
            agency_obj = Agency.objects.get(code=agency)
        except Agency.DoesNotExist:
            raise CommandError(f"机关代码“{agency}”不存在。") from None
        path = Path(file)
        limits = ledger.Limits.command()
        try:
            size = path.stat().st_size
            if size > limits.max_bytes:  # refused before it is read into memory
                raise CommandError(f"{path.name}：{limits.too_large(size)}")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件“{file}”：{exc.strerror}") from None
        show_progress = progress or self.stderr.isatty()
        try:
            table = ledger.read_table(data, limits=limits)
            plan = ledger.import_table(
                self.ledger,
                agency=agency_obj,
                table=table,
                update=update,
                reason=f"导入台账 {path.name}"[:100],
                progress=self._progress if show_progress else None,
            )
        except ledger.LedgerFileError as exc:
            raise CommandError(f"{path.name}：{exc}") from None
        if not plan.ok:
            for problem in plan.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"导入失败：{len(plan.problems)} 处问题，未保存任何记录。")
        self.stdout.write(f"{path.name}：导入完成，{plan.summary()}。")

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.stderr.write(f"{stage} {done}/{total} 行…")
