"""Reading a ledger file into a ``Table``: CSV (UTF-8, with or without BOM) or .xlsx, told apart
by content, within ``Limits`` checked before and while it is read (``xlsx`` measures an .xlsx
before calamine reads it); a file that cannot be read as a whole raises ``LedgerFileError``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from disclosure.formulas import csv_unescape

from .contract import LedgerFileError
from .limits import MAX_CSV_ROW_CHARACTERS, Limits
from .xlsx import read_xlsx


@dataclass
class Table:
    """A sheet: the header row and the data rows; ``rows[i]`` is spreadsheet row ``i + 2``."""

    headers: list[Any]
    rows: list[list[Any]]


def read_table(data: bytes, *, limits: Limits | None = None) -> Table:
    """Read a CSV (UTF-8, with or without BOM) or .xlsx file (first sheet); the content decides.
    ``limits``: the admin's unless told otherwise."""
    limits = limits or Limits.admin()
    if len(data) > limits.max_bytes:
        raise LedgerFileError(limits.too_large(len(data)))
    if not data or data.isspace():
        raise LedgerFileError("文件是空的。")
    if data.startswith(b"PK\x03\x04"):
        return _table(read_xlsx(data, limits))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFileError(
            "这是旧版 Excel（.xls）文件或加密的表格，无法读取："
            "请在 Excel 中另存为 .xlsx 或“CSV UTF-8”（不设密码）。"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LedgerFileError(
            "文件是 UTF-16 编码的文本（Excel 的“Unicode 文本”），无法读取："
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx。"
        )
    if b"\x00" in data[:4096]:
        raise LedgerFileError("文件既不是 CSV 也不是 .xlsx 表格。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LedgerFileError(
            "文件不是 UTF-8 编码的 CSV（可能是 GBK 编码），也不是 .xlsx 表格："
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx。"
        ) from None
    if not text.strip():
        raise LedgerFileError("文件是空的。")
    return _table(_csv_rows(text, limits))


def _csv_rows(text: str, limits: Limits) -> list[list[str]]:
    """The rows of a CSV text, within the limits: a row is checked for length before the csv
    module splits it, rows and columns are counted as they come, and blank rows and cells at
    the end (which spreadsheets often write) cost nothing. A cell the export protected against
    formula injection gets its value back (``disclosure.formulas``)."""
    rows: list[list[str]] = []
    blank = 0  # blank rows not yet kept: kept only when a row with content follows
    row_characters = 0

    def lines() -> Iterator[str]:
        nonlocal row_characters
        for line in io.StringIO(text, newline=""):
            row_characters += len(line)
            if row_characters > MAX_CSV_ROW_CHARACTERS:
                raise LedgerFileError(
                    f"CSV 文件第 {len(rows) + blank + 1} 行超过 {MAX_CSV_ROW_CHARACTERS:,} 个字符"
                    "的上限，这不是一份台账。"
                )
            yield line

    try:
        for row in csv.reader(lines()):
            row_characters = 0
            # Blank cells at the end of a row (Excel writes the width of the formatted area)
            # are not columns.
            width = len(row)
            while width and is_blank(row[width - 1]):
                width -= 1
            if width > limits.max_columns:
                raise LedgerFileError(limits.too_many_columns())
            if not width:
                blank += 1
                continue
            if len(rows) + blank > limits.max_rows:
                raise LedgerFileError(limits.too_many_rows())
            rows.extend([] for _ in range(blank))
            blank = 0
            rows.append([csv_unescape(v) if v[:1] == "'" else v for v in row[:width]])
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise LedgerFileError(
                f"CSV 文件第 {len(rows) + blank + 1} 行有单元格超过 {csv.field_size_limit():,} "
                "个字符的上限。"
            ) from None
        raise LedgerFileError(f"CSV 文件格式有误：{exc}") from None
    return rows


def _table(rows: list[list[Any]]) -> Table:
    if not rows or all(is_blank(v) for v in rows[0]):
        raise LedgerFileError("文件是空的：第 1 行应为表头。")
    headers, data = rows[0], rows[1:]
    if not any(not all(is_blank(v) for v in r) for r in data):
        raise LedgerFileError("文件只有表头，没有数据行。")
    return Table(headers=list(headers), rows=data)


def is_blank(value: Any) -> bool:
    """An empty cell: none at all (xlsx) or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())
