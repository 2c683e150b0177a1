"""Cox models against statsmodels' PHReg (Breslow and Efron) and lifelines (Efron)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test as lifelines_logrank
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg

from tests.analytics.data import assert_close, make_cohort
from tvec.analytics import CoxModel, StatisticalWarning, cox_ph
from tvec.analytics.cox import Ties

# lifelines stops one Newton step short of its `precision`; 1e-16 makes that step negligible.
LIFELINES_OPTIONS = {"step_size": 1.0, "precision": 1e-16, "r_precision": 0.0}
COHORTS = [  # (seed, patients, covariates used, tie grid)
    (31, 25, 1, None),
    (32, 120, 2, 1.0),
    (33, 600, 4, 0.5),
    (34, 2500, 4, 3.0),
    (35, 80, 3, 10.0),  # very heavy ties
]


def make_phreg(time: np.ndarray, event: np.ndarray, x: np.ndarray, ties: str) -> PHReg:
    return PHReg(time, x, status=event.astype(float), ties=ties)


def make_lifelines(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> CoxPHFitter:
    frame = pd.DataFrame(x, columns=[f"x{k + 1}" for k in range(x.shape[1])])
    frame["time"], frame["event"] = time, event
    return CoxPHFitter().fit(frame, "time", "event", fit_options=LIFELINES_OPTIONS)


def columns(model: CoxModel, field: str) -> np.ndarray:
    return np.array([getattr(term, field) for term in model.terms])


@pytest.mark.parametrize(("seed", "n", "p", "grid"), COHORTS)
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_estimates_match_statsmodels_phreg(
    seed: int, n: int, p: int, grid: float | None, ties: Ties
) -> None:
    cohort = make_cohort(seed, n, tie_grid=grid)
    x = cohort.covariates[:, :p]
    ours = cox_ph(cohort.time, cohort.event, x, ties=ties)
    model = make_phreg(cohort.time, cohort.event, x, ties)
    reference = model.fit(tol=1e-12)
    assert ours.converged
    assert_close(ours.coefficients, reference.params)
    assert_close(columns(ours, "se"), reference.bse)
    assert_close(ours.covariance, reference.cov_params())
    assert_close(ours.log_likelihood, reference.llf)
    assert_close(ours.log_likelihood_null, model.loglike(np.zeros(p)))
    wald = reference.params @ np.linalg.solve(reference.cov_params(), reference.params)
    assert_close(ours.wald.statistic, wald)
    score = model.score(np.zeros(p))
    assert_close(ours.score.statistic, score @ np.linalg.solve(-model.hessian(np.zeros(p)), score))
    assert_close(columns(ours, "z"), reference.tvalues)
    assert_close(columns(ours, "p_value"), reference.pvalues)


@pytest.mark.parametrize(("seed", "n", "p", "grid"), COHORTS[:4])
def test_efron_estimates_and_tests_match_lifelines(
    seed: int, n: int, p: int, grid: float | None
) -> None:
    cohort = make_cohort(seed, n, tie_grid=grid)
    x = cohort.covariates[:, :p]
    ours, theirs = (
        cox_ph(cohort.time, cohort.event, x),
        make_lifelines(cohort.time, cohort.event, x),
    )
    summary = theirs.summary
    assert_close(ours.coefficients, theirs.params_.to_numpy())
    assert_close(columns(ours, "se"), theirs.standard_errors_.to_numpy())
    assert_close(columns(ours, "hazard_ratio"), summary["exp(coef)"].to_numpy())
    lows = [term.ci.low for term in ours.terms]
    assert_close(lows, summary["exp(coef) lower 95%"].to_numpy())
    assert_close([term.ci.high for term in ours.terms], summary["exp(coef) upper 95%"].to_numpy())
    assert_close(columns(ours, "z"), summary["z"].to_numpy())
    assert_close(columns(ours, "p_value"), summary["p"].to_numpy())
    assert_close(ours.log_likelihood, theirs.log_likelihood_)
    ratio = theirs.log_likelihood_ratio_test()
    assert_close([ours.likelihood_ratio.statistic, ours.likelihood_ratio.p_value],
                 [ratio.test_statistic, ratio.p_value])  # fmt: skip
    assert ours.likelihood_ratio.df == p


def test_without_ties_the_score_test_is_the_log_rank_test() -> None:
    cohort = make_cohort(36, 300)  # continuous times: no ties, so Breslow = Efron
    arm = cohort.covariates[:, 0]
    model = cox_ph(cohort.time, cohort.event, arm)
    a = arm == 0
    logrank = lifelines_logrank(cohort.time[a], cohort.time[~a], cohort.event[a], cohort.event[~a])
    assert_close(model.score.statistic, logrank.test_statistic)
    breslow = cox_ph(cohort.time, cohort.event, arm, ties="breslow")
    assert_close(breslow.coefficients, model.coefficients)


def test_one_covariate_wald_global_test_is_z_squared() -> None:
    cohort = make_cohort(37, 200, tie_grid=1.0)
    model = cox_ph(cohort.time, cohort.event, cohort.covariates[:, 1], names=["age"])
    assert model.terms[0].name == "age"
    assert_close(model.wald.statistic, model.terms[0].z ** 2)
    assert_close(model.wald.p_value, model.terms[0].p_value)


def test_the_tie_correction_matters_and_each_matches_its_reference() -> None:
    # Everyone dies at one of two times: Breslow and Efron differ strongly.
    time = np.repeat([1.0, 2.0], 10)
    event = np.ones(20, int)
    x = np.tile(np.linspace(-1, 1, 10), 2) + np.repeat([0.3, 0.0], 10)
    fits = {"breslow": cox_ph(time, event, x, ties="breslow"), "efron": cox_ph(time, event, x)}
    assert abs(fits["breslow"].coefficients[0] - fits["efron"].coefficients[0]) > 0.05
    for ties, model in fits.items():
        assert_close(model.coefficients, make_phreg(time, event, x[:, None], ties).fit().params)


def test_a_single_event_with_a_covariate_in_the_middle_of_its_risk_set() -> None:
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    event = np.array([0, 1, 0, 0, 0, 0])
    x = np.array([0.4, 0.5, 0.1, 0.9, 0.2, 0.7])
    ours = cox_ph(time, event, x)
    reference = make_phreg(time, event, x[:, None], "efron").fit(tol=1e-12)
    assert_close(ours.coefficients, reference.params)
    assert_close(columns(ours, "se"), reference.bse)


def test_large_covariate_values_do_not_overflow() -> None:
    cohort = make_cohort(38, 300, tie_grid=1.0)
    x = np.column_stack([cohort.covariates[:, 1] * 1000 + 20000, cohort.covariates[:, 2]])
    ours = cox_ph(cohort.time, cohort.event, x)
    assert_close(ours.coefficients, make_phreg(cohort.time, cohort.event, x, "efron").fit().params)


def test_no_events_in_one_group_has_no_finite_estimate() -> None:
    cohort = make_cohort(39, 100, tie_grid=1.0)
    arm = cohort.covariates[:, 0]
    event = np.where(arm == 1, 0, cohort.event)
    with pytest.warns(StatisticalWarning, match="no finite maximum|did not converge"):
        model = cox_ph(cohort.time, event, arm)
    assert not model.converged
    assert model.terms[0].coef < -5  # heading to minus infinity


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.column_stack([np.arange(6.0), np.ones(6)]), "'x2' is constant"),
        (np.column_stack([np.arange(6.0), 2 * np.arange(6.0)]), "collinear"),
        (np.array([[1.0], [np.nan], [2.0], [3.0], [4.0], [5.0]]), "missing or infinite"),
        (np.ones((5, 1)), r"shape \(6, p\)"),
    ],
)
def test_unusable_covariates_are_refused(x: np.ndarray, message: str) -> None:
    time, event = np.arange(1.0, 7.0), np.array([1, 0, 1, 1, 0, 1])
    with pytest.raises(ValueError, match=message):
        cox_ph(time, event, x)


def test_no_events_at_all_is_refused() -> None:
    with pytest.raises(ValueError, match="no events"):
        cox_ph([1.0, 2.0, 3.0], [0, 0, 0], [0.0, 1.0, 0.0])


def test_unknown_ties_method_is_refused() -> None:
    with pytest.raises(ValueError, match="ties"):
        cox_ph([1.0, 2.0, 3.0], [1, 0, 1], [0.0, 1.0, 0.0], ties="exact")  # type: ignore[arg-type]


def test_hazard_ratio_interval_is_the_exponentiated_wald_interval() -> None:
    cohort = make_cohort(40, 150, tie_grid=1.0)
    term = cox_ph(cohort.time, cohort.event, cohort.covariates[:, 2], alpha=0.1).terms[0]
    z = stats.norm.isf(0.05)
    assert_close([term.ci.low, term.ci.high], np.exp(term.coef + np.array([-z, z]) * term.se))
    assert_close(term.hazard_ratio, math.exp(term.coef))
