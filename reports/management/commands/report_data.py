import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ._common import add_report_arguments, load_document


class Command(BaseCommand):
    help = "输出年度报告数据（表二、表三、表四和检查结果）的JSON（格式 ogi-annual-report/1）。"

    def add_arguments(self, parser):
        add_report_arguments(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="写入文件；省略时输出到屏幕")

    def handle(self, *args, agency, year, template, scope, output, **options):
        document = load_document(agency=agency, year=year, template=template, scope=scope)
        text = json.dumps(document.to_json(), ensure_ascii=False, indent=2) + "\n"
        if output:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"无法写入“{output}”：{exc.strerror}") from None
            self.stderr.write(f"已写入 {output}")
        else:
            self.stdout.write(text, ending="")
