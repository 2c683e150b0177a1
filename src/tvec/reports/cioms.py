"""A CIOMS I-style form of one adverse event, as a PDF (WeasyPrint), from a de-identified case.

The sections follow the CIOMS I form (Council for International Organizations of Medical
Sciences): I reaction information, II suspect drug information, III concomitant drugs and
history, IV manufacturer information. It is a print of the same `tvec.interop.e2b.SafetyCase` the
E2B(R3)-shaped XML is written from, so it holds no more than the XML: the patient's initials and
date of birth are left blank (masked), the age at onset and sex are given. It is laid out like
the form, not the official form itself.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tvec.interop.e2b import SafetyCase
from tvec.interop.e2b.writer import strength


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


def cioms_html(case: SafetyCase) -> str:
    """The form as an HTML page (A4, print styles)."""
    return str(_environment().get_template("cioms.html").render(case=case, strength=strength))


def cioms_pdf(case: SafetyCase) -> bytes:
    """The form as a PDF."""
    import weasyprint

    return bytes(weasyprint.HTML(string=cioms_html(case)).write_pdf())


__all__ = ["cioms_html", "cioms_pdf"]
