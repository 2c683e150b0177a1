"""The vectorised cohort response engine equals the domain engine, patient by patient, exactly.

One rule, two executions: `cohort_responses` (NumPy, whole registry) against
`cohort_responses_reference` (`tvec.domain.response.assess_response` per patient), on hand-made
edge cases, Hypothesis-generated cohorts (bundled and perturbed criteria) and a synthetic registry.
The same cohorts hold the lesion-level results and the best SPD change of
`tvec.analytics.cohort_lesions` equal to the domain's, lesion by lesion and patient by patient:
categories and exact sizes as integers, percentages as the exact fraction rounded once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tvec.analytics import cohort_engine
from tvec.analytics.cohort import SITES, Cohort, CohortError, CohortResponses
from tvec.analytics.cohort_engine import (
    add_months,
    cohort_responses,
    cohort_responses_reference,
    domain_assessments,
    reference_columns,
)
from tvec.analytics.cohort_lesions import lesion_changes, measurement_index, spd_changes
from tvec.analytics.synth import synthesize
from tvec.domain.calendar import add_months as domain_add_months
from tvec.domain.errors import InvalidInput
from tvec.domain.response import ResponseAssessment
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge import load_criteria

MODIFIED_WHO = load_criteria("modified-who")
WHO = load_criteria("who")
BUNDLED = [MODIFIED_WHO, WHO]

Sizes = dict[int, tuple[float, float]]  # lesion id -> (longest cm, perpendicular cm)


@dataclass(frozen=True)
class Case:
    """One patient: the assessments as (day, sizes of every lesion known by then)."""

    visits: tuple[tuple[int, Sizes], ...]
    start: dt.date = dt.date(2024, 1, 31)


def make_cohort(cases: Sequence[Case]) -> Cohort:
    """The three registry tables for the cases (patient ids 101, 102, ...)."""
    patients: dict[str, list[object]] = {k: [] for k in ("patient_id", "start_date", "os_days")}
    lesions: dict[str, list[int]] = {k: [] for k in ("patient_id", "lesion_id", "first_day")}
    rows: list[tuple[int, int, int, float, float]] = []
    for number, case in enumerate(cases, start=101):
        patients["patient_id"].append(number)
        patients["start_date"].append(case.start)
        patients["os_days"].append(case.visits[-1][0] + 30)
        first_day: dict[int, int] = {}
        for day, sizes in case.visits:
            for lesion, (longest, perpendicular) in sizes.items():
                first_day.setdefault(lesion, day)
                rows.append((number, day, lesion, longest, perpendicular))
        for lesion, day in first_day.items():
            for key, value in zip(lesions, (number, lesion, day), strict=True):
                lesions[key].append(value)
    rows.sort()
    n = len(cases)
    return Cohort(
        patients={
            "patient_id": np.array(patients["patient_id"], np.int64),
            "arm": np.array(["T-VEC", "GM-CSF"] * n)[:n],
            "stage": np.full(n, "IIIB"),
            "line": np.full(n, "first"),
            "age": np.full(n, 60, np.int64),
            "start_date": np.array(patients["start_date"], "datetime64[D]"),
            "os_days": np.array(patients["os_days"], np.int64),
            "os_event": np.zeros(n, np.int64),
        },
        lesions={
            "patient_id": np.array(lesions["patient_id"], np.int64),
            "lesion_id": np.array(lesions["lesion_id"], np.int64),
            "site": np.array([SITES[k % 4] for k in lesions["lesion_id"]]),
            "injected": np.array([k % 2 == 0 for k in lesions["lesion_id"]]),
            "first_day": np.array(lesions["first_day"], np.int64),
        },
        measurements={
            "patient_id": np.array([r[0] for r in rows], np.int64),
            "lesion_id": np.array([r[2] for r in rows], np.int64),
            "day": np.array([r[1] for r in rows], np.int64),
            "longest_cm": np.array([r[3] for r in rows], np.float64),
            "perpendicular_cm": np.array([r[4] for r in rows], np.float64),
        },
    )


def assert_same(ours: CohortResponses, reference: CohortResponses) -> None:
    assert set(ours.columns) == set(reference.columns)
    for name, expected in reference.columns.items():
        actual = ours.columns[name]
        assert actual.dtype.kind == expected.dtype.kind, name
        np.testing.assert_array_equal(actual, expected, err_msg=name)


def exact_pct(value: int, reference: int) -> Fraction:
    return Fraction(100 * (value - reference), reference)


def assert_same_lesions(
    cohort: Cohort, criteria: ResponseCriteria, reference: Sequence[ResponseAssessment]
) -> None:
    """Lesion-level results and best SPD change equal the domain's, patient by patient.

    Groups, evaluability, shrinkage and resolution compare as they are; first products and sums
    of products as exact integers (mm² against the domain's exact cm²). Percent changes: the
    engine's exact fraction rounded once into a `Decimal` equals the domain's SPD change (which
    the domain rounds once); for both changes the float a report shows equals the exact fraction
    correctly rounded, and the domain's `Decimal` as a float.
    """
    lesions = lesion_changes(cohort, criteria)
    spd = spd_changes(cohort, criteria)
    best_spd = spd.best_change_pct
    for row, (patient, result) in enumerate(
        zip(cohort.patients["patient_id"].tolist(), reference, strict=True)
    ):
        mine = np.flatnonzero((lesions.patient_id == patient) & lesions.evaluable)
        ours = {
            str(lesions.lesion_id[i]): (
                str(lesions.group[i]),
                bool(lesions.resolved[i]),
                Fraction(int(lesions.first_mm2[i])),
                float(lesions.best_change_pct[i]),
            )
            for i in mine
        }
        theirs = {
            c.lesion_id: (
                c.group.value,
                c.resolved,
                Fraction(c.first_product_cm2) * 100,
                float(c.best_change_pct),
            )
            for c in result.lesions
        }
        assert ours == theirs, patient
        for i in mine:
            exact = exact_pct(int(lesions.lowest_later_mm2[i]), int(lesions.first_mm2[i]))
            assert lesions.best_change_pct[i] == float(exact), patient
        for summary in result.lesion_summary:
            group = mine[lesions.group[mine] == summary.group.value]
            counts = (
                group.size,
                int(lesions.shrank[group].sum()),
                int(lesions.resolved[group].sum()),
            )
            assert counts == (summary.lesions, summary.shrank_count, summary.resolved_count), (
                patient
            )
        changes = [a.change_from_baseline_pct for a in result.assessments[1:]]
        assert bool(spd.known[row]) == bool(changes), patient
        if changes:
            lowest_spd = min(a.spd_cm2 for a in result.assessments[1:])
            assert int(spd.baseline_mm2[row]) == result.baseline_spd_cm2 * 100, patient
            assert int(spd.lowest_later_mm2[row]) == lowest_spd * 100, patient
            exact = exact_pct(int(spd.lowest_later_mm2[row]), int(spd.baseline_mm2[row]))
            lowest = min(c for c in changes if c is not None)
            assert Decimal(exact.numerator) / Decimal(exact.denominator) == lowest, patient
            assert best_spd[row] == float(exact) == float(lowest), patient
        else:
            assert np.isnan(best_spd[row]), patient


def both(cases: Sequence[Case], criteria: ResponseCriteria) -> CohortResponses:
    """The engine's results, after checking they (and the lesion-level results and best SPD
    change) equal the domain engine's."""
    cohort = make_cohort(cases)
    ours = cohort_responses(cohort, criteria)
    reference = domain_assessments(cohort, criteria)
    assert_same(ours, reference_columns(cohort, reference))
    assert_same_lesions(cohort, criteria, reference)
    return ours


def one_lesion(*visits: tuple[int, float, float], start: dt.date = dt.date(2024, 1, 31)) -> Case:
    return Case(tuple((day, {1: (a, b)}) for day, a, b in visits), start)


def day_of(start: dt.date, when: dt.date) -> int:
    return (when - start).days


START = dt.date(2024, 1, 31)
ONSET = 56  # 2024-03-27; six calendar months later: 2024-09-27
SIX_MONTHS_AFTER_ONSET = day_of(START, dt.date(2024, 9, 27))
TWELVE_MONTHS = day_of(START, dt.date(2025, 1, 31))

EDGE_CASES = {
    "complete response, confirmed": one_lesion((0, 2, 2), (56, 0, 0), (84, 0, 0)),
    "partial response at exactly -50%, confirmed": one_lesion((0, 2, 2), (56, 2, 1), (84, 2, 1)),
    "partial response confirmed 27 days later: not confirmed": one_lesion(
        (0, 2, 2), (56, 2, 1), (83, 2, 1), (100, 2.2, 1)
    ),
    "partial response confirmed 28 days later": one_lesion(
        (0, 2, 2), (56, 2, 1), (84, 2, 1), (100, 2.2, 1)
    ),
    "partial response confirmed by a complete response": one_lesion(
        (0, 2, 2), (56, 1, 1), (84, 0, 0)
    ),
    "partial response then a confirmed complete response": one_lesion(
        (0, 2, 2), (56, 1, 1), (70, 0, 0), (98, 0, 0), (126, 0, 0)
    ),
    "unconfirmed response, then progression at exactly +25%": one_lesion(
        (0, 2, 2), (56, 2, 1), (70, 2.5, 1)
    ),
    "progression before a confirmed response": one_lesion(
        (0, 2, 2), (28, 2.5, 2), (84, 2, 1), (112, 2, 1)
    ),
    "regrowth after a complete response is progression": one_lesion(
        (0, 2, 2), (56, 0, 0), (84, 0, 0), (112, 0.1, 0.1)
    ),
    "a response that ends with stable disease": one_lesion(
        (0, 2, 2), (56, 2, 1), (84, 2, 1), (112, 2.2, 1), (140, 2, 1), (168, 2, 1)
    ),
    "new lesion: joins the sum (modified WHO), progression (WHO)": Case(
        ((0, {1: (2, 2)}), (56, {1: (1, 1), 2: (1, 1)}), (84, {1: (1, 1), 2: (1, 1)}))
    ),
    "new lesion that disappears": Case(
        ((0, {3: (2, 2)}), (56, {1: (1, 1), 3: (1, 1)}), (84, {1: (0, 0), 3: (0, 0)}))
    ),
    "durable: ends exactly six calendar months after onset": one_lesion(
        (0, 2, 2), (ONSET, 2, 1), (100, 2, 1), (SIX_MONTHS_AFTER_ONSET, 2.2, 1)
    ),
    "not durable: ends one day short": one_lesion(
        (0, 2, 2), (ONSET, 2, 1), (100, 2, 1), (SIX_MONTHS_AFTER_ONSET - 1, 2.2, 1)
    ),
    "durable: still running at the last assessment, exactly six months": one_lesion(
        (0, 2, 2), (ONSET, 2, 1), (SIX_MONTHS_AFTER_ONSET, 2, 1)
    ),
    "not durable: onset exactly twelve months after the start": one_lesion(
        (0, 2, 2), (TWELVE_MONTHS, 2, 1), (TWELVE_MONTHS + 200, 2, 1)
    ),
    "durable: onset the day before twelve months": one_lesion(
        (0, 2, 2), (TWELVE_MONTHS - 1, 2, 1), (TWELVE_MONTHS + 199, 2, 1)
    ),
    "not durable: onset one day after twelve months": one_lesion(
        (0, 2, 2), (TWELVE_MONTHS + 1, 2, 1), (TWELVE_MONTHS + 201, 2, 1)
    ),
    "durable, onset on 31 August: six months end on 28 February": one_lesion(
        (0, 2, 2),
        (59, 2, 1),
        (day_of(dt.date(2024, 7, 3), dt.date(2025, 2, 28)), 2, 1),
        start=dt.date(2024, 7, 3),
    ),
    "only a baseline": one_lesion((0, 2, 2)),
    "progression at every assessment": one_lesion((0, 1, 1), (28, 2, 2), (56, 3, 3)),
    "stable disease": one_lesion((0, 2, 2), (28, 2, 1.5), (56, 2, 1.9)),
    "two lesions, one gone": Case(
        ((0, {1: (2, 2), 2: (1, 1)}), (56, {1: (1, 1), 2: (0, 0)}), (90, {1: (1, 0.5), 2: (0, 0)}))
    ),
}


@pytest.mark.parametrize("criteria", BUNDLED, ids=lambda c: c.name)
def test_edge_cases_equal_the_domain_engine(criteria: ResponseCriteria) -> None:
    both(list(EDGE_CASES.values()), criteria)


def test_edge_cases_give_the_expected_modified_who_results() -> None:
    result = both(list(EDGE_CASES.values()), MODIFIED_WHO).columns
    expected = {  # name: (best, durable, time to response, duration)
        "complete response, confirmed": ("CR", False, 56, 28),
        "partial response at exactly -50%, confirmed": ("PR", False, 56, 28),
        "partial response confirmed 27 days later: not confirmed": ("SD", False, None, None),
        "partial response confirmed 28 days later": ("PR", False, 56, 44),
        "partial response confirmed by a complete response": ("PR", False, 56, 28),
        "partial response then a confirmed complete response": ("CR", False, 56, 70),
        "unconfirmed response, then progression at exactly +25%": ("SD", False, None, None),
        "progression before a confirmed response": ("PR", False, 84, 28),
        "regrowth after a complete response is progression": ("CR", False, 56, 56),
        "a response that ends with stable disease": ("PR", False, 56, 56),
        "new lesion: joins the sum (modified WHO), progression (WHO)": ("PR", False, 56, 28),
        "durable: ends exactly six calendar months after onset": ("PR", True, 56, None),
        "not durable: ends one day short": ("PR", False, 56, None),
        "durable: still running at the last assessment, exactly six months": ("PR", True, 56, None),
        "not durable: onset exactly twelve months after the start": (
            "PR",
            False,
            TWELVE_MONTHS,
            200,
        ),
        "durable: onset the day before twelve months": ("PR", True, TWELVE_MONTHS - 1, 200),
        "not durable: onset one day after twelve months": ("PR", False, None, None),
        "only a baseline": ("NE", False, None, None),
        "progression at every assessment": ("PD", False, None, None),
        "stable disease": ("SD", False, None, None),
    }
    names = list(EDGE_CASES)
    for name, (best, durable, onset, duration) in expected.items():
        i = names.index(name)
        assert result["best"][i] == best, name
        assert result["durable"][i] == durable, name
        if onset is not None:
            assert result["time_to_response_days"][i] == onset, name
        if duration is not None:
            assert result["duration_of_response_days"][i] == duration, name
    assert np.isnan(result["time_to_response_days"][names.index("only a baseline")])


def test_who_ignores_a_response_after_progression_and_counts_new_lesions_as_progression() -> None:
    result = both(list(EDGE_CASES.values()), WHO).columns
    names = list(EDGE_CASES)
    assert result["best"][names.index("progression before a confirmed response")] == "PD"
    new_lesion = names.index("new lesion: joins the sum (modified WHO), progression (WHO)")
    assert result["best"][new_lesion] == "PD"
    assert result["progression_day"][new_lesion] == 56


def test_an_onset_on_the_boundary_date_counts_only_when_the_criteria_say_so() -> None:
    """tvec's ruling (bundled criteria): not durable; criteria saying otherwise: durable."""
    counting = dataclasses.replace(
        MODIFIED_WHO,
        durable_response=dataclasses.replace(
            MODIFIED_WHO.durable_response, onset_on_boundary_date_counts=True
        ),
    )
    names = list(EDGE_CASES)
    on_the_day = names.index("not durable: onset exactly twelve months after the start")
    day_after = names.index("not durable: onset one day after twelve months")
    assert not both(list(EDGE_CASES.values()), MODIFIED_WHO).columns["durable"][on_the_day]
    result = both(list(EDGE_CASES.values()), counting).columns
    assert result["durable"][on_the_day]
    assert not result["durable"][day_after]


@pytest.mark.parametrize("criteria", BUNDLED, ids=lambda c: c.name)
def test_lesion_ids_far_apart_give_the_same_results(criteria: ResponseCriteria) -> None:
    far = 10**15  # the engine numbers lesions by sorting instead of by offsets
    both(
        [
            Case(((0, {7: (2, 2), far: (1, 1)}), (56, {7: (1, 1), far: (0, 0), 3 * far: (1, 1)}))),
            Case(((0, {far: (2, 2)}), (56, {far: (1, 1)}), (84, {far: (0.5, 0.5)}))),
        ],
        criteria,
    )


def test_patients_come_back_in_the_patients_table_order() -> None:
    cases = list(EDGE_CASES.values())[:6]
    cohort = make_cohort(cases)
    flipped = Cohort(
        {k: v[::-1] for k, v in cohort.patients.items()},
        cohort.lesions,
        {k: v[::-1] for k, v in cohort.measurements.items()},  # unsorted rows are sorted first
    )
    ours = cohort_responses(flipped, MODIFIED_WHO)
    assert_same(ours, cohort_responses_reference(flipped, MODIFIED_WHO))
    assert ours.columns["patient_id"].tolist() == flipped.patients["patient_id"].tolist()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (one_lesion((0, 2, 2), (28, 1, 0)), "greater than 0"),
        (one_lesion((0, 1, 2)), "must not exceed longest_cm"),
        (one_lesion((0, 0, 0), (28, 1, 1)), "0 x 0 at baseline"),
        (one_lesion((7, 2, 2)), "day 0"),
        (Case(((0, {1: (2, 2)}), (28, {2: (1, 1)}))), "lesion 1, day 28: is missing"),
        (
            Case(
                (
                    (0, {1: (2, 2)}),
                    (28, {1: (2, 2), 2: (1, 1)}),
                    (56, {1: (2, 2)}),
                    (84, {1: (1, 1), 2: (1, 1)}),
                )
            ),
            "lesion 2, day 56: is missing",
        ),
        (Case(((0, {1: (2, 2)}), (28, {1: (1, 1), 2: (0, 0)}))), "when first recorded"),
        (one_lesion((0, 2, 2), (28, 1.25, 1)), "0.1 cm"),
    ],
)
def test_inputs_the_domain_refuses_are_refused(case: Case, message: str) -> None:
    cohort = make_cohort([one_lesion((0, 2, 2), (28, 1, 1)), case])
    with pytest.raises(CohortError, match=message):
        cohort_responses(cohort, MODIFIED_WHO)
    if message != "0.1 cm":  # a registry-format rule: the domain takes any decimal size
        with pytest.raises(InvalidInput):
            cohort_responses_reference(cohort, MODIFIED_WHO)


def test_duplicate_measurements_and_unmeasured_patients_are_refused() -> None:
    cohort = make_cohort([one_lesion((0, 2, 2), (28, 1, 1)), one_lesion((0, 2, 2))])
    doubled = {k: np.r_[v, v[-1:]] for k, v in cohort.measurements.items()}
    with pytest.raises(CohortError, match="duplicate"):
        cohort_responses(Cohort(cohort.patients, cohort.lesions, doubled), MODIFIED_WHO)
    first_only = {k: v[:2] for k, v in cohort.measurements.items()}
    with pytest.raises(CohortError, match="no measurements"):
        cohort_responses(Cohort(cohort.patients, cohort.lesions, first_only), MODIFIED_WHO)


def test_add_months_matches_the_domain_calendar() -> None:
    days = np.arange(np.datetime64("2023-01-01"), np.datetime64("2025-01-01"))
    for months in (0, 1, 6, 12, 13):
        expected = [domain_add_months(d, months) for d in days.astype(object)]
        assert add_months(days, months).astype(object).tolist() == expected


# --- Hypothesis: random small cohorts -------------------------------------------------------

STARTS = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2023, 8, 31), dt.date(2025, 3, 15)]
GAPS = st.one_of(st.sampled_from([14, 27, 28, 29, 56, 84, 181, 182, 183, 184]), st.integers(1, 120))
TRENDS = ["gone", "halve", "same", "grow", "random"]


@st.composite
def sizes(draw: st.DrawFn, measurable: bool = True) -> tuple[float, float]:
    """0.1 cm sizes, with perpendicular <= longest; often on a coarse grid to hit thresholds."""
    coarse = draw(st.booleans())
    low = 1 if measurable else 0
    longest = draw(st.integers(low, 8)) * 5 if coarse else draw(st.integers(low, 40))
    if longest == 0:
        return 0.0, 0.0
    perpendicular = draw(st.integers(1, longest))
    return longest / 10, perpendicular / 10


def evolve(draw: st.DrawFn, trend: str, size: tuple[float, float]) -> tuple[float, float]:
    longest, perpendicular = round(size[0] * 10), round(size[1] * 10)
    if trend == "gone" or (trend == "halve" and longest < 2):
        return 0.0, 0.0
    if trend == "halve":
        return longest // 2 / 10, min(perpendicular, longest // 2) / 10
    if trend == "grow" and longest > 0:
        return (longest + 5) / 10, (perpendicular + draw(st.integers(0, 5))) / 10
    if trend == "same" and longest > 0:
        return size
    return draw(sizes(measurable=False))


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n_visits = draw(st.integers(1, 7))
    gaps = draw(st.lists(GAPS, min_size=n_visits - 1, max_size=n_visits - 1))
    days = np.cumsum([0, *gaps]).tolist()
    ids = draw(st.lists(st.integers(0, 9), min_size=1, max_size=3, unique=True))
    baseline = {lesion: draw(sizes()) for lesion in ids}
    current, visits = dict(baseline), [(0, dict(baseline))]
    spare = list(range(10, 14))
    for day in days[1:]:
        trend = draw(st.sampled_from(TRENDS))
        current = {lesion: evolve(draw, trend, size) for lesion, size in current.items()}
        if spare and draw(st.integers(0, 4)) == 0:
            current[spare.pop(draw(st.integers(0, len(spare) - 1)))] = draw(sizes())
        visits.append((day, dict(current)))
    return Case(tuple(visits), draw(st.sampled_from(STARTS)))


@st.composite
def criteria(draw: st.DrawFn) -> ResponseCriteria:
    """A bundled criteria set, sometimes with its thresholds and flags changed."""
    base = draw(st.sampled_from(BUNDLED))
    if draw(st.booleans()):
        return base
    return dataclasses.replace(
        base,
        lesion_level=dataclasses.replace(
            base.lesion_level,
            min_shrinkage_pct=Decimal(draw(st.sampled_from(["50", "30", "33.3", "75", "12.5"]))),
        ),
        partial_response=dataclasses.replace(
            base.partial_response,
            min_decrease_from_baseline_pct=Decimal(draw(st.sampled_from(["30", "50", "33.3"]))),
        ),
        progression=dataclasses.replace(
            base.progression,
            min_increase_from_nadir_pct=Decimal(draw(st.sampled_from(["20", "25", "12.5"]))),
            new_lesion_is_progression=draw(st.booleans()),
            new_lesions_added_to_sum=draw(st.booleans()),
        ),
        confirmation=dataclasses.replace(
            base.confirmation,
            min_days=draw(st.sampled_from([0, 28, 56])),
            response_after_progression_counts=draw(st.booleans()),
        ),
        durable_response=dataclasses.replace(
            base.durable_response,
            min_duration_months=draw(st.sampled_from([1, 6])),
            onset_within_months=draw(st.sampled_from([2, 12])),
            onset_on_boundary_date_counts=draw(st.booleans()),
        ),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases(), min_size=1, max_size=6), criteria())
def test_random_cohorts_equal_the_domain_engine(
    patients: list[Case], rules: ResponseCriteria
) -> None:
    both(patients, rules)


@settings(max_examples=150, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=4), st.integers(0, 10_000))
def test_a_cohort_with_a_row_left_out_is_refused_exactly_when_the_domain_refuses_it(
    patients: list[Case], which: int
) -> None:
    cohort = make_cohort(patients)
    keep = np.arange(cohort.n_measurements) != which % cohort.n_measurements
    damaged = Cohort(
        cohort.patients, cohort.lesions, {k: v[keep] for k, v in cohort.measurements.items()}
    )
    try:
        reference = cohort_responses_reference(damaged, MODIFIED_WHO)
    except InvalidInput:
        with pytest.raises(CohortError):
            cohort_responses(damaged, MODIFIED_WHO)
    else:
        assert_same(cohort_responses(damaged, MODIFIED_WHO), reference)


# --- a synthetic registry -------------------------------------------------------------------


@pytest.mark.parametrize("criteria", BUNDLED, ids=lambda c: c.name)
def test_a_synthetic_registry_equals_the_domain_engine(criteria: ResponseCriteria) -> None:
    cohort = synthesize(4000, 7)
    ours = cohort_responses(cohort, criteria)
    reference = domain_assessments(cohort, criteria)
    assert_same(ours, reference_columns(cohort, reference))
    assert_same_lesions(cohort, criteria, reference)
    assert set(ours.columns["best"].tolist()) >= {"CR", "PR", "SD", "PD"}
    assert ours.columns["durable"].any()


@pytest.mark.parametrize("workers", [1, 3])
def test_blocks_threads_and_row_order_do_not_change_the_results(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    cohort = synthesize(400, 11)
    expected = cohort_responses_reference(cohort, MODIFIED_WHO)
    monkeypatch.setattr(cohort_engine, "BLOCK_ROWS", 97)  # about a hundred blocks
    assert_same(cohort_responses(cohort, MODIFIED_WHO, workers=workers), expected)
    shuffled = np.random.default_rng(3).permutation(cohort.n_measurements)
    measurements = {k: v[shuffled] for k, v in cohort.measurements.items()}
    unsorted = Cohort(cohort.patients, cohort.lesions, measurements)
    assert_same(cohort_responses(unsorted, MODIFIED_WHO, workers=workers), expected)


def _same_arrays(a: object, b: object) -> None:
    for field in dataclasses.fields(a):  # type: ignore[arg-type]
        left, right = getattr(a, field.name), getattr(b, field.name)
        assert np.array_equal(left, right, equal_nan=left.dtype.kind == "f"), field.name


@pytest.mark.parametrize("criteria", [MODIFIED_WHO, WHO], ids=lambda c: c.name)
def test_lesion_results_are_the_same_in_any_row_order_and_with_a_shared_index(
    criteria: ResponseCriteria,
) -> None:
    """The report builds the join of measurements to lesions once and passes it around; the
    lesion-level results and best SPD changes equal those computed from the tables alone, and
    shuffled measurement rows give the same results."""
    cohort = synthesize(400, 11)
    lesions, spd = lesion_changes(cohort, criteria), spd_changes(cohort, criteria)
    shuffled = np.random.default_rng(5).permutation(cohort.n_measurements)
    unsorted = Cohort(
        cohort.patients, cohort.lesions, {k: v[shuffled] for k, v in cohort.measurements.items()}
    )
    for source in (cohort, unsorted):
        index = measurement_index(source)
        _same_arrays(lesion_changes(source, criteria, index), lesions)
        _same_arrays(spd_changes(source, criteria, index), spd)
        _same_arrays(lesion_changes(source, criteria), lesions)
        _same_arrays(spd_changes(source, criteria), spd)
    with pytest.raises(ValueError, match="not the one of this cohort"):
        lesion_changes(synthesize(50, 2), criteria, measurement_index(cohort))
