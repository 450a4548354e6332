from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.document import published_unchanged
from reports.render import render_report_pdf

from ._common import add_report_arguments, load_document


class Command(BaseCommand):
    help = "生成年度报告PDF（正文取已保存的报告；尚未编写时用按数据预填的正文）。"

    def add_arguments(self, parser):
        add_report_arguments(parser)
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="PDF文件路径")

    def handle(self, *args, agency, year, template, scope, output, **options):
        document = load_document(agency=agency, year=year, template=template, scope=scope)
        # Marked 草稿 on every page unless it is exactly the published version.
        pdf = render_report_pdf(document, draft=not published_unchanged(document))
        try:
            Path(output).write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"无法写入“{output}”：{exc.strerror}") from None
        for check in document.errors:
            self.stderr.write(f"检查未通过：{check.detail}")
        self.stdout.write(f"已写入 {output}（{len(pdf) // 1024} KB）")
