"""Kaplan–Meier curves against lifelines and statsmodels, on random cohorts and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from tests.analytics.data import assert_close, make_cohort
from tests.analytics.references import assert_matches_lifelines, make_lifelines, ours_median
from tvec.analytics import (
    StatisticalWarning,
    kaplan_meier,
    kaplan_meier_by_group,
    number_at_risk,
    survival_at,
)

COHORTS = [  # (seed, patients, tie grid): continuous times, coarse ties, many ties
    (1, 12, None),
    (2, 60, None),
    (3, 250, 1.0),
    (4, 1500, 0.5),
    (5, 40, 6.0),
]


@pytest.mark.parametrize(("seed", "n", "grid"), COHORTS)
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_curve_band_and_median_match_lifelines(
    seed: int, n: int, grid: float | None, alpha: float
) -> None:
    cohort = make_cohort(seed, n, tie_grid=grid)
    curve = kaplan_meier(cohort.time, cohort.event, alpha=alpha)
    assert_matches_lifelines(curve, cohort.time, cohort.event)
    assert curve.n == n
    assert curve.n_events == cohort.event.sum()


@pytest.mark.parametrize(("seed", "n", "grid"), COHORTS)
def test_greenwood_standard_error_matches_statsmodels(
    seed: int, n: int, grid: float | None
) -> None:
    cohort = make_cohort(seed, n, tie_grid=grid)
    curve = kaplan_meier(cohort.time, cohort.event)
    reference = SurvfuncRight(cohort.time, cohort.event)
    rows = np.searchsorted(curve.time, reference.surv_times)
    alive = reference.surv_prob > 0  # statsmodels' SE is NaN once S reaches 0; ours is 0 there
    assert_close(curve.survival[rows], reference.surv_prob)
    assert_close(curve.std_err[rows][alive], reference.surv_prob_se[alive])
    assert np.array_equal(curve.at_risk[rows], reference.n_risk)


def test_landmarks_match_lifelines_and_count_patients_still_followed() -> None:
    cohort = make_cohort(7, 300, tie_grid=1.0)
    curve = kaplan_meier(cohort.time, cohort.event)
    fitter = make_lifelines(cohort.time, cohort.event)
    at = np.array([0.0, 0.5, 6.0, 12.0, 12.5, 24.0, float(cohort.time.max())])
    landmarks = survival_at(curve, at)
    assert_close(landmarks.survival, fitter.survival_function_at_times(at).to_numpy())
    band = fitter.confidence_interval_.reindex(at, method="ffill").to_numpy()
    assert_close(landmarks.lower, band[:, 0])
    assert_close(landmarks.upper, band[:, 1])
    by_hand = [int(np.sum(cohort.time >= t)) for t in at]
    assert landmarks.at_risk.tolist() == by_hand
    assert number_at_risk(curve, [1e9]).tolist() == [0]


def test_landmarks_after_the_last_follow_up_are_unknown() -> None:
    curve = kaplan_meier([2.0, 3.0, 5.0, 8.0], [1, 0, 1, 0])
    with pytest.warns(StatisticalWarning, match="after the last follow-up"):
        landmarks = survival_at(curve, [4.0, 6.0, 9.0])
    assert_close(landmarks.survival[:2], [0.75, 0.75 * 0.5])
    assert math.isnan(landmarks.survival[2])
    assert math.isnan(landmarks.upper[2])
    assert landmarks.at_risk.tolist() == [2, 1, 0]


def test_a_curve_that_reached_zero_stays_zero_after_follow_up() -> None:
    curve = kaplan_meier([1.0, 2.0], [1, 1])
    assert survival_at(curve, [5.0]).survival.tolist() == [0.0]


def test_results_are_read_only() -> None:
    curve = kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1])
    with pytest.raises(ValueError, match="read-only"):
        curve.survival[0] = 0.0


# --- edge cases ---------------------------------------------------------------------------------


def test_everyone_censored_leaves_the_curve_at_one_and_the_median_undefined() -> None:
    time, event = np.array([3.0, 5.0, 5.0, 9.0]), np.zeros(4, int)
    curve = kaplan_meier(time, event)
    assert curve.survival.tolist() == [1.0, 1.0, 1.0]
    assert curve.lower.tolist() == [1.0, 1.0, 1.0]
    assert curve.std_err.tolist() == [0.0] * 3
    assert ours_median(curve) == [None, None, None]
    assert_matches_lifelines(curve, time, event)


def test_a_single_event() -> None:
    time, event = np.array([1.0, 2.0, 4.0, 7.0, 7.5]), np.array([0, 1, 0, 0, 0])
    curve = kaplan_meier(time, event)
    assert_close(curve.survival, [1.0, 0.75, 0.75, 0.75, 0.75])
    assert_close(curve.std_err[1], 0.75 * math.sqrt(1 / (4 * 3)))
    assert_matches_lifelines(curve, time, event)


def test_all_events_at_one_time_drop_the_curve_to_zero_with_a_zero_width_band() -> None:
    # lifelines' convention (ours too): the n = d Greenwood term is left out and the band at
    # S = 0 is [0, 0]; R reports NA there.
    time, event = np.full(6, 4.0), np.ones(6, int)
    curve = kaplan_meier(time, event)
    assert curve.survival.tolist() == [0.0]
    assert curve.lower.tolist() == [0.0]
    assert curve.upper.tolist() == [0.0]
    assert ours_median(curve) == [4.0, 4.0, 4.0]
    assert_matches_lifelines(curve, time, event)


def test_everyone_dying_without_ties_matches_lifelines() -> None:
    time, event = np.array([2.0, 3.0, 5.0, 7.0, 11.0, 13.0, 17.0]), np.ones(7, int)
    assert_matches_lifelines(kaplan_meier(time, event), time, event)


def test_a_curve_that_never_reaches_one_half_has_no_median() -> None:
    cohort = make_cohort(8, 80, censor_rate=30.0)  # heavy early censoring
    curve = kaplan_meier(cohort.time, cohort.event)
    assert curve.survival.min() > 0.5
    assert curve.median.estimate is None
    assert curve.median.high is None
    assert_matches_lifelines(curve, cohort.time, cohort.event)


def test_a_plateau_at_exactly_one_half_takes_its_first_time() -> None:
    # 1 - 1/4 then 1 - 1/3: S(2) = 3/4 · 2/3 = 1/2 exactly. lifelines (and we) report the first
    # time with S <= 0.5, i.e. 2; R's survfit reports the midpoint 2.5 of the flat stretch.
    # Rounding can put the product a hair above 0.5; the 1e-12 slack keeps exact arithmetic.
    curve = kaplan_meier([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1])
    assert curve.median.estimate == 2.0
    assert curve.survival[1] == pytest.approx(0.5, abs=1e-15)


def test_an_exact_half_where_lifelines_rounding_moves_the_median() -> None:
    # Censored at 2; three deaths at 3 among 6 at risk: S(3) = 1/2 exactly; censored at 6; the
    # last two die at 7. Exact arithmetic (and we) put the median at 3. lifelines computes S as
    # exp(Σ log(1 - d/n)) = 0.5000000000000001 and reports 7; R's survfit reports the midpoint 5.
    # In 3,000 random small integer-time cohorts this rounding changed lifelines' median in 37.
    time = np.array([6.0, 2.0, 3.0, 7.0, 7.0, 3.0, 3.0])
    event = np.array([0, 0, 1, 1, 1, 1, 1])
    curve = kaplan_meier(time, event)
    assert curve.survival.tolist() == [1.0, 0.5, 0.5, 0.0]
    assert curve.median.estimate == 3.0
    assert make_lifelines(time, event).median_survival_time_ == 7.0


def test_deaths_at_time_zero_count() -> None:
    time, event = np.array([0.0, 0.0, 1.0, 2.0, 3.0]), np.array([1, 0, 1, 0, 1])
    curve = kaplan_meier(time, event)
    assert_close(curve.survival[0], 0.8)
    assert_matches_lifelines(curve, time, event)


def test_groups_get_their_own_curves() -> None:
    cohort = make_cohort(9, 400, groups=3, tie_grid=1.0)
    curves = kaplan_meier_by_group(cohort.time, cohort.event, cohort.group)
    assert list(curves) == ["arm-a", "arm-b", "arm-c"]
    for name, curve in curves.items():
        mine = cohort.group == name
        assert_matches_lifelines(curve, cohort.time[mine], cohort.event[mine])


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([1.0, -2.0], [1, 0], r"times\[1\] = -2 is negative"),
        ([1.0, float("nan")], [1, 0], "not a finite number"),
        ([1.0, 2.0], [1, 2], r"events\[1\] = 2 is not 0 or 1"),
        ([1.0, 2.0], [1], "has 2 values but events has 1"),
        ([], [], "empty"),
        ([1.0], ["yes"], "0 or 1"),
    ],
)
def test_bad_input_is_refused_naming_the_position(
    time: list[float], event: list[int] | list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_meier(time, event)


def test_pandas_columns_are_accepted() -> None:
    frame = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [True, False, True]})
    assert_close(kaplan_meier(frame["t"], frame["e"]).survival, [2 / 3, 2 / 3, 0.0])
