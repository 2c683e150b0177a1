"""The six risk-difference intervals, each against an independent implementation or its paper.

- Wald, Agresti–Caffo, Newcombe (method 10) and Miettinen–Nurminen: statsmodels'
  ``confint_proportions_2indep`` (``wald``, ``agresti-caffo``, ``newcomb``, and ``score`` with
  ``correction=True``, which is its flag for the Miettinen–Nurminen ``N/(N-1)`` variance factor),
  over counts that include 0 and n. Where statsmodels' own root search fails (it does for some
  tables with few events), the Miettinen–Nurminen limits are checked by statsmodels' score test:
  at each limit its statistic is ``±z``.
- The continuity-corrected methods: the worked examples of Newcombe (1998), Table II, and the
  defining equation of the corrected Wilson limits, solved here by a root search.
- Published trial figures: the final analysis of OPTiM (Andtbacka RHI et al., J Immunother Cancer
  2019;7:145, Table 2) reports 13 differences with 95% intervals; Newcombe's method 11 reproduces
  every one of them to the published decimal, and no other method does.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    score_test_proportions_2indep,
)

from tests.analytics.data import assert_close
from tests.analytics.test_endpoints import small_cohort
from tvec.analytics import risk_difference
from tvec.analytics.cohort_engine import cohort_responses
from tvec.analytics.risk_difference import (
    RD_METHODS,
    method_title,
    risk_difference_limits,
    wilson_limits,
)
from tvec.knowledge import load_criteria
from tvec.knowledge.loader import DATA, KnowledgeError
from tvec.knowledge.trials import load_trial, load_trial_file
from tvec.reports import compute_endpoints
from tvec.reports.content import methods
from tvec.reports.tables import comparison_table

ALPHAS = (0.05, 0.01, 0.2)
Table = tuple[int, int, int, int]


@st.composite
def tables(draw: st.DrawFn, largest: int = 300) -> Table:
    """(x1, n1, x2, n2) with 1 <= n <= `largest`; events are often 0 or n."""
    n1, n2 = draw(st.integers(1, largest)), draw(st.integers(1, largest))
    edge = st.sampled_from
    x1 = draw(st.one_of(edge([0, n1]), st.integers(0, n1)))
    x2 = draw(st.one_of(edge([0, n2]), st.integers(0, n2)))
    return x1, n1, x2, n2


def ours(table: Table, method: str, alpha: float = 0.05) -> tuple[float, float]:
    low, high = risk_difference_limits(*table, method=method, alpha=alpha)
    return float(low), float(high)


def clipped(limits: object) -> list[float]:
    return [min(max(float(v), -1.0), 1.0) for v in limits]  # type: ignore[attr-defined]


# --- against statsmodels ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from(ALPHAS))
def test_wald_agresti_caffo_and_newcombe_match_statsmodels(table: Table, alpha: float) -> None:
    for method, theirs in (("wald", "wald"), ("agresti-caffo", "agresti-caffo")):
        expected = confint_proportions_2indep(*table, method=theirs, alpha=alpha)
        assert_close(ours(table, method, alpha), clipped(expected))
    expected = confint_proportions_2indep(*table, method="newcomb", alpha=alpha)
    assert_close(ours(table, "newcombe", alpha), expected)


def _restricted_p2_by_search(delta: float, x1: int, n1: int, x2: int, n2: int) -> float:
    """``p2`` maximising the binomial likelihood under ``p1 = p2 + delta``, by a root search on
    the derivative of the log-likelihood (which falls as p2 rises: the log-likelihood is
    concave); no cubic formula."""
    lowest, highest = max(0.0, -delta), min(1.0, 1.0 - delta)

    def slope(p2: float) -> float:
        p1, total = p2 + delta, 0.0
        for events, misses, p in ((x1, n1 - x1, p1), (x2, n2 - x2, p2)):
            if events:
                total += events / p if p > 0 else math.inf
            if misses:
                total -= misses / (1 - p) if p < 1 else math.inf
        return total

    inset = max(1e-13 * (highest - lowest), 1e-15)
    a, b = lowest + inset, highest - inset
    if slope(a) <= 0:
        return lowest
    if slope(b) >= 0:
        return highest
    return float(optimize.brentq(slope, a, b, xtol=1e-16, rtol=4 * np.finfo(float).eps))


def _mn_statistic_by_search(delta: float, x1: int, n1: int, x2: int, n2: int) -> float:
    observed = x1 / n1 - x2 / n2 - delta
    p2 = _restricted_p2_by_search(delta, x1, n1, x2, n2)
    p1, total = p2 + delta, n1 + n2
    variance = (p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) * total / (total - 1)
    if variance <= 0.0:  # both restricted rates at 0 or 1: the statistic is unbounded
        return math.copysign(math.inf, observed)
    return observed / math.sqrt(variance)


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from(ALPHAS))
def test_miettinen_nurminen_limits_are_where_the_score_statistic_is_z(
    table: Table, alpha: float
) -> None:
    low, high = ours(table, "miettinen-nurminen", alpha)
    difference = table[0] / table[1] - table[2] / table[3]
    assert -1.0 <= low <= difference <= high <= 1.0
    z = stats.norm.isf(alpha / 2)
    for limit, sign in ((low, 1.0), (high, -1.0)):
        if abs(limit) == 1.0:  # only where the observed difference is itself ±1
            assert limit == difference
            continue
        statistic = _mn_statistic_by_search(limit, *table)
        assert math.isclose(statistic, sign * z, rel_tol=1e-7)
        # and no further: a step of 1e-8 beyond the limit gives a statistic past ±z
        if abs(limit) < 1.0 - 1e-7:
            beyond = _mn_statistic_by_search(limit - sign * 1e-8, *table)
            assert sign * beyond > z


@pytest.mark.parametrize("table", [(15, 50, 5, 50), (57, 295, 2, 141), (7, 34, 1, 34)])
def test_miettinen_nurminen_against_statsmodels_where_it_agrees(table: Table) -> None:
    # statsmodels 0.15's score test for a difference other than 0 solves a cubic with a wrong
    # linear coefficient (``count0`` where ``nobs0`` belongs), so its score interval is slightly
    # off and cannot be the 1e-8 reference; ours is checked above against a direct maximisation
    # of the likelihood instead. Here: the intervals agree within 0.01, and at a difference of
    # 0 (statsmodels' pooled shortcut, which the bug does not touch) the statistics agree.
    expected = confint_proportions_2indep(*table, method="score", correction=True)
    assert_close(ours(table, "miettinen-nurminen"), expected, atol=0.01)
    test = score_test_proportions_2indep(*table, value=0, correction=True)
    assert math.isclose(_mn_statistic_by_search(0.0, *table), test.statistic, rel_tol=1e-9)


@pytest.mark.parametrize("table", [(0, 10, 0, 20), (10, 10, 0, 10), (0, 1, 1, 1), (5, 56, 0, 29)])
def test_miettinen_nurminen_at_the_edges(table: Table) -> None:
    low, high = ours(table, "miettinen-nurminen")
    if table[0] == table[1] and table[2] == 0:
        assert high == 1.0
    if table[0] == 0 and table[2] == table[3]:
        assert low == -1.0
    assert -1.0 <= low < high <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.lists(tables(largest=60), min_size=1, max_size=8), st.sampled_from(RD_METHODS))
def test_arrays_give_the_same_limits_as_one_table_at_a_time(many: list[Table], method: str) -> None:
    x1, n1, x2, n2 = (np.array(column) for column in zip(*many, strict=True))
    low, high = risk_difference_limits(x1, n1, x2, n2, method=method)
    assert low.shape == (len(many),)
    for k, table in enumerate(many):
        assert (low[k], high[k]) == ours(table, method)


# --- continuity-corrected methods ---------------------------------------------------------------

# Newcombe RG. Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Stat Med 1998;17:873–890, Table II (95% limits, four decimals).
NEWCOMBE_TABLE_II = {
    (56, 70, 48, 80): {
        "wald": (0.0575, 0.3425),
        "wald-cc": (0.0441, 0.3559),
        "newcombe": (0.0524, 0.3339),
        "newcombe-cc": (0.0428, 0.3422),
    },
    (9, 10, 3, 10): {
        "wald": (0.2605, 0.9395),
        "newcombe": (0.1705, 0.8090),
        "newcombe-cc": (0.1013, 0.8387),
    },
    (0, 10, 0, 10): {
        "wald": (0.0, 0.0),
        "newcombe": (-0.2775, 0.2775),
        "newcombe-cc": (-0.3445, 0.3445),
    },
}


@pytest.mark.parametrize(
    ("table", "method", "published"),
    [(t, m, lim) for t, row in NEWCOMBE_TABLE_II.items() for m, lim in row.items()],
)
def test_newcombe_1998_worked_examples(
    table: Table, method: str, published: tuple[float, float]
) -> None:
    assert [round(v, 4) + 0.0 for v in ours(table, method)] == list(published)


def _corrected_wilson_by_root_search(x: int, n: int, z: float) -> tuple[float, float]:
    """Solve ``|p - π| - 1/(2n) = z·sqrt(π(1-π)/n)`` for π on each side of p."""
    p, half = x / n, 0.5 / n

    def lower(pi: float) -> float:
        return p - pi - half - z * math.sqrt(pi * (1 - pi) / n)

    def upper(pi: float) -> float:
        return pi - p - half - z * math.sqrt(pi * (1 - pi) / n)

    low = 0.0 if x == 0 else optimize.brentq(lower, 0.0, p, xtol=1e-15)
    high = 1.0 if x == n else optimize.brentq(upper, p, 1.0, xtol=1e-15)
    return low, high


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_corrected_wilson_limits_solve_their_defining_equation(count: tuple[int, int]) -> None:
    x, n = count
    z = stats.norm.isf(0.025)
    low, high = wilson_limits(np.array(float(x)), np.array(float(n)), z, cc=True)
    assert_close([low, high], _corrected_wilson_by_root_search(x, n, z), atol=1e-9)


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from(ALPHAS))
def test_corrected_methods_by_their_formulas(table: Table, alpha: float) -> None:
    x1, n1, x2, n2 = table
    z = stats.norm.isf(alpha / 2)
    p1, p2 = x1 / n1, x2 / n2
    # Wald with continuity correction: statsmodels' Wald widened by (1/n1 + 1/n2) / 2
    wald = confint_proportions_2indep(*table, method="wald", alpha=alpha)
    widen = 0.5 * (1 / n1 + 1 / n2)
    assert_close(ours(table, "wald-cc", alpha), clipped((wald[0] - widen, wald[1] + widen)))
    # Newcombe method 11: method 10's combination of the corrected Wilson limits
    l1, u1 = _corrected_wilson_by_root_search(x1, n1, z)
    l2, u2 = _corrected_wilson_by_root_search(x2, n2, z)
    d = p1 - p2
    expected = (d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2))
    assert_close(ours(table, "newcombe-cc", alpha), clipped(expected), atol=1e-9)


# --- published OPTiM figures --------------------------------------------------------------------

# Andtbacka RHI et al. Final analyses of OPTiM. J Immunother Cancer 2019;7:145, Table 2:
# (T-VEC events, n, GM-CSF events, n) -> published difference and 95% CI, percentage points.
OPTIM_FINAL = {
    "DRR": ((57, 295, 2, 141), (17.9, 12.0, 23.1)),
    "ORR": ((93, 295, 9, 141), (25.1, 17.4, 31.7)),
    "DCR": ((225, 295, 80, 141), (19.5, 9.7, 29.3)),
    "DRR IIIB/C": ((29, 88, 0, 43), (33.0, 19.1, 43.9)),
    "DRR IVM1a": ((18, 75, 0, 43), (24.0, 10.5, 35.5)),
    "DRR IIIB-IVM1a": ((47, 163, 0, 86), (28.8, 20.3, 36.5)),
    "DRR IVM1b": ((4, 64, 1, 26), (2.4, -15.8, 12.8)),
    "DRR IVM1c": ((6, 67, 1, 29), (5.5, -11.5, 16.2)),
    "ORR IIIB/C": ((46, 88, 2, 43), (47.6, 31.1, 59.0)),
    "ORR IVM1a": ((29, 75, 2, 43), (34.0, 17.6, 46.6)),
    "ORR IIIB-IVM1a": ((75, 163, 4, 86), (41.4, 30.6, 49.9)),
    "ORR IVM1b": ((9, 64, 2, 26), (6.4, -13.8, 19.5)),
    "ORR IVM1c": ((9, 67, 3, 29), (3.1, -16.3, 16.5)),
}


def _published_form(table: Table, method: str) -> tuple[float, float, float]:
    result = risk_difference(*table, method=method)
    return tuple(round(100 * v, 1) + 0.0 for v in (result.estimate, *result.ci.as_list()))  # type: ignore[return-value]


@pytest.mark.parametrize("row", list(OPTIM_FINAL))
def test_newcombe_cc_reproduces_every_difference_of_the_final_optim_analysis(row: str) -> None:
    table, published = OPTIM_FINAL[row]
    assert _published_form(table, "newcombe-cc") == published


@pytest.mark.parametrize("method", [m for m in RD_METHODS if m != "newcombe-cc"])
def test_no_other_method_reproduces_the_published_drr_and_orr_intervals(method: str) -> None:
    for row in ("DRR", "ORR"):
        table, published = OPTIM_FINAL[row]
        assert _published_form(table, method) != published


def test_the_trial_data_names_the_method_and_its_counts_give_the_published_figures() -> None:
    final = load_trial("optim").final_analysis
    assert final is not None
    assert final.rd_method == "newcombe-cc"
    assert "J Immunother Cancer 2019;7:145" in final.source
    assert "tvec's ruling" in final.rd_method_source
    arms = load_trial("optim").arms
    for events, difference, ci in (
        (
            (final.tvec_durable_responders, final.gmcsf_durable_responders),
            final.drr_difference,
            final.drr_difference_ci,
        ),
        (
            (final.tvec_objective_responders, final.gmcsf_objective_responders),
            final.orr_difference,
            final.orr_difference_ci,
        ),
    ):
        table = (events[0], arms[0].n, events[1], arms[1].n)
        assert _published_form(table, final.rd_method) == (
            float(difference),
            float(ci[0]),
            float(ci[1]),
        )


def test_the_trials_method_is_one_tvec_offers() -> None:
    final = load_trial("optim").final_analysis
    assert final is not None
    assert final.rd_method in RD_METHODS


def test_a_final_analysis_with_more_responders_than_patients_is_refused(tmp_path: Path) -> None:
    text = Path(str(DATA / "trials" / "optim.toml")).read_text(encoding="utf-8")
    broken = tmp_path / "optim.toml"
    broken.write_text(
        text.replace("tvec_objective_responders = 93", "tvec_objective_responders = 300")
    )
    with pytest.raises(KnowledgeError, match="responders cannot outnumber"):
        load_trial_file(broken)


# --- the one entry point ------------------------------------------------------------------------


def test_newcombe_stays_the_default_and_every_method_is_offered() -> None:
    result = risk_difference(20, 50, 10, 50)
    assert result.method == "newcombe"
    assert result.ci == result.newcombe
    for method in RD_METHODS:
        chosen = risk_difference(20, 50, 10, 50, method=method)
        assert chosen.method == method
        assert chosen.ci.as_list() == list(ours((20, 50, 10, 50), method))


def test_an_unknown_method_is_refused_naming_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="exact") as refused:
        risk_difference(20, 50, 10, 50, method="exact")
    for method in RD_METHODS:
        assert method in str(refused.value)


def test_every_method_is_named_with_its_reference() -> None:
    assert "Newcombe, Stat Med 1998;17:873–90, method 11" in method_title("newcombe-cc")
    assert "Agresti & Caffo, Am Stat 2000;54:280–8" in method_title("agresti-caffo")
    assert "Miettinen & Nurminen, Stat Med 1985;4:213–26" in method_title("miettinen-nurminen")


# --- the outcomes report ------------------------------------------------------------------------

CC_TITLE = "Newcombe hybrid score with continuity correction (Newcombe, Stat Med 1998;17:873–90"


def test_the_report_comparison_uses_the_publications_method_and_says_so() -> None:
    criteria = load_criteria("modified-who")
    cohort = small_cohort()
    endpoints, _ = compute_endpoints(cohort, cohort_responses(cohort, criteria), criteria)
    trial = load_trial("optim")
    table = comparison_table(endpoints, trial, "OPTiM")
    row = next(r for r in table.rows if r[0].startswith("DRR difference"))
    assert row[2].startswith("17.9 (12.0–23.1)")
    assert endpoints.comparison is not None
    drr = endpoints.comparison.drr
    expected = risk_difference(drr.a.events, drr.a.n, drr.b.events, drr.b.n, method="newcombe-cc")
    low, high = expected.ci.as_list()
    assert row[1] == f"{100 * expected.estimate:.1f} ({100 * low:.1f}–{100 * high:.1f})"
    assert f"95% CI by {CC_TITLE}" in table.note
    intervals = dict(methods(criteria, trial, "OPTiM", ""))["Intervals"]
    assert f"95% CI by {CC_TITLE}" in intervals
    assert "J Immunother Cancer 2019;7:145" in intervals


def test_without_a_final_analysis_the_report_uses_newcombe_and_the_published_counts(
    tmp_path: Path,
) -> None:
    text = Path(str(DATA / "trials" / "optim.toml")).read_text(encoding="utf-8")
    start = text.index("[final_analysis]")
    end = text.index("\n[", start + 1)
    no_final = tmp_path / "optim.toml"
    no_final.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    trial = load_trial_file(no_final)
    assert trial.final_analysis is None
    criteria = load_criteria("modified-who")
    cohort = small_cohort()
    endpoints, _ = compute_endpoints(cohort, cohort_responses(cohort, criteria), criteria)
    table = comparison_table(endpoints, trial, "OPTiM")
    row = next(r for r in table.rows if r[0].startswith("DRR difference"))
    tvec, gmcsf = trial.arm("T-VEC"), trial.arm("GM-CSF")
    published = 100 * (tvec.durable_responders / tvec.n - gmcsf.durable_responders / gmcsf.n)
    assert row[2] == f"{published:.1f}\nfrom the published counts"
    assert endpoints.comparison is not None
    drr = endpoints.comparison.drr
    expected = risk_difference(drr.a.events, drr.a.n, drr.b.events, drr.b.n, method="newcombe")
    low, high = expected.ci.as_list()
    assert row[1] == f"{100 * expected.estimate:.1f} ({100 * low:.1f}–{100 * high:.1f})"
    assert f"DRR difference: 95% CI by {method_title('newcombe')}." in table.note
    assert "final analysis" not in table.note
