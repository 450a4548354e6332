"""Reading a ledger file into a ``Table``: CSV (UTF-8, with or without BOM) or .xlsx, told apart
by content; a file that cannot be read as a whole raises ``LedgerFileError``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from .contract import LedgerFileError


@dataclass
class Table:
    """A sheet: the header row and the data rows; ``rows[i]`` is spreadsheet row ``i + 2``."""

    headers: list[Any]
    rows: list[list[Any]]


def read_table(data: bytes) -> Table:
    """Read a CSV (UTF-8, with or without BOM) or .xlsx file (first sheet); the content decides."""
    if not data.strip():
        raise LedgerFileError("文件是空的。")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerFileError(
            "这是旧版 Excel（.xls）文件，无法读取：请在 Excel 中另存为 .xlsx 或“CSV UTF-8”。"
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
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise LedgerFileError(f"CSV 文件格式有误：{exc}") from None
    return _table(rows)


def _read_xlsx(data: bytes) -> Table:
    # calamine (Rust) reads a 100,000-row sheet in about a second; openpyxl takes half a minute.
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        # Keep leading blank rows and columns: row numbers must be the spreadsheet's.
        rows = sheet.to_python(skip_empty_area=False)
    except Exception:  # calamine raises several kinds for a zip that is no workbook
        raise LedgerFileError("文件不是有效的 .xlsx 表格（也不是 CSV）。") from None
    return _table(rows)


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
