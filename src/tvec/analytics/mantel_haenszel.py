"""Stratified 2×2 tables: the Cochran–Mantel–Haenszel test and the common odds ratio.

Used when arms are compared within strata (stage, line of therapy, centre) and the strata are
pooled without letting their different sizes and baseline rates confound the comparison.

Each stratum is a 2×2 table ``[[a, b], [c, d]]`` laid out as in `tvec.analytics.proportions`:
rows are arms A and B, the first column counts events.

Conventions
-----------
Strata of a single patient carry no information (their variance term has ``N - 1 = 0`` in the
denominator and their observed minus expected count is exactly zero); they are left out, with a
`StatisticalWarning`, and `strata_used` says how many remain. The continuity-corrected statistic
subtracts 0.5 from ``|Σ(a - E[a])|`` but never goes below zero (statsmodels' ``test_null_odds``
does not floor, so the two differ only when ``|Σ(a - E[a])| < 0.5``). When the common odds ratio is
0 or infinite (all ``ad`` or all ``bc`` products zero) it is `None`, with a warning.

References
----------
.. [1] Mantel, N., Haenszel, W. (1959). Statistical aspects of the analysis of data from
   retrospective studies of disease. JNCI 22, 719–748.
.. [2] Robins, J., Breslow, N., Greenland, S. (1986). Estimators of the Mantel–Haenszel variance
   consistent in both sparse data and large-strata limiting models. Biometrics 42, 311–323.
.. [3] Agresti, A. (2013). Categorical Data Analysis, 3rd ed., Wiley, §6.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from tvec.analytics.caveats import caveat
from tvec.analytics.intervals import Interval, check_alpha, log_scale_interval

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MantelHaenszel:
    """CMH test of conditional independence and the Mantel–Haenszel common odds ratio.

    ``statistic``/``p_value`` are without continuity correction, ``statistic_corrected``/
    ``p_value_corrected`` with it (1 degree of freedom). ``log_se`` is the Robins–Breslow–
    Greenland standard error of ``log(common_odds_ratio)`` and ``ci`` the interval from it.
    """

    statistic: float | None
    p_value: float | None
    statistic_corrected: float | None
    p_value_corrected: float | None
    common_odds_ratio: float | None
    log_se: float | None
    ci: Interval | None
    strata_used: int
    alpha: float


def stratified_tables(tables: npt.ArrayLike) -> FloatArray:
    """`tables` as a float array of shape (k, 2, 2) of non-negative whole counts."""
    cube = np.asarray(tables, dtype=np.float64)
    if cube.ndim == 2 and cube.shape == (2, 2):
        cube = cube[np.newaxis]
    if cube.ndim != 3 or cube.shape[1:] != (2, 2) or cube.shape[0] == 0:
        raise ValueError(f"expected stratified 2x2 tables of shape (k, 2, 2), got {cube.shape}")
    if not np.all(np.isfinite(cube)) or np.any(cube < 0) or np.any(cube != np.round(cube)):
        raise ValueError("table cells must be non-negative whole counts")
    return cube


def _informative(cube: FloatArray) -> FloatArray:
    size = cube.sum(axis=(1, 2))
    lonely = int(np.count_nonzero(size < 2))
    if lonely:
        caveat(f"{lonely} stratum/strata with fewer than 2 patients carry no information; left out")
    kept: FloatArray = cube[size >= 2]
    return kept


def _cmh_statistics(cube: FloatArray) -> tuple[float | None, float | None]:
    """``(Σ(a - E[a]), Σ Var[a])`` under the hypergeometric null, or Nones when Var is 0."""
    a, b, c, d = cube[:, 0, 0], cube[:, 0, 1], cube[:, 1, 0], cube[:, 1, 1]
    total = a + b + c + d
    row_a, row_b, events, others = a + b, c + d, a + c, b + d
    excess = float(np.sum(a - row_a * events / total))
    variance = float(np.sum(row_a * row_b * events * others / (total**2 * (total - 1.0))))
    if variance <= 0.0:
        caveat("the CMH test is undefined: no stratum has both arms and both outcomes")
        return None, None
    return excess, variance


def _common_odds_ratio(cube: FloatArray) -> tuple[float | None, float | None]:
    """The Mantel–Haenszel estimate and its Robins–Breslow–Greenland log-scale SE."""
    a, b, c, d = cube[:, 0, 0], cube[:, 0, 1], cube[:, 1, 0], cube[:, 1, 1]
    total = a + b + c + d
    r, s = a * d / total, b * c / total
    p, q = (a + d) / total, (b + c) / total
    sum_r, sum_s = float(r.sum()), float(s.sum())
    if sum_r == 0.0 or sum_s == 0.0:
        caveat("the common odds ratio is 0 or infinite (every a·d or every b·c is zero)")
        return None, None
    variance = (
        float(np.sum(p * r)) / (2 * sum_r**2)
        + float(np.sum(p * s + q * r)) / (2 * sum_r * sum_s)
        + float(np.sum(q * s)) / (2 * sum_s**2)
    )
    return sum_r / sum_s, math.sqrt(variance)


def mantel_haenszel(tables: npt.ArrayLike, alpha: float = 0.05) -> MantelHaenszel:
    """Cochran–Mantel–Haenszel test and common odds ratio over stratified 2×2 tables.

    Parameters
    ----------
    tables : array_like, shape (k, 2, 2)
        One table ``[[a, b], [c, d]]`` per stratum (a single (2, 2) table is accepted too).
    alpha : float
        One minus the confidence level of the common odds ratio interval.

    Returns
    -------
    MantelHaenszel

    Notes
    -----
    ``X² = (|Σ a_k - Σ E[a_k]| - k)² / Σ Var[a_k]`` with ``E[a_k] = n1k m1k / N_k`` and
    ``Var[a_k] = n1k n2k m1k m2k / (N_k² (N_k - 1))``, ``k = 0`` or 0.5 [1]_. The common odds
    ratio is ``Σ(a d / N) / Σ(b c / N)`` and its variance on the log scale follows [2]_.
    """
    alpha = check_alpha(alpha)
    cube = _informative(stratified_tables(tables))
    if cube.shape[0] == 0:
        raise ValueError("no stratum has at least two patients")
    excess, variance = _cmh_statistics(cube)
    odds, log_se = _common_odds_ratio(cube)
    ci = None if odds is None or log_se is None else log_scale_interval(odds, log_se, alpha)
    plain = corrected = None
    if excess is not None and variance is not None:
        plain = excess**2 / variance
        corrected = max(abs(excess) - 0.5, 0.0) ** 2 / variance
    return MantelHaenszel(
        statistic=plain,
        p_value=_chi2_p(plain),
        statistic_corrected=corrected,
        p_value_corrected=_chi2_p(corrected),
        common_odds_ratio=odds,
        log_se=log_se,
        ci=ci,
        strata_used=int(cube.shape[0]),
        alpha=alpha,
    )


def _chi2_p(statistic: float | None) -> float | None:
    return None if statistic is None else float(stats.chi2.sf(statistic, 1))
