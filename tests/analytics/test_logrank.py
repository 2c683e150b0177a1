"""Log-rank tests against lifelines and statsmodels' survdiff, including stratified tests."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines.statistics import logrank_test as lifelines_logrank
from lifelines.statistics import multivariate_logrank_test
from scipy import stats
from statsmodels.duration.survfunc import survdiff

from tests.analytics.data import assert_close, make_cohort
from tvec.analytics import StatisticalWarning, logrank_test


@pytest.mark.parametrize(
    ("seed", "n", "grid"), [(11, 10, None), (12, 80, None), (13, 500, 1.0), (14, 3000, 2.0)]
)
def test_two_groups_match_lifelines_and_statsmodels(seed: int, n: int, grid: float | None) -> None:
    cohort = make_cohort(seed, n, tie_grid=grid)
    a = cohort.group == "arm-a"
    ours = logrank_test(cohort.time, cohort.event, cohort.group)
    theirs = lifelines_logrank(cohort.time[a], cohort.time[~a], cohort.event[a], cohort.event[~a])
    assert_close([ours.statistic, ours.p_value], [theirs.test_statistic, theirs.p_value])
    assert_close([ours.statistic, ours.p_value], survdiff(cohort.time, cohort.event, cohort.group))
    assert ours.df == 1
    assert ours.groups == ("arm-a", "arm-b")
    assert ours.strata == 1
    assert ours.observed.tolist() == [cohort.event[a].sum(), cohort.event[~a].sum()]
    assert_close(ours.observed.sum(), ours.expected.sum())


@pytest.mark.parametrize(("seed", "n", "groups"), [(15, 90, 3), (16, 700, 4), (17, 40, 5)])
def test_several_groups_match_lifelines_and_statsmodels(seed: int, n: int, groups: int) -> None:
    cohort = make_cohort(seed, n, groups=groups, tie_grid=1.0)
    ours = logrank_test(cohort.time, cohort.event, cohort.group)
    theirs = multivariate_logrank_test(cohort.time, cohort.group, cohort.event)
    assert_close([ours.statistic, ours.p_value], [theirs.test_statistic, theirs.p_value])
    assert_close([ours.statistic, ours.p_value], survdiff(cohort.time, cohort.event, cohort.group))
    assert ours.df == groups - 1


@pytest.mark.parametrize(
    ("seed", "n", "groups", "strata"), [(18, 200, 2, 3), (19, 1200, 3, 6), (20, 60, 2, 25)]
)
def test_stratified_tests_match_statsmodels(seed: int, n: int, groups: int, strata: int) -> None:
    # lifelines has no stratified log-rank; statsmodels' survdiff(strata=) is the reference.
    cohort = make_cohort(seed, n, groups=groups, strata=strata, tie_grid=1.0)
    ours = logrank_test(cohort.time, cohort.event, cohort.group, strata=cohort.stratum)
    reference = survdiff(cohort.time, cohort.event, cohort.group, strata=cohort.stratum)
    assert_close([ours.statistic, ours.p_value], reference)
    assert ours.strata == len(np.unique(cohort.stratum))


def test_strata_of_one_or_two_patients() -> None:
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 2.0, 3.0, 7.0, 1.0, 4.0])
    event = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0])
    group = np.array(["t", "g", "t", "g", "t", "g", "t", "g", "g", "t", "g"])
    stratum = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 3])  # strata of 6, 2, 1 and 2 patients
    ours = logrank_test(time, event, group, strata=stratum)
    assert_close([ours.statistic, ours.p_value], survdiff(time, event, group, strata=stratum))


def test_one_stratum_equals_the_unstratified_test() -> None:
    cohort = make_cohort(21, 150, tie_grid=1.0)
    plain = logrank_test(cohort.time, cohort.event, cohort.group)
    single = logrank_test(cohort.time, cohort.event, cohort.group, strata=np.zeros(150))
    assert plain.statistic == single.statistic


def test_no_events_in_one_arm() -> None:
    cohort = make_cohort(22, 120, tie_grid=1.0)
    event = np.where(cohort.group == "arm-b", 0, cohort.event)
    ours = logrank_test(cohort.time, event, cohort.group)
    b = cohort.group == "arm-b"
    theirs = lifelines_logrank(cohort.time[~b], cohort.time[b], event[~b], event[b])
    assert_close([ours.statistic, ours.p_value], [theirs.test_statistic, theirs.p_value])
    assert ours.observed[1] == 0.0


def test_a_small_hand_computed_example() -> None:
    # Times 1..4, group A dies at 1 and 3, group B dies at 2, B censored at 4.
    # t=1: n=(2,2) d=1 → E_A=1/2, V=1·(3/4)... written out: V = d·nA·nB·(n-d) / (n²(n-1)).
    # t=2: n=(1,2) d=1 → E_A=1/3, V=1·1·2·2/(9·2)=2/9.  t=3: n=(1,1) d=1 → E_A=1/2, V=1/4.
    ours = logrank_test([1, 3, 2, 4], [1, 1, 1, 0], ["A", "A", "B", "B"])
    expected_a = 1 / 2 + 1 / 3 + 1 / 2
    variance = 1 * 2 * 2 * 3 / (16 * 3) + 2 / 9 + 1 / 4
    assert_close(ours.statistic, (2 - expected_a) ** 2 / variance)
    assert_close(ours.expected[0], expected_a)


def test_everyone_censored_leaves_the_test_undefined() -> None:
    with pytest.warns(StatisticalWarning, match="log-rank test is undefined"):
        result = logrank_test([1.0, 2.0, 3.0], [0, 0, 0], ["a", "b", "a"])
    assert result.statistic is None
    assert result.p_value is None


def test_a_group_never_at_risk_at_an_event_time_uses_a_generalised_inverse() -> None:
    # Group "a" is censored before the first death. lifelines also uses the pseudo-inverse but
    # keeps groups - 1 = 2 degrees of freedom; we use its rank (1), as R's survdiff does.
    time = np.array([0.5, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    event = np.array([0, 0, 1, 1, 0, 1, 1, 0])
    group = np.array(["a", "a", "b", "c", "b", "c", "b", "c"])
    with pytest.warns(StatisticalWarning, match="generalised inverse"):
        ours = logrank_test(time, event, group)
    theirs = multivariate_logrank_test(time, group, event)
    assert_close(ours.statistic, theirs.test_statistic)
    assert ours.df == 1
    assert_close(ours.p_value, stats.chi2.sf(theirs.test_statistic, 1))
    two = logrank_test(time[2:], event[2:], group[2:])
    assert_close(ours.statistic, two.statistic)


def test_a_single_group_is_refused() -> None:
    with pytest.raises(ValueError, match="at least two groups"):
        logrank_test([1.0, 2.0], [1, 1], ["a", "a"])


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="groups has 1 values"):
        logrank_test([1.0, 2.0], [1, 1], ["a"])
