"""Billing lines for an administered dose: drug units, discarded units and their modifier."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tvec.domain.rules import BillingRules


@dataclass(frozen=True)
class BillingLine:
    hcpcs: str
    units: Decimal
    modifier: str | None
    what: str  # "administered" or "discarded"


@dataclass(frozen=True)
class DoseBilling:
    hcpcs: str
    units_administered: Decimal
    units_discarded: Decimal
    modifier: (
        str  # discarded-drug modifier that the claim needs: JW if anything was discarded, else JZ
    )
    lines: tuple[BillingLine, ...]
    source: str


def units(rules: BillingRules, volume_ml: Decimal, pfu_per_ml: int) -> Decimal:
    """Billing units = mL × PFU/mL ÷ PFU per unit (J9325: 10^6 PFU per unit)."""
    return volume_ml * pfu_per_ml / rules.pfu_per_unit


def bill_dose(
    rules: BillingRules, pfu_per_ml: int, administered_ml: Decimal, discarded_ml: Decimal
) -> DoseBilling:
    """One administered line, plus a separate discarded line with JW; or one line with JZ.

    JW and JZ never stand on the same line.
    """
    given = units(rules, administered_ml, pfu_per_ml)
    wasted = units(rules, discarded_ml, pfu_per_ml)
    if wasted > 0:
        modifier = rules.discarded_modifier
        lines: tuple[BillingLine, ...] = (
            BillingLine(rules.hcpcs, given, None, "administered"),
            BillingLine(rules.hcpcs, wasted, modifier, "discarded"),
        )
    else:
        modifier = rules.nothing_discarded_modifier
        lines = (BillingLine(rules.hcpcs, given, modifier, "administered"),)
    return DoseBilling(rules.hcpcs, given, wasted, modifier, lines, rules.source)
