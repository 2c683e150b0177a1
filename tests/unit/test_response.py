"""Tumour response: sums and percentages, lesion-level summary, input checks, and the invariant
that bigger lesions never make a response better."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.domain import response
from tvec.domain.calendar import add_months
from tvec.domain.errors import InvalidInput
from tvec.domain.response import (
    Category,
    DurableStatus,
    LesionGroup,
    Measurement,
    ResponseAssessment,
    assess_response,
    category_rank,
)
from tvec.domain.rules import ResponseCriteria, Site
from tvec.knowledge import load_criteria

START = date(2026, 1, 5)
DOMAIN = Path(response.__file__).parent
RESPONSE_MODULES = sorted(DOMAIN.glob("response*.py"))


def make_measurement(
    day: int | date,
    lesion_id: str,
    longest: str,
    perpendicular: str,
    site: Site = Site.CUTANEOUS,
    injected: bool = True,
    row: int | None = None,
) -> Measurement:
    when = START + timedelta(days=day) if isinstance(day, int) else day
    return Measurement(
        day=when,
        lesion_id=lesion_id,
        longest_cm=Decimal(longest),
        perpendicular_cm=Decimal(perpendicular),
        site=site,
        injected=injected,
        row=row,
    )


def make_criteria(name: str = "modified-who", **changes: object) -> ResponseCriteria:
    """The real criteria, with some parts replaced: `partial_response={"min_...": ...}`."""
    criteria = load_criteria(name)
    parts = {
        part: dataclasses.replace(getattr(criteria, part), **fields)
        for part, fields in changes.items()
        if isinstance(fields, dict)
    }
    return dataclasses.replace(criteria, **parts)


def make_result(measurements: list[Measurement], name: str = "modified-who") -> ResponseAssessment:
    return assess_response(load_criteria(name), START, measurements)


# --- sums, percentages and rows -------------------------------------------------------------------


def test_sum_of_products_and_exact_percent_changes() -> None:
    result = make_result(
        [
            make_measurement(0, "L1", "3", "2"),
            make_measurement(0, "L2", "2", "1.5"),
            make_measurement(42, "L1", "2", "1.5"),
            make_measurement(42, "L2", "2", "1.5"),
            make_measurement(84, "L1", "2.5", "2"),
            make_measurement(84, "L2", "2", "1.5"),
        ]
    )
    baseline, first, second = result.assessments
    assert result.baseline_spd_cm2 == Decimal(9)
    assert (baseline.spd_cm2, first.spd_cm2, second.spd_cm2) == (9, 6, 8)
    assert first.change_from_baseline_pct == Decimal(-100) / 3
    assert second.change_from_nadir_pct == Decimal(100) / 3
    assert [a.day for a in result.assessments] == [0, 42, 84]


def test_baseline_row_has_no_category_and_no_changes() -> None:
    result = make_result(
        [make_measurement(0, "L1", "2", "2"), make_measurement(30, "L1", "2", "2")]
    )
    baseline = result.assessments[0]
    assert baseline.category is None
    assert baseline.change_from_baseline_pct is None
    assert baseline.change_from_nadir_pct is None
    assert result.baseline_date == START


def test_change_from_nadir_is_none_when_the_nadir_is_zero() -> None:
    gone = [make_measurement(day, "L1", "0", "0") for day in (28, 56)]
    result = make_result([make_measurement(0, "L1", "2", "2"), *gone])
    assert result.assessments[1].change_from_nadir_pct == Decimal(-100)
    assert result.assessments[2].change_from_nadir_pct is None


def test_new_lesion_ids_are_listed_when_first_recorded() -> None:
    result = make_result(
        [
            make_measurement(0, "L1", "2", "2"),
            make_measurement(28, "L1", "2", "2"),
            make_measurement(28, "N1", "1", "1"),
            make_measurement(56, "L1", "2", "2"),
            make_measurement(56, "N1", "1", "1"),
        ]
    )
    assert [a.new_lesion_ids for a in result.assessments] == [(), ("N1",), ()]


def test_input_order_does_not_matter() -> None:
    measurements = [
        make_measurement(0, "L1", "10", "10"),
        make_measurement(28, "L1", "5", "5"),
        make_measurement(56, "L1", "5", "5"),
    ]
    assert make_result(measurements) == make_result(list(reversed(measurements)))


# --- every threshold comes from the criteria object -----------------------------------------------


def test_partial_response_threshold_is_read_from_the_criteria() -> None:
    measurements = [make_measurement(d, "L1", "10", "7") for d in (28, 56)]
    measurements.append(make_measurement(0, "L1", "10", "10"))
    stricter = make_criteria(partial_response={"min_decrease_from_baseline_pct": Decimal(30)})
    assert make_result(measurements).best_overall_response is Category.SD
    assert assess_response(stricter, START, measurements).best_overall_response is Category.PR


def test_progression_threshold_is_read_from_the_criteria() -> None:
    measurements = [make_measurement(0, "L1", "10", "10"), make_measurement(42, "L1", "11", "10")]
    touchy = make_criteria(progression={"min_increase_from_nadir_pct": Decimal(10)})
    assert make_result(measurements).best_overall_response is Category.SD
    assert assess_response(touchy, START, measurements).best_overall_response is Category.PD


def test_whether_an_onset_on_the_boundary_date_counts_is_read_from_the_criteria() -> None:
    """tvec's ruling: an onset on the date 12 calendar months after the start is not durable;
    criteria data saying otherwise would let it count."""
    onset = add_months(START, 12)
    measurements = [
        make_measurement(0, "L1", "2", "2"),
        make_measurement((onset - START).days, "L1", "2", "1"),
        make_measurement((onset - START).days + 200, "L1", "2", "1"),
    ]
    assert make_result(measurements).durable_response is DurableStatus.NO
    counting = make_criteria(durable_response={"onset_on_boundary_date_counts": True})
    assert assess_response(counting, START, measurements).durable_response is DurableStatus.YES


def test_confirmation_interval_is_read_from_the_criteria() -> None:
    measurements = [make_measurement(0, "L1", "10", "10"), make_measurement(28, "L1", "5", "5")]
    none_needed = make_criteria(confirmation={"min_days": 0})
    assert make_result(measurements).best_overall_response is Category.SD
    assert assess_response(none_needed, START, measurements).best_overall_response is Category.PR


def test_durable_duration_is_read_from_the_criteria() -> None:
    measurements = [make_measurement(0, "L1", "10", "10")] + [
        make_measurement(d, "L1", "5", "5") for d in (28, 56, 120)
    ]
    three_months = make_criteria(durable_response={"min_duration_months": 3})
    assert make_result(measurements).durable_response is DurableStatus.NOT_EVALUABLE
    assert assess_response(three_months, START, measurements).durable_response is DurableStatus.YES


def test_criteria_name_is_reported() -> None:
    measurements = [make_measurement(0, "L1", "1", "1")]
    assert make_result(measurements, "who").criteria == "who"


# --- lesion-level summary -------------------------------------------------------------------------


def make_lesion_history() -> list[Measurement]:
    """Two injected lesions, one uninjected node, one visceral lesion, one new lesion."""
    return [
        make_measurement(0, "INJ-A", "4", "2"),  # 8 -> 4: exactly half: shrank
        make_measurement(42, "INJ-A", "2", "2"),
        make_measurement(84, "INJ-A", "3", "2"),
        make_measurement(0, "INJ-B", "2", "2"),  # 4 -> 0: resolved
        make_measurement(42, "INJ-B", "1", "1"),
        make_measurement(84, "INJ-B", "0", "0"),
        make_measurement(0, "NODE", "2", "2", Site.NODAL, injected=False),  # 4 -> 2.01: not
        make_measurement(42, "NODE", "2.01", "1", Site.NODAL, injected=False),
        make_measurement(84, "NODE", "2", "2", Site.NODAL, injected=False),
        make_measurement(0, "LIVER", "3", "3", Site.VISCERAL, injected=True),  # visceral wins
        make_measurement(42, "LIVER", "3", "1", Site.VISCERAL, injected=False),
        make_measurement(84, "LIVER", "3", "1", Site.VISCERAL, injected=False),
        make_measurement(42, "NEW", "2", "2", injected=False),  # injected later: injected group
        make_measurement(84, "NEW", "1", "1", injected=True),
    ]


def test_lesion_level_summary_by_group() -> None:
    summary = {g.group: g for g in make_result(make_lesion_history()).lesion_summary}
    assert list(summary) == [
        LesionGroup.INJECTED,
        LesionGroup.UNINJECTED_NON_VISCERAL,
        LesionGroup.VISCERAL,
    ]
    injected = summary[LesionGroup.INJECTED]
    assert (injected.lesions, injected.shrank_count, injected.resolved_count) == (3, 3, 1)
    assert injected.shrank_share == Decimal(1)
    assert injected.resolved_share == Decimal(1) / 3
    node = summary[LesionGroup.UNINJECTED_NON_VISCERAL]
    assert (node.lesions, node.shrank_count, node.shrank_share) == (1, 0, Decimal(0))
    liver = summary[LesionGroup.VISCERAL]
    assert (liver.lesions, liver.shrank_count, liver.resolved_count) == (1, 1, 0)
    assert all(g.shrank_at_least_pct == Decimal(50) for g in summary.values())


def test_lesion_measured_once_is_not_evaluable_and_empty_groups_have_no_share() -> None:
    result = make_result([make_measurement(0, "L1", "2", "2")])
    assert all(g.lesions == 0 for g in result.lesion_summary)
    assert all(g.shrank_share is None and g.resolved_share is None for g in result.lesion_summary)


def test_lesion_shrinkage_threshold_is_read_from_the_criteria() -> None:
    node = [make_measurement(d, "N", size, "1", Site.NODAL) for d, size in ((0, "4"), (42, "3"))]
    lenient = make_criteria(lesion_level={"min_shrinkage_pct": Decimal(25)})
    assert assess_response(lenient, START, node).lesion_summary[0].shrank_count == 1
    assert make_result(node).lesion_summary[0].shrank_count == 0


# --- input checks ---------------------------------------------------------------------------------


def baseline_and(*later: Measurement) -> list[Measurement]:
    return [
        make_measurement(0, "L1", "2", "2", row=2),
        make_measurement(0, "L2", "3", "2", row=3),
        *later,
    ]


# name, measurements, text the message must contain
INVALID_CASES = [
    ("empty input", [], ["Measurements", "empty"]),
    (
        "negative diameter",
        baseline_and(
            make_measurement(28, "L1", "-1", "1", row=4),
            make_measurement(28, "L2", "1", "1", row=5),
        ),
        ["row 4", "lesion L1", "2026-02-02", "Longest diameter (cm)", "-1"],
    ),
    (
        "one diameter zero",
        baseline_and(
            make_measurement(28, "L1", "1", "1", row=4), make_measurement(28, "L2", "1", "0", row=5)
        ),
        ["row 5", "lesion L2", "Perpendicular diameter (cm)", "0 x 0"],
    ),
    (
        "0 x 0 at baseline",
        [make_measurement(0, "L1", "0", "0", row=2)],
        ["row 2", "lesion L1", "baseline"],
    ),
    (
        "0 x 0 at a new lesion's first appearance",
        baseline_and(
            make_measurement(28, "L1", "1", "1", row=4),
            make_measurement(28, "L2", "1", "1", row=5),
            make_measurement(28, "L3", "0", "0", row=6),
        ),
        ["row 6", "lesion L3", "first recorded"],
    ),
    (
        "perpendicular longer than longest",
        baseline_and(
            make_measurement(28, "L1", "1", "1.5", row=4),
            make_measurement(28, "L2", "1", "1", row=5),
        ),
        ["row 4", "lesion L1", "Perpendicular diameter (cm)", "longest diameter (1 cm)", "1.5"],
    ),
    (
        "duplicate lesion id on one date",
        baseline_and(make_measurement(0, "L1", "1", "1", row=4)),
        ["row 4", "lesion L1", "duplicate lesion id", "row 2"],
    ),
    (
        "site changes between dates",
        baseline_and(
            make_measurement(28, "L1", "1", "1", Site.NODAL, row=4),
            make_measurement(28, "L2", "1", "1", row=5),
        ),
        ["row 4", "lesion L1", "site", "cutaneous", "nodal"],
    ),
    (
        "measurement before the start date",
        baseline_and(make_measurement(-3, "L1", "1", "1", row=4)),
        ["row 4", "lesion L1", "date", "before the start date 2026-01-05"],
    ),
    (
        "no baseline on the start date",
        [make_measurement(1, "L1", "1", "1", row=2)],
        ["Baseline is missing", "2026-01-05"],
    ),
    (
        "a lesion left out of a later assessment",
        baseline_and(make_measurement(28, "L1", "1", "1", row=4)),
        ["lesion L2", "2026-02-02", "missing", "record 0 x 0", "row 3"],
    ),
    (
        "no row number known: the lesion and date still named",
        [make_measurement(0, "L9", "1", "2")],
        ["lesion L9, 2026-01-05", "Perpendicular diameter (cm)"],
    ),
]


@pytest.mark.parametrize(
    ("measurements", "expected"), [pytest.param(*c[1:], id=c[0]) for c in INVALID_CASES]
)
def test_invalid_measurements_are_refused_with_a_precise_message(
    measurements: list[Measurement], expected: list[str]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_result(measurements)
    for text in expected:
        assert text in str(caught.value)


def test_a_disappeared_lesion_recorded_as_zero_is_accepted() -> None:
    later = [make_measurement(28, "L1", "0", "0"), make_measurement(28, "L2", "1", "1")]
    result = make_result(baseline_and(*later))
    assert result.assessments[1].spd_cm2 == Decimal(1)


# --- bigger lesions never make the response better ------------------------------------------------

SIZES = st.integers(min_value=1, max_value=60).map(lambda n: Decimal(n).scaleb(-1))
FACTORS = st.sampled_from(["1", "1.01", "1.1", "1.25", "1.5", "2", "3.3"]).map(Decimal)


@st.composite
def lesion_size(draw: st.DrawFn, may_vanish: bool) -> tuple[Decimal, Decimal]:
    if may_vanish and draw(st.booleans()):
        return Decimal(0), Decimal(0)
    a, b = draw(SIZES), draw(SIZES)
    return max(a, b), min(a, b)


@st.composite
def trajectories(draw: st.DrawFn) -> list[Measurement]:
    """1-3 baseline lesions, 1-5 later assessments, perhaps one new lesion along the way."""
    lesion_ids = [f"L{n}" for n in range(draw(st.integers(1, 3)))]
    days = [0]
    for _ in range(draw(st.integers(1, 5))):
        days.append(days[-1] + draw(st.integers(7, 70)))
    new_from = draw(st.one_of(st.none(), st.integers(1, len(days) - 1)))
    measurements = []
    for index, day in enumerate(days):
        present = lesion_ids + (["N1"] if new_from is not None and index >= new_from else [])
        for lesion_id in present:
            first_seen = index == 0 or (lesion_id == "N1" and index == new_from)
            longest, perpendicular = draw(lesion_size(may_vanish=not first_seen))
            measurements.append(make_measurement(day, lesion_id, str(longest), str(perpendicular)))
    return measurements


def enlarge(measurements: list[Measurement], factor: Decimal) -> list[Measurement]:
    """Every lesion after baseline `factor` times larger in both diameters."""
    return [m if m.day == START else scale(m, factor) for m in measurements]


def scale(m: Measurement, factor: Decimal) -> Measurement:
    longest, perpendicular = m.longest_cm * factor, m.perpendicular_cm * factor
    return dataclasses.replace(m, longest_cm=longest, perpendicular_cm=perpendicular)


@settings(max_examples=200, deadline=None)
@given(trajectories(), FACTORS, st.sampled_from(["modified-who", "who"]))
def test_larger_lesions_never_improve_the_response(
    measurements: list[Measurement], factor: Decimal, name: str
) -> None:
    original = make_result(measurements, name)
    enlarged = make_result(enlarge(measurements, factor), name)
    for before, after in zip(original.assessments[1:], enlarged.assessments[1:], strict=True):
        assert before.category is not None
        assert after.category is not None
        assert category_rank(after.category) <= category_rank(before.category)
    worse_or_same = category_rank(enlarged.best_overall_response)
    assert worse_or_same <= category_rank(original.best_overall_response)


# --- no clinical threshold hides in the code ------------------------------------------------------

FORBIDDEN_NUMBERS = {50, 25, 28, 6, 12}


@pytest.mark.parametrize("module", RESPONSE_MODULES, ids=lambda p: p.name)
def test_no_clinical_threshold_is_written_in_the_code(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    numbers = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str)
    ]
    found = {n for n in numbers if _as_number(n) in FORBIDDEN_NUMBERS}
    assert not found, f"{module.name} hard-codes {found}; read them from ResponseCriteria"


def _as_number(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None
