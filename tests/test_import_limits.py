"""How large a ledger may be (security finding 2): every file is imported or refused with one
clear message, and no file can take the process down.

The crafted files of ``tests/ledger_bombs.py`` (the audit's: a cell at XFD1048576, one at
XFD20000, 400,000 rows, a 50 MB CSV, no upload limit; and zip bombs, lying archives, shared
string amplification, deep nesting, entity expansion, broken XML, …) are read in a separate
process under a memory cap, so that a regression fails these tests instead of the test run.
"""

import datetime
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import zipfile
from io import StringIO
from pathlib import Path

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from disclosure import ledger
from disclosure.ledger.reading import is_blank
from disclosure.models import DisclosureRequest
from tests.factories import log_in

from . import ledger_bombs
from .factories import ledger_csv, ledger_xlsx, make_agency, make_clerk

# The runner's address space: enough for Django and the largest file it makes, small enough
# that a file read without limits fails the test (MemoryError or abort) instead of the machine.
ADDRESS_SPACE = 1536 * 1024 * 1024
PEAK_MB = 500  # the most a worker may need for any file, Django included
CPU_SECONDS = 10  # for any one file

TOO_MANY_ROWS = "行（不含表头）的上限"
TOO_MANY_COLUMNS = "列的上限"
NOT_XLSX = "文件不是有效的 .xlsx 表格"
BOMB = "可能是“压缩炸弹”"
TOO_MUCH_TEXT = "个字符（每个单元格分别计算）的上限"
READ = None

ADMIN_EXPECTED = {
    "far_cell": TOO_MANY_ROWS,
    "wide": TOO_MANY_COLUMNS,
    "declared_dimension": READ,
    "many_rows": TOO_MANY_ROWS,
    "rows_without_references": TOO_MANY_COLUMNS,
    "empty_styled_cells": READ,
    "widest_accepted": READ,
    "zip_bomb": BOMB,
    "lying_zip": BOMB,
    "shared_string_amplified": TOO_MUCH_TEXT,
    "shared_strings_declared": NOT_XLSX,
    "shared_strings_many": NOT_XLSX,
    "deep": NOT_XLSX,
    "entities": NOT_XLSX,
    "broken_sheet_hiding_cells": NOT_XLSX,
    "ods": "这是 .ods 或 .xlsb 格式的表格",
    "junk_zip": NOT_XLSX,
    "many_members": NOT_XLSX,
    "csv_at_admin_limit": READ,
    "csv_50mb": "超过 20.0 MB 的上限",
    "csv_rows_over_admin_limit": TOO_MANY_ROWS,
    "csv_huge_line": "超过 20.0 MB 的上限",
    "csv_long_line": "行超过 262,144 个字符的上限",
    "csv_commas": TOO_MANY_COLUMNS,
    "csv_wide": TOO_MANY_COLUMNS,
    "csv_gbk": "可能是 GBK 编码",
    "csv_utf16": "UTF-16 编码",
    "binary": "既不是 CSV 也不是 .xlsx",
}
# The commands' limits are larger: the same files, except those only the admin refuses.
COMMAND_EXPECTED = {
    "far_cell": TOO_MANY_ROWS,
    "wide": TOO_MANY_COLUMNS,
    "many_rows": TOO_MANY_ROWS,
    "lying_zip": BOMB,
    "shared_string_amplified": TOO_MUCH_TEXT,
    "deep": NOT_XLSX,
    "entities": NOT_XLSX,
    "broken_sheet_hiding_cells": NOT_XLSX,
    "csv_huge_line": "超过 100.0 MB 的上限",
    "csv_long_line": "行超过 262,144 个字符的上限",
}


def _cap_address_space():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def read_in_capped_process(limits: str, *arguments: str) -> tuple[list[dict], str]:
    """Run ``tests.ledger_bombs`` on the named files under the memory cap; its JSON lines and
    its stderr."""
    env = {**os.environ, **ledger_bombs.ADMIN, **ledger_bombs.COMMAND}
    env.pop("DATABASE_URL", None)  # the reader needs no database
    done = subprocess.run(
        [sys.executable, "-m", "tests.ledger_bombs", limits, *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_cap_address_space,
    )
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr


class CraftedFileTests(SimpleTestCase):
    def check(self, limits: str, expected: dict[str, str | None]):
        results, stderr = read_in_capped_process(limits, *expected)
        by_name = {r["name"]: r for r in results}
        for name, message in expected.items():
            with self.subTest(file=name):
                self.assertIn(name, by_name, f"the reader died on {name}:\n{stderr[-3000:]}")
                result = by_name[name]
                if message is READ:
                    self.assertEqual(result["outcome"], "read", result["message"])
                else:
                    self.assertEqual(result["outcome"], "refused")
                    self.assertIn(message, result["message"])
                self.assertLess(result["seconds"], CPU_SECONDS)
        self.assertLess(max(r["peak_mb"] for r in results), PEAK_MB)
        return by_name

    def test_it_refuses_every_crafted_file_in_the_admin_within_the_memory_cap(self):
        results = self.check("admin", ADMIN_EXPECTED)
        self.assertEqual(results["widest_accepted"]["rows"], 30_000)
        self.assertEqual(results["csv_at_admin_limit"]["rows"], 30_000)

    def test_it_refuses_them_in_the_commands_too(self):
        self.check("command", COMMAND_EXPECTED)

    def test_it_reads_or_refuses_any_mutation_of_an_xlsx(self):
        results, stderr = read_in_capped_process("admin", "mutations", "300")
        self.assertEqual(len(results), 1, stderr[-3000:])
        self.assertEqual(results[0]["rows"], 300)
        self.assertLess(results[0]["peak_mb"], PEAK_MB)


class LimitTests(SimpleTestCase):
    """The limits at their edges, on small files with small limits (safe in this process)."""

    limits = ledger.Limits(max_bytes=64 * 1024, max_rows=3, hint="（提示）")

    def read(self, data, limits=None):
        return ledger.read_table(data, limits=limits or self.limits)

    def assertRefused(self, data, message, limits=None):
        with self.assertRaisesMessage(ledger.LedgerFileError, message):
            self.read(data, limits)

    def test_it_reads_up_to_the_row_limit_and_refuses_one_more(self):
        header, row = ledger_bombs.HEADER, ledger_bombs.ROW
        for make in (ledger_csv, ledger_xlsx):
            with self.subTest(make=make.__name__):
                self.assertEqual(len(self.read(make([header, row, row, row])).rows), 3)
                self.assertRefused(make([header, row, row, row, row]), "超过 3 行（不含表头）")

    def test_it_counts_blank_rows_in_between_but_not_at_the_end(self):
        header, row, blank = ledger_bombs.HEADER, ledger_bombs.ROW, [""] * 6
        table = self.read(ledger_csv([header, row, blank, row, *[blank] * 1000]))
        self.assertEqual(len(table.rows), 3)
        self.assertRefused(ledger_csv([header, row, blank, blank, row]), "超过 3 行")

    def test_it_refuses_a_file_over_the_size_limit_before_reading_it(self):
        self.assertRefused(b"x" * (128 * 1024), "文件大小 0.1 MB，超过 0.1 MB 的上限：（提示）")

    def test_it_ignores_blank_cells_at_the_end_of_a_csv_row(self):
        wide = [[*ledger_bombs.HEADER, *[""] * 30], [*ledger_bombs.ROW, *[" "] * 30]]
        table = self.read(ledger_csv(wide))
        self.assertEqual((table.headers, table.rows), (ledger_bombs.HEADER, [ledger_bombs.ROW[:]]))

    def test_it_refuses_too_many_columns(self):
        header = ledger_bombs.HEADER + [f"列{i}" for i in range(7, 21)]
        for make in (ledger_csv, ledger_xlsx):
            with self.subTest(make=make.__name__):
                self.assertEqual(len(self.read(make([header, ledger_bombs.ROW])).headers), 20)
                self.assertRefused(make([[*header, "列21"], ledger_bombs.ROW]), "超过 20 列")

    def test_it_places_cells_without_a_reference_as_calamine_does(self):
        cell = '<c t="inlineStr"><is><t>x</t></is></c>'
        sheet = ledger_bombs.sheet_xml("<row>" + cell * 20 + "</row><row>" + cell + "</row>")
        self.assertEqual(len(self.read(ledger_bombs.xlsx(sheet)).headers), 20)
        sheet = ledger_bombs.sheet_xml('<row><c r="T1"><v>1</v></c>' + cell + "</row>")
        self.assertRefused(ledger_bombs.xlsx(sheet), "超过 20 列")

    def test_it_refuses_an_xlsx_that_unpacks_to_more_than_five_times_the_limit(self):
        rows = [ledger_bombs.HEADER, *[ledger_bombs.ROW] * 3]
        zeros = "<a>" + "0" * 400_000 + "</a>"  # 400 KB, a few hundred bytes compressed
        data = ledger_bombs.xlsx(ledger_bombs.ledger_sheet(rows), extra={"xl/zeros.xml": zeros})
        limits = ledger.Limits(max_bytes=len(data), max_rows=3, hint="")
        self.assertRefused(data, "文件解压后有", limits)
        limits = ledger.Limits(max_bytes=100_000, max_rows=3, hint="")
        self.assertEqual(len(self.read(data, limits).rows), 3)

    def test_it_counts_a_shared_string_in_every_cell_that_uses_it(self):
        # 25,000 characters in a few hundred bytes; the limit here is 65,536 characters.
        shared = ledger_bombs.shared_strings_xml(["长" * 25_000])
        cells = [f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, 4)]
        two = ledger_bombs.xlsx(ledger_bombs.sheet_xml("".join(cells[:2])), shared=shared)
        self.assertEqual(self.read(two).rows, [["长" * 25_000]])
        three = ledger_bombs.xlsx(ledger_bombs.sheet_xml("".join(cells)), shared=shared)
        self.assertRefused(three, "文件中的文字超过 65,536 个字符（每个单元格分别计算）的上限")

    def test_the_admin_and_the_commands_read_their_limits_from_the_settings(self):
        with override_settings(
            LEDGER_ADMIN_MAX_MB=1,
            LEDGER_ADMIN_MAX_ROWS=10,
            LEDGER_COMMAND_MAX_MB=2,
            LEDGER_COMMAND_MAX_ROWS=20,
        ):
            self.assertEqual(
                (ledger.Limits.admin().max_bytes, ledger.Limits.admin().max_rows),
                (1024 * 1024, 10),
            )
            self.assertEqual(
                (ledger.Limits.command().max_bytes, ledger.Limits.command().max_rows),
                (2 * 1024 * 1024, 20),
            )
            self.assertIn("import_requests", ledger.Limits.admin().hint)


@override_settings(LEDGER_ADMIN_MAX_MB=1, LEDGER_ADMIN_MAX_ROWS=2)
class AdminLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")
        cls.clerk = make_clerk("clerk", cls.agency)

    def upload(self, data, name="台账.csv"):
        log_in(self.client, self.clerk)
        return self.client.post(
            reverse("admin:disclosure_disclosurerequest_import"),
            {
                "agency": self.agency.pk,
                "import_file": SimpleUploadedFile(name, data),
                "format": "0",
                "resource": "0",
            },
        )

    def test_it_refuses_a_file_over_the_size_limit_before_storing_it(self):
        response = self.upload(b"x" * (3 * 512 * 1024))
        self.assertContains(response, "文件大小 1.5 MB，超过 1.0 MB 的上限")
        self.assertEqual(list(Path(settings.LEDGER_PENDING_DIR).iterdir()), [], "none stored")

    def test_it_refuses_more_rows_than_the_admin_takes_and_names_the_command(self):
        row = ledger_bombs.ROW
        response = self.upload(ledger_xlsx([ledger_bombs.HEADER, row, row, row]), name="台账.xlsx")
        self.assertContains(response, "文件超过 2 行（不含表头）的上限")
        self.assertContains(response, "import_requests")
        self.assertEqual(DisclosureRequest.objects.count(), 0)

    def test_its_page_states_the_limits(self):
        log_in(self.client, self.clerk)
        page = self.client.get(reverse("admin:disclosure_disclosurerequest_import"))
        self.assertContains(page, "2 行（不含表头）、20 列")


@override_settings(LEDGER_COMMAND_MAX_MB=1, LEDGER_COMMAND_MAX_ROWS=2)
class CommandLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")

    def run_import(self, data):
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / "ledger.csv"
        path.write_bytes(data)
        call_command(
            "import_requests", str(path), agency="wz", stdout=StringIO(), stderr=StringIO()
        )

    def test_it_refuses_a_file_over_the_size_limit_before_reading_it(self):
        with self.assertRaisesMessage(CommandError, "文件大小 1.5 MB，超过 1.0 MB 的上限"):
            self.run_import(b"x" * (3 * 512 * 1024))

    def test_it_refuses_more_rows_than_its_limit(self):
        row = ledger_bombs.ROW
        with self.assertRaisesMessage(CommandError, "文件超过 2 行（不含表头）的上限"):
            self.run_import(ledger_csv([ledger_bombs.HEADER, row, row, row]))
        self.assertEqual(DisclosureRequest.objects.count(), 0)


# ---------------------------------------------------------------------------------------------
# Any ledger hypothesis can write: imported, or refused with a message


CELLS = st.one_of(
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(["=1+1", "+86", "-", "@SUM(A1)", "'=x", "\t", "自然人", "予以公开", "网络"]),
    st.dates(datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)).map(str),
    st.integers(-(10**6), 10**12).map(str),
)
HEADERS = st.lists(
    st.sampled_from(
        [
            *(c.header for c in ledger.REQUESTS.columns),
            *(c.key for c in ledger.REQUESTS.columns),
            "",
            "备注",
        ]
    ),
    min_size=0,
    max_size=9,
)


def _xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append([openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@st.composite
def ledger_files(draw):
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=8))
    make = draw(st.sampled_from(["csv", "csv-no-bom", "xlsx"]))
    if make == "xlsx":
        return _xlsx([header, *rows])
    return ledger_csv([header, *rows], bom=make == "csv")


class GeneratedLedgerTests(HypothesisTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.agency = make_agency("wz", "温州市机关事务管理局")

    @hypothesis_settings(max_examples=60, deadline=None)
    @given(ledger_files())
    def test_it_imports_or_refuses_with_a_message_any_generated_ledger(self, data):
        try:
            table = ledger.read_table(data)
        except ledger.LedgerFileError as exc:
            self.assertTrue(str(exc))
            return
        plan = ledger.import_table(ledger.REQUESTS, agency=self.agency, table=table)
        if plan.ok:
            rows = [r for r in table.rows if not all(is_blank(v) for v in r)]
            self.assertEqual(DisclosureRequest.objects.count(), len(rows))
        else:
            self.assertTrue(all(p.message for p in plan.problems))
            self.assertEqual(DisclosureRequest.objects.count(), 0)

    @hypothesis_settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=2048))
    def test_it_refuses_junk_with_a_message(self, data):
        try:
            ledger.read_table(data)
        except ledger.LedgerFileError as exc:
            self.assertTrue(str(exc))

    def test_it_reads_a_small_ledger_whatever_its_declared_dimension_or_formatting(self):
        for name in ("declared_dimension", "empty_styled_cells"):
            with self.subTest(file=name):
                table = ledger.read_table(ledger_bombs.FILES[name]())
                plan = ledger.plan_import(ledger.REQUESTS, agency=self.agency, table=table)
                self.assertTrue(plan.ok, plan.problems)
                self.assertEqual(len(plan.rows), 1)

    def test_it_builds_its_crafted_xlsx_as_valid_workbooks(self):
        # The helper's hand-written parts are a workbook openpyxl reads like Excel would.
        data = ledger_bombs.xlsx(ledger_bombs.ledger_sheet([ledger_bombs.HEADER, ledger_bombs.ROW]))
        sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
        self.assertEqual([c.value for c in sheet[2]], [None, *ledger_bombs.ROW[1:]])
        self.assertEqual(zipfile.ZipFile(io.BytesIO(data)).testzip(), None)
