"""A scanned carton: what its GS1 DataMatrix says, checked against the label's strengths.

The carton's barcode carries four GS1 element strings (GS1 General Specifications; FDA DSCSA
product identifier): (01) the GTIN-14 with the NDC inside, (17) the expiry date, (10) the lot and
(21) the serial number. Reading the barcode text is the job of `tvec.interop.gs1`; this module
holds the rules once the values are out: the GTIN's check digit, and which strength of the label
the GTIN names. A carton that fails is refused with `CartonRefused`, whose `reason` is a stable key
and whose message is one line in the pharmacy's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from tvec.domain import product_codes as codes
from tvec.domain.errors import DomainError
from tvec.domain.rules import LabelRules

T = TypeVar("T")

# The element strings a carton must carry: AI -> what the pharmacy calls it.
REQUIRED_AIS = {
    "01": "product code (GTIN, AI 01)",
    "17": "expiry date (AI 17)",
    "10": "lot number (AI 10)",
    "21": "serial number (AI 21)",
}


class CartonRefused(DomainError):
    """A carton barcode that cannot be accepted.

    `reason` is one of: `unreadable` (not GS1 element strings), `missing` (an element string
    absent; `ai` names it), `check-digit` (the GTIN's GS1 check digit fails: a misread),
    `unknown-product` (a GTIN that names no strength of the label).
    """

    code = "carton-refused"

    def __init__(self, reason: str, message: str, **fields: str) -> None:
        super().__init__(message, reason=reason, **fields)
        self.reason = reason


@dataclass(frozen=True)
class Carton:
    """One carton as scanned: the product it is, and its lot, expiry and serial number."""

    gtin: str
    ndc: str  # 10 digits, hyphenated as labelled
    ndc11: str  # the 5-4-2 billing form
    strength_pfu_per_ml: int
    lot: str  # as printed
    expiry: date
    serial: str


def identify_carton(
    label: LabelRules, gtin: str | None, expiry: date | None, lot: str | None, serial: str | None
) -> Carton:
    """The carton these element-string values describe, or `CartonRefused` naming what is wrong."""
    gtin, expiry = _present("01", gtin), _present("17", expiry)
    lot, serial = _present("10", lot), _present("21", serial)
    if not codes.gtin_check_digit_ok(gtin):
        raise CartonRefused(
            "check-digit",
            f"product code {gtin} fails its GS1 check digit: a misread, scan the carton again",
            gtin=gtin,
        )
    strength = codes.strength_for_gtin(label, gtin)
    if strength is None:
        known = ", ".join(f"{s.gtin} ({s.ndc})" for s in label.strengths if s.gtin)
        raise CartonRefused(
            "unknown-product",
            f"product code {gtin} is not an IMLYGIC carton of the {label.title} (known: {known})",
            gtin=gtin,
        )
    return Carton(
        gtin=gtin,
        ndc=strength.ndc,
        ndc11=codes.ndc11(strength.ndc),
        strength_pfu_per_ml=strength.pfu_per_ml,
        lot=lot,
        expiry=expiry,
        serial=serial,
    )


def _present(ai: str, value: T | None) -> T:
    if value is None or value == "":
        raise CartonRefused(
            "missing", f"the barcode has no {REQUIRED_AIS[ai]}: scan the carton's DataMatrix", ai=ai
        )
    return value
