"""Reading a report's PDF the way a reader does: its pages' sizes and the words on each page.

There is no PDF text extractor in the venv (WeasyPrint writes text as font glyphs), so the words
are read from WeasyPrint's own laid-out pages (`tvec.reports.pdf_document`), the same layout its
`write_pdf` draws; the pages' sizes of a PDF file are read from its MediaBoxes
(`tests.support.alert_card.pdf_pages`).
"""

from __future__ import annotations

from typing import Any

from tests.support.alert_card import A4_PT, pdf_pages

__all__ = ["A4_PT", "LETTER_PT", "page_sizes_pt", "page_texts", "pdf_pages"]

LETTER_PT = (612.0, 792.0)
PX_PER_PT = 96 / 72  # WeasyPrint's page sizes are in CSS pixels


def page_texts(document: Any) -> list[list[str]]:
    """Each page's text pieces in reading order (the margin boxes' after the page's own)."""
    pages = []
    for page in document.pages:
        texts: list[str] = []
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            text = getattr(box, "text", None)
            if isinstance(text, str):
                texts.append(text)
            stack.extend(reversed(getattr(box, "children", None) or []))
        pages.append(texts)
    return pages


def page_sizes_pt(document: Any) -> list[tuple[float, float]]:
    """Each page's (width, height) in points."""
    return [(round(p.width / PX_PER_PT, 2), round(p.height / PX_PER_PT, 2)) for p in document.pages]
