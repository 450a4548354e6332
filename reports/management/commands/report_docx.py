from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.document import published_unchanged
from reports.word import render_report_docx

from ._common import add_report_arguments, load_document


class Command(BaseCommand):
    help = (
        "生成年度报告的Word文件（.docx，可编辑；正文取已保存的报告，尚未编写时用按数据预填的正文）。"
        "与已发布版本不同（或尚未发布）时，每页页眉标“草稿”。"
    )

    def add_arguments(self, parser):
        add_report_arguments(parser)
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="Word文件路径")

    def handle(self, *args, agency, year, template, output, **options):
        document = load_document(
            agency=agency, year=year, template=template, scope=options["scope"]
        )
        draft = not published_unchanged(document)
        content = render_report_docx(document, draft=draft)
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入“{output}”：{exc.strerror}") from None
        for check in document.errors:
            self.stderr.write(f"检查未通过：{check.detail}")
        state = "草稿" if draft else "与已发布版本相同"
        self.stdout.write(f"已写入 {output}（{len(content) // 1024} KB，{state}）")
