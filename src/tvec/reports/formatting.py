"""How numbers read in a report: percentages, intervals, medians, p-values and ratios.

Every function returns text; an absent value is a dash (`DASH`) and an unreached median is
"not reached".
"""

from __future__ import annotations

import math

from tvec.analytics.endpoints import ArmEndpoints
from tvec.analytics.intervals import Interval
from tvec.analytics.proportions import ProportionEstimate
from tvec.analytics.survival import MedianSurvival
from tvec.reports.shaping import DASH


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def ci_range(ci: Interval | None, scale: float = 100.0, digits: int = 1) -> str:
    if ci is None:
        return DASH
    return f"{scale * ci.low:.{digits}f}–{scale * ci.high:.{digits}f}"


def rate(p: ProportionEstimate) -> str:
    return (
        f"{p.events}/{p.n} ({pct(p.rate)})\nWilson {ci_range(p.wilson)}; exact {ci_range(p.exact)}"
    )


def count(events: int, n: int) -> str:
    return f"{events} ({pct(events / n)})" if n else DASH


def months_text(value: float | None) -> str:
    return "not reached" if value is None or not math.isfinite(value) else f"{value:.1f}"


def median_text(median: MedianSurvival) -> str:
    if median.estimate is None:
        return "not reached"
    return f"{median.estimate:.1f} ({months_text(median.low)} to {months_text(median.high)})"


def p_value(value: float | None) -> str:
    if value is None:
        return DASH
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}"


def ratio(estimate: float | None, ci: Interval | None) -> str:
    if estimate is None or ci is None:
        return "not estimable"
    return f"{estimate:.2f} ({ci.low:.2f}–{ci.high:.2f})"


def landmark(arm: ArmEndpoints, k: int) -> str:
    value = float(arm.os_landmarks.survival[k])
    if not math.isfinite(value):
        return "beyond follow-up"
    low, high = float(arm.os_landmarks.lower[k]), float(arm.os_landmarks.upper[k])
    return f"{pct(value)} ({100 * low:.1f}–{100 * high:.1f})"


__all__ = [
    "DASH",
    "ci_range",
    "count",
    "landmark",
    "median_text",
    "months_text",
    "p_value",
    "pct",
    "rate",
    "ratio",
]
