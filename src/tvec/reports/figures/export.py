"""Figures out of matplotlib: SVG text to inline in an HTML page, or a file (PNG, PDF, SVG).

SVG conventions: the root element carries ``role="img"`` and an ``aria-label`` (the title); there
is no XML prolog and no RDF metadata block; every ``id`` is prefixed with the title's slug, so
several figures can share one HTML page. Report figures keep their text as text
(``svg.fonttype = "none"``), so numbers at risk and labels can be searched, read by screen readers
and tested; the patient charts of the web app draw their text as paths, as they always have.

matplotlib is not thread-safe where figures meet shared state: the SVG writer reads its settings
from the process-wide rcParams, and text is measured and drawn with cached font objects. Figures
are built in parallel, but everything that lays out or draws one (``savefig``, ``tight_layout``,
writing PDF pages) runs inside `rendering()`, one figure at a time per process, so a server's
worker threads never see each other's settings or fonts.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_LOCK = threading.RLock()


# Labels are drawn as plain text: a lesion or cohort named "$a^$" is those four characters, not
# a formula for matplotlib's mathtext (which would fail on it, or draw something else).
PLAIN_TEXT: dict[Any, Any] = {"text.parse_math": False, "text.usetex": False}


def _plain_text(fig: Any) -> None:
    """Every text of the figure as plain text (texts made while drawing: by PLAIN_TEXT)."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)


@contextmanager
def rendering(fig: Any = None) -> Iterator[None]:
    """Hold the process's drawing turn while laying out or drawing a figure (see the notes);
    `fig`'s texts, and those made meanwhile, are drawn as plain text."""
    import matplotlib

    with _LOCK, matplotlib.rc_context(PLAIN_TEXT):
        if fig is not None:
            _plain_text(fig)
        yield


def slug(title: str) -> str:
    """The title in lower case with runs of other characters as one hyphen ("figure" if empty)."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "figure"


def figure_svg(fig: Any, title: str, *, text_as_text: bool = True) -> str:
    """`fig` as standalone SVG text with ids prefixed by the title's slug (see the module notes)."""
    import matplotlib

    buffer = io.StringIO()
    fonttype = "none" if text_as_text else "path"
    settings: dict[Any, Any] = {"svg.fonttype": fonttype, "svg.hashsalt": "tvec"}
    with rendering(fig), matplotlib.rc_context(settings):
        fig.savefig(buffer, format="svg", metadata={"Title": title, "Date": None})
    text = buffer.getvalue()
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", text[text.index("<svg") :], flags=re.S)
    prefix = slug(title)
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    svg = svg.replace("url(#", f"url(#{prefix}-").replace('href="#', f'href="#{prefix}-')
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)


def save_figure(fig: Any, path: Path | str, dpi: int = 150) -> None:
    """Write `fig` to `path`; the format (png, pdf, svg) follows the file's suffix."""
    metadata = {"Creator": "tvec"} if str(path).endswith("pdf") else None
    with rendering(fig):
        fig.savefig(str(path), dpi=dpi, metadata=metadata)


__all__ = ["figure_svg", "rendering", "save_figure", "slug"]
