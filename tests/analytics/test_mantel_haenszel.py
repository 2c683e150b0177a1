"""Cochran–Mantel–Haenszel test and common odds ratio against statsmodels' StratifiedTable."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable

from tests.analytics.data import assert_close
from tvec.analytics import StatisticalWarning, mantel_haenszel


def make_tables(seed: int, strata: int, largest: int) -> np.ndarray:
    """Random stratified tables, each cell at least 1 (so every reference quantity is finite)."""
    rng = np.random.default_rng(seed)
    return rng.integers(1, largest, size=(strata, 2, 2))


def reference(tables: np.ndarray) -> StratifiedTable:
    return StratifiedTable(np.moveaxis(tables, 0, -1).astype(float), shift_zeros=False)


def excess(tables: np.ndarray) -> float:
    """Σ (a - E[a]) by hand."""
    a, b, c, d = tables[:, 0, 0], tables[:, 0, 1], tables[:, 1, 0], tables[:, 1, 1]
    return float(np.sum(a - (a + b) * (a + c) / (a + b + c + d)))


@pytest.mark.parametrize(
    ("seed", "strata", "largest"),
    [(1, 2, 6), (2, 5, 40), (3, 12, 300), (4, 40, 4), (6, 3, 50), (7, 8, 20), (8, 200, 12)],
)
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_cmh_and_common_odds_ratio_match_statsmodels(
    seed: int, strata: int, largest: int, alpha: float
) -> None:
    tables = make_tables(seed, strata, largest)
    ours, theirs = mantel_haenszel(tables, alpha=alpha), reference(tables)
    plain = theirs.test_null_odds(correction=False)
    assert_close([ours.statistic, ours.p_value], [plain.statistic, plain.pvalue])
    corrected = theirs.test_null_odds(correction=True)
    if abs(excess(tables)) >= 0.5:
        assert_close(
            [ours.statistic_corrected, ours.p_value_corrected],
            [corrected.statistic, corrected.pvalue],
        )
    else:  # statsmodels does not floor |excess| - 0.5 at zero: see the test below
        assert [ours.statistic_corrected, ours.p_value_corrected] == [0.0, 1.0]
    assert_close(ours.common_odds_ratio, theirs.oddsratio_pooled)
    assert_close(ours.log_se, theirs.logodds_pooled_se)
    assert ours.ci is not None
    assert_close(ours.ci.as_list(), theirs.oddsratio_pooled_confint(alpha=alpha))
    assert ours.strata_used == strata


def test_a_single_table_gives_the_sample_odds_ratio_and_the_n_minus_1_chi_square() -> None:
    ours = mantel_haenszel([[20, 10], [8, 22]])
    assert_close(ours.common_odds_ratio, 20 * 22 / (10 * 8))
    # For one table the CMH statistic is (N-1)/N times Pearson's chi-square.
    pearson = stats.chi2_contingency([[20, 10], [8, 22]], correction=False).statistic
    assert_close(ours.statistic, pearson * 59 / 60)


def test_strata_of_one_patient_are_left_out_with_a_warning() -> None:
    tables = make_tables(5, 4, 20)
    lonely = np.array([[[1, 0], [0, 0]], [[0, 0], [0, 1]]])
    with pytest.warns(StatisticalWarning, match="fewer than 2 patients"):
        ours = mantel_haenszel(np.concatenate([tables, lonely]))
    assert ours.strata_used == 4
    assert ours == mantel_haenszel(tables)


def test_strata_of_two_patients_count() -> None:
    tiny = np.array([[[1, 0], [0, 1]], [[1, 0], [0, 1]], [[0, 1], [1, 0]], [[1, 0], [0, 1]]])
    ours, theirs = mantel_haenszel(tiny), reference(tiny)
    assert_close(ours.statistic, theirs.test_null_odds().statistic)  # (3 - 2)² / 1 = 1
    assert_close(ours.statistic, 1.0)
    assert_close(ours.common_odds_ratio, theirs.oddsratio_pooled)  # (3/2) / (1/2) = 3
    assert_close(ours.log_se, theirs.logodds_pooled_se)


def test_the_continuity_correction_stops_at_zero() -> None:
    # One table [[2, 2], [2, 3]]: a - E[a] = 2 - 4·4/9 = 2/9 < 0.5. statsmodels subtracts 0.5
    # anyway and squares (2/9 - 0.5)²; we floor |2/9| - 0.5 at zero, so the corrected statistic
    # is 0 and its p-value 1 (as scipy's Yates correction does for one table).
    table = np.array([[[2, 2], [2, 3]]])
    variance = 4 * 5 * 4 * 5 / (81 * 8)
    result = mantel_haenszel(table)
    assert_close(result.statistic, (2 / 9) ** 2 / variance)
    assert_close(result.statistic, reference(table).test_null_odds().statistic)
    assert result.statistic_corrected == 0.0
    assert result.p_value_corrected == 1.0
    assert math.isclose(
        reference(table).test_null_odds(correction=True).statistic, (2 / 9 - 0.5) ** 2 / variance
    )


def test_all_zero_products_leave_the_common_odds_ratio_undefined() -> None:
    tables = np.array([[[0, 5], [3, 4]], [[0, 2], [6, 1]]])  # every a = 0: Σ a·d = 0
    with pytest.warns(StatisticalWarning, match="common odds ratio is 0 or infinite"):
        result = mantel_haenszel(tables)
    assert result.common_odds_ratio is None
    assert result.ci is None
    assert_close(result.statistic, reference(tables).test_null_odds().statistic)


def test_tables_without_variance_leave_the_test_undefined() -> None:
    tables = np.array([[[3, 0], [4, 0]], [[0, 2], [0, 5]]])  # one outcome only in every stratum
    with pytest.warns(StatisticalWarning) as caught:
        result = mantel_haenszel(tables)
    assert any("CMH test is undefined" in str(w.message) for w in caught)
    assert result.statistic is None
    assert result.p_value is None


@pytest.mark.parametrize(
    "tables",
    [np.zeros((0, 2, 2)), np.ones((3, 2, 3)), -np.ones((2, 2, 2)), np.full((1, 2, 2), 1.5)],
)
def test_malformed_tables_are_refused(tables: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"2x2|whole counts"):
        mantel_haenszel(tables)
