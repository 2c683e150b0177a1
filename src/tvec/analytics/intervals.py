"""Small shared pieces: the confidence interval value and the normal quantile for a given alpha."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided confidence interval ``[low, high]`` at the confidence level ``1 - alpha``."""

    low: float
    high: float

    def as_list(self) -> list[float]:
        """``[low, high]``, the form written to JSON."""
        return [self.low, self.high]


def check_alpha(alpha: float) -> float:
    """`alpha` as a float, refusing values outside the open interval (0, 1)."""
    value = float(alpha)
    if not 0.0 < value < 1.0 or math.isnan(value):
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    return value


def normal_quantile(alpha: float) -> float:
    """The two-sided critical value ``z`` with ``P(|Z| > z) = alpha`` (1.959964… for 0.05)."""
    return float(stats.norm.isf(check_alpha(alpha) / 2.0))


def log_scale_interval(estimate: float, log_se: float, alpha: float) -> Interval:
    """``exp(log(estimate) ± z·se)``: the usual interval for a ratio measure."""
    z = normal_quantile(alpha)
    centre = math.log(estimate)
    return Interval(math.exp(centre - z * log_se), math.exp(centre + z * log_se))
