"""An order suggestion per strength from a demand forecast, the stock on hand and the lead time.

The rules, stated in docs/forecast.md (tvec's choices, not label facts):

- **Need**: the upper bound of the 95% interval of the strength's simulated demand over the whole
  horizon (`forecast.SAFETY_LEVEL`); the total of each simulated path, not a sum of weekly bounds.
- **Usable stock**: lots first-expiry-first-out. A lot that expires on or after the horizon's last
  day counts in full. A lot that expires earlier counts only as far as the expected vials of the
  visits on or before its expiry date that earlier-expiring lots have not already covered; the rest
  would expire before use and does not count. An expired lot counts for nothing.
- **Order** = need - usable stock, when positive; it arrives `lead_time_days` after the forecast's
  first day. When the upper 95% bound of the demand of the visits before that arrival exceeds the
  usable stock, the suggestion says stock may run out before the order arrives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from tvec.analytics.forecast import SAFETY_LEVEL, Forecast, band


@dataclass(frozen=True)
class StockLot:
    lot: str
    pfu_per_ml: int
    vials: int
    expiry: date  # the last day the lot may be used


@dataclass(frozen=True)
class OrderSuggestion:
    pfu_per_ml: int
    need: int  # upper bound of the SAFETY_LEVEL interval of the horizon's demand
    expected: float
    in_stock: int
    usable: int  # the stock that can be used before it expires
    expiring_unused: int  # in stock, but expected to expire before it is used
    order_vials: int
    arrives: date
    short_before_arrival: bool
    need_before_arrival: int
    rule: str


RULE = (
    "order = upper {level:.0%} bound of the horizon's demand - stock usable before its expiry "
    "(first-expiry-first-out), never below 0"
)


def suggest_orders(
    forecast: Forecast, stock: Sequence[StockLot], lead_time_days: int
) -> tuple[OrderSuggestion, ...]:
    """One suggestion per strength of the forecast."""
    if lead_time_days < 0:
        raise ValueError(f"lead_time_days must be at least 0, not {lead_time_days}")
    arrives = forecast.as_of + timedelta(days=lead_time_days)
    return tuple(
        _suggest(forecast, total.pfu_per_ml, total.expected, stock, arrives)
        for total in forecast.totals
    )


def _suggest(
    forecast: Forecast, strength: int, expected: float, stock: Sequence[StockLot], arrives: date
) -> OrderSuggestion:
    visits = [v for v in forecast.visits if v.pfu_per_ml == strength]
    lots = sorted((lot for lot in stock if lot.pfu_per_ml == strength), key=lambda x: x.expiry)
    usable = usable_stock(forecast, strength, lots)
    paths = forecast.samples.get(strength, np.zeros((1, 0), dtype=np.int64))
    need = band(paths.sum(axis=1), SAFETY_LEVEL).high
    early = [n for n, v in enumerate(visits) if v.day < arrives]
    need_early = band(paths[:, early].sum(axis=1), SAFETY_LEVEL).high
    usable_early = usable_stock(forecast, strength, lots, until=arrives - timedelta(days=1))
    in_stock = sum(lot.vials for lot in lots if lot.expiry >= forecast.as_of)
    return OrderSuggestion(
        pfu_per_ml=strength,
        need=need,
        expected=expected,
        in_stock=in_stock,
        usable=usable,
        expiring_unused=in_stock - usable,
        order_vials=max(0, need - usable),
        arrives=arrives,
        short_before_arrival=need_early > usable_early,
        need_before_arrival=need_early,
        rule=RULE.format(level=SAFETY_LEVEL),
    )


def usable_stock(
    forecast: Forecast, strength: int, lots: Sequence[StockLot], until: date | None = None
) -> int:
    """Vials of `lots` (sorted by expiry) usable, first-expiry-first-out, by the visits on or
    before `until` (default: the horizon's last day)."""
    last = forecast.end if until is None else until
    visits = [v for v in forecast.visits if v.pfu_per_ml == strength and v.day <= last]
    covered = 0.0
    usable = 0
    for lot in lots:
        if lot.expiry < forecast.as_of:
            continue
        if lot.expiry >= last:
            usable += lot.vials
            continue
        due = sum(v.expected_vials for v in visits if v.day <= lot.expiry)
        counted = min(lot.vials, max(0, int(np.ceil(due - covered - 1e-9))))
        covered += counted
        usable += counted
    return usable
