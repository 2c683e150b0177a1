"""CSV downloads that a spreadsheet opens safely (the billing lines, the pharmacy's ledger)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a leading '."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """The header and rows as CSV (CRLF line ends), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()
