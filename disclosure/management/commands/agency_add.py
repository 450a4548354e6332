from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from disclosure.records import services


class Command(BaseCommand):
    help = "创建机关（同一代码和名称重复执行不做任何改动）。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="机关代码，如 wzjgsw")
        parser.add_argument("name", help="机关名称")
        parser.add_argument("--parent", metavar="CODE", help="上级政府的机关代码")

    def handle(self, *args, code, name, parent=None, **options):
        try:
            agency, created = services.agency_add(code=code, name=name, parent_code=parent)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        verb = "已创建" if created else "已存在，未改动"
        self.stdout.write(f"{agency.code} {agency.name}：{verb}")
