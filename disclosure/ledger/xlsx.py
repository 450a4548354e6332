"""Reading the first sheet of an .xlsx ledger, measured before it is read.

python-calamine reads a sheet quickly, but it builds the whole area between a sheet's first and
last cell in memory, and sizes some tables by what the file declares: one cell at XFD1048576
asks for 549 GB, a cell at A1 and one at XFD20000 for 12 GB, ``<sst uniqueCount="…">`` for
whatever it says. So the file is measured first (``check_xlsx``), by rules that count at least
what calamine will read:

- the archive: at most ``MAX_XLSX_MEMBERS`` parts, no two with the same name, none encrypted or
  compressed other than the way Excel does, no .ods or .xlsb parts (calamine would read those
  instead), and what they unpack to (declared, then counted while unpacking: a part that unpacks
  to more than it declares is refused) within ``Limits.max_unpacked_bytes`` and
  ``MAX_XLSX_RATIO`` times its compressed size;
- every part is parsed as XML (expat, streaming, no DTD, at most ``MAX_XML_DEPTH`` deep) while
  it is unpacked, by calamine's own rules for where a cell lands (its ``r`` attribute, else the
  next column of the current row): no cell with a value beyond ``Limits.max_rows`` data rows or
  ``Limits.max_columns`` columns, at most ``Limits.max_cells`` cells, at most
  ``Limits.max_text`` characters of text in them (a shared string counts in every cell that uses
  it), no table sized by a declared count beyond those bounds;
- a part that is not well-formed XML must not contain anything calamine reads as a sheet or as
  shared strings.

Every sheet of the workbook is measured, not only the first: which part is the first sheet is
calamine's business (and its rules for finding it change between versions). The sheet's
declared dimension (``<dimension ref>``) is not trusted: it may claim less or more than the cells.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from .contract import LedgerFileError
from .limits import MAX_XLSX_MEMBERS, MAX_XLSX_RATIO, MAX_XML_DEPTH, MB, Limits

NOT_XLSX = "文件不是有效的 .xlsx 表格（也不是 CSV）。"
ODS_OR_XLSB = (
    "这是 .ods 或 .xlsb 格式的表格，无法读取：请在 Excel 或 WPS 中另存为 .xlsx 或“CSV UTF-8”。"
)
CHUNK = 64 * 1024
# Tables calamine keeps for the whole workbook (formats, names, sheets, relationships): Excel
# itself allows 64,000 cell formats.
MAX_TABLE_ENTRIES = 65_536
_TABLE_ELEMENTS = frozenset({"xf", "numFmt", "definedName", "sheet", "Relationship"})
# The start of an element calamine looks for in a part it reads as a sheet or shared strings.
_CALAMINE_MARKERS = re.compile(rb"[<:](?:sheetData|sst)[\s/>]")
_COUNT = re.compile(r"\+?[0-9]{1,16}")
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_LOCAL_HEADER = b"PK\x03\x04"


def read_xlsx(data: bytes, limits: Limits) -> list[list[Any]]:
    """The first sheet's rows from A1 to its last cell, blank cells as ``""``."""
    check_xlsx(data, limits)
    # calamine (Rust) reads a 100,000-row sheet in about a second; openpyxl takes half a minute.
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except Exception:  # calamine raises several kinds for a zip that is no workbook
        raise LedgerFileError(NOT_XLSX) from None
    except BaseException as exc:  # a panic in calamine arrives as pyo3's PanicException
        if type(exc).__name__ != "PanicException":
            raise
        raise LedgerFileError(NOT_XLSX) from None
    if sheet.end is None:
        return []
    # Already guaranteed by the check; looked at again before the sheet is padded out to A1.
    last_row, last_column = sheet.end
    if last_row > limits.max_rows:
        raise LedgerFileError(limits.too_many_rows())
    if last_column >= limits.max_columns:
        raise LedgerFileError(limits.too_many_columns())
    # Keep leading blank rows and columns: row numbers must be the spreadsheet's.
    return sheet.to_python(skip_empty_area=False)


def check_xlsx(data: bytes, limits: Limits) -> None:
    """Refuse (``LedgerFileError``) an .xlsx that calamine could not read within the limits."""
    members = _members(data, limits)
    scan = _Scan(limits)
    for info in members:
        scan.part(_unpack(data, info))
    scan.finish()


# ---------------------------------------------------------------------------------------------
# The archive


def _members(data: bytes, limits: Limits) -> list[zipfile.ZipInfo]:
    _check_directory_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:  # zipfile raises several kinds for a damaged archive
        raise LedgerFileError(NOT_XLSX) from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise LedgerFileError(NOT_XLSX)
    names = [m.filename.replace("\\", "/").lower() for m in members]
    if len(set(names)) != len(names):
        raise LedgerFileError(NOT_XLSX)
    if any(n == "mimetype" or n.endswith(".bin.rels") for n in names):
        raise LedgerFileError(ODS_OR_XLSB)
    for m in members:
        if m.flag_bits & 0x1 or m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise LedgerFileError(NOT_XLSX)
        if m.file_size > MB and m.file_size > MAX_XLSX_RATIO * m.compress_size:
            raise LedgerFileError(_bomb())
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked_bytes:
        raise LedgerFileError(
            f"文件解压后有 {unpacked / MB:.1f} MB，超过 {limits.max_unpacked_bytes / MB:.1f} MB "
            f"的上限：{limits.hint}"
        )
    return members


def _check_directory_size(data: bytes) -> None:
    """Before zipfile builds an object for every entry of the central directory: the directory
    (found as zipfile finds it) must be small enough for ``MAX_XLSX_MEMBERS`` entries."""
    if data[-22:-18] == _EOCD and data[-2:] == b"\0\0":
        end = len(data) - 22
    else:
        end = data.rfind(_EOCD, max(0, len(data) - 22 - (1 << 16)))
    if end < 0 or len(data) < end + 22:
        raise LedgerFileError(NOT_XLSX)
    if end >= 20 and data[end - 20 : end - 16] == _ZIP64_LOCATOR:
        raise LedgerFileError(NOT_XLSX)  # Excel writes no ZIP64 archive below 4 GB
    entries, directory_size = struct.unpack_from("<HI", data, end + 10)
    if entries > MAX_XLSX_MEMBERS or directory_size > MAX_XLSX_MEMBERS * 1024:
        raise LedgerFileError(NOT_XLSX)


def _bomb() -> str:
    return "文件的压缩比异常（可能是“压缩炸弹”），拒绝读取。"


def _unpack(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes, unpacked here (not by zipfile, which stops at the declared size and
    would not see what calamine sees): more or less than declared is refused."""
    start = info.header_offset
    if data[start : start + 4] != _LOCAL_HEADER or len(data) < start + 30:
        raise LedgerFileError(NOT_XLSX)
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_length + extra_length
    packed = memoryview(data)[begin : begin + info.compress_size]
    if len(packed) != info.compress_size:
        raise LedgerFileError(NOT_XLSX)
    size, crc = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(packed), CHUNK):
            chunk = bytes(packed[i : i + CHUNK])
            size, crc = size + len(chunk), zlib.crc32(chunk, crc)
            yield chunk
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        for i in range(0, len(packed), CHUNK):
            pending = bytes(packed[i : i + CHUNK])
            while pending and not inflater.eof:
                try:
                    chunk = inflater.decompress(pending, CHUNK)
                except zlib.error:
                    raise LedgerFileError(NOT_XLSX) from None
                pending = inflater.unconsumed_tail
                size, crc = size + len(chunk), zlib.crc32(chunk, crc)
                if size > info.file_size:
                    raise LedgerFileError(_bomb())
                if chunk:
                    yield chunk
            if inflater.eof:
                break
        if not inflater.eof:
            raise LedgerFileError(NOT_XLSX)
    if size != info.file_size or crc != info.CRC:
        raise LedgerFileError(NOT_XLSX)


# ---------------------------------------------------------------------------------------------
# The XML parts


class _Scan:
    """Counts, over every part of the workbook, the cells calamine will read and their text."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0
        self.text = 0  # characters in cells, shared strings not yet counted
        self.shared_indices = array("q")  # the shared string of each cell that has one
        self.shared_lengths: list[array] = []  # per part that has shared strings
        self.table_entries = dict.fromkeys(_TABLE_ELEMENTS, 0)

    def part(self, chunks: Iterator[bytes]) -> None:
        """Parse one part as it is unpacked. A part that turns out not to be well-formed XML is
        ignored (an image, a VML drawing), unless calamine would look for a sheet or shared
        strings in it."""
        parser, lengths, flush = _parser(self)
        well_formed, marked, tail = True, False, b""
        for chunk in chunks:
            if not marked:
                marked = _CALAMINE_MARKERS.search(tail + chunk) is not None
                tail = chunk[-16:]
            if well_formed:
                well_formed = _feed(parser, chunk)
        if well_formed:
            well_formed = _feed(parser, b"", final=True)
        if not well_formed and marked:
            raise LedgerFileError(NOT_XLSX)
        flush()
        if lengths:
            self.shared_lengths.append(lengths)

    def count(self, cells: int, text: int) -> None:
        self.cells += cells
        self.text += text
        if self.cells > self.limits.max_cells or self.text > self.limits.max_text:
            raise LedgerFileError(self._too_much_text())

    def finish(self) -> None:
        """The shared strings' text, counted in every cell that uses one."""
        lengths = _longest(self.shared_lengths)
        longest = max(lengths, default=0)
        text, limit = self.text, self.limits.max_text
        for index in self.shared_indices:
            if index < 0:
                text += longest  # an index calamine may read differently
            elif index < len(lengths):
                text += lengths[index]
            if text > limit:
                raise LedgerFileError(self._too_much_text())

    def _too_much_text(self) -> str:
        return (
            f"文件中的文字超过 {self.limits.max_text:,} 个字符（每个单元格分别计算）的上限："
            f"{self.limits.hint}"
        )


def _feed(parser, chunk: bytes, final: bool = False) -> bool:
    """False once the part is found not to be well-formed XML."""
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError:
        return False
    return True


def _longest(parts: list[array]) -> array:
    """Shared string lengths by index; with several such parts, the longest at each index."""
    if len(parts) == 1:
        return parts[0]
    result = array("q", [0]) * max((len(p) for p in parts), default=0)
    for part in parts:
        for i, n in enumerate(part):
            result[i] = max(result[i], n)
    return result


def _parser(scan: _Scan):
    """An expat parser for one part whose handlers count into ``scan``; the lengths of the
    part's shared strings (``<si>``), filled as it is parsed; and the function that counts its
    last cells into ``scan`` once it is parsed.

    The handlers are closures over local state, not methods: they run for every element of a
    sheet (about 25 per row), and this is what the check costs."""
    limits = scan.limits
    max_rows, max_columns, max_cells = limits.max_rows, limits.max_columns, limits.max_cells
    shared_indices, table_entries = scan.shared_indices, scan.table_entries
    lengths = array("q")
    depth = 0
    # Where calamine puts a cell without an ``r``: the row after the last ``</row>`` (or a row's
    # own ``r``), the column after the previous cell's.
    row = column = 0
    cell_depth = 0  # > 0 inside a cell
    cell_row = cell_column = 0
    has_value = shared = False
    cell_text = 0
    value_depth = 0  # > 0 inside the cell's <v>
    value = ""
    string_depth = string_length = 0  # inside a shared string (<si>)
    pending_cells = pending_text = 0  # counted into the scan every 1,000 cells

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, row, column, cell_depth, cell_row, cell_column, has_value, shared
        nonlocal cell_text, value_depth, value, string_depth, string_length
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise LedgerFileError(NOT_XLSX)
        if cell_depth:
            has_value = True
            if name == "c" or name.endswith(":c"):
                raise LedgerFileError(NOT_XLSX)  # a cell in a cell
            if not value_depth and (name == "v" or name.endswith(":v")):
                value_depth, value = depth, ""
            return
        local = name if ":" not in name else name.rpartition(":")[2]
        if local == "c":
            ref = attrs.get("r")
            if ref is None:
                cell_row, cell_column = row, column
            else:
                cell_row, cell_column = _ref(ref)
                if cell_column < 0:
                    raise LedgerFileError(NOT_XLSX)  # calamine: no column in the reference
                column = cell_column
            cell_depth, has_value, cell_text = depth, False, 0
            shared = attrs.get("t") == "s"
        elif local == "row":
            ref = attrs.get("r")
            if ref is not None:
                row = _ref(ref)[0]
        elif local == "si":
            if string_depth:
                raise LedgerFileError(NOT_XLSX)  # a shared string in a shared string
            if len(lengths) >= max_cells:
                raise LedgerFileError(NOT_XLSX)
            string_depth, string_length = depth, 0
        elif local == "sst":
            count = attrs.get("uniqueCount")
            if count is not None and not (_COUNT.fullmatch(count) and int(count) <= max_cells):
                raise LedgerFileError(NOT_XLSX)  # calamine reserves room for that many
        elif local in table_entries:
            table_entries[local] += 1
            if table_entries[local] > MAX_TABLE_ENTRIES:
                raise LedgerFileError(NOT_XLSX)

    def end(name: str) -> None:
        nonlocal depth, row, column, cell_depth, value_depth, string_depth
        nonlocal pending_cells, pending_text
        if cell_depth:
            if depth == value_depth:
                value_depth = 0
            elif depth == cell_depth:
                cell_depth = 0
                column += 1
                if has_value:
                    if cell_row > max_rows:
                        raise LedgerFileError(limits.too_many_rows())
                    if cell_column >= max_columns:
                        raise LedgerFileError(limits.too_many_columns())
                    if shared:
                        index = int(value) if value.isascii() and value.strip().isdigit() else -1
                        shared_indices.append(index if index < 2**62 else -1)
                    pending_cells += 1
                    pending_text += cell_text
                    if pending_cells == 1000:
                        scan.count(pending_cells, pending_text)
                        pending_cells = pending_text = 0
        elif depth == string_depth:
            string_depth = 0
            lengths.append(string_length)
        elif name == "row" or name.endswith(":row"):
            row, column = row + 1, 0
        depth -= 1

    def text(data: str) -> None:
        nonlocal cell_text, value, string_length
        if cell_depth:
            cell_text += len(data)
            if value_depth and len(value) < 32:
                value += data[:32]
        if string_depth:
            string_length += len(data)

    def doctype(*args) -> None:
        raise LedgerFileError(NOT_XLSX)  # no part of an .xlsx has a DTD (entity expansion)

    def flush() -> None:
        scan.count(pending_cells, pending_text)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    return parser, lengths, flush


_COLUMNS: dict[str, int] = {}


def _ref(text: str) -> tuple[int, int]:
    """A cell reference as calamine reads it: (row, column), 0-based; the column is -1 for a row
    number alone."""
    letters = text.rstrip("0123456789")
    digits = text[len(letters) :]
    if not (text.isascii() and (letters.isalpha() or not letters) and 0 < len(digits) <= 16):
        raise LedgerFileError(NOT_XLSX)
    column = _COLUMNS.get(letters)
    if column is None:
        if len(letters) > 16:
            raise LedgerFileError(NOT_XLSX)
        column = 0
        for letter in letters.upper():
            column = column * 26 + ord(letter) - ord("A") + 1
        column -= 1
        if len(_COLUMNS) < 10_000:
            _COLUMNS[letters] = column
    row = int(digits) - 1
    if row < 0:
        raise LedgerFileError(NOT_XLSX)
    return row, column
