"""Kaplan–Meier survival curves: Greenwood variance, log-log intervals, median, landmarks.

Vectorised throughout: one ``argsort`` and cumulative sums, so a curve over a million patients
takes a fraction of a second. No loop visits a patient.

Conventions
-----------
Table. The curve is tabulated at every distinct observed time, event or censoring (as lifelines'
``survival_function_`` is, without its extra row at time 0). Before the first time S = 1.

At risk. The number at risk at time t is the number of patients whose follow-up time is ``>= t``
(R's ``summary(survfit, times=)``); censored patients count as at risk at their censoring time.

Greenwood. ``Var S(t) = S(t)² Σ d / (n (n - d))`` over event times up to t. When everyone at risk
dies (``n = d``) the term is infinite and S drops to 0; as lifelines does, that term is left out
of the sum, the standard error at S = 0 is 0 and the interval there is [0, 0] (R reports NA).

Log-log interval (also called exponential Greenwood): with ``θ = log(-log S)`` and
``se(θ) = sqrt(Σ d/(n(n-d))) / |log S|``, the limits are ``exp(-exp(θ ± z·se(θ)))``; [1, 1] where
S = 1. This is R's ``conf.type = "log-log"`` and lifelines' only interval.

Median and its interval. The median is the first time at which S(t) <= 0.5 (lifelines'
``median_survival_times``; R instead takes the midpoint of a flat stretch at exactly 0.5). Its
interval (Brookmeyer–Crowley, inverted from the log-log band) runs from the first time the lower
band is <= 0.5 to the first time the upper band is <= 0.5, which is what lifelines gives when
``median_survival_times`` is applied to ``confidence_interval_``. Any of the three is `None` when
the curve or band never reaches 0.5. "Reaches" allows a relative slack of 1e-12, so a product that
is exactly one half in exact arithmetic counts as one half despite rounding (lifelines, which
computes S as ``exp(Σ log(1 - d/n))``, can land a hair above 0.5 there and report the next time).

Landmarks. S at a time beyond the last follow-up is unknown unless the curve has reached zero;
such landmarks are NaN, with a `StatisticalWarning`.

References
----------
.. [1] Kaplan, E. L., Meier, P. (1958). Nonparametric estimation from incomplete observations.
   JASA 53, 457–481.
.. [2] Greenwood, M. (1926). The natural duration of cancer. Reports on Public Health and Medical
   Subjects 33, HMSO.
.. [3] Kalbfleisch, J. D., Prentice, R. L. (2002). The Statistical Analysis of Failure Time Data,
   2nd ed., Wiley, §1.4 (log-log intervals).
.. [4] Brookmeyer, R., Crowley, J. (1982). A confidence interval for the median survival time.
   Biometrics 38, 29–41.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tvec.analytics.caveats import caveat
from tvec.analytics.inputs import FloatArray, IntArray, labels, readonly, survival_data
from tvec.analytics.intervals import check_alpha, normal_quantile

HALF_SLACK = 1e-12


@dataclass(frozen=True)
class MedianSurvival:
    """Median survival time and its interval; `None` where the curve never reaches 0.5."""

    estimate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan–Meier curve tabulated at every distinct observed time (read-only arrays).

    ``std_err`` is the Greenwood standard error of S; ``lower``/``upper`` the log-log band.
    """

    time: FloatArray
    at_risk: IntArray
    events: IntArray
    censored: IntArray
    survival: FloatArray
    std_err: FloatArray
    lower: FloatArray
    upper: FloatArray
    n: int
    n_events: int
    alpha: float
    median: MedianSurvival


@dataclass(frozen=True)
class Landmarks:
    """Survival, its interval and the number at risk at chosen times."""

    time: FloatArray
    survival: FloatArray
    lower: FloatArray
    upper: FloatArray
    at_risk: IntArray


def kaplan_meier(times: npt.ArrayLike, events: npt.ArrayLike, alpha: float = 0.05) -> KaplanMeier:
    """Kaplan–Meier estimate [1]_ with Greenwood variance [2]_ and log-log interval [3]_.

    Parameters
    ----------
    times : array_like of float
        Follow-up time of each patient (>= 0).
    events : array_like of {0, 1} or bool
        1 if the follow-up ended with the event, 0 if censored.
    alpha : float
        One minus the confidence level of the band.

    Returns
    -------
    KaplanMeier
        See the module notes for the conventions (ties, S = 0, median).
    """
    alpha = check_alpha(alpha)
    time, event = survival_data(times, events)
    distinct, at_risk, deaths, counts = _tabulate(time, event)
    survival = np.cumprod(1.0 - deaths / at_risk, dtype=np.float64)
    greenwood = _greenwood_sum(deaths, at_risk)
    lower, upper = _log_log_band(survival, greenwood, normal_quantile(alpha))
    return KaplanMeier(
        time=readonly(distinct),
        at_risk=readonly(at_risk),
        events=readonly(deaths),
        censored=readonly((counts - deaths).astype(np.intp)),
        survival=readonly(survival),
        std_err=readonly(survival * np.sqrt(greenwood)),
        lower=readonly(lower),
        upper=readonly(upper),
        n=int(time.size),
        n_events=int(deaths.sum()),
        alpha=alpha,
        median=_median(distinct, survival, lower, upper),
    )


def _tabulate(
    time: FloatArray, event: npt.NDArray[np.bool_]
) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
    """Distinct times, numbers at risk, deaths and patients per time, from one argsort.

    Sorted ascending, the patients followed at least as long as a time's first patient are
    exactly those from that position on, so the number at risk is ``n - start``.
    """
    order = np.argsort(time)
    ordered = time[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], time.size]
    running = np.r_[0, np.cumsum(event[order], dtype=np.intp)]
    at_risk: IntArray = time.size - starts
    return ordered[starts], at_risk, running[ends] - running[starts], ends - starts


def _greenwood_sum(deaths: IntArray, at_risk: IntArray) -> FloatArray:
    """Running ``Σ d / (n (n - d))``, leaving out the terms where everyone at risk dies."""
    survivors = at_risk - deaths
    safe = np.where(survivors > 0, survivors, 1).astype(np.float64)
    term = np.where(survivors > 0, deaths / (at_risk.astype(np.float64) * safe), 0.0)
    return np.cumsum(term)


def _log_log_band(
    survival: FloatArray, greenwood: FloatArray, z: float
) -> tuple[FloatArray, FloatArray]:
    """``exp(-exp(θ ± z se(θ)))``, computed as ``S ** exp(±z se(θ))`` (the same number)."""
    inside = (survival > 0.0) & (survival < 1.0)
    log_s = np.log(np.where(inside, survival, 0.5))
    stretch = np.exp(z * np.sqrt(greenwood) / -log_s)
    lower = np.where(inside, survival**stretch, survival)
    upper = np.where(inside, survival ** (1.0 / stretch), survival)
    return lower, upper


def first_time_at_or_below(time: FloatArray, curve: FloatArray, level: float) -> float | None:
    """The first tabulated time at which a non-increasing `curve` is <= `level`, else `None`."""
    reached = np.flatnonzero(curve <= level * (1.0 + HALF_SLACK))
    return float(time[reached[0]]) if reached.size else None


def _median(
    time: FloatArray, survival: FloatArray, lower: FloatArray, upper: FloatArray
) -> MedianSurvival:
    return MedianSurvival(
        estimate=first_time_at_or_below(time, survival, 0.5),
        low=first_time_at_or_below(time, lower, 0.5),
        high=first_time_at_or_below(time, upper, 0.5),
    )


def survival_at(curve: KaplanMeier, times: npt.ArrayLike) -> Landmarks:
    """S(t), its log-log interval and the number at risk at each landmark time t.

    S is right-continuous: events at exactly t are included. Landmarks after the last follow-up
    are NaN unless the curve has already reached zero (with a `StatisticalWarning`).
    """
    when = np.asarray(times, dtype=np.float64).ravel()
    if not np.all(np.isfinite(when)) or np.any(when < 0):
        raise ValueError("landmark times must be finite and >= 0")
    row = np.searchsorted(curve.time, when, side="right") - 1
    before = row < 0
    picked = np.maximum(row, 0)
    beyond = (when > curve.time[-1]) & (curve.survival[-1] > 0.0)
    if beyond.any():
        caveat(f"survival after the last follow-up time ({curve.time[-1]:g}) is unknown: NaN")
    values = [
        np.where(before, 1.0, np.where(beyond, np.nan, column[picked]))
        for column in (curve.survival, curve.lower, curve.upper)
    ]
    return Landmarks(
        time=readonly(when),
        survival=readonly(values[0]),
        lower=readonly(values[1]),
        upper=readonly(values[2]),
        at_risk=readonly(number_at_risk(curve, when)),
    )


def number_at_risk(curve: KaplanMeier, times: npt.ArrayLike) -> IntArray:
    """Patients still followed at each time t (follow-up ``>= t``), as under a KM plot."""
    when = np.asarray(times, dtype=np.float64).ravel()
    row = np.searchsorted(curve.time, when, side="left")
    padded = np.append(curve.at_risk, 0)
    return padded[row].astype(np.intp)


def kaplan_meier_by_group(
    times: npt.ArrayLike,
    events: npt.ArrayLike,
    groups: npt.ArrayLike,
    alpha: float = 0.05,
) -> dict[str, KaplanMeier]:
    """One Kaplan–Meier curve per group label (labels as text, in sorted order)."""
    time, event = survival_data(times, events)
    names, codes = labels(groups, time.size, "groups")
    return {
        name: kaplan_meier(time[codes == k], event[codes == k], alpha)
        for k, name in enumerate(names)
    }
