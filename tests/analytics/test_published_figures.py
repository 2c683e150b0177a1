"""The pivotal trial (OPTiM) figures quoted in the seed documents, recomputed from the counts.

Durable response: 48 of 295 patients with T-VEC, 3 of 141 with GM-CSF. The label states a DRR of
16.3% and 2.1%, an unadjusted relative risk of 7.6 (95% CI 2.4 to 24.1) and P < 0.0001.
"""

from __future__ import annotations

from tvec.analytics import compare_proportions

T_VEC, GM_CSF = (48, 295), (3, 141)


def test_durable_response_rates_are_16_3_and_2_1_percent() -> None:
    result = compare_proportions(*T_VEC, *GM_CSF)
    assert round(100 * result.a.rate, 1) == 16.3
    assert round(100 * result.b.rate, 1) == 2.1


def test_relative_risk_is_7_6_with_interval_2_4_to_24_1() -> None:
    rr = compare_proportions(*T_VEC, *GM_CSF).relative_risk
    assert rr.estimate is not None
    assert rr.ci is not None
    assert round(rr.estimate, 1) == 7.6
    assert (round(rr.ci.low, 1), round(rr.ci.high, 1)) == (2.4, 24.1)


def test_the_difference_is_significant_below_one_in_ten_thousand() -> None:
    result = compare_proportions(*T_VEC, *GM_CSF)
    assert result.fisher_exact_p < 1e-4
    assert result.chi_square.p_value is not None
    assert result.chi_square.p_value < 1e-4
