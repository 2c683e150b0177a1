"""Product identifiers on the carton: the NDC as labelled, its billing form and the GS1 GTIN-14.

Conventions (GS1 General Specifications; GS1 US healthcare guideline for the NDC inside a GTIN):

- The NDC as labelled is 10 digits in three hyphenated parts, 4-4-2, 5-3-2 or 5-4-1
  (`55513-078-01`). Its 11-digit billing form is always 5-4-2 (`55513-0078-01`): a leading zero
  is added to the one short part.
- A US pharmaceutical GTIN-14 is the indicator digit `0`, the prefix `03`, the 10 NDC digits
  without hyphens, and the GS1 check digit (`00355513078016`).
- The GS1 check digit: weights 3 and 1 alternate from the rightmost data digit; the digit makes
  the weighted sum a multiple of 10.

The functions are pure; a GTIN is looked up against the label's strengths, never a hard-coded list.
"""

from __future__ import annotations

from tvec.domain.rules import LabelRules, Strength

NDC_PARTS = ((4, 4, 2), (5, 3, 2), (5, 4, 1))
US_GTIN_PREFIX = "003"  # indicator digit 0 + the GS1 US prefix "03" for an NDC


def gs1_check_digit(data: str) -> int:
    """The GS1 check digit of `data` (all the digits before the check digit)."""
    if not data.isdigit():
        raise ValueError(f"GS1 data must be digits, got {data!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


def gtin_check_digit_ok(gtin: str) -> bool:
    """Whether `gtin` (8 to 14 digits) ends with its GS1 check digit."""
    if not (gtin.isdigit() and 8 <= len(gtin) <= 14):
        return False
    return gs1_check_digit(gtin[:-1]) == int(gtin[-1])


def ndc_parts(ndc: str) -> tuple[str, str, str]:
    """The three parts of a labelled 10-digit NDC; `ValueError` when it is not one."""
    parts = tuple(ndc.split("-"))
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"an NDC is three hyphenated groups of digits, got {ndc!r}")
    if tuple(len(p) for p in parts) not in NDC_PARTS:
        raise ValueError(f"an NDC as labelled is 4-4-2, 5-3-2 or 5-4-1 digits, got {ndc!r}")
    return parts[0], parts[1], parts[2]


def ndc11(ndc: str) -> str:
    """The 11-digit 5-4-2 billing form of a labelled NDC: `55513-078-01` → `55513-0078-01`."""
    labeler, product, package = ndc_parts(ndc)
    return f"{labeler:0>5}-{product:0>4}-{package:0>2}"


def ndc10_from_ndc11(billing: str, layout: tuple[int, int, int]) -> str:
    """The labelled NDC from its billing form, given the labelled layout (e.g. (5, 3, 2))."""
    parts = billing.split("-")
    if [len(p) for p in parts] != [5, 4, 2] or not all(p.isdigit() for p in parts):
        raise ValueError(f"an 11-digit NDC is 5-4-2 digits, got {billing!r}")
    if layout not in NDC_PARTS:
        raise ValueError(f"an NDC layout is one of {NDC_PARTS}, got {layout}")
    cut = [p[len(p) - n :] for p, n in zip(parts, layout, strict=True)]
    if any(p[: len(p) - n].strip("0") for p, n in zip(parts, layout, strict=True)):
        raise ValueError(f"{billing!r} does not fit the NDC layout {layout}")
    return "-".join(cut)


def gtin_for_ndc(ndc: str) -> str:
    """The GTIN-14 that carries a labelled NDC: `55513-078-01` → `00355513078016`."""
    data = US_GTIN_PREFIX + "".join(ndc_parts(ndc))
    return data + str(gs1_check_digit(data))


def ndc_digits_in_gtin(gtin: str) -> str | None:
    """The 10 NDC digits inside a US pharmaceutical GTIN-14, or None when it carries no NDC."""
    if len(gtin) != 14 or not gtin.startswith(US_GTIN_PREFIX) or not gtin.isdigit():
        return None
    return gtin[3:13]


def strength_for_gtin(label: LabelRules, gtin: str) -> Strength | None:
    """The label's strength whose carton carries `gtin`, or None when the label has none."""
    return next((s for s in label.strengths if s.gtin is not None and s.gtin == gtin), None)
