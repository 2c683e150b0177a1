"""Reading lifelines' Kaplan–Meier results in the shape of ours, for the comparisons."""

from __future__ import annotations

import math

import numpy as np
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from tests.analytics.data import assert_close
from tvec.analytics import KaplanMeier


def make_lifelines(time: np.ndarray, event: np.ndarray, alpha: float = 0.05) -> KaplanMeierFitter:
    return KaplanMeierFitter(alpha=alpha).fit(time, event)


def lifelines_median(fitter: KaplanMeierFitter) -> list[float | None]:
    """Median and its interval the lifelines way, with inf (never reached) as None."""
    values = [
        fitter.median_survival_time_,
        *median_survival_times(fitter.confidence_interval_).to_numpy().ravel(),
    ]
    return [None if math.isinf(v) else float(v) for v in values]


def ours_median(curve: KaplanMeier) -> list[float | None]:
    return [curve.median.estimate, curve.median.low, curve.median.high]


def assert_matches_lifelines(curve: KaplanMeier, time: np.ndarray, event: np.ndarray) -> None:
    fitter = make_lifelines(time, event, curve.alpha)
    rows = fitter.survival_function_.index.get_indexer(curve.time)
    assert np.all(rows >= 0)  # every tabulated time is one of lifelines' times
    assert_close(curve.survival, fitter.survival_function_.to_numpy()[rows, 0])
    assert_close(curve.lower, fitter.confidence_interval_.to_numpy()[rows, 0])
    assert_close(curve.upper, fitter.confidence_interval_.to_numpy()[rows, 1])
    table = fitter.event_table.loc[curve.time]
    assert np.array_equal(curve.at_risk, table["at_risk"].to_numpy())
    assert np.array_equal(curve.events, table["observed"].to_numpy())
    assert np.array_equal(curve.censored, table["censored"].to_numpy())
    assert ours_median(curve) == lifelines_median(fitter)
