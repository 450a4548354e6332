"""The bounds of a ledger file, checked before and while it is read: a file that is too large,
too long or too wide, or an .xlsx that unpacks to too much, is refused with one Chinese message
before it can take a worker down (security finding 2; docs/ledger.md, "Limits").

Two sets, from the settings: the admin's (``Limits.admin()``: the preview and the confirmation
must each finish well within gunicorn's 30-second worker timeout) and the commands' larger ones
(``Limits.command()``, for the ledgers the admin cannot take).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MB = 1024 * 1024
# A ledger has 6–8 columns; blank trailing columns are tolerated, a sheet wider than this is no
# ledger (and every column costs memory in every row of an .xlsx read).
MAX_COLUMNS = 20
# A CSV line longer than this is refused before the csv module splits it into fields.
MAX_CSV_ROW_CHARACTERS = 256 * 1024
# An .xlsx is a zip of XML parts: as many parts as a workbook with images and several sheets
# has, each unpacking to at most this many times its compressed size (Excel's own files stay
# under 20×; zip bombs are 1,000× and more), nested at most this deep.
MAX_XLSX_MEMBERS = 500
MAX_XLSX_RATIO = 100
MAX_XML_DEPTH = 64
# An .xlsx may unpack to this many times the file-size limit in all.
XLSX_UNPACKED_FACTOR = 5


@dataclass(frozen=True)
class Limits:
    max_bytes: int  # the file as uploaded
    max_rows: int  # data rows, after the header row
    hint: str  # where a larger file can go, appended to the messages
    max_columns: int = MAX_COLUMNS

    def __post_init__(self):
        if self.max_bytes <= 0 or self.max_rows <= 0:
            raise ImproperlyConfigured("ledger import limits must be positive numbers")

    @classmethod
    def admin(cls) -> Limits:
        return cls(
            max_bytes=settings.LEDGER_ADMIN_MAX_MB * MB,
            max_rows=settings.LEDGER_ADMIN_MAX_ROWS,
            hint=(
                "请把台账分成几个文件分别导入，或请系统管理员用 import_requests / import_cases "
                f"命令导入（上限 {settings.LEDGER_COMMAND_MAX_ROWS:,} 行）。"
            ),
        )

    @classmethod
    def command(cls) -> Limits:
        return cls(
            max_bytes=settings.LEDGER_COMMAND_MAX_MB * MB,
            max_rows=settings.LEDGER_COMMAND_MAX_ROWS,
            hint="请把台账分成几个文件，或调高 LEDGER_COMMAND_MAX_MB / LEDGER_COMMAND_MAX_ROWS。",
        )

    @property
    def max_unpacked_bytes(self) -> int:
        """What the parts of an .xlsx may unpack to, in all."""
        return XLSX_UNPACKED_FACTOR * self.max_bytes

    @property
    def max_text(self) -> int:
        """Characters of text an .xlsx's cells may hold in all: no more than a CSV file of the
        largest size (a shared string used in many cells counts each time)."""
        return self.max_bytes

    @property
    def max_cells(self) -> int:
        return (self.max_rows + 1) * self.max_columns

    def too_large(self, size: int) -> str:
        return f"文件大小 {_mb(size)}，超过 {_mb(self.max_bytes)} 的上限：{self.hint}"

    def too_many_rows(self) -> str:
        return f"文件超过 {self.max_rows:,} 行（不含表头）的上限：{self.hint}"

    def too_many_columns(self) -> str:
        return (
            f"文件超过 {self.max_columns} 列的上限：台账只有导入格式说明中的几列，"
            "请删除其他的列后重新导入。"
        )


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"
