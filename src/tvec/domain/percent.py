"""How a percent change and a share are shown: the one rounding every screen uses.

A percent change (of the sum of products, or of a lesion) is compared with the response
thresholds, so it is shown to one decimal place rounded **towards zero**: a value never reads
across a threshold. The thresholds (50% below baseline, 25% above the nadir) are whole tenths, so
−49.96% (stable disease) reads −49.9%, not −50.0%, and +24.96% reads +24.9%, not +25.0%, while a
value at or beyond a threshold still reads at or beyond it (−50.04% reads −50.0%).

A share (e.g. the share of lesions that shrank) is compared with no threshold and is shown
rounded to the nearest (0.667, 66.7%).

`tvec assess`, the API's response (`GET /patients/{id}/response`) and the web response page round
here and nowhere else; the engines keep the exact values.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

__all__ = ["PCT_PLACES", "SHARE_PLACES", "pct_text", "share_text", "shown_pct", "shown_share"]

PCT_PLACES = 1  # percentages are shown to one decimal place
SHARE_PLACES = 3  # a share (a fraction of 1) to three: the precision of its percentage
_PCT_STEP = Decimal(1).scaleb(-PCT_PLACES)
_SHARE_STEP = Decimal(1).scaleb(-SHARE_PLACES)
_HUNDRED = Decimal(100)


def _decimal(value: Decimal | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def shown_pct(value: Decimal | float) -> Decimal:
    """A percent change to one decimal place, rounded towards zero (never "-0.0")."""
    shown = _decimal(value).quantize(_PCT_STEP, rounding=ROUND_DOWN)
    return shown if shown else abs(shown)


def pct_text(value: Decimal | float | None, *, absent: str = "–") -> str:
    """A percent change as text with its sign, e.g. "-49.9%", "+24.9%" (`absent` if none)."""
    return absent if value is None else f"{shown_pct(value):+}%"


def shown_share(value: Decimal | float) -> Decimal:
    """A share (0 to 1) to three decimal places, rounded to the nearest (0.6666… -> 0.667)."""
    return _decimal(value).quantize(_SHARE_STEP, rounding=ROUND_HALF_EVEN)


def share_text(value: Decimal | float) -> str:
    """A share as a percentage to one decimal place, e.g. 2/3 -> "66.7%"."""
    return f"{(_decimal(value) * _HUNDRED).quantize(_PCT_STEP, rounding=ROUND_HALF_EVEN)}%"
