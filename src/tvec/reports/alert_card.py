"""The patient alert card as HTML and as a PDF (WeasyPrint): a wallet card or an A4 print page.

The content (`AlertCardContent`) is gathered by `tvec.services.alert_cards` from the records and
the knowledge data; this module only lays it out. The wallet card is credit-card size (ISO/IEC
7810 ID-1, 85.6 × 54 mm) with a front (who, centre, contact, first dose, what to tell other
doctors) and a back (the warnings); the A4 page prints both sides, to cut out, with the warnings
at a readable size beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal

Size = Literal["wallet", "a4"]
SIZES: tuple[Size, ...] = ("wallet", "a4")
# Page sizes in millimetres (width, height).
PAGE_MM: dict[Size, tuple[float, float]] = {"wallet": (85.6, 54.0), "a4": (210.0, 297.0)}


@dataclass(frozen=True)
class AlertCardContent:
    patient_name: str
    centre_name: str
    centre_phone: str | None
    centre_address: str | None
    product: str
    active_substance: str
    product_description: str
    first_dose_on: date
    issued_on: date
    tell_other_doctors: str
    warnings: tuple[str, ...]
    sources: tuple[str, ...]  # the label sections the card's texts were written from


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


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def card_html(card: AlertCardContent, size: Size = "wallet") -> str:
    """The card as one self-contained HTML page laid out for `size`."""
    width, height = PAGE_MM[size]
    template = _environment().get_template("alert_card.html")
    return str(template.render(card=card, size=size, width=width, height=height, day=_day))


def card_pdf(card: AlertCardContent, size: Size = "wallet") -> bytes:
    """The card as a PDF (WeasyPrint): two wallet-size pages (front, back) or one A4 page."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=card_html(card, size)).write_pdf()
    return pdf


__all__ = ["SIZES", "AlertCardContent", "Size", "card_html", "card_pdf"]
