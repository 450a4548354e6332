"""Benchmark: write a ledger of N synthetic requests and time ``import_requests`` on it.

    python manage.py bench_import 100000 [--format csv|xlsx] [--update] [--keep] [--admin]

With --update the ledger is first stored (untimed), then every row's subject is changed and
the timed run is ``import_requests --update`` (a corrected ledger re-imported).

The import runs as its own process (``manage.py import_requests``), exactly as a clerk would run
it, so the peak memory printed is that process's maximum resident set size, Django included.
With --admin the file goes through the admin's import instead, as a clerk's browser would send
it (upload and preview, then confirmation), in this process: each step's time is what a gunicorn
worker needs for it (its timeout is 30 s), and a file over the admin's limits shows the refusal.
Run it against a scratch database: it uses the agency "bench-import" and, unless --keep, removes
that agency's requests (and their history rows) before and after.
"""

import csv
import html
import io
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from disclosure import ledger
from disclosure.devtools.bench import clerk_client, synthetic_requests, wipe_agency_records
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
        parser.add_argument(
            "--admin", action="store_true", help="经后台导入（上传预览、确认）计时，而非命令"
        )

    def handle(self, *args, n, format, update, keep, admin=False, **options):
        agency, _ = services.agency_add(code="bench-import", name="导入基准测试机关")
        wipe_agency_records(agency)
        rows = list(ledger_rows(agency, n, blank_numbers=not update))
        if update:
            table = ledger.Table(headers=rows[0], rows=rows[1:])
            ledger.import_table(ledger.REQUESTS, agency=agency, table=table)
            for row in rows[1:]:
                row[5] += "（更正）"
        if admin:
            self._admin(agency, rows, n=n, format=format, update=update)
        else:
            self._command(agency, rows, n=n, format=format, update=update)
        if not keep:
            wipe_agency_records(agency)

    def _command(self, agency, rows, *, n, format, update):
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
        vendor = connection.vendor
        self.stdout.write(done.stdout.strip())
        what = "import_requests --update" if update else "import_requests"
        self.stdout.write(
            f"{what}, {n} rows ({format}, {size:.1f} MB) on {vendor}: "
            f"{elapsed:.1f} s ({n / elapsed:,.0f} rows/s; CPU {cpu:.1f} s), "
            f"peak memory {peak_mb:.0f} MB"
        )
        self._check_stored(agency, n, update)

    def _check_stored(self, agency, n, update):
        stored = DisclosureRequest.objects.filter(agency=agency).count()
        history = DisclosureRequest.history.filter(agency_id=agency.pk).count()
        if (stored, history) != (n, 2 * n if update else n):
            raise CommandError(f"expected {n} requests and history rows, found {stored}/{history}")

    def _admin(self, agency, rows, *, n, format, update):
        """Upload and preview, then confirm, through the admin's views (a clerk's session)."""
        data = self._write(rows, format)
        client = clerk_client(agency)
        model = "admin:disclosure_disclosurerequest"
        static = {
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        }
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(STORAGES={**settings.STORAGES, **static}, ALLOWED_HOSTS=hosts):
            upload = {
                "agency": agency.pk,
                "import_file": SimpleUploadedFile(f"ledger.{format}", data),
                "format": "0",
                "resource": "0",
                **({"update": "on"} if update else {}),
            }
            preview, seconds, cpu = _timed(client.post, reverse(f"{model}_import"), upload)
            what = f"admin import{' --update' if update else ''}, {n} rows ({format}, "
            what += f"{len(data) / 1e6:.1f} MB) on {connection.vendor}"
            self.stdout.write(f"{what}: preview {seconds:.1f} s (CPU {cpu:.1f} s)")
            page = preview.content.decode()
            confirm = _confirm_form(page)
            if not confirm:
                errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', page)
                reason = html.unescape(errors[0]) if errors else f"status {preview.status_code}"
                raise CommandError(f"the admin refused the file: {reason}")
            done, seconds, cpu = _timed(client.post, reverse(f"{model}_process_import"), confirm)
        if done.status_code != 302:
            raise CommandError(f"the confirmation failed with status {done.status_code}")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"{what}: confirmation {seconds:.1f} s (CPU {cpu:.1f} s); "
            f"peak memory of this process {peak_mb:.0f} MB"
        )
        self._check_stored(agency, n, update)

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


def _timed(post, url, data):
    started, cpu = time.perf_counter(), time.process_time()
    response = post(url, data)
    return response, time.perf_counter() - started, time.process_time() - cpu


def _confirm_form(page: str) -> dict[str, str]:
    """The hidden fields of the preview's confirmation form; empty when the file was refused."""
    start = page.find('name="import_file_name"')
    if start < 0:
        return {}
    form = page[page.rfind("<form", 0, start) : page.find("</form>", start)]
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)
    return {name: html.unescape(value) for name, value in fields if name != "csrfmiddlewaretoken"}
