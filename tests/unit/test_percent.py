"""How percentages are shown (tvec.domain.percent): changes towards zero, shares to the nearest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tvec.domain.percent import pct_text, share_text, shown_pct, shown_share

# value, shown: a percent change never reads across the PR (-50%) or PD (+25%) threshold
CHANGES = [
    ("-49.96", "-49.9"),  # stable disease: not "-50.0"
    ("24.96", "24.9"),  # not progression: not "+25.0"
    ("-50.04", "-50.0"),  # a PR still reads at the threshold
    ("-50", "-50.0"),
    ("25.0499", "25.0"),
    ("-0.04", "0.0"),  # no "-0.0"
    ("-74.578313", "-74.5"),
]


@pytest.mark.parametrize(("value", "shown"), CHANGES)
def test_a_percent_change_is_rounded_towards_zero(value: str, shown: str) -> None:
    assert str(shown_pct(Decimal(value))) == shown
    assert str(shown_pct(float(value))) == shown  # the analytics' floats read the same


def test_percent_change_text_is_signed() -> None:
    assert pct_text(Decimal("-49.96")) == "-49.9%"
    assert pct_text(Decimal("24.96")) == "+24.9%"
    assert pct_text(Decimal("-0.01")) == "+0.0%"
    assert pct_text(None) == "–"
    assert pct_text(None, absent="") == ""


def test_a_share_is_rounded_to_the_nearest() -> None:
    assert shown_share(Decimal(2) / Decimal(3)) == Decimal("0.667")
    assert shown_share(1 / 3) == Decimal("0.333")
    assert share_text(Decimal(2) / Decimal(3)) == "66.7%"
    assert share_text(Decimal(1)) == "100.0%"
