"""The log-rank test for two or more groups, optionally stratified.

At every event time the deaths in each group are compared with the deaths expected if all groups
shared one hazard; the observed-minus-expected totals and their hypergeometric covariance give a
chi-square statistic with ``groups - 1`` degrees of freedom. In the stratified test the
observed-minus-expected vectors and covariances are computed within each stratum and summed.

The whole computation is one sort by stratum and decreasing time followed by ``np.bincount`` and
cumulative sums over (stratum, time) cells: the number at risk at a time is the count of patients
so far in its stratum, i.e. a cumulative sum minus the total of the strata before. No loop visits
a patient or a stratum.

Conventions
-----------
A death with a single patient at risk adds 1 to that patient's group in both the observed and
the expected count and nothing to the variance (its term is 0/0), as in statsmodels' ``survdiff``
and R's ``survdiff``. If the covariance of the
first ``groups - 1`` groups is singular (for example a group in which nobody is at risk at any event
time) the Moore–Penrose inverse is used and the degrees of freedom are its rank, with a
`StatisticalWarning`. With no events at all the statistic is `None`.

References
----------
.. [1] Mantel, N. (1966). Evaluation of survival data and two new rank order statistics arising
   in its consideration. Cancer Chemotherapy Reports 50, 163–170.
.. [2] Peto, R., Peto, J. (1972). Asymptotically efficient rank invariant test procedures.
   JRSS A 135, 185–207.
.. [3] Klein, J. P., Moeschberger, M. L. (2003). Survival Analysis, 2nd ed., Springer, §7.3 and
   §7.5 (stratified tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from tvec.analytics.caveats import caveat
from tvec.analytics.inputs import FloatArray, IntArray, labels, readonly, survival_data


@dataclass(frozen=True)
class LogRank:
    """Log-rank test result; ``observed``/``expected`` are deaths per group, in ``groups`` order."""

    statistic: float | None
    df: int
    p_value: float | None
    groups: tuple[str, ...]
    observed: FloatArray
    expected: FloatArray
    covariance: FloatArray
    strata: int


@dataclass(frozen=True)
class _Cells:
    """Deaths and numbers at risk per (stratum, time) cell and group: shape (cells, groups)."""

    deaths: FloatArray
    at_risk: FloatArray


def logrank_test(
    times: npt.ArrayLike,
    events: npt.ArrayLike,
    groups: npt.ArrayLike,
    strata: npt.ArrayLike | None = None,
) -> LogRank:
    """Log-rank test [1]_ [2]_ that all groups share one survival curve (stratified [3]_).

    Parameters
    ----------
    times : array_like of float
        Follow-up time of each patient (>= 0).
    events : array_like of {0, 1} or bool
        1 if the follow-up ended with the event, 0 if censored.
    groups : array_like
        Group label of each patient (at least two distinct labels).
    strata : array_like, optional
        Stratum label of each patient; groups are compared within strata.

    Returns
    -------
    LogRank
    """
    time, event = survival_data(times, events)
    names, group = labels(groups, time.size, "groups")
    if len(names) < 2:
        raise ValueError("the log-rank test needs at least two groups")
    stratum, n_strata = None, 1
    if strata is not None:
        strata_names, stratum = labels(strata, time.size, "strata")
        n_strata = len(strata_names)
    cells = _tabulate(time, event, group, stratum, len(names))
    observed, expected, covariance = _observed_expected(cells)
    statistic, df = _chi_square(observed - expected, covariance)
    return LogRank(
        statistic=statistic,
        df=df,
        p_value=None if statistic is None else float(stats.chi2.sf(statistic, df)),
        groups=tuple(names),
        observed=readonly(observed),
        expected=readonly(expected),
        covariance=readonly(covariance),
        strata=n_strata,
    )


def _tabulate(
    time: FloatArray,
    event: npt.NDArray[np.bool_],
    group: IntArray,
    stratum: IntArray | None,
    n_groups: int,
) -> _Cells:
    """Deaths and numbers at risk per group in each (stratum, time) cell that has a death."""
    if stratum is None:
        order = np.argsort(-time)
        stratum = np.zeros(time.size, np.intp)
    else:
        order = np.lexsort((-time, stratum))
        stratum = stratum[order]
    time, event, group = time[order], event[order], group[order]
    new_cell = np.r_[True, (time[1:] != time[:-1]) | (stratum[1:] != stratum[:-1])]
    cell = np.cumsum(new_cell) - 1
    n_cells = int(cell[-1]) + 1
    key = cell * n_groups + group
    counts = np.bincount(key, minlength=n_cells * n_groups).reshape(n_cells, n_groups)
    deaths = np.bincount(key[event], minlength=n_cells * n_groups).reshape(n_cells, n_groups)
    at_risk = _at_risk_within_strata(counts, stratum[new_cell])
    died = deaths.sum(axis=1) > 0
    return _Cells(deaths[died].astype(np.float64), at_risk[died].astype(np.float64))


def _at_risk_within_strata(counts: IntArray, cell_stratum: IntArray) -> IntArray:
    """Counts accumulated down the cells (longest time first), restarted at every stratum.

    Whole numbers throughout, so the differences are exact.
    """
    running = np.cumsum(counts, axis=0)
    first = np.flatnonzero(np.r_[True, cell_stratum[1:] != cell_stratum[:-1]])
    before = np.vstack([np.zeros((1, counts.shape[1]), running.dtype), running[first[1:] - 1]])
    sizes = np.diff(np.r_[first, counts.shape[0]])
    result: IntArray = running - np.repeat(before, sizes, axis=0)
    return result


def _observed_expected(cells: _Cells) -> tuple[FloatArray, FloatArray, FloatArray]:
    deaths_total = cells.deaths.sum(axis=1)
    risk_total = cells.at_risk.sum(axis=1)
    died = deaths_total > 0
    share = cells.at_risk[died] / risk_total[died, np.newaxis]
    expected = (share * deaths_total[died, np.newaxis]).sum(axis=0)
    d, n = deaths_total[died], risk_total[died]
    spread = np.where(n > 1, d * (n - d) / np.maximum(n - 1.0, 1.0), 0.0)
    weighted = share * spread[:, np.newaxis]
    covariance = np.diag(weighted.sum(axis=0)) - weighted.T @ share
    return cells.deaths.sum(axis=0), expected, covariance


def _chi_square(excess: FloatArray, covariance: FloatArray) -> tuple[float | None, int]:
    """``z' V⁻ z`` on all groups but the last, and its degrees of freedom."""
    z, v = excess[:-1], covariance[:-1, :-1]
    rank = int(np.linalg.matrix_rank(v)) if v.size else 0
    if rank == 0:
        caveat("the log-rank test is undefined: no event time with two or more patients at risk")
        return None, z.size
    if rank < z.size:
        caveat(
            f"singular log-rank covariance: generalised inverse used, {rank} degree(s) of freedom"
        )
        return float(z @ np.linalg.pinv(v) @ z), rank
    return float(z @ np.linalg.solve(v, z)), z.size
