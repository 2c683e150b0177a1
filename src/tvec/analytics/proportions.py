"""Response rates and two-arm comparisons of proportions.

One proportion (for example the durable response rate of one arm) comes with three intervals:
Wald, Wilson score and exact Clopper–Pearson. Two arms are compared by the risk difference (Wald
and Newcombe hybrid-score intervals), the relative risk and the odds ratio (log-scale intervals),
Fisher's exact test and Pearson's chi-square test. The risk difference's main interval is by a
method the caller chooses (`tvec.analytics.risk_difference`: Wald, Wald with continuity
correction, Newcombe's hybrid score with or without it, Agresti–Caffo, Miettinen–Nurminen);
Newcombe's hybrid score is the default.

Conventions
-----------
Table layout. Arm A is the first row and arm B the second; the first column counts events::

    a = events_a    b = n_a - events_a
    c = events_b    d = n_b - events_b

so the relative risk is ``(a / n_a) / (c / n_b)`` and the odds ratio ``a·d / (b·c)``.

Clipping. Wald and Wilson limits for one proportion are clipped to [0, 1], and the Wald limits
of a risk difference to [-1, 1]; the formulas can stray outside those ranges, the truth cannot.

Zero cells. The log-scale intervals of the relative risk need ``a > 0`` and ``c > 0``; those of
the odds ratio need all four cells positive. When that fails the estimate *and* its interval are
`None` and a `StatisticalWarning` says why. Nothing is added to empty cells unless the caller asks
with ``zero_correction=True``: then, if any of the four cells is zero, 0.5 is added to every cell
(the Haldane–Anscombe correction; note that statsmodels' ``Table2x2(shift_zeros=True)`` instead
replaces only the zero cells by 0.5) and the result says ``corrected=True``.

Chi-square. Pearson's statistic is computed *without* a continuity correction by default (as R's
``prop.test(correct=FALSE)`` and ``scipy.stats.chi2_contingency(correction=False)``); Yates'
correction is available with ``yates=True``. The correction subtracts ``N/2`` from ``|ad - bc|``
but never below zero, which is what scipy does. With an empty margin (no events at all, or events
only) the statistic is undefined and `None` is returned with a warning; when an expected count is
below 5 the p-value is returned with a warning that Fisher's test is the safer reading.

References
----------
.. [1] Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
   inference. JASA 22(158), 209–212.
.. [2] Clopper, C. J., Pearson, E. S. (1934). The use of confidence or fiducial limits
   illustrated in the case of the binomial. Biometrika 26(4), 404–413.
.. [3] Newcombe, R. G. (1998). Interval estimation for the difference between independent
   proportions: comparison of eleven methods. Statistics in Medicine 17, 873–890 (method 10).
.. [4] Katz, D., Baptista, J., Azen, S. P., Pike, M. C. (1978). Obtaining confidence intervals
   for the risk ratio in cohort studies. Biometrics 34, 469–474.
.. [5] Woolf, B. (1955). On estimating the relation between blood group and disease.
   Annals of Human Genetics 19, 251–253.
.. [6] Agresti, A. (2013). Categorical Data Analysis, 3rd ed., Wiley, §3.1 and §3.5.
.. [7] Haldane, J. B. S. (1956). The estimation and significance of the logarithm of a ratio of
   frequencies. Annals of Human Genetics 20, 309–311.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

from scipy import stats

from tvec.analytics.caveats import caveat
from tvec.analytics.intervals import Interval, check_alpha, log_scale_interval, normal_quantile
from tvec.analytics.risk_difference import (
    DEFAULT_RD_METHOD,
    RdMethod,
    check_method,
    risk_difference_limits,
)


@dataclass(frozen=True)
class ProportionEstimate:
    """One observed proportion with its Wald, Wilson and exact intervals."""

    events: int
    n: int
    rate: float
    alpha: float
    wald: Interval
    wilson: Interval
    exact: Interval


@dataclass(frozen=True)
class RiskDifference:
    """``rate_a - rate_b``: ``ci`` by ``method``, plus the Wald and Newcombe intervals always."""

    estimate: float
    wald: Interval
    newcombe: Interval
    ci: Interval
    method: RdMethod


@dataclass(frozen=True)
class RatioEstimate:
    """A relative risk or odds ratio with its log-scale interval.

    ``estimate``, ``ci`` and ``log_se`` are `None` when a zero cell makes the ratio or its
    log-scale standard error undefined and no correction was requested.
    """

    estimate: float | None
    ci: Interval | None
    log_se: float | None
    corrected: bool


@dataclass(frozen=True)
class ChiSquareTest:
    """Pearson's chi-square test of a 2×2 table (1 degree of freedom)."""

    statistic: float | None
    p_value: float | None
    yates: bool


@dataclass(frozen=True)
class TwoArmComparison:
    """Everything a trial report states when it compares a binary outcome between two arms."""

    a: ProportionEstimate
    b: ProportionEstimate
    risk_difference: RiskDifference
    relative_risk: RatioEstimate
    odds_ratio: RatioEstimate
    fisher_exact_p: float
    chi_square: ChiSquareTest


def check_counts(events: int, n: int, label: str = "") -> tuple[int, int]:
    """`events` and `n` as ints with ``0 <= events <= n`` and ``n >= 1``, or a `ValueError`."""
    where = f"{label}: " if label else ""
    try:
        events_i, n_i = operator.index(events), operator.index(n)
    except TypeError:
        raise ValueError(f"{where}counts must be whole numbers, got {events!r}/{n!r}") from None
    if n_i < 1:
        raise ValueError(f"{where}the number of patients must be at least 1, got {n_i}")
    if not 0 <= events_i <= n_i:
        raise ValueError(f"{where}events must lie between 0 and {n_i}, got {events_i}")
    return events_i, n_i


def _clip(low: float, high: float, lowest: float = 0.0, highest: float = 1.0) -> Interval:
    return Interval(min(max(low, lowest), highest), min(max(high, lowest), highest))


def wald_interval(events: int, n: int, alpha: float = 0.05) -> Interval:
    """Wald interval ``p ± z·sqrt(p(1-p)/n)``, clipped to [0, 1].

    Zero-width at ``events == 0`` or ``events == n``; a `StatisticalWarning` says so.
    """
    events, n = check_counts(events, n)
    p = events / n
    half = normal_quantile(alpha) * math.sqrt(p * (1.0 - p) / n)
    if half == 0.0:
        caveat(f"the Wald interval for {events}/{n} has zero width; read the Wilson or exact one")
    return _clip(p - half, p + half)


def wilson_interval(events: int, n: int, alpha: float = 0.05) -> Interval:
    """Wilson score interval [1]_ (no continuity correction), clipped to [0, 1]."""
    events, n = check_counts(events, n)
    z = normal_quantile(alpha)
    p = events / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
    return _clip(centre - half, centre + half)


def exact_interval(events: int, n: int, alpha: float = 0.05) -> Interval:
    """Clopper–Pearson interval [2]_ from beta quantiles; 0 and 1 at the boundaries."""
    events, n = check_counts(events, n)
    tail = check_alpha(alpha) / 2.0
    low = 0.0 if events == 0 else float(stats.beta.ppf(tail, events, n - events + 1))
    high = 1.0 if events == n else float(stats.beta.isf(tail, events + 1, n - events))
    return Interval(low, high)


def proportion(events: int, n: int, alpha: float = 0.05) -> ProportionEstimate:
    """A proportion ``events / n`` with its Wald, Wilson and Clopper–Pearson intervals.

    Parameters
    ----------
    events, n : int
        Number of patients with the outcome, and number of patients (``0 <= events <= n``).
    alpha : float
        One minus the confidence level (0.05 for 95% intervals).

    Returns
    -------
    ProportionEstimate
    """
    events, n = check_counts(events, n)
    alpha = check_alpha(alpha)
    return ProportionEstimate(
        events=events,
        n=n,
        rate=events / n,
        alpha=alpha,
        wald=wald_interval(events, n, alpha),
        wilson=wilson_interval(events, n, alpha),
        exact=exact_interval(events, n, alpha),
    )


def risk_difference(
    events_a: int,
    n_a: int,
    events_b: int,
    n_b: int,
    alpha: float = 0.05,
    method: str = DEFAULT_RD_METHOD,
) -> RiskDifference:
    """``rate_a - rate_b`` with its interval by `method`, and the Wald and Newcombe intervals.

    `method` is one of ``wald``, ``wald-cc``, ``newcombe`` (the default), ``newcombe-cc``,
    ``agresti-caffo`` and ``miettinen-nurminen`` (see `tvec.analytics.risk_difference`); an
    unknown name is a `ValueError` that lists them. The Newcombe method-10 interval [3]_
    combines the Wilson limits ``(l1, u1)`` and ``(l2, u2)`` of the two rates: ``d -
    sqrt((p1-l1)² + (u2-p2)²)`` to ``d + sqrt((u1-p1)² + (p2-l2)²)``. The Wald interval uses
    the unpooled variance. Every interval is clipped to [-1, 1].
    """
    chosen = check_method(method)
    events_a, n_a = check_counts(events_a, n_a, "arm A")
    events_b, n_b = check_counts(events_b, n_b, "arm B")
    alpha = check_alpha(alpha)
    counts = (events_a, n_a, events_b, n_b)
    wald, newcombe = (_interval(*counts, name, alpha) for name in ("wald", "newcombe"))
    if wald.low == wald.high:
        caveat("the Wald interval of the risk difference has zero width; read the Newcombe one")
    return RiskDifference(
        estimate=events_a / n_a - events_b / n_b,
        wald=wald,
        newcombe=newcombe,
        ci=_interval(*counts, chosen, alpha),
        method=chosen,
    )


def _interval(
    events_a: int, n_a: int, events_b: int, n_b: int, method: RdMethod, alpha: float
) -> Interval:
    low, high = risk_difference_limits(events_a, n_a, events_b, n_b, method, alpha)
    return Interval(float(low), float(high))


def _table(
    events_a: int, n_a: int, events_b: int, n_b: int, zero_correction: bool
) -> tuple[float, float, float, float, bool]:
    """Cells ``a, b, c, d`` (as floats), shifted by 0.5 if asked and any cell is zero."""
    events_a, n_a = check_counts(events_a, n_a, "arm A")
    events_b, n_b = check_counts(events_b, n_b, "arm B")
    cells = (events_a, n_a - events_a, events_b, n_b - events_b)
    shift = zero_correction and min(cells) == 0
    a, b, c, d = (cell + 0.5 if shift else float(cell) for cell in cells)
    return a, b, c, d, shift


def _undefined(measure: str, why: str, corrected: bool) -> RatioEstimate:
    caveat(
        f"the {measure} is undefined because {why}; the Haldane-Anscombe 0.5 correction is "
        "available on request (zero_correction=True; --haldane on the command line)"
    )
    return RatioEstimate(None, None, None, corrected)


def relative_risk(
    events_a: int,
    n_a: int,
    events_b: int,
    n_b: int,
    alpha: float = 0.05,
    zero_correction: bool = False,
) -> RatioEstimate:
    """Relative risk ``rate_a / rate_b`` with the Katz log interval [4]_.

    ``se(log RR) = sqrt(1/a - 1/n_a + 1/c - 1/n_b)``. See the module notes for zero cells.
    """
    a, b, c, d, shifted = _table(events_a, n_a, events_b, n_b, zero_correction)
    if a == 0 or c == 0:
        return _undefined("relative risk", "an arm has no events", shifted)
    estimate = (a / (a + b)) / (c / (c + d))
    log_se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    return RatioEstimate(estimate, log_scale_interval(estimate, log_se, alpha), log_se, shifted)


def odds_ratio(
    events_a: int,
    n_a: int,
    events_b: int,
    n_b: int,
    alpha: float = 0.05,
    zero_correction: bool = False,
) -> RatioEstimate:
    """Sample odds ratio ``a·d / (b·c)`` with the Woolf log interval [5]_.

    ``se(log OR) = sqrt(1/a + 1/b + 1/c + 1/d)``. See the module notes for zero cells.
    """
    a, b, c, d, shifted = _table(events_a, n_a, events_b, n_b, zero_correction)
    if min(a, b, c, d) == 0:
        return _undefined("odds ratio", "a cell of the 2x2 table is zero", shifted)
    estimate = (a * d) / (b * c)
    log_se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return RatioEstimate(estimate, log_scale_interval(estimate, log_se, alpha), log_se, shifted)


def fisher_exact_p(events_a: int, n_a: int, events_b: int, n_b: int) -> float:
    """Two-sided p-value of Fisher's exact test (``scipy.stats.fisher_exact``).

    Two-sided means: the sum of the probabilities of all tables with the observed margins that
    are no more likely than the observed table (the convention of R's ``fisher.test``).
    """
    events_a, n_a = check_counts(events_a, n_a, "arm A")
    events_b, n_b = check_counts(events_b, n_b, "arm B")
    table = [[events_a, n_a - events_a], [events_b, n_b - events_b]]
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue)


def chi_square_test(
    events_a: int, n_a: int, events_b: int, n_b: int, yates: bool = False
) -> ChiSquareTest:
    """Pearson's chi-square test of independence for the 2×2 table, 1 degree of freedom.

    ``X² = N (|ad - bc| - k)² / (n_a n_b m1 m2)`` with ``k = 0``, or ``k = N/2`` (floored so that
    ``|ad - bc| - k >= 0``) for Yates' correction. See the module notes.
    """
    events_a, n_a = check_counts(events_a, n_a, "arm A")
    events_b, n_b = check_counts(events_b, n_b, "arm B")
    a, b, c, d = events_a, n_a - events_a, events_b, n_b - events_b
    total, with_event = n_a + n_b, a + c
    without_event = total - with_event
    if with_event == 0 or without_event == 0:
        caveat("the chi-square test is undefined when every patient, or none, has the event")
        return ChiSquareTest(None, None, yates)
    if min(n_a, n_b) * min(with_event, without_event) < 5 * total:
        caveat("an expected count is below 5: the chi-square p-value is unreliable; use Fisher's")
    excess = float(abs(a * d - b * c))
    if yates:
        excess = max(excess - total / 2.0, 0.0)
    statistic = total * float(excess) ** 2 / (n_a * n_b * with_event * without_event)
    return ChiSquareTest(statistic, float(stats.chi2.sf(statistic, 1)), yates)


def compare_proportions(
    events_a: int,
    n_a: int,
    events_b: int,
    n_b: int,
    alpha: float = 0.05,
    zero_correction: bool = False,
    yates: bool = False,
    rd_method: str = DEFAULT_RD_METHOD,
) -> TwoArmComparison:
    """Compare a binary outcome between arm A and arm B.

    Parameters
    ----------
    events_a, n_a, events_b, n_b : int
        Patients with the outcome, and patients, in each arm.
    alpha : float
        One minus the confidence level of every interval.
    zero_correction : bool
        Add 0.5 to every cell of a table with an empty cell before the ratio measures.
    yates : bool
        Apply Yates' continuity correction to the chi-square test.
    rd_method : str
        The risk difference's interval method (``newcombe`` unless asked otherwise).

    Returns
    -------
    TwoArmComparison

    Examples
    --------
    The OPTiM durable response rates (48/295 with T-VEC, 3/141 with GM-CSF):

    >>> result = compare_proportions(48, 295, 3, 141)
    >>> round(result.relative_risk.estimate, 1)
    7.6
    """
    arms = (events_a, n_a, events_b, n_b)
    return TwoArmComparison(
        a=proportion(events_a, n_a, alpha),
        b=proportion(events_b, n_b, alpha),
        risk_difference=risk_difference(*arms, alpha=alpha, method=rd_method),
        relative_risk=relative_risk(*arms, alpha=alpha, zero_correction=zero_correction),
        odds_ratio=odds_ratio(*arms, alpha=alpha, zero_correction=zero_correction),
        fisher_exact_p=fisher_exact_p(*arms),
        chi_square=chi_square_test(*arms, yates=yates),
    )
