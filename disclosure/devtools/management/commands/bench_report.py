"""Benchmark: compile time and query count of the annual report at growing numbers of requests,
the PDF time of the seed report next to WeasyPrint's own layout time for the same HTML, and the
time of its Word file (python-docx).

    python manage.py bench_report --sizes 10000 100000 1000000 [--repeat 5] [--pdf-repeat 7]

Run it against a scratch database: it bulk-loads synthetic requests into the agency
"bench-report" (removed at the end unless --keep). The PDF part uses the demo agency's 2020
report (``load_demo``) when it is there.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from disclosure.devtools.bench import wipe_agency_records
from disclosure.models import Agency, ApplicantType, Case, CaseKind, DisclosureRequest, Outcome
from disclosure.records import services
from reports.document import report_document
from reports.models import Report
from reports.render import render_print_html, render_report_pdf
from reports.selectors import report_compile
from reports.word import render_report_docx

YEAR = 2021
BATCH = 10_000
FIRST_DAY = datetime.date(YEAR - 2, 1, 1)
SPAN_DAYS = (datetime.date(YEAR + 2, 12, 31) - FIRST_DAY).days


def synthetic(agency: Agency, start: int, stop: int, rng: random.Random):
    """Requests received over five years around YEAR (every outcome and applicant type, 5% still
    open), so the year's table has received, carried-over and carried-forward requests."""
    types = ApplicantType.values
    type_weights = [80, 8, 2, 2, 5, 3]
    outcomes = Outcome.values
    outcome_weights = [
        40 if o == "granted" else 25 if o == "unavailable_not_held" else 2 for o in outcomes
    ]
    for i in range(start, stop):
        received = FIRST_DAY + datetime.timedelta(days=rng.randrange(SPAN_DAYS))
        is_open = rng.random() < 0.05
        yield DisclosureRequest(
            agency=agency,
            number=f"BR{i:08d}",
            received_on=received,
            applicant_type=rng.choices(types, type_weights)[0],
            outcome="" if is_open else rng.choices(outcomes, outcome_weights)[0],
            decided_on=None if is_open else received + datetime.timedelta(days=rng.randrange(45)),
        )


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


class Command(BaseCommand):
    help = "基准测试：年度报告编制的耗时和查询数（1万/10万/100万条申请），以及报告PDF的生成时间。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            type=int,
            nargs="+",
            default=[10_000, 100_000, 1_000_000],
            help="申请条数，按从小到大逐级追加（默认 10000 100000 1000000）",
        )
        parser.add_argument("--repeat", type=int, default=5, help="每个规模编制几次（取中位数）")
        parser.add_argument("--pdf-repeat", type=int, default=7, help="PDF生成几次（取中位数）")
        parser.add_argument("--keep", action="store_true", help="结束后保留生成的数据")
        parser.add_argument("--skip-pdf", action="store_true")

    def handle(self, *args, sizes, repeat, pdf_repeat, keep, skip_pdf, **options):
        if sorted(sizes) != sizes:
            raise CommandError("--sizes 应从小到大排列。")
        agency, _ = services.agency_add(code="bench-report", name="报告基准测试机关")
        wipe_agency_records(agency)
        self.stdout.write(f"数据库：{connection.vendor}；报告年度 {YEAR}，格式 2021")
        rng = random.Random(2021)
        loaded = 0
        try:
            for size in sizes:
                started = time.perf_counter()
                self._load(agency, loaded, size, rng)
                load_seconds = time.perf_counter() - started
                loaded = size
                self._compile(agency, size, repeat, load_seconds)
            if not skip_pdf:
                self._pdf(pdf_repeat)
        finally:
            if not keep:
                wipe_agency_records(agency)

    def _load(self, agency, start, stop, rng):
        for first in range(start, stop, BATCH):
            last = min(first + BATCH, stop)
            with transaction.atomic():
                DisclosureRequest.objects.bulk_create(synthetic(agency, first, last, rng))
                # One case per hundred requests, in every kind and state.
                Case.objects.bulk_create(
                    Case(
                        agency=agency,
                        number=f"BC{i:08d}",
                        kind=rng.choice(CaseKind.values),
                        filed_on=(
                            filed := FIRST_DAY + datetime.timedelta(days=rng.randrange(SPAN_DAYS))
                        ),
                        result=(result := rng.choice(["", "upheld", "corrected", "other"])),
                        concluded_on=filed + datetime.timedelta(days=90) if result else None,
                    )
                    for i in range(first, last, 100)
                )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE disclosure_disclosurerequest")
                cursor.execute("ANALYZE disclosure_case")

    def _compile(self, agency, size, repeat, load_seconds):
        report_compile(agency=agency, year=YEAR, template="2021")  # warm-up
        timings, queries = [], set()
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                data = report_compile(agency=agency, year=YEAR, template="2021")
                timings.append(time.perf_counter() - started)
            queries.add(len(captured))
        # (the database does the work here, so only the wall clock means something)
        received = data.row("received").total
        self.stdout.write(
            f"  {size:>9,} 条申请（写入 {load_seconds:6.1f} s）：编制 中位数{median_ms(timings)}"
            f"  最慢{max(timings) * 1000:8.1f} ms  查询 {'/'.join(map(str, sorted(queries)))} 次"
            f"  （本年新收 {received:,}）"
        )

    def _pdf(self, repeat):
        from weasyprint import HTML

        agency = Agency.objects.filter(code="wzjgsw").first()
        if agency is None:
            self.stdout.write("PDF：没有演示机关（先运行 load_demo），改用基准测试机关的报告。")
            agency = Agency.objects.get(code="bench-report")
            year = YEAR
        else:
            year = 2020
        report = Report.objects.filter(agency=agency, year=year).first()
        document = report_document(agency=agency, year=year, report=report)
        render_report_pdf(document)  # warm-up: fonts loaded once per process
        html = render_print_html(document)
        # Wall-clock and CPU time of this process: on a shared machine the CPU time is the
        # fairer figure (the wall clock also counts the time other processes held the cores).
        total, layout, write, cpu_total, cpu_layout = [], [], [], [], []
        for _ in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            render_report_pdf(document)
            total.append(time.perf_counter() - started)
            cpu_total.append(time.process_time() - cpu)
            started, cpu = time.perf_counter(), time.process_time()
            rendered = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
            layout.append(time.perf_counter() - started)
            cpu_layout.append(time.process_time() - cpu)
            started = time.perf_counter()
            rendered.write_pdf()
            write.append(time.perf_counter() - started)
        self.stdout.write(
            f"PDF（{document.title}，{len(rendered.pages)} 页，{repeat} 次）：\n"
            f"  render_report_pdf（模板+排版+写PDF） 中位数{median_ms(total)}"
            f"  （CPU {median_ms(cpu_total).strip()}）\n"
            f"  WeasyPrint 排版（render）           中位数{median_ms(layout)}"
            f"  （CPU {median_ms(cpu_layout).strip()}）\n"
            f"  WeasyPrint 写PDF（write_pdf）       中位数{median_ms(write)}\n"
            f"  PDF总时间 / 排版时间 = {statistics.median(total) / statistics.median(layout):.2f}"
            f"（CPU {statistics.median(cpu_total) / statistics.median(cpu_layout):.2f}）"
        )
        self._docx(document, repeat)

    def _docx(self, document, repeat):
        """The Word file of the same report (python-docx), same warm process."""
        render_report_docx(document, draft=False)  # warm-up
        wall, cpu = [], []
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            content = render_report_docx(document, draft=False)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        self.stdout.write(
            f"Word（{len(content) // 1024} KB，{repeat} 次）：render_report_docx 中位数"
            f"{median_ms(wall)}  最慢{max(wall) * 1000:8.1f} ms  （CPU {median_ms(cpu).strip()}）"
        )
