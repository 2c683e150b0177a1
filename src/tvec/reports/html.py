"""The report as HTML: one self-contained page, or its content to place inside another page.

The page is the Jinja2 template ``tvec/reports/templates/report.html`` (inline CSS and SVG,
nothing fetched); its content (``_report_body.html``) is shared with the web app's report page,
which shows it under the app's own header and styles. The PDF (`tvec.reports.pdf`) is this same
page printed: its print rules make the title page, contents, running headers and page numbers.

The contents are made from the content's sections: every ``<section id=…>`` whose first element
is an ``<h2>`` is listed, in order, under its heading, so a section added to the template is
listed without being named twice.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from tvec.reports.model import Report

Paper = Literal["a4", "letter"]
PAPERS: tuple[Paper, ...] = ("a4", "letter")
# The print rule for each paper size (the page's own rules say A4; Letter overrides them).
PAPER_CSS: dict[Paper, str] = {"a4": "", "letter": "@page { size: letter portrait; }"}

CONTENTS_MARK = "<!-- contents -->"
_SECTION = re.compile(r'<section id="([^"]+)"[^>]*>\s*<h2[^>]*>(.*?)</h2>', re.S)
_TAG = re.compile(r"<[^>]+>")


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


def contents(html: str) -> str:
    """The links to the sections of `html` (``<a href="#id">heading</a>``, one a line)."""
    links = []
    for anchor, heading in _SECTION.findall(html):
        text = " ".join(_TAG.sub("", heading).split())
        links.append(f'<a href="#{anchor}">{text}</a>')
    return "\n".join(links)


def _with_contents(html: str) -> str:
    return html.replace(CONTENTS_MARK, contents(html), 1)


def synthetic_words(synthetic: bool | None) -> str:
    """What the title page says about whether the patients are real."""
    if synthetic:
        return "Synthetic data: the patients are invented."
    return "Not marked as synthetic by whoever gathered it."


def render_html(page: Report, paper: Paper = "a4") -> str:
    """The report as one self-contained HTML page (printed on `paper` by a browser or the PDF)."""
    template = _environment().get_template("report.html")
    html = template.render(
        page=page, paper_css=PAPER_CSS[paper], synthetic_words=synthetic_words(page.synthetic)
    )
    return _with_contents(str(html))


def render_body(page: Report) -> str:
    """The report's content (notices, contents, sections) without a page around it."""
    return _with_contents(str(_environment().get_template("_report_body.html").render(page=page)))


__all__ = ["PAPERS", "Paper", "contents", "render_body", "render_html"]
