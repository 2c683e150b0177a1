"""Billing lines for an administered dose: whole drug units, discarded units and their modifier.

Units on a claim line are whole (`BillingRules.units_source`): the administered amount is rounded
up to the next whole unit; the discarded line (JW) carries the whole units left of the vials
thawed and exists only when at least `min_discarded_units` were discarded; otherwise the single
administered line carries JZ. JW and JZ never stand on the same line. Nothing administered, no line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from tvec.domain.rules import BillingRules


@dataclass(frozen=True)
class BillingLine:
    hcpcs: str
    units: Decimal  # whole units
    modifier: str | None
    what: str  # "administered" or "discarded"


@dataclass(frozen=True)
class DoseBilling:
    hcpcs: str
    units_administered: Decimal  # whole units billed as administered
    units_discarded: Decimal  # whole units billed as discarded (0 when there is no JW line)
    # The discarded-drug modifier the claim needs: JW when a discarded line exists, else JZ;
    # None when nothing was administered (no line at all).
    modifier: str | None
    lines: tuple[BillingLine, ...]
    source: str


def units(rules: BillingRules, volume_ml: Decimal, pfu_per_ml: int) -> Decimal:
    """Exact billing units before rounding = mL × PFU/mL ÷ PFU per unit (J9325: 10^6 PFU)."""
    return volume_ml * pfu_per_ml / rules.pfu_per_unit


def bill_dose(
    rules: BillingRules, pfu_per_ml: int, administered_ml: Decimal, discarded_ml: Decimal
) -> DoseBilling:
    """The claim lines for a dose of `administered_ml` from vials holding that plus `discarded_ml`.

    Administered units are rounded up to a whole unit; the discarded line carries the whole units
    left of the thawed vials (thawed units − billed administered units) and exists only when at
    least `rules.min_discarded_units` were discarded; otherwise the single line carries JZ.
    """
    source = f"{rules.source}; {rules.units_source}"
    if administered_ml <= 0:
        return DoseBilling(rules.hcpcs, Decimal(0), Decimal(0), None, (), source)
    given = units(rules, administered_ml, pfu_per_ml).to_integral_value(ROUND_CEILING)
    thawed = units(rules, administered_ml + discarded_ml, pfu_per_ml)
    left = max(thawed - given, Decimal(0)).to_integral_value(ROUND_FLOOR)
    if left >= rules.min_discarded_units:
        modifier = rules.discarded_modifier
        lines: tuple[BillingLine, ...] = (
            BillingLine(rules.hcpcs, given, None, "administered"),
            BillingLine(rules.hcpcs, left, modifier, "discarded"),
        )
        return DoseBilling(rules.hcpcs, given, left, modifier, lines, source)
    modifier = rules.nothing_discarded_modifier
    lines = (BillingLine(rules.hcpcs, given, modifier, "administered"),)
    return DoseBilling(rules.hcpcs, given, Decimal(0), modifier, lines, source)
