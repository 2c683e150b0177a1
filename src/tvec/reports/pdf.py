"""The PDF edition of a report: A4 landscape pages of text and tables around the figures.

Pages are matplotlib figures written with matplotlib's PdfPages (no other dependency): a cover
page, the response and comparison tables, every figure, the other tables and the methods.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tvec.reports.figures.export import rendering
from tvec.reports.figures.style import INK, MUTED, new_figure
from tvec.reports.model import Report


def text_figure(title: str, paragraphs: Sequence[str]) -> Any:
    """A page (A4 landscape) of wrapped paragraphs under a title, for PDF reports."""
    import textwrap

    fig = new_figure(11.69, 8.27)
    fig.text(0.05, 0.93, title, fontsize=15, color=INK, va="top")
    y = 0.86
    for paragraph in paragraphs:
        lines = textwrap.wrap(paragraph, 150) or [""]
        fig.text(0.05, y, "\n".join(lines), fontsize=9, color=INK, va="top", linespacing=1.4)
        y -= 0.024 * len(lines) + 0.02
    return fig


def table_figure(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], note: str = ""
) -> Any:
    """A page (A4 landscape) holding a titled table, for PDF reports.

    Cells may hold several lines (``"\\n"``); columns are as wide as their longest line and the
    font shrinks (down to 5 pt) until the table fits the page's width.
    """
    import textwrap

    fig = new_figure(11.69, 8.27)
    ax = fig.add_axes((0.04, 0.1, 0.92, 0.8))
    ax.axis("off")
    fig.text(0.04, 0.94, title, fontsize=14, color=INK, va="top")
    if rows:
        cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
        widths = [max(len(line) for line in cell.split("\n")) + 2 for cell in cells[0]]
        for row in cells[1:]:
            widths = [
                max(w, *(len(line) + 2 for line in cell.split("\n")))
                for w, cell in zip(widths, row, strict=True)
            ]
        total = sum(widths)
        fontsize = max(5.0, min(9.0, 0.92 * 11.69 * 72 / (0.58 * total)))
        table = ax.table(
            cellText=cells[1:],
            colLabels=cells[0],
            colWidths=[w / total for w in widths],
            loc="upper left",
            cellLoc="left",
            colLoc="left",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(fontsize)
        line = fontsize * 1.45 / 72 / (0.8 * 8.27)  # one text line, in axes height
        for (row, _col), cell in table.get_celld().items():
            count = max(c.count("\n") + 1 for c in cells[row])
            cell.set_height(line * (count + 0.6))
            cell.set_edgecolor("#d1d9e0")
            cell.PAD = 0.02
            if row == 0:
                cell.set_facecolor("#f6f8fa")
                cell.set_text_props(fontweight="bold")
    if note:
        fig.text(
            0.04, 0.07, "\n".join(textwrap.wrap(note, 190)), fontsize=7.5, color=MUTED, va="top"
        )
    return fig


def pdf_pages(page: Report) -> list[Any]:
    """The report's pages, in order, as figures."""
    first = text_figure(
        page.title,
        [
            page.description,
            f"Generated {page.generated}; criteria {page.criteria.name}.",
            *page.cohort_notes,
            *(f"Left out: {count} × {reason}." for reason, count in page.excluded),
            page.disclaimer,
            _synthetic_text(page.synthetic),
        ],
    )
    tables = [table_figure(t.caption, t.header, t.rows, t.note) for t in page.tables.values()]
    methods = text_figure("Methods", [f"{head}. {text}" for head, text in page.methods if text])
    return [first, tables[0], tables[1], *(f.figure for f in page.figures), *tables[2:], methods]


def _synthetic_text(synthetic: bool | None) -> str:
    if synthetic:
        return "Synthetic data: these patients are invented; the figures describe a simulation."
    return (
        "If this cohort was made by `tvec synth` or `tvec db demo`, its patients are invented "
        "(synthetic data): the figures then describe a simulation, not patients."
    )


def write_pdf(page: Report, target: Path | str | io.BytesIO) -> None:
    """Write the report's PDF to a file name or a binary buffer."""
    from matplotlib.backends.backend_pdf import PdfPages

    metadata = {"Title": page.title, "Creator": "tvec report"}
    with rendering(), PdfPages(target, metadata=metadata) as document:
        for figure in pdf_pages(page):
            with rendering(figure):  # its labels as plain text (the turn is held already)
                document.savefig(figure)


def pdf_bytes(page: Report) -> bytes:
    """The report's PDF as bytes (for a download)."""
    buffer = io.BytesIO()
    write_pdf(page, buffer)
    return buffer.getvalue()


__all__ = ["pdf_bytes", "pdf_pages", "table_figure", "text_figure", "write_pdf"]
