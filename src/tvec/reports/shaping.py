"""What the figures show, shaped from the statistics: pure functions, no matplotlib.

Which patients a swimmer plot draws, where the numbers at risk are counted, the rows of a forest
plot and the trial's short name. Large cohorts: a plot shows at most a given number of bars; above
that an evenly spaced selection of the sorted patients is drawn (so the shape of the distribution
is kept) and the figure says how many of how many are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.endpoints import Endpoints, SubgroupRow
from tvec.analytics.intervals import Interval
from tvec.analytics.proportions import ProportionEstimate
from tvec.analytics.survival import KaplanMeier
from tvec.knowledge.trials import Trial

DASH = "–"


def even_selection(count: int, limit: int) -> npt.NDArray[np.intp]:
    """`limit` evenly spaced positions of ``range(count)``; all of them if ``count <= limit``."""
    if count <= limit:
        return np.arange(count, dtype=np.intp)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(np.intp))


@dataclass(frozen=True)
class SwimmerSelection:
    """Rows of the patients table drawn in the swimmer plot, longest follow-up first."""

    rows: npt.NDArray[np.intp]
    responders: int  # patients eligible (responders), of whom ``rows.size`` are drawn


def swimmer_selection(
    cohort: Cohort, responses: CohortResponses, max_patients: int = 40
) -> SwimmerSelection:
    """Responders sorted by follow-up (longest first), evenly thinned to `max_patients`."""
    responded = np.asarray(responses.columns["responded"], dtype=bool)
    follow_up = follow_up_days(cohort, responses)
    candidates = np.flatnonzero(responded)
    ordered = candidates[np.argsort(-follow_up[candidates], kind="stable")]
    picked = ordered[even_selection(ordered.size, max_patients)]
    return SwimmerSelection(rows=picked.astype(np.intp), responders=int(candidates.size))


def follow_up_days(cohort: Cohort, responses: CohortResponses) -> npt.NDArray[np.float64]:
    """Days from the first dose to the last contact or the last assessment, whichever is later."""
    return np.maximum(
        np.asarray(cohort.patients["os_days"], dtype=np.float64),
        np.asarray(responses.columns["last_assessment_day"], dtype=np.float64),
    )


def risk_times(
    curves: Mapping[str, KaplanMeier], step: float | None = None
) -> npt.NDArray[np.float64]:
    """0, step, 2·step, … up to the longest follow-up of the curves.

    The default step is 3 months for up to 2 years of follow-up, 6 up to 7 years, else 12.
    """
    longest = max((float(c.time[-1]) for c in curves.values()), default=0.0)
    if step is None:
        step = 3.0 if longest <= 24 else 6.0 if longest <= 84 else 12.0
    return np.arange(0.0, longest + 1e-9, step) if longest > 0 else np.zeros(1)


@dataclass(frozen=True)
class ForestRow:
    """One line of a forest plot: a label, the estimate and interval (None: not estimable)."""

    label: str
    estimate: float | None
    ci: Interval | None
    detail: str = ""
    summary: bool = False


def forest_rows(endpoints: Endpoints) -> tuple[ForestRow, ...]:
    """Relative risk of durable response (first arm over second): all patients, then subgroups.

    Empty for a single-arm cohort.
    """
    comparison = endpoints.comparison
    if comparison is None:
        return ()
    overall = comparison.drr.relative_risk
    rows = [
        ForestRow(
            "All patients",
            overall.estimate,
            overall.ci,
            _counts_detail(comparison.drr.a, comparison.drr.b),
            summary=True,
        )
    ]
    for sub in endpoints.subgroups:
        rr = sub.relative_risk
        rows.append(
            ForestRow(
                f"{_factor_label(sub)}",
                None if rr is None else rr.estimate,
                None if rr is None else rr.ci,
                _subgroup_detail(sub),
            )
        )
    return tuple(rows)


def _factor_label(sub: SubgroupRow) -> str:
    return f"stage {sub.level}" if sub.factor == "stage" else f"{sub.level} line"


def _counts_detail(a: ProportionEstimate | None, b: ProportionEstimate | None) -> str:
    def one(p: ProportionEstimate | None) -> str:
        return DASH if p is None else f"{p.events}/{p.n}"

    return f"{one(a)} vs {one(b)}"


def _subgroup_detail(sub: SubgroupRow) -> str:
    return _counts_detail(sub.drr[0], sub.drr[1] if len(sub.drr) > 1 else None)


def forest_rate_rows(endpoints: Endpoints, arm: int = 0) -> tuple[ForestRow, ...]:
    """Durable response rate (%, exact interval) of one arm: all patients, then subgroups.

    For single-arm cohorts, where no ratio can be formed.
    """
    overall = endpoints.arms[arm].drr
    rows = [
        ForestRow(
            "All patients",
            100 * overall.rate,
            Interval(100 * overall.exact.low, 100 * overall.exact.high),
            f"{overall.events}/{overall.n}",
            summary=True,
        )
    ]
    for sub in endpoints.subgroups:
        p = sub.drr[arm]
        rows.append(
            ForestRow(
                _factor_label(sub),
                None if p is None else 100 * p.rate,
                None if p is None else Interval(100 * p.exact.low, 100 * p.exact.high),
                DASH if p is None else f"{p.events}/{p.n}",
            )
        )
    return tuple(rows)


def trial_name(trial: Trial) -> str:
    """The trial's name as published ("OPTiM"), from the start of its title."""
    return trial.title.split(":")[0].strip() or trial.name


__all__ = [
    "DASH",
    "ForestRow",
    "SwimmerSelection",
    "even_selection",
    "follow_up_days",
    "forest_rate_rows",
    "forest_rows",
    "risk_times",
    "swimmer_selection",
    "trial_name",
]
