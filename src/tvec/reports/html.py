"""The report as HTML: one self-contained page, or its content to place inside another page.

The page is the Jinja2 template ``tvec/reports/templates/report.html`` (inline CSS and SVG,
nothing fetched); its content (``_report_body.html``) is shared with the web app's report page,
which shows it under the app's own header and styles.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tvec.reports.model import Report


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("tvec.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(page: Report) -> str:
    """The report as one self-contained HTML page."""
    return str(_environment().get_template("report.html").render(page=page))


def render_body(page: Report) -> str:
    """The report's content (notices, contents, sections) without a page around it."""
    return str(_environment().get_template("_report_body.html").render(page=page))


__all__ = ["render_body", "render_html"]
