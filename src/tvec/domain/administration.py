"""Whether what a nurse records as given may be recorded against the visit's dose plan.

One check for every way a dose is recorded (the API, the web app, the demo data): the date is
not in the future and the schedule allows it (`record_dose`); each item names a lesion of the
plan, once, with no more than that lesion's band maximum; the visit's total stays within the visit
maximum; and each vial lot is in the centre's stock, of the strength the plan needs, and not
expired on the day. The numbers (band maxima, visit maximum, strength) are the plan's, which the
planner took from the label; the lots come in as plain values, looked up by the caller.

Refusals are `InvalidInput` naming the item (`items[0] (lesion L1)`) and the field, checked in
the order the items were given; the first refusal wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

from tvec.domain.dose_plan import DosePlan
from tvec.domain.errors import InvalidInput
from tvec.domain.rules import LabelRules, VisitKind
from tvec.domain.schedule import Course, record_dose


@dataclass(frozen=True)
class Lot:
    """A vial lot in the centre's stock."""

    lot: str
    pfu_per_ml: int
    expiry_date: date

    def expired_on(self, day: date) -> bool:
        return lot_expired(self.expiry_date, day)


def lot_expired(expiry_date: date, day: date) -> bool:
    """A lot may be used up to and including its expiry date."""
    return expiry_date < day


class OfferableLot(Protocol):
    """What offering a lot needs to know of it (a stock record or a `Lot`)."""

    @property
    def lot(self) -> str: ...
    @property
    def pfu_per_ml(self) -> int: ...
    @property
    def expiry_date(self) -> date: ...


class GivenItem(Protocol):
    """One injection as recorded: the plan's lesion (or cluster) id, the mL given, the lot."""

    @property
    def target(self) -> str: ...
    @property
    def volume_ml(self) -> Decimal: ...
    @property
    def vial_lot(self) -> str: ...


@dataclass(frozen=True)
class Given:
    """A `GivenItem` for callers that have no request object (the demo data, tests)."""

    target: str
    volume_ml: Decimal
    vial_lot: str


def check_administration(
    label: LabelRules,
    schedule: Course,
    plan: DosePlan,
    items: Sequence[GivenItem],
    lots: Mapping[str, Lot],
    *,
    day: date,
    today: date,
    override_reason: str | None = None,
) -> Course:
    """Refuse an administration on `day` that breaks a rule; return the course with the dose.

    `schedule` is the course without this visit's dose; `lots` holds the centre's lots by lot
    number (at least those the items name: a lot missing from it is not in stock).
    """
    if day > today:
        raise InvalidInput("administration", "administered_at", "must not be in the future")
    course = record_dose(
        label,
        schedule,
        day,
        override_reason=override_reason,
        reinitiation=plan.visit is VisitKind.REINITIATION,
    )
    check_against_plan(plan, items, lots, day)
    return course


def check_against_plan(
    plan: DosePlan, items: Sequence[GivenItem], lots: Mapping[str, Lot], day: date
) -> None:
    """The items' lesions, volumes and lots against the plan, then the visit's total."""
    band_max = {injection.lesion_id: injection.band_max_ml for injection in plan.injections}
    seen: set[str] = set()
    checked: set[str] = set()
    for n, item in enumerate(items):
        where = f"items[{n}] (lesion {item.target})"
        _check_item(where, item, band_max, seen)
        seen.add(item.target)
        if item.vial_lot not in checked:  # usually one lot for the whole visit
            _check_lot(where, item.vial_lot, lots.get(item.vial_lot), plan, day)
            checked.add(item.vial_lot)
    total = sum((item.volume_ml for item in items), Decimal(0))
    if total > plan.max_total_volume_ml:
        raise InvalidInput(
            "administration",
            "items",
            f"total {total} mL exceeds the visit maximum of {plan.max_total_volume_ml} mL",
            total,
            label="the lesions'",
        )


def _check_item(
    where: str, item: GivenItem, band_max: Mapping[str, Decimal], seen: set[str]
) -> None:
    if item.target not in band_max:
        raise InvalidInput(where, "target", "is not in this visit's dose plan")
    if item.target in seen:
        raise InvalidInput(where, "target", "is listed twice")
    if item.volume_ml > band_max[item.target]:
        raise InvalidInput(
            where,
            "volume_ml",
            f"exceeds the lesion's maximum of {band_max[item.target]} mL (label volume band)",
            item.volume_ml,
        )


def _check_lot(where: str, name: str, lot: Lot | None, plan: DosePlan, day: date) -> None:
    if lot is None:
        raise InvalidInput(where, "vial_lot", "is not a lot in the centre's stock", name)
    strength = plan.concentration_pfu_per_ml
    if lot.pfu_per_ml != strength:
        raise InvalidInput(
            where,
            "vial_lot",
            f"is {lot.pfu_per_ml:,} PFU/mL but this visit needs {strength:,} PFU/mL",
            name,
        )
    if lot.expired_on(day):
        raise InvalidInput(where, "vial_lot", f"expired on {lot.expiry_date}", name)


L = TypeVar("L", bound=OfferableLot)


def lots_to_offer(lots: Iterable[L], pfu_per_ml: int, day: date) -> list[L]:
    """The lots to offer for a visit on `day`: never an expired one; the visit's strength first,
    then first expiry, first out (the lot expiring soonest first), then by lot number."""
    usable = [lot for lot in lots if not lot_expired(lot.expiry_date, day)]
    return sorted(usable, key=lambda lot: (lot.pfu_per_ml != pfu_per_ml, lot.expiry_date, lot.lot))
