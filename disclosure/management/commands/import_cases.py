from disclosure import ledger

from .import_requests import Command as ImportRequestsCommand


class Command(ImportRequestsCommand):
    help = (
        "导入行政复议、行政诉讼案件（CSV 或 .xlsx，格式见 interchange.md）：全部成功才保存，"
        "否则逐条列出问题且不保存任何记录；所涉申请按申请编号关联。"
    )
    ledger = ledger.CASES
