"""The pharmacy's stock: by strength and lot, first expiry first out, expiring soon marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tvec.domain.stock import stock

TODAY = date(2026, 6, 1)
LOW, HIGH = 1_000_000, 100_000_000


@dataclass(frozen=True)
class V:
    serial: str
    lot: str
    pfu_per_ml: int
    expiry_date: date
    status: str = "in_stock"


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def test_lots_are_picked_first_expiry_first_and_vials_by_serial() -> None:
    vials = [
        V("3", "LATE", HIGH, days(300)),
        V("2", "SOON", HIGH, days(20)),
        V("1", "SOON", HIGH, days(20)),
        V("9", "SOON", HIGH, days(20), "thawed"),  # has left the stock
        V("4", "LOW-A", LOW, days(100)),
    ]
    low, high = stock(vials, [LOW, HIGH], TODAY, 60)
    assert [(line.pick, line.lot, line.serials) for line in high.lines] == [
        (1, "SOON", ("1", "2")),
        (2, "LATE", ("3",)),
    ]
    assert (high.in_stock, high.usable, high.earliest_expiry, high.expiring_soon) == (
        3,
        3,
        days(20),
        2,
    )
    assert [line.lot for line in low.lines] == ["LOW-A"]
    assert not low.lines[0].expiring_soon


def test_expired_and_quarantined_lots_are_shown_but_never_picked() -> None:
    vials = [
        V("1", "OLD", LOW, days(-1)),
        V("2", "HELD", LOW, days(10), "quarantined"),
        V("3", "EDGE", LOW, days(60)),  # expires on the window's last day: soon
        V("4", "TODAY", LOW, TODAY),  # usable through its expiry date
    ]
    [low] = stock(vials, [LOW], TODAY, 60)
    assert [(line.lot, line.pick) for line in low.lines] == [
        ("TODAY", 1),
        ("EDGE", 2),
        ("OLD", None),
        ("HELD", None),
    ]
    old = low.lines[2]
    assert (old.expired, old.expiring_soon, old.days_left) == (True, False, -1)
    assert (low.quarantined, low.usable, low.in_stock, low.expiring_soon) == (1, 2, 3, 2)


def test_a_strength_with_nothing_is_shown_empty_and_an_unlisted_one_after() -> None:
    low, high = stock([V("1", "X", HIGH, days(5))], [LOW], TODAY, 0)
    assert (low.pfu_per_ml, low.lines, low.earliest_expiry) == (LOW, (), None)
    assert high.pfu_per_ml == HIGH
    assert not high.lines[0].expiring_soon
