"""The file formats of the admin's ledger import and export (django-import-export formats):
the import reads CSV or .xlsx like the commands, within the admin's ``Limits``; the CSV export
protects formula cells, the .xlsx export writes every cell as text."""

from __future__ import annotations

import tablib
from import_export.formats import base_formats
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from disclosure import ledger


class LedgerFile(base_formats.Format):
    """Import: CSV (UTF-8, BOM or not) or .xlsx, recognised by content, read like the commands."""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "CSV / XLSX"

    def create_dataset(self, in_stream):
        table = ledger.read_table(in_stream, limits=ledger.Limits.admin())
        width = max([len(table.headers), *(len(r) for r in table.rows)])
        headers = [*table.headers, *[None] * (width - len(table.headers))]
        rows = [(*r, *[None] * (width - len(r))) for r in table.rows]
        return tablib.Dataset(*rows, headers=headers)

    def can_import(self):
        return True


class LedgerCSV(base_formats.CSV):
    """Export to CSV with every cell that Excel or WPS would run as a formula (an applicant's
    "=HYPERLINK(…)") written with a leading apostrophe; the import takes it off again
    (``disclosure.formulas``)."""

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(
            *([ledger.csv_escape(str(v)) if v is not None else "" for v in row] for row in dataset),
            headers=[ledger.csv_escape(str(h)) for h in dataset.headers or []],
            title=dataset.title,
        )
        return super().export_data(safe, **kwargs)


class TextXLSX(base_formats.XLSX):
    """Export to .xlsx with every value a text cell: a subject that starts with "=" stays text
    (never a formula that Excel would run), and the file re-imports unchanged."""

    def export_data(self, dataset, **kwargs):
        import io

        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        book = Workbook(write_only=True)
        sheet = book.create_sheet(dataset.title or "台账")
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)

        def cell(value, font=None):
            c = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
            c.data_type = "s"
            if font:
                c.font = font
            return c

        sheet.append([cell(h, bold) for h in dataset.headers])
        for row in dataset:
            sheet.append([cell(v) for v in row])
        stream = io.BytesIO()
        book.save(stream)
        return stream.getvalue()
