"""The PDF edition of a report: its HTML page (`tvec.reports.html`) printed by WeasyPrint.

The PDF is the very page `render_html` writes, laid out by its print rules (paged media): a title
page, the contents with page numbers, a running header (the report's title and the current
section), "page X of Y" at the foot, tables that go on across pages under their repeated header
row, and the figures as inline SVG at the page's width. A4 portrait by default, or US Letter.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from tvec.reports.html import Paper, render_html
from tvec.reports.model import Report


class _SvgStyleNoise(logging.Filter):
    """Drops WeasyPrint's warnings about the SVG presentation properties in matplotlib's inline
    figures (``fill``, ``text-anchor`` in a style attribute): its SVG renderer reads them itself,
    only the HTML style parser does not know them, once per text of every figure."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Ignored `") and "unknown property" in message)


_NOISE = _SvgStyleNoise()


def pdf_document(page: Report, paper: Paper = "a4") -> Any:
    """The report laid out in pages (a WeasyPrint document: its ``pages`` and ``write_pdf``)."""
    from weasyprint import HTML

    logger = logging.getLogger("weasyprint")
    if _NOISE not in logger.filters:
        logger.addFilter(_NOISE)
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
