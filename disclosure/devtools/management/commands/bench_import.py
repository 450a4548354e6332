"""Benchmark: write a ledger of N synthetic requests and time ``import_requests`` on it.

    python manage.py bench_import 100000 [--format csv|xlsx] [--update] [--keep]

With --update the ledger is first stored (untimed), then every row's subject is changed and
the timed run is ``import_requests --update`` (a corrected ledger re-imported).

The import runs as its own process (``manage.py import_requests``), exactly as a clerk would run
it, so the peak memory printed is that process's maximum resident set size, Django included.
Run it against a scratch database: it uses the agency "bench-import" and, unless --keep, removes
that agency's requests (and their history rows) before and after.
"""

import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from disclosure import ledger
from disclosure.devtools.bench import synthetic_requests, wipe_agency_records
from disclosure.models import DisclosureRequest
from disclosure.records import services


def ledger_rows(agency, n: int, *, blank_numbers: bool = True):
    """The header and N rows as an export writes them (Chinese labels); every other number is
    left blank for the importer to generate, unless told otherwise."""
    yield [c.header for c in ledger.REQUESTS.columns]
    for i, request in enumerate(synthetic_requests(agency, n, seed=4)):
        row = ledger.export_row(ledger.REQUESTS, request)
        if i % 2 and blank_numbers:
            row[0] = ""
        yield row


class Command(BaseCommand):
    help = "基准测试：生成N行依申请公开台账文件，测量 import_requests 的耗时和内存峰值。"

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, nargs="?", default=100_000)
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument(
            "--update", action="store_true", help="计时的是 --update 重新导入（每行都有改动）"
        )
        parser.add_argument("--keep", action="store_true", help="结束后保留导入的数据")

    def handle(self, *args, n, format, update, keep, **options):
        agency, _ = services.agency_add(code="bench-import", name="导入基准测试机关")
        wipe_agency_records(agency)
        rows = list(ledger_rows(agency, n, blank_numbers=not update))
        if update:
            table = ledger.Table(headers=rows[0], rows=rows[1:])
            ledger.import_table(ledger.REQUESTS, agency=agency, table=table)
            for row in rows[1:]:
                row[5] += "（更正）"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"ledger.{format}"
            path.write_bytes(self._write(rows, format))
            size = path.stat().st_size / 1e6
            command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "import_requests"]
            options = ["--update"] if update else []
            started = time.perf_counter()
            done = subprocess.run(
                [*command, "--agency", agency.code, *options, str(path)],
                capture_output=True,
                text=True,
                env=os.environ.copy(),
            )
            elapsed = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
        cpu = usage.ru_utime + usage.ru_stime
        if done.returncode != 0:
            raise CommandError(f"import_requests failed:\n{done.stderr[-2000:]}")
        stored = DisclosureRequest.objects.filter(agency=agency).count()
        history = DisclosureRequest.history.filter(agency_id=agency.pk).count()
        if (stored, history) != (n, 2 * n if update else n):
            raise CommandError(f"expected {n} requests and history rows, found {stored}/{history}")
        vendor = connection.vendor
        self.stdout.write(done.stdout.strip())
        what = "import_requests --update" if update else "import_requests"
        self.stdout.write(
            f"{what}, {n} rows ({format}, {size:.1f} MB) on {vendor}: "
            f"{elapsed:.1f} s ({n / elapsed:,.0f} rows/s; CPU {cpu:.1f} s), "
            f"peak memory {peak_mb:.0f} MB"
        )
        if not keep:
            wipe_agency_records(agency)

    def _write(self, rows: list[list[str]], format: str) -> bytes:
        if format == "csv":
            out = io.StringIO(newline="")
            csv.writer(out).writerows(rows)
            return ("\ufeff" + out.getvalue()).encode()
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("台账")
        for row in rows:
            sheet.append(row)
        stream = io.BytesIO()
        book.save(stream)
        return stream.getvalue()
