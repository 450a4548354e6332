"""Ledger (台账) import and export: the requests and cases files of the interchange contract
(``docs/interchange.md``).

The column set is defined once (``REQUESTS`` and ``CASES``) and serves the commands, the admin
import and the export. An import is planned first (every row parsed and validated by the model's
own rules, every problem collected) and then applied in bulk, all in one transaction: either
every row is stored or none is. Together that imports 100,000 requests in about 15 s of CPU time
(``manage.py bench_import``; README, Benchmarks).

The modules, each depending only on those above it:

- ``contract``: the column sets (``Column``, ``Ledger``, ``REQUESTS``, ``CASES``).
- ``limits``: how large a file may be (``Limits``: the admin's and the commands').
- ``xlsx``: an .xlsx measured (archive, parts, cells, text) before calamine reads it.
- ``reading``: a CSV or .xlsx file → ``Table``, within the limits.
- ``cells``: a cell → the stored value (``CellError`` when it cannot be).
- ``constraints``: the model's ``Meta.constraints`` evaluated in Python (``constraint_holds``).
- ``builder``: model instances made fast from a row's values.
- ``planning``: a table → ``Plan`` (the problems, or what each row will do), nothing written.
- ``writing``: a plan → bulk INSERTs and UPDATEs and their history rows (``apply_plan``).
- ``importing``: both in one transaction (``import_table``).
- ``export``: a stored record → a row of the file.
- ``pending``: an uploaded file waiting for the clerk's confirmation in the admin.

The names callers use are imported here: ``from disclosure import ledger``, then ``ledger.X``.
The admin integration (``disclosure.ledger.admin`` and its file formats,
``disclosure.ledger.formats``) is not imported here.
"""

from disclosure.formulas import csv_escape, csv_unescape

from .cells import CellError
from .constraints import constraint_fields, constraint_holds
from .contract import CASES, REQUESTS, Column, Derive, Ledger, LedgerFileError
from .export import export_row, format_value
from .importing import import_table
from .limits import Limits
from .planning import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Plan,
    Problem,
    Progress,
    RowPlan,
    match_header,
    plan_import,
)
from .reading import Table, read_table
from .writing import apply_plan

__all__ = [
    "CASES",
    "CREATE",
    "REQUESTS",
    "UNCHANGED",
    "UPDATE",
    "CellError",
    "Column",
    "Derive",
    "Ledger",
    "LedgerFileError",
    "Limits",
    "Plan",
    "Problem",
    "Progress",
    "RowPlan",
    "Table",
    "apply_plan",
    "constraint_fields",
    "constraint_holds",
    "csv_escape",
    "csv_unescape",
    "export_row",
    "format_value",
    "import_table",
    "match_header",
    "plan_import",
    "read_table",
]
