"""One proportion and two-arm comparisons against statsmodels and scipy, and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from tests.analytics.data import assert_close
from tvec.analytics import (
    StatisticalWarning,
    chi_square_test,
    compare_proportions,
    exact_interval,
    fisher_exact_p,
    odds_ratio,
    proportion,
    relative_risk,
    risk_difference,
    wald_interval,
    wilson_interval,
)

ALPHAS = (0.05, 0.01, 0.2)


@st.composite
def counts(draw: st.DrawFn, smallest: int = 1) -> tuple[int, int]:
    """(events, n) with 1 <= n <= 500 and `smallest` <= events <= n - `smallest`."""
    n = draw(st.integers(2 * smallest + 1, 500))
    return draw(st.integers(smallest, n - smallest)), n


# --- one proportion -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(counts(smallest=1), st.sampled_from(ALPHAS))
def test_the_three_intervals_match_statsmodels(count: tuple[int, int], alpha: float) -> None:
    events, n = count
    result = proportion(events, n, alpha)
    for ours, method in (
        (result.wald, "normal"),
        (result.wilson, "wilson"),
        (result.exact, "beta"),
    ):
        assert_close(ours.as_list(), proportion_confint(events, n, alpha=alpha, method=method))
    assert result.rate == events / n


@pytest.mark.parametrize(("events", "n"), [(0, 1), (0, 17), (17, 17), (1, 1), (0, 1000)])
def test_boundary_counts_match_statsmodels_and_warn_about_the_wald_width(
    events: int, n: int
) -> None:
    with pytest.warns(StatisticalWarning, match="zero width"):
        result = proportion(events, n)
    assert result.wald.as_list() == [events / n, events / n]
    assert_close(result.wilson.as_list(), proportion_confint(events, n, method="wilson"))
    assert_close(result.exact.as_list(), proportion_confint(events, n, method="beta"))
    assert result.exact.low == (0.0 if events == 0 else result.exact.low)
    assert result.exact.high == (1.0 if events == n else result.exact.high)


def test_the_wald_interval_is_clipped_to_zero_and_one_as_statsmodels_does() -> None:
    interval = wald_interval(1, 4)
    half = stats.norm.isf(0.025) * math.sqrt(0.25 * 0.75 / 4)
    assert interval.low == 0.0  # 0.25 - 0.424 by the formula
    assert_close(interval.high, 0.25 + half)
    assert_close(interval.as_list(), proportion_confint(1, 4, method="normal"))


def test_the_exact_interval_inverts_the_binomial_tails_by_hand() -> None:
    interval = exact_interval(7, 40, alpha=0.05)
    assert_close(stats.binom.sf(6, 40, interval.low), 0.025)
    assert_close(stats.binom.cdf(7, 40, interval.high), 0.025)


def test_the_wilson_interval_solves_the_score_equation_by_hand() -> None:
    z = stats.norm.isf(0.025)
    interval = wilson_interval(12, 50)
    for bound in interval.as_list():
        assert_close(abs(0.24 - bound) / math.sqrt(bound * (1 - bound) / 50), z)


@pytest.mark.parametrize(
    ("events", "n", "message"),
    [
        (5, 0, "at least 1"),
        (6, 5, "between 0 and 5"),
        (-1, 5, "between 0 and 5"),
        (1.5, 5, "whole"),
    ],
)
def test_impossible_counts_are_refused(events: int, n: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        proportion(events, n)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, float("nan")])
def test_impossible_alpha_is_refused(alpha: float) -> None:
    with pytest.raises(ValueError, match="alpha"):
        proportion(3, 10, alpha)


# --- two arms -----------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(counts(smallest=1), counts(smallest=1), st.sampled_from(ALPHAS))
def test_two_arm_measures_match_statsmodels(
    arm_a: tuple[int, int], arm_b: tuple[int, int], alpha: float
) -> None:
    (ea, na), (eb, nb) = arm_a, arm_b
    table = Table2x2(np.array([[ea, na - ea], [eb, nb - eb]]), shift_zeros=False)
    rr = relative_risk(ea, na, eb, nb, alpha)
    assert_close(rr.estimate, table.riskratio)
    assert_close(rr.log_se, table.log_riskratio_se)
    assert rr.ci is not None
    assert_close(rr.ci.as_list(), table.riskratio_confint(alpha))
    oddsr = odds_ratio(ea, na, eb, nb, alpha)
    assert_close(oddsr.estimate, table.oddsratio)
    assert oddsr.ci is not None
    assert_close(oddsr.ci.as_list(), table.oddsratio_confint(alpha))
    diff = risk_difference(ea, na, eb, nb, alpha)
    newcombe = confint_proportions_2indep(ea, na, eb, nb, method="newcomb", alpha=alpha)
    assert_close(diff.newcombe.as_list(), newcombe)
    wald = confint_proportions_2indep(ea, na, eb, nb, method="wald", alpha=alpha)
    assert_close(diff.wald.as_list(), np.clip(wald, -1, 1))  # statsmodels does not clip


@settings(max_examples=150, deadline=None)
@given(counts(smallest=0), counts(smallest=0))
def test_p_values_match_scipy(arm_a: tuple[int, int], arm_b: tuple[int, int]) -> None:
    (ea, na), (eb, nb) = arm_a, arm_b
    table = [[ea, na - ea], [eb, nb - eb]]
    assert_close(fisher_exact_p(ea, na, eb, nb), stats.fisher_exact(table).pvalue)
    if ea + eb in (0, na + nb):
        return  # chi-square undefined: covered below
    for yates in (False, True):
        with_small = min(na, nb) * min(ea + eb, na + nb - ea - eb) < 5 * (na + nb)
        if with_small:
            with pytest.warns(StatisticalWarning, match="expected count"):
                ours = chi_square_test(ea, na, eb, nb, yates=yates)
        else:
            ours = chi_square_test(ea, na, eb, nb, yates=yates)
        reference = stats.chi2_contingency(table, correction=yates)
        assert_close([ours.statistic, ours.p_value], [reference.statistic, reference.pvalue])


def test_fisher_two_sided_p_sums_the_no_more_likely_tables_by_hand() -> None:
    # 7/12 vs 1/10: hypergeometric over the first cell with all margins fixed.
    support = np.arange(0, 9)
    probabilities = stats.hypergeom.pmf(support, 22, 8, 12)
    observed = stats.hypergeom.pmf(7, 22, 8, 12)
    by_hand = probabilities[probabilities <= observed * (1 + 1e-7)].sum()
    assert_close(fisher_exact_p(7, 12, 1, 10), by_hand)


def test_newcombe_method_10_by_hand() -> None:
    l1, u1 = wilson_interval(30, 100).as_list()
    l2, u2 = wilson_interval(10, 80).as_list()
    d = 0.3 - 0.125
    ours = risk_difference(30, 100, 10, 80).newcombe
    assert_close(ours.low, d - math.sqrt((0.3 - l1) ** 2 + (u2 - 0.125) ** 2))
    assert_close(ours.high, d + math.sqrt((u1 - 0.3) ** 2 + (0.125 - l2) ** 2))


# --- zero cells ---------------------------------------------------------------------------------


def test_no_events_in_one_arm_leaves_ratios_undefined_unless_corrected() -> None:
    with pytest.warns(StatisticalWarning) as caught:
        result = compare_proportions(12, 40, 0, 35)
    messages = " | ".join(str(w.message) for w in caught)
    assert "relative risk is undefined" in messages
    assert "odds ratio is undefined" in messages
    assert result.relative_risk.estimate is None
    assert result.relative_risk.ci is None
    assert result.odds_ratio.estimate is None
    assert result.risk_difference.estimate == 12 / 40
    assert_close(result.fisher_exact_p, stats.fisher_exact([[12, 28], [0, 35]]).pvalue)


def test_the_haldane_correction_adds_one_half_to_every_cell() -> None:
    # statsmodels' Table2x2(shift_zeros=True) only replaces the zero cells by 0.5, although its
    # docstring says "add 0.5 to all values". We follow Haldane (1956) and Anscombe (1956) and shift
    # all four cells, so the reference is statsmodels on the table shifted by hand.
    shifted = Table2x2(np.array([[12.5, 28.5], [0.5, 35.5]]), shift_zeros=False)
    with pytest.warns(StatisticalWarning, match="zero width"):  # Wald of arm B, nothing else
        result = compare_proportions(12, 40, 0, 35, zero_correction=True)
    assert result.relative_risk.corrected
    assert result.odds_ratio.corrected
    assert_close(result.relative_risk.estimate, (12.5 / 41) / (0.5 / 36))
    assert_close(result.relative_risk.estimate, shifted.riskratio)
    assert result.relative_risk.ci is not None
    assert result.odds_ratio.ci is not None
    assert_close(result.relative_risk.ci.as_list(), shifted.riskratio_confint())
    assert_close(result.odds_ratio.estimate, 12.5 * 35.5 / (28.5 * 0.5))
    assert_close(result.odds_ratio.ci.as_list(), shifted.oddsratio_confint())


def test_the_correction_leaves_a_table_without_zeros_alone() -> None:
    plain = relative_risk(48, 295, 3, 141)
    asked = relative_risk(48, 295, 3, 141, zero_correction=True)
    assert plain == asked
    assert not asked.corrected


def test_every_patient_responding_in_one_arm_keeps_the_relative_risk_but_not_the_odds_ratio() -> (
    None
):
    rr = relative_risk(10, 10, 4, 12)
    assert_close(rr.estimate, 3.0)
    assert_close(rr.log_se, math.sqrt(1 / 10 - 1 / 10 + 1 / 4 - 1 / 12))
    with pytest.warns(StatisticalWarning, match="odds ratio is undefined"):
        assert odds_ratio(10, 10, 4, 12).estimate is None


def test_chi_square_is_undefined_without_any_event() -> None:
    with pytest.warns(StatisticalWarning, match="chi-square test is undefined"):
        result = chi_square_test(0, 20, 0, 30)
    assert result.statistic is None
    assert result.p_value is None


def test_yates_correction_never_overshoots_zero() -> None:
    # |ad - bc| = |5*5 - 5*5| = 0 < N/2: the corrected statistic stays 0, as in scipy.
    result = chi_square_test(5, 10, 5, 10, yates=True)
    assert result.statistic == 0.0
    assert result.p_value == 1.0
    assert stats.chi2_contingency([[5, 5], [5, 5]], correction=True).statistic == 0.0
