"""Endpoints of a cohort (`tvec.analytics.endpoints`) against independent counts, the domain
response engine, the two-arm statistics computed by hand, and the published OPTiM figures."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import numpy as np
import pytest

from tvec.analytics.caveats import StatisticalWarning
from tvec.analytics.cohort import Cohort, CohortError, CohortResponses
from tvec.analytics.endpoints import (
    DAYS_PER_MONTH,
    Endpoints,
    cohort_endpoints,
    lesion_changes,
    months,
    pfs_days,
    spd_best_change,
)
from tvec.analytics.mantel_haenszel import mantel_haenszel
from tvec.analytics.proportions import compare_proportions, exact_interval, wilson_interval
from tvec.domain.response import (
    Category,
    DurableStatus,
    Measurement,
    ResponseAssessment,
    assess_response,
)
from tvec.domain.rules import ResponseCriteria, Site
from tvec.knowledge import load_criteria

T = TypeVar("T")
START = dt.date(2024, 1, 15)
DAYS = (0, 28, 56, 84, 140, 200, 260, 320)
MODIFIED_WHO = load_criteria("modified-who")
WHO = load_criteria("who")


def quietly(compute: Callable[[], T]) -> T:
    """Run `compute`, ignoring the statistical caveats small hand-made cohorts always raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return compute()


# --- a hand-made cohort ---------------------------------------------------------------------------


@dataclass
class Lesion:
    site: str
    injected: bool
    sizes: list[tuple[float, float]]  # one (longest, perpendicular) per assessment from first_day
    first_day: int = 0


@dataclass
class Patient:
    arm: str
    stage: str
    line: str
    lesions: list[Lesion]
    days: Sequence[int] = DAYS
    os_days: int = 400
    os_event: int = 0
    age: int = 60


@dataclass
class Tables:
    columns: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, **values: Any) -> None:
        for name, value in values.items():
            self.columns.setdefault(name, []).append(value)


DTYPES: dict[str, Any] = {
    "patient_id": np.int64,
    "lesion_id": np.int64,
    "age": np.int64,
    "os_days": np.int64,
    "os_event": np.int64,
    "first_day": np.int64,
    "day": np.int64,
    "injected": bool,
    "longest_cm": np.float64,
    "perpendicular_cm": np.float64,
    "start_date": "datetime64[D]",
    "arm": str,
    "stage": str,
    "line": str,
    "site": str,
}
PATIENT_COLUMNS = ("patient_id", "arm", "stage", "line", "age", "start_date", "os_days", "os_event")
LESION_COLUMNS = ("patient_id", "lesion_id", "site", "injected", "first_day")
MEASUREMENT_COLUMNS = ("patient_id", "lesion_id", "day", "longest_cm", "perpendicular_cm")


def _arrays(tables: Tables, names: Sequence[str]) -> dict[str, np.ndarray[Any, Any]]:
    return {n: np.asarray(tables.columns.get(n, []), dtype=DTYPES[n]) for n in names}


def build(patients: Sequence[Patient]) -> Cohort:
    """The registry tables of `patients` (ids 1..n, lesions 1..k; sorted as the format says)."""
    pts, les, rows = Tables(), Tables(), []
    for pid, p in enumerate(patients, start=1):
        pts.add(
            patient_id=pid,
            arm=p.arm,
            stage=p.stage,
            line=p.line,
            age=p.age,
            start_date=np.datetime64(START, "D"),
            os_days=p.os_days,
            os_event=p.os_event,
        )
        for lid, lesion in enumerate(p.lesions, start=1):
            les.add(
                patient_id=pid,
                lesion_id=lid,
                site=lesion.site,
                injected=lesion.injected,
                first_day=lesion.first_day,
            )
            days = [d for d in p.days if d >= lesion.first_day]
            assert len(days) == len(lesion.sizes), (pid, lid)
            rows += [(pid, d, lid, a, b) for d, (a, b) in zip(days, lesion.sizes, strict=True)]
    mes = Tables()
    for pid, day, lid, a, b in sorted(rows):
        mes.add(patient_id=pid, lesion_id=lid, day=day, longest_cm=a, perpendicular_cm=b)
    return Cohort(
        _arrays(pts, PATIENT_COLUMNS),
        _arrays(les, LESION_COLUMNS),
        _arrays(mes, MEASUREMENT_COLUMNS),
    )


def domain_assessments(cohort: Cohort, criteria: ResponseCriteria) -> list[ResponseAssessment]:
    """Each patient through `tvec.domain.response.assess_response`, one at a time."""
    lesions = {
        (int(p), int(lid)): (Site(str(site)), bool(inj))
        for p, lid, site, inj in zip(*(cohort.lesions[c] for c in LESION_COLUMNS[:4]), strict=True)
    }
    results = []
    for pid, start in zip(
        cohort.patients["patient_id"], cohort.patients["start_date"], strict=True
    ):
        first = start.astype(dt.date)
        m = cohort.measurements
        rows = [
            Measurement(
                day=first + dt.timedelta(days=int(day)),
                lesion_id=f"L{int(lid)}",
                longest_cm=Decimal(str(a)),
                perpendicular_cm=Decimal(str(b)),
                site=lesions[int(p), int(lid)][0],
                injected=lesions[int(p), int(lid)][1],
            )
            for p, lid, day, a, b in zip(*(m[c] for c in MEASUREMENT_COLUMNS), strict=True)
            if p == pid
        ]
        results.append(assess_response(criteria, first, rows))
    return results


def domain_responses(cohort: Cohort, criteria: ResponseCriteria) -> CohortResponses:
    """`CohortResponses` from the domain engine (this test's own reference)."""
    results = domain_assessments(cohort, criteria)

    def optional(values: list[int | None]) -> np.ndarray[Any, Any]:
        return np.array([math.nan if v is None else v for v in values], dtype=float)

    return CohortResponses(
        {
            "patient_id": np.asarray(cohort.patients["patient_id"]),
            "best": np.array([r.best_overall_response.value for r in results]),
            "responded": np.array([r.time_to_response_days is not None for r in results]),
            "time_to_response_days": optional([r.time_to_response_days for r in results]),
            "duration_of_response_days": optional([r.duration_of_response_days for r in results]),
            "response_ongoing": np.array([bool(r.response_ongoing) for r in results]),
            "durable": np.array([r.durable_response is DurableStatus.YES for r in results]),
            "progression_day": optional(
                [
                    next((a.day for a in r.assessments if a.category is Category.PD), None)
                    for r in results
                ]
            ),
            "last_assessment_day": np.array([r.assessments[-1].day for r in results]),
        }
    )


def shrinking(longest: float, factor: float, n: int = len(DAYS)) -> list[tuple[float, float]]:
    """Sizes that shrink by `factor` per assessment (0 x 0 once below 0.3 cm)."""
    sizes = []
    for k in range(n):
        a = round(longest * factor**k, 1)
        b = round(a * 0.8, 1)
        sizes.append((a, b) if a >= 0.3 and b > 0 else (0.0, 0.0))
    return sizes


def steady(a: float, b: float, n: int = len(DAYS)) -> list[tuple[float, float]]:
    return [(a, b)] * n


GROWING = [(2.0, 1.5), (2.2, 1.6), (3.0, 2.0), (3.5, 2.5), (4.0, 3.0), (4.5, 3.0), (5.0, 3.0)]


def small_cohort() -> Cohort:
    """Eight patients in two arms covering CR, PR, SD, PD, NE, new lesions and every group."""
    return build(
        [
            Patient(  # complete response of an injected lesion; a visceral lesion shrinks 50%
                "T-VEC",
                "IIIB",
                "first",
                [
                    Lesion("cutaneous", True, shrinking(3.0, 0.5)),
                    Lesion("visceral", False, [(2.0, 2.0), *[(2.0, 1.0)] * 7]),
                ],
                os_days=600,
            ),
            Patient(  # progression; dies after it
                "T-VEC",
                "IIIC",
                "later",
                [Lesion("nodal", False, [*GROWING, (5.5, 3.0)])],
                os_days=300,
                os_event=1,
            ),
            Patient(  # partial response, uninjected lesion resolves, an injected one shrinks
                "T-VEC",
                "IVM1a",
                "first",
                [
                    Lesion("subcutaneous", True, shrinking(4.0, 0.7)),
                    Lesion("cutaneous", False, shrinking(1.0, 0.5)),
                ],
            ),
            Patient(  # stable disease, then a new lesion appears on day 140
                "T-VEC",
                "IVM1b",
                "later",
                [
                    Lesion("cutaneous", True, steady(2.0, 1.5)),
                    Lesion("nodal", False, [(1.0, 1.0), (0.8, 0.8), (0.4, 0.4), (0.4, 0.4)], 140),
                ],
                os_days=500,
                os_event=1,
            ),
            Patient(  # only a baseline: not evaluable
                "T-VEC",
                "IIIB",
                "first",
                [Lesion("cutaneous", True, [(2.0, 1.0)])],
                days=(0,),
                os_days=30,
                os_event=1,
            ),
            Patient(  # partial response without an injected lesion
                "GM-CSF",
                "IIIB",
                "first",
                [
                    Lesion(
                        "subcutaneous",
                        False,
                        [(2.0, 1.5), (1.5, 1.0), (1.0, 0.8), *[(0.8, 0.5)] * 5],
                    )
                ],
            ),
            Patient(  # early progression, dies before the next assessment
                "GM-CSF",
                "IVM1a",
                "first",
                [
                    Lesion("cutaneous", False, [(2.0, 1.5), (2.5, 2.0), (3.0, 2.0)]),
                    Lesion("visceral", False, [(1.0, 1.0), (1.2, 1.0)], 28),
                ],
                days=(0, 28, 56),
                os_days=70,
                os_event=1,
            ),
            Patient(  # stable disease
                "GM-CSF",
                "IIIC",
                "later",
                [Lesion("visceral", False, steady(3.0, 2.0))],
                os_days=250,
            ),
        ]
    )


def handmade_responses(best: Sequence[str], durable: Sequence[bool]) -> CohortResponses:
    """Responses written by hand: only best, responded and durable matter for the rates."""
    n = len(best)
    responded = np.array([b in ("CR", "PR") for b in best])
    return CohortResponses(
        {
            "patient_id": np.arange(1, n + 1),
            "best": np.array(best),
            "responded": responded,
            "time_to_response_days": np.where(responded, 56.0, np.nan),
            "duration_of_response_days": np.where(responded, 200.0, np.nan),
            "response_ongoing": responded.copy(),
            "durable": np.array(durable),
            "progression_day": np.where(np.array(best) == "PD", 56.0, np.nan),
            "last_assessment_day": np.full(n, 320),
        }
    )


def bare_cohort(arms: Sequence[str], stages: Sequence[str], lines: Sequence[str]) -> Cohort:
    """Patients only (no lesions), for the rate and subgroup tests."""
    n = len(arms)
    empty_int = np.zeros(0, np.int64)
    return Cohort(
        {
            "patient_id": np.arange(1, n + 1),
            "arm": np.array(arms),
            "stage": np.array(stages),
            "line": np.array(lines),
            "age": np.full(n, 60),
            "start_date": np.full(n, np.datetime64(START, "D")),
            "os_days": np.arange(n) % 700 + 30,
            "os_event": np.arange(n) % 3 == 0,
        },
        {
            "patient_id": empty_int,
            "lesion_id": empty_int,
            "site": np.zeros(0, str),
            "injected": np.zeros(0, bool),
            "first_day": empty_int,
        },
        {
            "patient_id": empty_int,
            "lesion_id": empty_int,
            "day": empty_int,
            "longest_cm": np.zeros(0),
            "perpendicular_cm": np.zeros(0),
        },
    )


# --- rates ----------------------------------------------------------------------------------------


def test_orr_cr_and_drr_match_an_independent_count_per_arm() -> None:
    best = ["CR", "PR", "PR", "SD", "PD", "NE", "CR", "SD", "PR", "PD", "PD", "SD"]
    durable = [True, True, False, False, False, False, False, False, True, False, False, False]
    arms = ["T-VEC"] * 6 + ["GM-CSF"] * 6
    cohort = bare_cohort(arms, ["IIIB"] * 12, ["first"] * 12)
    result = quietly(lambda: cohort_endpoints(cohort, handmade_responses(best, durable), WHO))

    for name in ("T-VEC", "GM-CSF"):
        mine = [k for k in range(12) if arms[k] == name]
        arm = result.arm(name)
        assert arm.n == len(mine)
        assert arm.orr.events == sum(1 for k in mine if best[k] in ("CR", "PR"))
        assert arm.cr_rate.events == sum(1 for k in mine if best[k] == "CR")
        assert arm.pr_rate.events == sum(1 for k in mine if best[k] == "PR")
        assert arm.drr.events == sum(1 for k in mine if durable[k])
        counts = arm.counts
        assert (counts.cr, counts.pr, counts.sd, counts.pd, counts.ne) == tuple(
            sum(1 for k in mine if best[k] == code) for code in ("CR", "PR", "SD", "PD", "NE")
        )
        assert arm.drr.wilson == wilson_interval(arm.drr.events, arm.n)
        assert arm.drr.exact == exact_interval(arm.drr.events, arm.n)
    assert result.arm_names == ("T-VEC", "GM-CSF")  # the trial's order, not alphabetical
    assert result.comparison is not None
    assert (result.comparison.drr.a.events, result.comparison.drr.b.events) == (2, 1)


def test_a_single_arm_cohort_has_rates_but_no_comparison() -> None:
    cohort = bare_cohort(["T-VEC"] * 4, ["IIIB", "IIIC", "IIIB", "IVM1c"], ["first"] * 4)
    responses = handmade_responses(["CR", "PR", "SD", "PD"], [True, False, False, False])
    result = quietly(lambda: cohort_endpoints(cohort, responses, MODIFIED_WHO))
    assert result.comparison is None
    assert result.stage_adjusted_drr is None
    assert [s.relative_risk for s in result.subgroups] == [None] * len(result.subgroups)
    assert [(s.level, s.n) for s in result.subgroups if s.factor == "stage"] == [
        ("IIIB", (2,)),
        ("IIIC", (1,)),
        ("IVM1c", (1,)),
    ]
    assert result.arm("T-VEC").drr.rate == 0.25


def test_time_to_response_is_reported_in_months_of_365_25_over_12_days() -> None:
    assert DAYS_PER_MONTH == 365.25 / 12 == 30.4375
    cohort = build(
        [Patient("T-VEC", "IIIB", "first", [Lesion("cutaneous", True, shrinking(3.0, 0.5))])] * 3
    )
    responses = domain_responses(cohort, MODIFIED_WHO)
    result = quietly(lambda: cohort_endpoints(cohort, responses, MODIFIED_WHO))
    ttr = result.arm("T-VEC").time_to_response
    onset = float(responses.columns["time_to_response_days"][0])
    assert ttr.n == 3
    assert ttr.median_months == pytest.approx(onset / 30.4375)
    assert months([365.25]) == pytest.approx([12.0])


def test_responses_out_of_step_with_the_patients_are_refused() -> None:
    cohort = bare_cohort(["T-VEC"] * 3, ["IIIB"] * 3, ["first"] * 3)
    shuffled = handmade_responses(["CR", "PR", "SD"], [True, False, False])
    shuffled.columns["patient_id"] = np.array([2, 1, 3])
    with pytest.raises(CohortError, match="patient_id"):
        cohort_endpoints(cohort, shuffled, WHO)


# --- time to event --------------------------------------------------------------------------------


def test_pfs_event_is_the_first_pd_or_death_else_censored_at_the_last_assessment() -> None:
    cohort = bare_cohort(["T-VEC"] * 6, ["IIIB"] * 6, ["first"] * 6)
    patients = dict(cohort.patients)
    #                                PD then death, death first, death only, neither, NE, PD only
    patients["os_days"] = np.array([300, 40, 250, 500, 10, 400])
    patients["os_event"] = np.array([1, 1, 1, 0, 0, 0])
    cohort = Cohort(patients, cohort.lesions, cohort.measurements)
    responses = handmade_responses(["PD", "PD", "SD", "PR", "NE", "PD"], [False] * 6)
    responses.columns["progression_day"] = np.array([56.0, 84.0, np.nan, np.nan, np.nan, 140.0])
    responses.columns["last_assessment_day"] = np.array([56, 28, 200, 320, 0, 280])

    time, event = pfs_days(cohort, responses)

    assert time.tolist() == [56.0, 40.0, 250.0, 320.0, 0.0, 140.0]
    assert event.tolist() == [True, True, True, False, False, True]
    result = quietly(lambda: cohort_endpoints(cohort, responses, WHO))
    curve = result.arm("T-VEC").progression_free_survival
    assert curve.n_events == 4
    assert curve.time.tolist() == pytest.approx((np.unique(time) / DAYS_PER_MONTH).tolist())


def test_os_and_duration_of_response_curves_use_the_right_patients() -> None:
    cohort = small_cohort()
    responses = domain_responses(cohort, MODIFIED_WHO)
    result = quietly(lambda: cohort_endpoints(cohort, responses, MODIFIED_WHO))
    tvec = result.arm("T-VEC")
    assert tvec.overall_survival.n == 5
    assert tvec.overall_survival.n_events == 3
    responders = responses.columns["responded"][:5]
    dor = tvec.duration_of_response
    assert dor is not None
    assert dor.n == int(responders.sum())
    ended = ~responses.columns["response_ongoing"][:5][responders]
    assert dor.n_events == int(ended.sum())
    assert tvec.os_landmarks.time.tolist() == [12.0, 24.0]
    comparison = result.comparison
    assert comparison is not None
    assert comparison.os_logrank.groups == ("GM-CSF", "T-VEC")


# --- lesions --------------------------------------------------------------------------------------


@pytest.mark.parametrize("criteria", [MODIFIED_WHO, WHO], ids=["modified-who", "who"])
def test_lesion_level_groups_match_the_domain_engine_summary(criteria: ResponseCriteria) -> None:
    cohort = small_cohort()
    domain = domain_assessments(cohort, criteria)
    result = quietly(lambda: cohort_endpoints(cohort, domain_responses(cohort, criteria), criteria))
    arms = cohort.patients["arm"]
    for row in result.lesion_groups:
        summaries = [
            s
            for a, assessment in zip(arms, domain, strict=True)
            if a == row.arm
            for s in assessment.lesion_summary
            if s.group.value == row.group
        ]
        assert row.lesions == sum(s.lesions for s in summaries), row
        assert row.shrank_count == sum(s.shrank_count for s in summaries), row
        assert row.resolved_count == sum(s.resolved_count for s in summaries), row
        assert row.shrank_at_least_pct == float(criteria.lesion_level.min_shrinkage_pct)
    groups = {(r.arm, r.group): r.lesions for r in result.lesion_groups}
    assert all(groups[arm, group] > 0 for arm, group in [
        ("T-VEC", "injected"), ("T-VEC", "uninjected non-visceral"), ("T-VEC", "visceral"),
        ("GM-CSF", "uninjected non-visceral"), ("GM-CSF", "visceral"),
    ])  # fmt: skip


def test_per_lesion_best_change_matches_the_domain_engine() -> None:
    cohort = small_cohort()
    changes = lesion_changes(cohort, MODIFIED_WHO)
    expected = {
        (pid, int(c.lesion_id.removeprefix("L"))): (float(c.best_change_pct), c.resolved)
        for pid, assessment in zip(
            cohort.patients["patient_id"], domain_assessments(cohort, MODIFIED_WHO), strict=True
        )
        for c in assessment.lesions
    }
    seen = {
        (int(p), int(lid)): (float(change), bool(gone))
        for p, lid, change, gone, ok in zip(
            changes.patient_id,
            changes.lesion_id,
            changes.best_change_pct,
            changes.resolved,
            changes.evaluable,
            strict=True,
        )
        if ok
    }
    assert seen.keys() == expected.keys()
    for key, (change, gone) in expected.items():
        assert seen[key][0] == change  # the exact fraction, rounded once
        assert seen[key][1] == gone


def test_a_lesion_exactly_at_the_threshold_counts_as_shrunk() -> None:
    # 4.4 x 2.2 = 9.68 -> 2.2 x 2.2 = 4.84: exactly 50% in decimals, not quite in binary floats
    cohort = build(
        [
            Patient(
                "T-VEC",
                "IIIB",
                "first",
                [Lesion("cutaneous", True, [(4.4, 2.2), (2.2, 2.2)])],
                days=(0, 28),
            )
        ]
    )
    assert bool(lesion_changes(cohort, MODIFIED_WHO).shrank[0])
    (summary, *_) = domain_assessments(cohort, MODIFIED_WHO)[0].lesion_summary
    assert summary.shrank_count == 1


def test_the_lesion_threshold_comes_from_the_criteria_object() -> None:
    from dataclasses import replace

    from tvec.domain.rules import LesionLevelRule

    strict = replace(MODIFIED_WHO, lesion_level=LesionLevelRule(Decimal(90), "test"))
    cohort = small_cohort()
    loose = lesion_changes(cohort, MODIFIED_WHO).shrank.sum()
    tight = lesion_changes(cohort, strict).shrank.sum()
    assert tight < loose


@pytest.mark.parametrize("criteria", [MODIFIED_WHO, WHO], ids=["modified-who", "who"])
def test_best_spd_change_matches_the_domain_engine(criteria: ResponseCriteria) -> None:
    cohort = small_cohort()
    best = spd_best_change(cohort, criteria)
    for value, assessment in zip(best, domain_assessments(cohort, criteria), strict=True):
        later = [a.change_from_baseline_pct for a in assessment.assessments[1:]]
        if not later:
            assert math.isnan(value)
        else:
            assert value == float(min(c for c in later if c is not None))


def test_a_measurement_of_an_unknown_lesion_is_refused() -> None:
    cohort = small_cohort()
    lesions = {k: v[1:] for k, v in cohort.lesions.items()}
    with pytest.raises(CohortError, match="not in the lesions table"):
        lesion_changes(Cohort(cohort.patients, lesions, cohort.measurements), MODIFIED_WHO)


# --- subgroups ------------------------------------------------------------------------------------


def subgroup_cohort() -> tuple[Cohort, CohortResponses]:
    rng = np.random.default_rng(7)
    n = 240
    arms = np.where(np.arange(n) % 3 == 2, "GM-CSF", "T-VEC")
    stages = np.array(["IIIB", "IIIC", "IVM1a", "IVM1b", "IVM1c"])[rng.integers(0, 5, n)]
    lines = np.where(rng.random(n) < 0.5, "first", "later")
    durable = rng.random(n) < np.where(arms == "T-VEC", 0.3, 0.08)
    best = np.where(durable, "PR", "SD")
    return bare_cohort(list(arms), list(stages), list(lines)), handmade_responses(
        list(best), list(durable)
    )


def test_subgroup_ratios_equal_compare_proportions_on_the_subgroup_counts() -> None:
    cohort, responses = subgroup_cohort()
    result = quietly(lambda: cohort_endpoints(cohort, responses, MODIFIED_WHO))
    arm, durable = cohort.patients["arm"], responses.columns["durable"]
    for sub in result.subgroups:
        here = cohort.patients[sub.factor] == sub.level
        a = int((here & (arm == "T-VEC") & durable).sum())
        n_a = int((here & (arm == "T-VEC")).sum())
        c = int((here & (arm == "GM-CSF") & durable).sum())
        n_c = int((here & (arm == "GM-CSF")).sum())
        by_hand = quietly(partial(compare_proportions, a, n_a, c, n_c))
        assert sub.n == (n_a, n_c)
        assert sub.drr[0] == by_hand.a
        assert sub.drr[1] == by_hand.b
        assert sub.relative_risk == by_hand.relative_risk
        assert sub.odds_ratio == by_hand.odds_ratio
    levels = [(s.factor, s.level) for s in result.subgroups]
    assert levels == [
        ("stage", "IIIB"), ("stage", "IIIC"), ("stage", "IVM1a"), ("stage", "IVM1b"),
        ("stage", "IVM1c"), ("line", "first"), ("line", "later"),
    ]  # fmt: skip


def test_the_stage_adjusted_odds_ratio_is_mantel_haenszel_over_the_stage_tables() -> None:
    cohort, responses = subgroup_cohort()
    result = quietly(lambda: cohort_endpoints(cohort, responses, MODIFIED_WHO))
    tables = [
        [[s.drr[0].events, s.n[0] - s.drr[0].events], [s.drr[1].events, s.n[1] - s.drr[1].events]]
        for s in result.subgroups
        if s.factor == "stage" and s.drr[0] is not None and s.drr[1] is not None
    ]
    assert result.stage_adjusted_drr == mantel_haenszel(tables)


def test_an_empty_cell_makes_a_subgroup_ratio_not_estimable_with_a_caveat() -> None:
    cohort = bare_cohort(["T-VEC", "T-VEC", "GM-CSF", "GM-CSF"], ["IIIB"] * 4, ["first"] * 4)
    responses = handmade_responses(["PR", "SD", "SD", "SD"], [True, False, False, False])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        result = cohort_endpoints(cohort, responses, WHO)
    assert any("relative risk is undefined" in str(w.message) for w in caught)
    assert all(w.category is StatisticalWarning for w in caught)
    assert result.subgroups[0].relative_risk is not None
    assert result.subgroups[0].relative_risk.estimate is None


# --- the published trial --------------------------------------------------------------------------


def optim_cohort() -> tuple[Cohort, CohortResponses]:
    """436 patients with OPTiM's counts: 48/295 durable responders vs 3/141."""
    arms = ["T-VEC"] * 295 + ["GM-CSF"] * 141
    durable = [k < 48 for k in range(295)] + [k < 3 for k in range(141)]
    best = ["PR" if d else "SD" for d in durable]
    stages = [("IIIB", "IIIC", "IVM1a", "IVM1b", "IVM1c")[k % 5] for k in range(436)]
    return bare_cohort(arms, stages, ["first"] * 436), handmade_responses(best, durable)


def test_a_cohort_with_optims_counts_gives_the_published_relative_risk() -> None:
    cohort, responses = optim_cohort()
    result: Endpoints = quietly(lambda: cohort_endpoints(cohort, responses, MODIFIED_WHO))
    comparison = result.comparison
    assert comparison is not None
    rr = comparison.drr.relative_risk
    assert rr.estimate is not None
    assert rr.ci is not None
    assert round(rr.estimate, 1) == 7.6
    assert (round(rr.ci.low, 1), round(rr.ci.high, 1)) == (2.4, 24.1)
    assert round(100 * result.arm("T-VEC").drr.rate, 1) == 16.3
    assert round(100 * result.arm("GM-CSF").drr.rate, 1) == 2.1
    assert comparison.drr.fisher_exact_p < 1e-4


def test_the_cohort_engine_gives_the_same_endpoints_as_the_domain_engine() -> None:
    from tvec.analytics.cohort_engine import cohort_responses

    cohort = small_cohort()
    fast = quietly(
        lambda: cohort_endpoints(cohort, cohort_responses(cohort, MODIFIED_WHO), MODIFIED_WHO)
    )
    slow = quietly(
        lambda: cohort_endpoints(cohort, domain_responses(cohort, MODIFIED_WHO), MODIFIED_WHO)
    )
    for a, b in zip(fast.arms, slow.arms, strict=True):
        assert (a.counts, a.orr, a.drr, a.time_to_response) == (
            b.counts,
            b.orr,
            b.drr,
            b.time_to_response,
        )
        assert (
            a.progression_free_survival.time.tolist() == b.progression_free_survival.time.tolist()
        )
