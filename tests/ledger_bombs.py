"""Crafted ledger files that once took a worker down (security finding 2), and the runner that
reads them in a separate process under a memory cap (``tests/test_import_limits.py``).

The .xlsx files are written by hand with zipfile (``xlsx``), so that the cell references, the
declared dimension and the parts are exactly what a test wants, not what a library would write.

Run as ``python -m tests.ledger_bombs LIMITS NAME…`` (LIMITS: ``admin`` or ``command``): one
JSON line per file on stdout, ``{"name", "outcome": "read" | "refused", "message", "rows",
"seconds", "peak_mb"}``; ``python -m tests.ledger_bombs LIMITS mutations N`` reads N random
mutations of a small ledger instead (hypothesis).
"""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable

MB = 1024 * 1024
# The limits the runner is started with (tests/test_import_limits.py): the defaults.
ADMIN = {"LEDGER_ADMIN_MAX_MB": "20", "LEDGER_ADMIN_MAX_ROWS": "30000"}
COMMAND = {"LEDGER_COMMAND_MAX_MB": "100", "LEDGER_COMMAND_MAX_ROWS": "200000"}
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
        '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}


def sheet_xml(rows: str | Iterable[str], *, dimension: str | None = None) -> Iterable[str]:
    """A worksheet part around ``rows`` (the <row> elements, as text or pieces of it)."""
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
    if dimension:
        yield f'<dimension ref="{dimension}"/>'
    yield "<sheetData>"
    yield from [rows] if isinstance(rows, str) else rows
    yield "</sheetData></worksheet>"


def shared_strings_xml(strings: Iterable[str], *, unique_count: int | None = None) -> str:
    count = f' uniqueCount="{unique_count}"' if unique_count is not None else ""
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"{count}>{items}</sst>'


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(
    sheet: str | Iterable[str], *, shared: str | None = None, extra=None, level=6, store=False
) -> bytes:
    """An .xlsx whose first sheet is ``sheet`` (a whole worksheet part, as text or pieces);
    ``shared``: the shared strings part; ``extra``: more parts by name; ``store``: those two
    stored, not compressed (a bomb that the compression ratio would not give away)."""
    method = zipfile.ZIP_STORED if store else zipfile.ZIP_DEFLATED
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=False) as f:
            for piece in [sheet] if isinstance(sheet, str) else sheet:
                f.write(piece.encode())
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared, compress_type=method)
        for name, data in (extra or {}).items():
            z.writestr(name, data, compress_type=method)
    return out.getvalue()


def ledger_rows(rows: list[list[str]]) -> str:
    """<row> elements of text cells from A1."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(text_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v)
        body.append(f'<row r="{r}">{cells}</row>')
    return "".join(body)


def ledger_sheet(rows: list[list[str]]) -> str:
    """A worksheet part with ``rows`` of text cells from A1."""
    return "".join(sheet_xml(ledger_rows(rows)))


HEADER = ["申请编号", "收到申请日期", "申请人类型", "申请人", "办理结果", "答复日期"]
ROW = ["", "2020-03-02", "自然人", "张三", "予以公开", "2020-03-20"]


def _lying_sizes(data: bytes, name: str, declared: int) -> bytes:
    """The archive with ``name`` declaring ``declared`` bytes unpacked (in its local header and
    the central directory) whatever it really unpacks to, with the CRC of the first ``declared``
    bytes: what zipfile, which stops at the declared size, would check."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo(name)
    crc = zlib.crc32(archive.read(name)[:declared])
    out = bytearray(data)
    struct.pack_into("<I", out, info.header_offset + 14, crc)
    struct.pack_into("<I", out, info.header_offset + 22, declared)
    entry = struct.unpack_from("<I", out, out.rfind(b"PK\x05\x06") + 16)[0]
    while out[entry : entry + 4] == b"PK\x01\x02":
        lengths = struct.unpack_from("<HHH", out, entry + 28)
        if out[entry + 46 : entry + 46 + lengths[0]] == name.encode():
            struct.pack_into("<I", out, entry + 16, crc)
            struct.pack_into("<I", out, entry + 24, declared)
        entry += 46 + sum(lengths)
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# The files: name → a function that makes the bytes (made in the runner, not in the test process)


def _far_cell() -> bytes:
    # The audit's 1.6 KB file: one cell at the last cell of a sheet, and the dimension to match.
    return xlsx(
        sheet_xml('<row r="1048576">' + text_cell("XFD1048576", "x") + "</row>", dimension="A1")
    )


def _wide() -> bytes:
    # A1 and XFD20000: calamine builds the 20,000 × 16,384 area between them (12.8 GB).
    rows = '<row r="1">' + text_cell("A1", "申请编号") + "</row>"
    rows += '<row r="20000">' + text_cell("XFD20000", "x") + "</row>"
    return xlsx(sheet_xml(rows))


def _declared_dimension() -> bytes:
    # A sheet that declares the whole grid but has a small ledger: read (the cells decide).
    return xlsx(sheet_xml(ledger_rows([HEADER, ROW]), dimension="A1:XFD1048576"))


def _many_rows() -> bytes:
    # 400,000 rows, as in the audit (there 400 MB of XML; the rows are what matters here),
    # without references: calamine numbers them itself.
    rows = "".join([f"<row><c><v>{r}</v></c></row>" for r in range(400_000)])
    return xlsx(sheet_xml(rows), level=1)


def _rows_without_references() -> bytes:
    # Cells without r: calamine places them itself; 40 cells in a row is 40 columns.
    row = "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 40 + "</row>"
    return xlsx(sheet_xml(row))


def _empty_styled_cells() -> bytes:
    # Formatting far below and to the right of a small ledger: no values, so read.
    rows = ledger_rows([HEADER, ROW])
    rows += '<row r="900000"><c r="XFD900000" s="1"/><c r="A900000" s="1"></c></row>'
    return xlsx(sheet_xml(rows))


def _zip_bomb() -> bytes:
    # A part of 20 MB of zeros: 20 KB compressed.
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in PARTS.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", ledger_sheet([HEADER, ROW]))
        with z.open("xl/media/image1.png", "w") as f:
            zeros = bytes(MB)
            for _ in range(20):
                f.write(zeros)
    return data.getvalue()


def _lying_zip() -> bytes:
    # The sheet declares 2 KB unpacked and really unpacks to 30 MB, with a row at 1,000,000.
    rows = ['<row r="1">' + text_cell("A1", "申请编号") + "</row>"]
    rows.append("<!--" + " " * (30 * MB) + "-->")
    rows.append('<row r="1000000">' + text_cell("A1000000", "x") + "</row>")
    return _lying_sizes(xlsx(sheet_xml(rows)), "xl/worksheets/sheet1.xml", 2048)


def _shared_string_amplified() -> bytes:
    # One 30,000-character shared string in 5,000 cells: 150 million characters for calamine
    # (in 21 KB of file), over the text limit of the admin and of the commands.
    rows = (f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, 5_001))
    return xlsx(sheet_xml(rows), shared=shared_strings_xml(["长" * 30_000]))


def _shared_strings_declared() -> bytes:
    # calamine reserves room for the declared number of shared strings.
    shared = shared_strings_xml(["申请编号"], unique_count=10**12)
    return xlsx(ledger_sheet([HEADER, ROW]), shared=shared)


def _shared_strings_many() -> bytes:
    # Three million empty shared strings (<si/>): 72 MB of Rust strings for 15 MB of XML.
    shared = f'<?xml version="1.0"?><sst xmlns="{MAIN}">' + "<si/>" * 3_000_000 + "</sst>"
    return xlsx(ledger_sheet([HEADER, ROW]), shared=shared, store=True)


def _widest_accepted() -> bytes:
    # About the most an .xlsx may hold in the admin: as many rows as it takes, 20 columns, each
    # cell a shared string of 30 characters (with their indexes just under the text limit).
    strings = [f"{i:04d}" + ("文字单元格内容" * 4)[:26] for i in range(10_000)]

    def row(r: int) -> str:
        cells = "".join(
            f'<c r="{_letters(c)}{r}" t="s"><v>{(r + c) % 10_000}</v></c>' for c in range(20)
        )
        return f'<row r="{r}">{cells}</row>'

    rows = range(1, int(ADMIN["LEDGER_ADMIN_MAX_ROWS"]) + 2)
    return xlsx(sheet_xml(map(row, rows)), shared=shared_strings_xml(strings), level=1)


def _letters(column: int) -> str:
    return chr(65 + column) if column < 26 else "A" + chr(65 + column - 26)


def _deep() -> bytes:
    # Five million nested elements: expat alone would keep 600 MB of open tags.
    return xlsx(ledger_sheet([HEADER, ROW]), extra={"xl/deep.xml": "<a>" * 5_000_000}, store=True)


def _entities() -> bytes:
    # A billion laughs in the sheet.
    dtd = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(8)
    )
    sheet = "".join(sheet_xml('<row r="1">' + text_cell("A1", "&i;") + "</row>"))
    return xlsx(sheet.replace("<worksheet", dtd + "]><worksheet", 1))


def _broken_sheet_hiding_cells() -> bytes:
    # Not well-formed (a stray end tag that calamine skips over), with a far cell after it.
    rows = '<row r="1">' + text_cell("A1", "申请编号") + "</row></nothing>"
    rows += '<row r="20000">' + text_cell("XFD20000", "x") + "</row>"
    return xlsx(sheet_xml(rows))


def _ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def _junk_zip() -> bytes:
    return b"PK\x03\x04" + os.urandom(4096)


def _many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i in range(5000):
            z.writestr(f"x/{i}", "")
    return out.getvalue()


def _csv(rows: int, columns: int = 6) -> bytes:
    line = ",".join(ROW[:columns]) + "\r\n"
    return ("\ufeff" + ",".join(HEADER[:columns]) + "\r\n" + line * rows).encode()


def _csv_huge_line() -> bytes:
    return b"a" * (101 * MB)  # the 100 MB single line: over every size limit


def _csv_long_line() -> bytes:
    return ",".join(HEADER).encode() + b"\r\n" + b"x" * (10 * MB)  # within the admin's size


def _csv_commas() -> bytes:
    return ",".join(HEADER).encode() + b"\r\n" + b"x," * (100 * 1024)  # 100,000 fields


def _csv_wide() -> bytes:
    return (",".join(["申请编号"] + [f"列{i}" for i in range(100)]) + "\r\n1\r\n").encode()


FILES: dict[str, Callable[[], bytes]] = {
    "far_cell": _far_cell,
    "wide": _wide,
    "declared_dimension": _declared_dimension,
    "many_rows": _many_rows,
    "rows_without_references": _rows_without_references,
    "empty_styled_cells": _empty_styled_cells,
    "widest_accepted": _widest_accepted,
    "zip_bomb": _zip_bomb,
    "lying_zip": _lying_zip,
    "shared_string_amplified": _shared_string_amplified,
    "shared_strings_declared": _shared_strings_declared,
    "shared_strings_many": _shared_strings_many,
    "deep": _deep,
    "entities": _entities,
    "broken_sheet_hiding_cells": _broken_sheet_hiding_cells,
    "ods": _ods,
    "junk_zip": _junk_zip,
    "many_members": _many_members,
    "csv_at_admin_limit": lambda: _csv(int(ADMIN["LEDGER_ADMIN_MAX_ROWS"])),
    "csv_50mb": lambda: _csv(1_000_000),
    "csv_rows_over_admin_limit": lambda: _csv(int(ADMIN["LEDGER_ADMIN_MAX_ROWS"]) + 1),
    "csv_huge_line": _csv_huge_line,
    "csv_long_line": _csv_long_line,
    "csv_commas": _csv_commas,
    "csv_wide": _csv_wide,
    "csv_gbk": lambda: ("申请编号,申请人\r\n1,张三\r\n").encode("gbk"),
    "csv_utf16": lambda: ("申请编号,申请人\r\n1,张三\r\n").encode("utf-16"),
    "binary": lambda: bytes(range(256)) * 64,
}


# ---------------------------------------------------------------------------------------------
# The runner


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _read(data: bytes, limits) -> dict:
    from disclosure import ledger

    started = time.process_time()
    try:
        table = ledger.read_table(data, limits=limits)
    except ledger.LedgerFileError as exc:
        outcome, message, rows = "refused", str(exc), None
    else:
        outcome, message, rows = "read", "", len(table.rows)
    return {
        "outcome": outcome,
        "message": message,
        "rows": rows,
        "seconds": round(time.process_time() - started, 2),
    }


def _mutations(limits, n: int) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from disclosure import ledger

    seed = xlsx(ledger_sheet([HEADER, ROW, ROW]))
    checked = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def read_mutation(data):
        mutated = bytearray(seed)
        for _ in range(data.draw(st.integers(1, 8))):
            kind = data.draw(st.sampled_from(["flip", "cut", "insert"]))
            at = data.draw(st.integers(0, len(mutated) - 1))
            if kind == "flip":
                mutated[at] = data.draw(st.integers(0, 255))
            elif kind == "cut":
                del mutated[at : at + data.draw(st.integers(1, 64))]
            else:
                mutated[at:at] = data.draw(st.binary(min_size=1, max_size=64))
        try:
            ledger.read_table(bytes(mutated), limits=limits)
        except ledger.LedgerFileError as exc:
            assert str(exc)
        checked.append(1)

    started = time.process_time()
    read_mutation()
    print(
        json.dumps(
            {
                "name": "mutations",
                "outcome": "done",
                "rows": len(checked),
                "seconds": round(time.process_time() - started, 2),
                "peak_mb": _peak_mb(),
            }
        ),
        flush=True,
    )


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disclosure.settings")
    django.setup()
    from disclosure import ledger

    limits = ledger.Limits.admin() if argv[0] == "admin" else ledger.Limits.command()
    if argv[1] == "mutations":
        _mutations(limits, int(argv[2]))
        return
    for name in argv[1:]:
        data = FILES[name]()
        result = _read(data, limits)
        del data
        print(
            json.dumps({"name": name, **result, "peak_mb": round(_peak_mb())}, ensure_ascii=False),
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
