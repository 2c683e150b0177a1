"""Cox proportional hazards regression with Breslow or Efron ties, vectorised for registries.

Why hand-written
----------------
A national registry holds around a million patients. lifelines' ``CoxPHFitter`` needs tens of
seconds and several gigabytes there (it works through pandas frames and per-time Python loops for
Efron ties), and statsmodels' ``PHReg`` loops over risk sets in Python. This module computes the
partial likelihood, its gradient and the information matrix from one sort plus cumulative sums,
so a fit on 1,000,000 rows × 4 covariates takes about a second. The tests check it against
statsmodels ``PHReg`` (Breslow and Efron) and lifelines ``CoxPHFitter`` (Efron) to 1e-8.

Method
------
Patients are sorted once, by decreasing time. For a coefficient vector β with weights
``w = exp(x'β)`` the risk-set sums ``S0 = Σ w``, ``S1 = Σ w x`` over ``{T >= t}`` are then forward
cumulative sums read at the last patient of each distinct time. A time with d deaths contributes
d terms ``l = 0..d-1`` with denominator ``S0 - c_l S0D``, where ``c_l = l/d`` (Efron) or 0
(Breslow) and ``S0D``, ``S1D`` sum over the patients who die together at t (needed only for Efron
where two or more die; ``np.add.reduceat`` over those tied groups). The terms are laid out as one
flat array of length "number of events", so the tie correction is computed with numpy for all
tied groups at once. The information matrix needs ``Σ_t w0(t) S2(t)``, which is rewritten as
``Σ_i w_i x_i x_i' W0(T_i)`` with ``W0`` the running sum of ``w0`` over event times: one weighted
``X'X`` instead of a p×p matrix per time.

Covariates are centred (which changes neither β nor the likelihood) and ``x'β`` is shifted by its
maximum before exponentiation, so large covariates do not overflow.

Conventions
-----------
Newton–Raphson from β = 0. A step that lowers the log partial likelihood is halved (up to 30
times). The fit has converged when every step component is below ``tol · max(1, |β|)`` (``tol`` =
1e-8; the step is applied, and Newton's quadratic convergence leaves an error far below it), or
when the log-likelihood gain falls below 1e-12 of its size while the steps are already small
(below 1e-4 relative). A flat likelihood with steps still large means it has no finite maximum
(monotone likelihood, e.g. no events in one group: the R ``coxph`` warning "coefficient may be
infinite"); then, as when ``max_iter`` (50) is reached, ``converged`` is False, a
`StatisticalWarning` is raised and the coefficients are not estimates (hazard ratios may be 0 or
inf). A constant covariate or collinear covariates are refused with `ValueError`.

References
----------
.. [1] Cox, D. R. (1972). Regression models and life-tables. JRSS B 34, 187–220.
.. [2] Breslow, N. (1974). Covariance analysis of censored survival data. Biometrics 30, 89–99.
.. [3] Efron, B. (1977). The efficiency of Cox's likelihood function for censored data.
   JASA 72, 557–565.
.. [4] Therneau, T. M., Grambsch, P. M. (2000). Modeling Survival Data: Extending the Cox Model.
   Springer, §3.3 (ties) and §3.5 (the three global tests).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import linalg, stats

from tvec.analytics.caveats import caveat
from tvec.analytics.inputs import FloatArray, IntArray, readonly, survival_data
from tvec.analytics.intervals import Interval, check_alpha, normal_quantile

Ties = Literal["efron", "breslow"]
FLAT = 1e-12  # relative log-likelihood gain below which the likelihood counts as flat
INFINITE_STEP = 1e-4  # a flat likelihood with relative steps above this: coefficient infinite


@dataclass(frozen=True)
class CoxTerm:
    """One covariate: log hazard ratio, its SE, the hazard ratio with interval, Wald z and p."""

    name: str
    coef: float
    se: float
    hazard_ratio: float
    ci: Interval
    z: float
    p_value: float


@dataclass(frozen=True)
class GlobalTest:
    """A chi-square test that every coefficient is zero."""

    statistic: float
    df: int
    p_value: float


@dataclass(frozen=True)
class CoxModel:
    """A fitted Cox model. ``covariance`` is the inverse information at the estimate."""

    terms: tuple[CoxTerm, ...]
    covariance: FloatArray
    log_likelihood: float
    log_likelihood_null: float
    likelihood_ratio: GlobalTest
    wald: GlobalTest
    score: GlobalTest
    iterations: int
    converged: bool
    ties: Ties
    n: int
    n_events: int
    alpha: float

    @property
    def coefficients(self) -> FloatArray:
        """The log hazard ratios, in covariate order."""
        return np.array([term.coef for term in self.terms])


@dataclass(frozen=True)
class _RiskSets:
    """What stays fixed while β changes: the sorted data and the layout of the event terms.

    Patients are sorted by *decreasing* time, so the risk set of a time (everyone followed at
    least that long) is a prefix of the order and its sums are forward cumulative sums.
    """

    x: FloatArray  # centred covariates, sorted by decreasing time
    event: FloatArray  # 0/1 in the same order
    events_x: FloatArray  # Σ x over the patients with an event
    time_index: IntArray  # each patient's distinct-time number (0 = the longest time)
    risk_end: IntArray  # per event time: index of the last patient in its risk set
    tie_bounds: IntArray  # [start, end) of each event time with >= 2 deaths (see _segments)
    tie_rows: IntArray  # the positions of those event times among all event times
    event_times: IntArray  # distinct-time numbers with at least one death
    n_times: int
    term_time: IntArray  # for each of the n_events terms: its event-time position
    term_share: FloatArray  # c_l of each term: l/d (Efron) or 0 (Breslow)


@dataclass(frozen=True)
class _Evaluation:
    log_likelihood: float
    gradient: FloatArray
    information: FloatArray


def _risk_sets(time: FloatArray, event: FloatArray, x: FloatArray, ties: Ties) -> _RiskSets:
    order = np.argsort(-time)
    time, event = time[order], event[order]
    x = x[order] - x.mean(axis=0)
    starts = np.flatnonzero(np.r_[True, time[1:] != time[:-1]])
    ends = np.r_[starts[1:], time.size]
    running_deaths = np.r_[0, np.cumsum(event.astype(np.intp))]
    deaths = running_deaths[ends] - running_deaths[starts]
    event_times = np.flatnonzero(deaths > 0)
    per_time = deaths[event_times]
    tie_rows = np.flatnonzero(per_time >= 2) if ties == "efron" else np.zeros(0, np.intp)
    tied = event_times[tie_rows]
    term_time = np.repeat(np.arange(event_times.size), per_time)
    rank_in_tie = np.arange(term_time.size) - np.repeat(np.cumsum(per_time) - per_time, per_time)
    share = rank_in_tie / np.repeat(per_time, per_time) if ties == "efron" else rank_in_tie * 0.0
    return _RiskSets(
        x=x,
        event=event,
        events_x=x.T @ event,
        time_index=np.repeat(np.arange(starts.size), ends - starts),
        risk_end=ends[event_times] - 1,
        tie_bounds=_segments(starts[tied], ends[tied], time.size),
        tie_rows=tie_rows,
        event_times=event_times,
        n_times=int(starts.size),
        term_time=term_time,
        term_share=share.astype(np.float64),
    )


def _segments(starts: IntArray, ends: IntArray, n: int) -> IntArray:
    """Interleaved ``start, end`` indices for ``np.add.reduceat``: even results are the sums.

    A final end equal to `n` is dropped: reduceat's last segment runs to the end anyway.
    """
    bounds = np.column_stack([starts, ends]).ravel()
    result: IntArray = bounds[:-1] if bounds.size and bounds[-1] == n else bounds
    return result


def _tied_sums(risk: _RiskSets, w: FloatArray, wx: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``Σ w`` and ``Σ w x`` over the patients who die at each event time (needed for ties)."""
    m, p = risk.event_times.size, wx.shape[1]
    s0d, s1d = np.zeros(m), np.zeros((m, p))
    if risk.tie_rows.size:
        dead_wx = wx * risk.event[:, np.newaxis]
        s0d[risk.tie_rows] = np.add.reduceat(w * risk.event, risk.tie_bounds)[::2]
        s1d[risk.tie_rows] = np.add.reduceat(dead_wx, risk.tie_bounds, axis=0)[::2]
    return s0d, s1d


def _evaluate(risk: _RiskSets, beta: FloatArray) -> _Evaluation:
    """Log partial likelihood, gradient and information at `beta` (see the module notes)."""
    eta = risk.x @ beta
    shift = float(eta.max())
    w = np.exp(eta - shift)
    wx = risk.x * w[:, np.newaxis]
    s0 = np.cumsum(w)[risk.risk_end]
    s1 = np.cumsum(wx, axis=0)[risk.risk_end]
    s0d, s1d = _tied_sums(risk, w, wx)
    j, c = risk.term_time, risk.term_share
    denominator = s0[j] - c * s0d[j]
    m = risk.event_times.size
    inverse = 1.0 / denominator
    inverse_sq = inverse * inverse
    w0, u0 = _per_time(j, inverse, m), _per_time(j, inverse_sq, m)
    spread = (s1.T * u0) @ s1
    w1 = np.zeros(m)
    if risk.tie_rows.size:
        w1, u1 = _per_time(j, c * inverse, m), _per_time(j, c * inverse_sq, m)
        mixed = (s1.T * u1) @ s1d
        spread += (s1d.T * _per_time(j, c * c * inverse_sq, m)) @ s1d - mixed - mixed.T
    weight = _patient_weights(risk, w, w0, w1)
    information = (risk.x.T * weight) @ risk.x - spread
    log_likelihood = float(beta @ risk.events_x) - float(np.log(denominator).sum())
    return _Evaluation(
        log_likelihood - shift * j.size, risk.events_x - risk.x.T @ weight, information
    )


def _per_time(term_time: IntArray, values: FloatArray, n_times: int) -> FloatArray:
    """Sum of the per-term `values` at each event time."""
    return np.bincount(term_time, values, n_times).astype(np.float64)


def _patient_weights(risk: _RiskSets, w: FloatArray, w0: FloatArray, w1: FloatArray) -> FloatArray:
    """``w_i (W0(T_i) - δ_i w1(T_i))``: each patient's share of the risk-set sums.

    ``W0(T_i)`` sums ``w0`` over the event times ``<= T_i``: the distinct times from patient i's
    own to the shortest, i.e. a reverse cumulative sum over distinct times.
    """
    per_time0 = np.zeros(risk.n_times)
    per_time0[risk.event_times] = w0
    running = np.cumsum(per_time0[::-1])[::-1][risk.time_index]
    if not risk.tie_rows.size:
        return w * running
    per_time1 = np.zeros(risk.n_times)
    per_time1[risk.event_times] = w1
    result: FloatArray = w * (running - risk.event * per_time1[risk.time_index])
    return result


def cox_ph(
    times: npt.ArrayLike,
    events: npt.ArrayLike,
    covariates: npt.ArrayLike,
    names: Sequence[str] | None = None,
    ties: Ties = "efron",
    alpha: float = 0.05,
    max_iter: int = 50,
    tol: float = 1e-8,
) -> CoxModel:
    """Fit a Cox proportional hazards model [1]_ by Newton–Raphson with step halving.

    Parameters
    ----------
    times : array_like of float, shape (n,)
        Follow-up time of each patient (>= 0).
    events : array_like of {0, 1} or bool, shape (n,)
        1 if the follow-up ended with the event, 0 if censored.
    covariates : array_like of float, shape (n, p) or (n,)
        One column per covariate.
    names : sequence of str, optional
        Covariate names (default: a DataFrame's column names, else ``x1 … xp``).
    ties : {"efron", "breslow"}
        Approximation of the partial likelihood at tied event times [2]_ [3]_.
    alpha : float
        One minus the confidence level of the hazard-ratio intervals.
    max_iter, tol : int, float
        Newton–Raphson limits; see the module notes.

    Returns
    -------
    CoxModel
        Terms with Wald tests, and the likelihood-ratio, Wald and score global tests [4]_.
    """
    alpha = check_alpha(alpha)
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    time, event = survival_data(times, events)
    x, labels = _design(covariates, time.size, names)
    if not event.any():
        raise ValueError("no events: a Cox model cannot be fitted")
    risk = _risk_sets(time, event.astype(np.float64), x, ties)
    null = _evaluate(risk, np.zeros(x.shape[1]))
    beta, fit, iterations, converged = _newton_raphson(risk, null, max_iter, tol)
    covariance = _inverse(fit.information)
    return CoxModel(
        terms=_terms(labels, beta, covariance, alpha),
        covariance=readonly(covariance),
        log_likelihood=fit.log_likelihood,
        log_likelihood_null=null.log_likelihood,
        likelihood_ratio=_global(2.0 * (fit.log_likelihood - null.log_likelihood), beta.size),
        wald=_global(float(beta @ fit.information @ beta), beta.size),
        score=_global(float(null.gradient @ _solve(null.information, null.gradient)), beta.size),
        iterations=iterations,
        converged=converged,
        ties=ties,
        n=int(time.size),
        n_events=int(event.sum()),
        alpha=alpha,
    )


def _design(
    covariates: npt.ArrayLike, n: int, names: Sequence[str] | None
) -> tuple[FloatArray, list[str]]:
    if names is None and hasattr(covariates, "columns"):  # a pandas DataFrame names its own
        names = [str(name) for name in covariates.columns]
    x = np.asarray(covariates, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, np.newaxis]
    if x.ndim != 2 or x.shape[0] != n or x.shape[1] == 0:
        raise ValueError(f"covariates must have shape ({n}, p) with p >= 1, got {x.shape}")
    labels = list(names) if names is not None else [f"x{k + 1}" for k in range(x.shape[1])]
    if len(labels) != x.shape[1]:
        raise ValueError(f"{len(labels)} names for {x.shape[1]} covariates")
    for k, label in enumerate(labels):
        column = x[:, k]
        if not np.all(np.isfinite(column)):
            raise ValueError(f"covariate {label!r} has a missing or infinite value")
        if np.all(column == column[0]):
            raise ValueError(f"covariate {label!r} is constant: its effect cannot be estimated")
    return x, labels


def _newton_raphson(
    risk: _RiskSets, start: _Evaluation, max_iter: int, tol: float
) -> tuple[FloatArray, _Evaluation, int, bool]:
    beta, current = np.zeros(start.gradient.size), start
    for iteration in range(1, max_iter + 1):
        step = _solve(current.information, current.gradient)
        step, trial = _halve_until_better(risk, beta, step, current)
        gain = trial.log_likelihood - current.log_likelihood
        beta, current = beta + step, trial
        if _small(step, beta, tol):
            return beta, current, iteration, True
        if gain <= FLAT * (1.0 + abs(current.log_likelihood)):
            if _small(step, beta, INFINITE_STEP):
                return beta, current, iteration, True
            caveat("the partial likelihood has no finite maximum: a coefficient is infinite")
            return beta, current, iteration, False
    caveat(f"Cox model did not converge in {max_iter} iterations; coefficients are unreliable")
    return beta, current, max_iter, False


def _small(step: FloatArray, beta: FloatArray, relative: float) -> bool:
    """Every step component below `relative` × max(1, |β|)."""
    return bool(np.all(np.abs(step) <= relative * np.maximum(1.0, np.abs(beta))))


def _halve_until_better(
    risk: _RiskSets, beta: FloatArray, step: FloatArray, current: _Evaluation
) -> tuple[FloatArray, _Evaluation]:
    """The Newton step, halved while it lowers the likelihood (rounding-level dips allowed)."""
    slack = 1e-12 * (1.0 + abs(current.log_likelihood))
    for _ in range(30):
        trial = _evaluate(risk, beta + step)
        if trial.log_likelihood >= current.log_likelihood - slack:
            return step, trial
        step = step / 2.0
    return step, _evaluate(risk, beta + step)


def _solve(information: FloatArray, vector: FloatArray) -> FloatArray:
    try:
        factor = linalg.cho_factor(information)
    except linalg.LinAlgError:
        raise ValueError(
            "the covariates are collinear: the information matrix is singular"
        ) from None
    result: FloatArray = linalg.cho_solve(factor, vector)
    return result


def _inverse(information: FloatArray) -> FloatArray:
    return _solve(information, np.eye(information.shape[0]))


def _terms(
    labels: list[str], beta: FloatArray, covariance: FloatArray, alpha: float
) -> tuple[CoxTerm, ...]:
    z_crit = normal_quantile(alpha)
    terms = []
    for label, coef, variance in zip(labels, beta, np.diag(covariance), strict=True):
        se = math.sqrt(float(variance))
        z = float(coef) / se
        terms.append(
            CoxTerm(
                name=label,
                coef=float(coef),
                se=se,
                hazard_ratio=_exp(coef),
                ci=Interval(_exp(coef - z_crit * se), _exp(coef + z_crit * se)),
                z=z,
                p_value=float(2.0 * stats.norm.sf(abs(z))),
            )
        )
    return tuple(terms)


def _exp(value: float) -> float:
    """``exp(value)``, inf instead of an overflow (only reached when a fit diverged)."""
    return math.exp(value) if value < 709.0 else math.inf


def _global(statistic: float, df: int) -> GlobalTest:
    return GlobalTest(statistic, df, float(stats.chi2.sf(statistic, df)))
