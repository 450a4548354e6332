"""Arguments and look-ups shared by the report commands."""

from django.core.management.base import CommandError

from disclosure.access import unit_ids_under
from disclosure.models import Agency
from disclosure.records import numbering
from reports import labels
from reports.data import SCOPE_CONSOLIDATED, SCOPE_NAMES, SCOPE_OWN
from reports.document import ReportDocument, report_document
from reports.models import Report


def add_report_arguments(parser) -> None:
    parser.add_argument("--agency", required=True, metavar="CODE", help="机关代码")
    parser.add_argument("--year", required=True, type=int, metavar="YYYY", help="报告年度")
    parser.add_argument(
        "--template",
        choices=sorted(labels.TEMPLATE_NAMES),
        help="报告格式：2019（试行格式）或 2021（30号格式）；默认按年度",
    )
    parser.add_argument(
        "--scope",
        choices=list(SCOPE_NAMES),
        default=SCOPE_OWN,
        help="own：本机关（默认）；consolidated：汇总本机关和所属各单位（逐级）",
    )


def load_document(
    *, agency: str, year: int, template: str | None, scope: str = SCOPE_OWN
) -> ReportDocument:
    try:
        agency_obj = Agency.objects.get(code=agency)
    except Agency.DoesNotExist:
        raise CommandError(f"机关代码“{agency}”不存在。") from None
    if not numbering.year_valid(year):
        raise CommandError(f"{numbering.YEAR_RANGE_MESSAGE[:-1]}，而不是{year}。")
    if scope == SCOPE_CONSOLIDATED and not unit_ids_under(agency_obj):
        raise CommandError(f"“{agency_obj.name}”没有下级单位，无法汇总（--scope consolidated）。")
    report = Report.objects.filter(agency=agency_obj, year=year).first()
    own_typed = scope == SCOPE_OWN and report is not None and report.is_entered
    if own_typed and template and template != report.template:
        raise CommandError(
            f"{year}年度的表格按纸质报告录入，格式为{report.template}，不能按{template}格式输出。"
        )
    return report_document(
        agency=agency_obj, year=year, template=template, report=report, scope=scope
    )
