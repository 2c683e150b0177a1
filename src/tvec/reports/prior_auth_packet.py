"""The prior-authorization packet: a cover letter, the policy's criteria with the chart's evidence
for each, the lesion table, the planned visits and units, as HTML and as a PDF (WeasyPrint).

The content is the service's `Packet` (`tvec.services.prior_auth`), read by the Jinja2 template
``tvec/reports/templates/prior_auth_packet.html``; nothing is fetched.
"""

from __future__ import annotations

from functools import cache
from typing import Any


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


def _units(value: Any) -> str:
    """A quantity as a person reads it: 10004, 2.5 (not 10004.00, 4E+2)."""
    return f"{value.normalize():f}"


def _met(value: bool | None) -> str:
    return {True: "Met", False: "Not met", None: "Not known"}[value]


def packet_html(packet: Any) -> str:
    """The packet as one self-contained HTML page."""
    template = _environment().get_template("prior_auth_packet.html")
    return str(template.render(p=packet, met=_met, units=_units))


def packet_pdf(packet: Any) -> bytes:
    """The packet as a PDF (A4), rendered by WeasyPrint from the same HTML."""
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=packet_html(packet)).write_pdf()
    return pdf
