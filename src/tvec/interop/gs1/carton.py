"""Read the text a barcode scanner gives for a carton's GS1 DataMatrix, with `biip`.

Accepted forms of the same element strings, for example for lot UX8-C11 and serial 1001:

- with parentheses (the human-readable form):
  `(01)00355513078016(17)270630(10)UX8-C11(21)1001`
- without, variable-length fields ended by the group separator (ASCII 29, `\\x1d`):
  `010035551307801617270630` `10UX8-C11` `\\x1d` `211001`
- the same with the separator as a scanner or keyboard wedge prints it: `<GS>` or `{GS}`
- any of these after a symbology identifier (`]d2`, `]C1`, `]Q3`), or with spaces or a newline at
  the ends.

Parsing is biip's (GS1 General Specifications: AI lengths, dates; a day `00` is the last day of the
month). What the values mean for tvec is `tvec.domain.cartons.identify_carton`'s.
"""

from __future__ import annotations

import re

from biip import ParseConfig, ParseError
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message

from tvec.domain.cartons import Carton, CartonRefused, identify_carton
from tvec.domain.rules import LabelRules
from tvec.knowledge import load_label

GS = "\x1d"
PRINTED_GS = re.compile(r"<GS>|\{GS\}|\\x1d|\^\]", re.IGNORECASE)
SYMBOLOGY = re.compile(r"^\](d2|C1|Q3|e0)")
CONFIG = ParseConfig(separator_chars=[GS])


def normalise_scan(text: str) -> str:
    """The scanner's text with printed separators made real and the symbology identifier removed."""
    text = PRINTED_GS.sub(GS, text.strip())
    return SYMBOLOGY.sub("", text).strip(GS + " \r\n\t")


def read_carton(text: str, label: LabelRules | None = None) -> Carton:
    """The carton a scan names, or `CartonRefused` saying in one line what is wrong."""
    scan = normalise_scan(text)
    if not scan:
        raise CartonRefused("unreadable", "the scan is empty: scan the carton's DataMatrix")
    elements = _element_strings(scan)
    expiry = elements.get("17")
    return identify_carton(
        label or load_label("us"),
        gtin=_value(elements.get("01")),
        expiry=expiry.date if expiry else None,
        lot=_value(elements.get("10")),
        serial=_value(elements.get("21")),
    )


def _element_strings(scan: str) -> dict[str, GS1ElementString]:
    try:
        if scan.startswith("("):
            message = GS1Message.parse_hri(scan.replace(GS, ""), config=CONFIG)
        else:
            message = GS1Message.parse(scan, config=CONFIG)
    except ParseError as exc:
        raise CartonRefused("unreadable", _unreadable(str(exc))) from None
    return {element.ai.ai: element for element in message.element_strings}


def _value(element: GS1ElementString | None) -> str | None:
    return element.value if element else None


def _unreadable(problem: str) -> str:
    if "AI (17)" in problem:
        return "the expiry date (AI 17) is not a calendar date YYMMDD: scan the carton again"
    return f"not a GS1 carton barcode ({problem.splitlines()[0].rstrip('.')}): scan the DataMatrix"
