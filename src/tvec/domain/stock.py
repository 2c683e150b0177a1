"""The pharmacy's stock: vials in the freezer by strength, lot and expiry, in picking order.

Conventions (tvec's rulings; docs/clinical-choices.md):

- Stock is the vials in stock or quarantined (thawed, emptied and discarded vials have left it).
  A lot's line counts both; only its vials in stock may be picked.
- Picking order is first expiry, first out: the order `tvec.domain.administration.lots_to_offer`
  gives the bedside (soonest expiry first, then by lot number; never an expired lot). Within a
  lot, vials are picked by serial number. A line with nothing to pick (expired, or all its vials
  quarantined) has no place in the order.
- A lot is *expiring soon* when it may still be used (up to and including its expiry date) and
  expires within the window (the setting `TVEC_STOCK_EXPIRY_WINDOW_DAYS`): `expiry − today ≤
  window`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from tvec.domain.administration import lot_expired, lots_to_offer

IN_STOCK, QUARANTINED = "in_stock", "quarantined"


class StockVial(Protocol):
    @property
    def serial(self) -> str: ...
    @property
    def lot(self) -> str: ...
    @property
    def pfu_per_ml(self) -> int: ...
    @property
    def expiry_date(self) -> date: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class StockLine:
    """One lot of one strength in the freezer."""

    pfu_per_ml: int
    lot: str
    expiry_date: date
    in_stock: int
    quarantined: int
    serials: tuple[str, ...]  # the vials in stock, in picking order
    days_left: int  # expiry − today (negative: expired)
    expired: bool
    expiring_soon: bool
    pick: int | None = None  # 1: pick from this lot first; None: not to be picked


@dataclass(frozen=True)
class StrengthStock:
    """One strength's stock: its lots in picking order, then those not to be picked."""

    pfu_per_ml: int
    lines: tuple[StockLine, ...]

    @property
    def in_stock(self) -> int:
        return sum(line.in_stock for line in self.lines)

    @property
    def quarantined(self) -> int:
        return sum(line.quarantined for line in self.lines)

    @property
    def usable(self) -> int:
        """Vials that may be picked today."""
        return sum(line.in_stock for line in self.lines if line.pick is not None)

    @property
    def earliest_expiry(self) -> date | None:
        """The expiry of the lot to pick first (None: nothing to pick)."""
        return next((line.expiry_date for line in self.lines if line.pick is not None), None)

    @property
    def expiring_soon(self) -> int:
        """Vials in stock of lots expiring within the window."""
        return sum(line.in_stock for line in self.lines if line.expiring_soon)


def stock(
    vials: Iterable[StockVial], strengths: Sequence[int], today: date, window_days: int
) -> tuple[StrengthStock, ...]:
    """The stock of each strength (the label's `strengths` first, as given, then any other)."""
    groups: dict[tuple[int, str, date], list[StockVial]] = {}
    for vial in vials:
        if vial.status in (IN_STOCK, QUARANTINED):
            groups.setdefault((vial.pfu_per_ml, vial.lot, vial.expiry_date), []).append(vial)
    lines = [_line(key, group, today, window_days) for key, group in groups.items()]
    shown = [*strengths, *sorted({line.pfu_per_ml for line in lines} - set(strengths))]
    return tuple(_strength(s, [ln for ln in lines if ln.pfu_per_ml == s], today) for s in shown)


def _line(
    key: tuple[int, str, date], vials: list[StockVial], today: date, window_days: int
) -> StockLine:
    pfu_per_ml, lot, expiry = key
    serials = sorted(v.serial for v in vials if v.status == IN_STOCK)
    expired = lot_expired(expiry, today)
    days_left = (expiry - today).days
    return StockLine(
        pfu_per_ml=pfu_per_ml,
        lot=lot,
        expiry_date=expiry,
        in_stock=len(serials),
        quarantined=len(vials) - len(serials),
        serials=tuple(serials),
        days_left=days_left,
        expired=expired,
        expiring_soon=not expired and days_left <= window_days,
    )


def _strength(pfu_per_ml: int, lines: list[StockLine], today: date) -> StrengthStock:
    pickable = [line for line in lines if line.in_stock]
    ordered = [
        replace(line, pick=n)
        for n, line in enumerate(lots_to_offer(pickable, pfu_per_ml, today), 1)
    ]
    picked = {(line.lot, line.expiry_date) for line in ordered}
    rest = sorted(
        (line for line in lines if (line.lot, line.expiry_date) not in picked),
        key=lambda line: (line.expiry_date, line.lot),
    )
    return StrengthStock(pfu_per_ml, (*ordered, *rest))
