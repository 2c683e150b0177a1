"""Confidence intervals for a risk difference ``p1 - p2`` of two independent proportions.

Six methods, so that a published table can be reproduced with the method its authors used:

==================== ==========================================================================
``wald``             ``d ± z·sqrt(p1q1/n1 + p2q2/n2)`` (Newcombe 1998, method 1) [1]_
``wald-cc``          the same widened by ``(1/n1 + 1/n2) / 2`` (Newcombe 1998, method 2) [1]_
``newcombe``         hybrid score: Wilson limits of each rate combined (method 10) [1]_
``newcombe-cc``      the same with continuity-corrected Wilson limits (method 11) [1]_
``agresti-caffo``    Wald after adding one success and one failure to each arm [2]_
``miettinen-nurminen`` inversion of the score statistic with the restricted maximum-likelihood
                     variance times ``N / (N - 1)``, ``N = n1 + n2`` [3]_
==================== ==========================================================================

Every interval is clipped to [-1, 1] (the Wald-type formulas can stray outside it; the truth
cannot). The closed-form methods take NumPy arrays of counts and work element-wise; the
Miettinen–Nurminen limits are found by Brent's method on each side of the estimate, one table at
a time, since each limit solves its own equation.

A note for anyone comparing with statsmodels: its ``score`` interval for a difference
(``confint_proportions_2indep(method="score")``, version 0.15) solves the restricted-estimate cubic
with one wrong coefficient (``count0`` where ``nobs0`` belongs), so it differs from the
Miettinen–Nurminen interval here in the second or third decimal; the estimate here maximises
the likelihood (the tests check it against a direct maximisation).

References
----------
.. [1] Newcombe, R. G. (1998). Interval estimation for the difference between independent
   proportions: comparison of eleven methods. Statistics in Medicine 17, 873–890.
.. [2] Agresti, A., Caffo, B. (2000). Simple and effective confidence intervals for proportions
   and differences of proportions result from adding two successes and two failures.
   The American Statistician 54, 280–288.
.. [3] Miettinen, O., Nurminen, M. (1985). Comparative analysis of two rates. Statistics in
   Medicine 4, 213–226.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from tvec.analytics.intervals import normal_quantile

RdMethod = Literal[
    "wald", "wald-cc", "newcombe", "newcombe-cc", "agresti-caffo", "miettinen-nurminen"
]
RD_METHODS: Final[tuple[RdMethod, ...]] = (
    "wald",
    "wald-cc",
    "newcombe",
    "newcombe-cc",
    "agresti-caffo",
    "miettinen-nurminen",
)
DEFAULT_RD_METHOD: Final[RdMethod] = "newcombe"

# How each method is named, and the publication that defines it, in text a reader sees.
RD_METHOD_NAMES: Final[dict[RdMethod, str]] = {
    "wald": "Wald",
    "wald-cc": "Wald with continuity correction",
    "newcombe": "Newcombe hybrid score",
    "newcombe-cc": "Newcombe hybrid score with continuity correction",
    "agresti-caffo": "Agresti–Caffo",
    "miettinen-nurminen": "Miettinen–Nurminen score",
}
_NEWCOMBE = "Newcombe, Stat Med 1998;17:873–90"
RD_METHOD_REFERENCES: Final[dict[RdMethod, str]] = {
    "wald": f"{_NEWCOMBE}, method 1",
    "wald-cc": f"{_NEWCOMBE}, method 2",
    "newcombe": f"{_NEWCOMBE}, method 10",
    "newcombe-cc": f"{_NEWCOMBE}, method 11",
    "agresti-caffo": "Agresti & Caffo, Am Stat 2000;54:280–8",
    "miettinen-nurminen": "Miettinen & Nurminen, Stat Med 1985;4:213–26",
}


def method_title(method: str) -> str:
    """``"<name> (<reference>)"``, e.g. ``Agresti–Caffo (Agresti & Caffo, Am Stat 2000;…)``."""
    chosen = check_method(method)
    return f"{RD_METHOD_NAMES[chosen]} ({RD_METHOD_REFERENCES[chosen]})"


Floats = NDArray[np.float64]
_EDGE: Final = 1e-12  # how close to -1 and +1 the root search starts
_RTOL: Final = 4 * float(np.finfo(float).eps)


def check_method(method: str) -> RdMethod:
    """`method` if it is one of `RD_METHODS`, else a `ValueError` listing the allowed values."""
    if method not in RD_METHODS:
        allowed = ", ".join(RD_METHODS)
        raise ValueError(f"unknown risk-difference method {method!r}; use one of: {allowed}")
    return method


def _arrays(x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike) -> list[Floats]:
    arrays = [np.asarray(v, dtype=float) for v in np.broadcast_arrays(x1, n1, x2, n2)]
    e1, m1, e2, m2 = arrays
    if np.any(m1 < 1) or np.any(m2 < 1):
        raise ValueError("each arm needs at least 1 patient")
    if np.any((e1 < 0) | (e1 > m1) | (e2 < 0) | (e2 > m2)):
        raise ValueError("events must lie between 0 and the number of patients")
    return arrays


def _clip(low: Floats, high: Floats) -> tuple[Floats, Floats]:
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)


def _wald(
    x1: Floats, n1: Floats, x2: Floats, n2: Floats, z: float, cc: bool
) -> tuple[Floats, Floats]:
    p1, p2 = x1 / n1, x2 / n2
    half = z * np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    if cc:
        half = half + 0.5 * (1 / n1 + 1 / n2)
    return _clip(p1 - p2 - half, p1 - p2 + half)


def _agresti_caffo(
    x1: Floats, n1: Floats, x2: Floats, n2: Floats, z: float
) -> tuple[Floats, Floats]:
    # one success and one failure added to each arm, then the Wald interval
    return _wald(x1 + 1, n1 + 2, x2 + 1, n2 + 2, z, cc=False)


def wilson_limits(x: Floats, n: Floats, z: float, cc: bool = False) -> tuple[Floats, Floats]:
    """Wilson score limits of ``x / n`` (element-wise), continuity-corrected if `cc`.

    The corrected limits are those of Newcombe's method 4 for one proportion (Stat Med 1998;
    17:857–72), which method 11 for the difference uses: 0 at ``x = 0`` and 1 at ``x = n``.
    """
    p = x / n
    z2 = z * z
    if not cc:
        centre = (2 * n * p + z2) / (2 * (n + z2))
        half = z * np.sqrt(z2 + 4 * n * p * (1 - p)) / (2 * (n + z2))
        return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    denominator = 2 * (n + z2)
    low_root = np.sqrt(np.maximum(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0.0))
    high_root = np.sqrt(np.maximum(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0.0))
    low = (2 * n * p + z2 - 1 - z * low_root) / denominator
    high = (2 * n * p + z2 + 1 + z * high_root) / denominator
    low = np.where(x == 0, 0.0, np.clip(low, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(high, 0.0, 1.0))
    return low, high


def _newcombe(
    x1: Floats, n1: Floats, x2: Floats, n2: Floats, z: float, cc: bool
) -> tuple[Floats, Floats]:
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_limits(x1, n1, z, cc)
    l2, u2 = wilson_limits(x2, n2, z, cc)
    d = p1 - p2
    return _clip(d - np.hypot(p1 - l1, u2 - p2), d + np.hypot(u1 - p1, p2 - l2))


def _restricted_p2(delta: float, x1: float, n1: float, x2: float, n2: float) -> float:
    """Maximum-likelihood ``p2`` under ``p1 - p2 = delta``.

    The likelihood equation is a cubic in ``p1``; its relevant root has the closed form given
    by Farrington & Manning (Stat Med 1990;9:1447–54), the same estimate as Miettinen &
    Nurminen's.
    """
    theta, r1, r2 = n2 / n1, x1 / n1, x2 / n2
    a = 1.0 + theta
    b = -(1.0 + theta + r1 + theta * r2 + delta * (theta + 2.0))
    c = delta * delta + delta * (2.0 * r1 + theta + 1.0) + r1 + theta * r2
    d = -r1 * delta * (1.0 + delta)
    v = b**3 / (27.0 * a**3) - b * c / (6.0 * a**2) + d / (2.0 * a)
    u = math.copysign(1.0, v) * math.sqrt(max(b * b / (9.0 * a * a) - c / (3.0 * a), 0.0))
    ratio = 0.0 if u == 0.0 else v / u**3
    w = (math.pi + math.acos(min(max(ratio, -1.0), 1.0))) / 3.0
    p1 = 2.0 * u * math.cos(w) - b / (3.0 * a)
    return min(max(p1 - delta, 0.0), 1.0)


def mn_statistic(delta: float, x1: float, n1: float, x2: float, n2: float) -> float:
    """Miettinen–Nurminen score statistic for ``H0: p1 - p2 = delta`` (signed, ``+`` when the
    observed difference exceeds `delta`), with the ``N / (N - 1)`` variance factor."""
    observed = x1 / n1 - x2 / n2 - delta
    if observed == 0.0:
        return 0.0
    p2 = _restricted_p2(delta, x1, n1, x2, n2)
    p1 = min(max(p2 + delta, 0.0), 1.0)
    total = n1 + n2
    variance = (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) * total / (total - 1)
    if variance <= 0.0:
        return math.copysign(math.inf, observed)
    return observed / math.sqrt(variance)


def _mn_one(x1: float, n1: float, x2: float, n2: float, z: float) -> tuple[float, float]:
    d = x1 / n1 - x2 / n2

    def gap(delta: float, target: float) -> float:
        return mn_statistic(delta, x1, n1, x2, n2) - target

    # The statistic falls as delta rises: 0 at d, growing without bound towards -1 and +1
    # (unless the observed difference is itself -1 or +1, which is then that limit).
    low = -1.0 if d <= -1.0 else _root(gap, -1.0, d, z)
    high = 1.0 if d >= 1.0 else _root(gap, d, 1.0, -z)
    return low, high


def _root(gap: Callable[[float, float], float], left: float, right: float, target: float) -> float:
    """The delta in [left, right] where ``gap(delta, target) = 0`` (Brent's method)."""
    a = left + _EDGE if left == -1.0 else left
    b = right - _EDGE if right == 1.0 else right
    if gap(a, target) * gap(b, target) > 0:  # never reaches the target: the boundary is the limit
        return left if target > 0 else right
    return float(optimize.brentq(gap, a, b, args=(target,), xtol=1e-15, rtol=_RTOL))


def _miettinen_nurminen(
    x1: Floats, n1: Floats, x2: Floats, n2: Floats, z: float
) -> tuple[Floats, Floats]:
    low, high = np.empty_like(x1), np.empty_like(x1)
    for k in np.ndindex(x1.shape):
        low[k], high[k] = _mn_one(float(x1[k]), float(n1[k]), float(x2[k]), float(n2[k]), z)
    return low, high


def risk_difference_limits(
    x1: ArrayLike,
    n1: ArrayLike,
    x2: ArrayLike,
    n2: ArrayLike,
    method: str = DEFAULT_RD_METHOD,
    alpha: float = 0.05,
) -> tuple[Floats, Floats]:
    """Lower and upper limits of ``x1/n1 - x2/n2`` by `method` (one of `RD_METHODS`).

    Counts broadcast against each other (scalars or arrays); the limits come back as arrays of
    the broadcast shape, at confidence level ``1 - alpha``.
    """
    chosen = check_method(method)
    z = normal_quantile(alpha)
    a1, m1, a2, m2 = _arrays(x1, n1, x2, n2)
    if chosen in ("wald", "wald-cc"):
        return _wald(a1, m1, a2, m2, z, cc=chosen == "wald-cc")
    if chosen in ("newcombe", "newcombe-cc"):
        return _newcombe(a1, m1, a2, m2, z, cc=chosen == "newcombe-cc")
    if chosen == "agresti-caffo":
        return _agresti_caffo(a1, m1, a2, m2, z)
    return _miettinen_nurminen(a1, m1, a2, m2, z)
