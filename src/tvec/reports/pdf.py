"""The PDF edition of a report: its HTML page (`tvec.reports.html`) printed by WeasyPrint.

The PDF is the very page `render_html` writes, laid out by its print rules (paged media): a title
page, the contents with page numbers, a running header (the report's title and the current
section), "page X of Y" at the foot, tables that go on across pages under their repeated header
row, and the figures as inline SVG at the page's width. A4 portrait by default, or US Letter.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from tvec.reports.html import Paper, render_html
from tvec.reports.model import Report


def pdf_document(page: Report, paper: Paper = "a4") -> Any:
    """The report laid out in pages (a WeasyPrint document: its ``pages`` and ``write_pdf``)."""
    from weasyprint import HTML

    return HTML(string=render_html(page, paper)).render()


def pdf_bytes(page: Report, paper: Paper = "a4") -> bytes:
    """The report's PDF as bytes (for a download)."""
    return bytes(pdf_document(page, paper).write_pdf())


def write_pdf(page: Report, target: Path | str | io.BytesIO, paper: Paper = "a4") -> None:
    """Write the report's PDF to a file name or a binary buffer."""
    content = pdf_bytes(page, paper)
    if isinstance(target, io.BytesIO):
        target.write(content)
    else:
        Path(target).write_bytes(content)


__all__ = ["pdf_bytes", "pdf_document", "write_pdf"]
