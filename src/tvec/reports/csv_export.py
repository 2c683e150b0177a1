"""The report's tables as CSV files in one zip, for a spreadsheet or a statistics package.

One file per table of the report (``Report.tables``, in order; the file is named after the
table's key, so a table added to the report is exported without being named here): the header
row, then the rows. A cell's fine print (its lines after the first) is kept, joined to the first
line with "; ". A README.txt inside says what the report is, where its data come from, the
data cut-off and the population.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

from tvec.reports.html import synthetic_words
from tvec.reports.model import Report, Table

# A fixed time for the zip entries, so the same report gives the same bytes.
ENTRY_TIME = (1980, 1, 1, 0, 0, 0)


def cell_text(cell: str, joiner: str = "; ") -> str:
    """A cell on one line: its fine-print lines joined to the first with "; "."""
    return joiner.join(line.strip() for line in str(cell).split("\n") if line.strip())


def table_csv(table: Table) -> str:
    """The table as CSV text (header row, then the rows; a spreadsheet's line endings)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([cell_text(c, " ") for c in table.header])  # "T-VEC this cohort"
    for row in table.rows:
        writer.writerow([cell_text(c) for c in row])
    return buffer.getvalue()


def file_name(key: str) -> str:
    """The CSV file's name for a table key ("safety_published" → "safety-published.csv")."""
    return (re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "table") + ".csv"


def readme(report: Report) -> str:
    """What the zip holds, and the report it comes from."""
    population = ", ".join(f"{arm} {n}" for arm, n in report.population)
    lines = [
        report.title,
        "",
        f"Data source: {report.description}. {synthetic_words(report.synthetic)}",
        f"Data cut-off: {report.cutoff or 'not recorded'}"
        + (f" ({report.cutoff_basis})" if report.cutoff_basis else ""),
        f"Population: {report.n_patients} patients" + (f" ({population})" if population else ""),
        f"Response criteria: {report.criteria.title}",
        f"Compared with: {report.trial_name}, {report.trial.source}",
        f"Generated: {report.generated} by tvec",
        "",
        "One CSV file per table of the report (UTF-8, comma-separated, header row first). A "
        "cell's fine print (for example a rate's intervals) follows its value after \"; \".",
        "",
    ]
    for key, table in report.tables.items():
        lines.append(f"{file_name(key)}: {table.caption}")
        if table.note:
            lines.append(f"  Note: {table.note}")
    lines += ["", report.disclaimer, ""]
    return "\n".join(lines)


def tables_zip(report: Report) -> bytes:
    """The report's tables as CSV files, with a README.txt, in one zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("README.txt", ENTRY_TIME), readme(report))
        for key, table in report.tables.items():
            info = zipfile.ZipInfo(file_name(key), ENTRY_TIME)
            archive.writestr(info, table_csv(table), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


__all__ = ["cell_text", "file_name", "readme", "table_csv", "tables_zip"]
