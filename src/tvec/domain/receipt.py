"""Receiving a shipment of cartons: which cartons are refused, and when a shipment is quarantined.

A shipment is received whole or not at all: the first carton that breaks a rule refuses the whole
shipment (`ShipmentRefused`, naming the scan's index and the reason). The rules, in order, for
each carton:

- it was read and names a strength of the label (`tvec.domain.cartons`: unknown product codes and
  failing check digits are refused there; `strength-not-on-label` here for a strength the
  label in use does not have);
- `expired`: its expiry date is before the day of receipt; `expires-soon`: it expires within
  `min_days_to_expiry` days (a setting, tvec's ruling: enough time to use it);
- `duplicate-serial`: its serial number (per GTIN) was received before, or is twice in the
  shipment;
- `lot-case-clash`: its lot is, ignoring letter case, a lot already known (at the centre or
  earlier in the shipment) of another strength; `lot-expiry-clash`: of the same strength, with
  another expiry date. Lot numbers are compared by `lot_key` (surrounding spaces dropped,
  upper case); the lot keeps the text as printed.

The shipping container keeps its temperature for a number of hours after it was sealed (the
label data, [storage] shipping_container_hours). A shipment received later than that is not
refused but quarantined (`quarantine_reason`); a sealing time after the receipt is refused.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tvec.domain.cartons import Carton
from tvec.domain.errors import DomainError, InvalidInput
from tvec.domain.rules import LabelRules


class ShipmentRefused(DomainError):
    """One carton of a shipment breaks a receipt rule: nothing of the shipment is received.

    `index` is the scan's position in the shipment (from 0), `reason` a stable key (see the
    module docstring, and `CartonRefused.reason` for cartons that could not be read).
    """

    code = "shipment-refused"

    def __init__(self, index: int, reason: str, problem: str) -> None:
        super().__init__(
            f"scan {index + 1}: {problem}", index=index, reason=reason, field=f"scans.{index}"
        )
        self.index, self.reason, self.problem = index, reason, problem


@dataclass(frozen=True)
class KnownLot:
    """A lot the centre holds: its number as first recorded, strength and expiry."""

    lot: str
    pfu_per_ml: int
    expiry_date: date


def lot_key(lot: str) -> str:
    """The lot number as compared: `ux8-c11` and ` UX8-C11 ` are the same lot."""
    return lot.strip().upper()


def check_shipment(
    label: LabelRules,
    cartons: Sequence[Carton],
    *,
    today: date,
    min_days_to_expiry: int,
    known_lots: Mapping[str, KnownLot],
    known_serials: Collection[tuple[str, str]],
) -> None:
    """Refuse the shipment at its first carton that breaks a rule (`ShipmentRefused`).

    `known_lots` are the centre's lots by `lot_key`; `known_serials` the (GTIN, serial) pairs
    already received.
    """
    strengths = {s.pfu_per_ml for s in label.strengths}
    lots = dict(known_lots)
    serials = set(known_serials)
    for index, carton in enumerate(cartons):
        problem = _carton_problem(carton, strengths, today, min_days_to_expiry, lots, serials)
        if problem is not None:
            raise ShipmentRefused(index, *problem)
        serials.add((carton.gtin, carton.serial))
        lots.setdefault(
            lot_key(carton.lot), KnownLot(carton.lot, carton.strength_pfu_per_ml, carton.expiry)
        )


def _carton_problem(
    carton: Carton,
    strengths: set[int],
    today: date,
    min_days: int,
    lots: Mapping[str, KnownLot],
    serials: set[tuple[str, str]],
) -> tuple[str, str] | None:
    if carton.strength_pfu_per_ml not in strengths:
        return "strength-not-on-label", f"{_pfu(carton.strength_pfu_per_ml)} is not on the label"
    if carton.expiry < today:
        return "expired", f"lot {carton.lot} expired on {carton.expiry.isoformat()}"
    if carton.expiry < today + timedelta(days=min_days):
        return "expires-soon", (
            f"lot {carton.lot} expires on {carton.expiry.isoformat()}, within {min_days} days"
        )
    if (carton.gtin, carton.serial) in serials:
        return "duplicate-serial", f"serial number {carton.serial} was already received"
    return _lot_problem(carton, lots.get(lot_key(carton.lot)))


def _lot_problem(carton: Carton, known: KnownLot | None) -> tuple[str, str] | None:
    if known is None:
        return None
    if known.pfu_per_ml != carton.strength_pfu_per_ml:
        return "lot-case-clash", (
            f"lot {carton.lot} is lot {known.lot} of {_pfu(known.pfu_per_ml)} already on file; "
            f"a lot has one strength (letter case does not make another lot)"
        )
    if known.expiry_date != carton.expiry:
        return "lot-expiry-clash", (
            f"lot {carton.lot} is on file with expiry {known.expiry_date.isoformat()}, "
            f"this carton says {carton.expiry.isoformat()}"
        )
    return None


def _pfu(pfu_per_ml: int) -> str:
    return f"{pfu_per_ml:,} PFU/mL"


def container_deadline(sealed_at: datetime, container_hours: int) -> datetime:
    """Until when the sealed shipping container keeps its temperature."""
    return sealed_at + timedelta(hours=container_hours)


def quarantine_reason(
    sealed_at: datetime, received_at: datetime, container_hours: int, source: str
) -> str | None:
    """Why a shipment received at `received_at` is quarantined, or None when it is not.

    A sealing time after the receipt is refused (`InvalidInput` on `sealed_at`).
    """
    if sealed_at > received_at:
        raise InvalidInput(
            "shipment", "sealed_at", "is after the time of receipt", label="Container sealed at"
        )
    if received_at <= container_deadline(sealed_at, container_hours):
        return None
    late = received_at - sealed_at
    hours = int(late.total_seconds() // 3600)
    return (
        f"received {hours} h after the shipping container was sealed; it keeps temperature for "
        f"{container_hours} h [{source}]"
    )
