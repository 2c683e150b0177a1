"""Analytics results as plain JSON-ready records (dicts, lists, floats, None).

One shape per result, shared by ``tvec stats --json`` and anything else that writes results out
(API responses, report data). Full precision is kept; NaN and infinity, which JSON cannot carry,
become None. Array-valued results are written row by row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tvec.analytics.cox import CoxModel, GlobalTest
from tvec.analytics.intervals import Interval
from tvec.analytics.logrank import LogRank
from tvec.analytics.proportions import ProportionEstimate, TwoArmComparison
from tvec.analytics.survival import KaplanMeier, Landmarks

Record = dict[str, Any]


def finite(value: float | None) -> float | None:
    """`value` as a float, or None for None, NaN and ±infinity."""
    return None if value is None or not math.isfinite(value) else float(value)


def interval(ci: Interval | None) -> list[float | None] | None:
    """``[low, high]``, or None when there is no interval."""
    return None if ci is None else [finite(ci.low), finite(ci.high)]


def proportion_record(arm: ProportionEstimate) -> Record:
    """``events``, ``n``, ``rate`` and ``ci`` with the ``wald``, ``wilson`` and ``exact`` limits."""
    intervals = {"wald": arm.wald, "wilson": arm.wilson, "exact": arm.exact}
    return {
        "events": arm.events,
        "n": arm.n,
        "rate": arm.rate,
        "ci": {name: interval(ci) for name, ci in intervals.items()},
    }


def comparison_record(result: TwoArmComparison) -> Record:
    """Keys ``a``, ``b``, ``risk_difference``, ``relative_risk``, ``odds_ratio``, ``p_values``."""
    rd, rr, odds = result.risk_difference, result.relative_risk, result.odds_ratio
    return {
        "alpha": result.a.alpha,
        "a": proportion_record(result.a),
        "b": proportion_record(result.b),
        "risk_difference": {
            "estimate": rd.estimate,
            "ci": interval(rd.ci),
            "method": rd.method,
            "wald_ci": interval(rd.wald),
        },
        "relative_risk": {
            "estimate": finite(rr.estimate),
            "ci": interval(rr.ci),
            "method": "katz-log",
            "zero_correction": rr.corrected,
        },
        "odds_ratio": {
            "estimate": finite(odds.estimate),
            "ci": interval(odds.ci),
            "method": "woolf-logit",
            "zero_correction": odds.corrected,
        },
        "p_values": {
            "fisher_exact": result.fisher_exact_p,
            "chi_square": result.chi_square.p_value,
        },
        "chi_square": {
            "statistic": result.chi_square.statistic,
            "df": 1,
            "yates": result.chi_square.yates,
        },
    }


def kaplan_meier_record(curve: KaplanMeier, landmarks: Landmarks) -> Record:
    """Size, median with interval, the landmarks, and the whole tabulated curve."""
    return {
        "n": curve.n,
        "events": curve.n_events,
        "median": {
            "estimate": curve.median.estimate,
            "ci": [curve.median.low, curve.median.high],
        },
        "landmarks": [
            {
                "time": float(landmarks.time[k]),
                "survival": finite(float(landmarks.survival[k])),
                "ci": [finite(float(landmarks.lower[k])), finite(float(landmarks.upper[k]))],
                "at_risk": int(landmarks.at_risk[k]),
            }
            for k in range(landmarks.time.size)
        ],
        "table": [
            {
                "time": float(curve.time[k]),
                "at_risk": int(curve.at_risk[k]),
                "events": int(curve.events[k]),
                "censored": int(curve.censored[k]),
                "survival": float(curve.survival[k]),
                "std_err": float(curve.std_err[k]),
                "ci": [float(curve.lower[k]), float(curve.upper[k])],
            }
            for k in range(curve.time.size)
        ],
    }


def logrank_record(result: LogRank, sizes: Mapping[str, int]) -> Record:
    """The test, and per group its size and observed and expected deaths."""
    return {
        "statistic": result.statistic,
        "df": result.df,
        "p_value": result.p_value,
        "strata": result.strata,
        "groups": [
            {
                "group": name,
                "n": sizes[name],
                "observed": float(result.observed[k]),
                "expected": float(result.expected[k]),
            }
            for k, name in enumerate(result.groups)
        ],
    }


def _test_record(test: GlobalTest) -> Record:
    return {"statistic": finite(test.statistic), "df": test.df, "p_value": finite(test.p_value)}


def cox_record(model: CoxModel) -> Record:
    """Fit summary, one entry per covariate, and the three global tests."""
    return {
        "ties": model.ties,
        "alpha": model.alpha,
        "n": model.n,
        "events": model.n_events,
        "converged": model.converged,
        "iterations": model.iterations,
        "log_likelihood": model.log_likelihood,
        "log_likelihood_null": model.log_likelihood_null,
        "terms": [
            {
                "name": term.name,
                "coef": finite(term.coef),
                "se": finite(term.se),
                "hazard_ratio": finite(term.hazard_ratio),
                "ci": interval(term.ci),
                "z": finite(term.z),
                "p_value": finite(term.p_value),
            }
            for term in model.terms
        ],
        "tests": {
            "likelihood_ratio": _test_record(model.likelihood_ratio),
            "wald": _test_record(model.wald),
            "score": _test_record(model.score),
        },
    }
