"""What a nurse may record as given, as tables: the label's limits applied to the visit's plan.

Each plan comes from the real dose planner and the bundled label data, and is read back from its
stored JSON as the service does, so the refusals carry the texts the API and the web app show.
Sources: USPI §2.2 Table 2 (volume per lesion by longest dimension), Table 1 (strength per visit,
4 mL per visit); a lot may be used through its expiry date; a dose is recorded after it is given.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from tests.factories import make_lesion

from tvec.domain.administration import Given, Lot, check_administration, check_against_plan
from tvec.domain.dose_plan import DosePlan, PlanLesion, plan_visit
from tvec.domain.errors import CourseRuleBroken, DoseTooEarly, InvalidInput
from tvec.domain.plan_json import plan_from_json, plan_to_json
from tvec.domain.rules import VisitKind
from tvec.domain.schedule import Course, record_dose
from tvec.knowledge import available_labels, load_label

START = date(2026, 3, 2)
EXPIRY = date(2026, 6, 30)
LOT6 = Lot("L6-A", 10**6, EXPIRY)
LOT8 = Lot("L8-B", 10**8, EXPIRY)
STOCK = {lot.lot: lot for lot in (LOT6, LOT8)}


def stored_plan(variant: str, visit: VisitKind, lesions: list[PlanLesion]) -> DosePlan:
    """The plan as a visit reads it back from the database."""
    return plan_from_json(plan_to_json(plan_visit(load_label(variant), visit, lesions)))


def lot_for(plan: DosePlan) -> str:
    return LOT6.lot if plan.concentration_pfu_per_ml == 10**6 else LOT8.lot


def refusal(plan: DosePlan, items: list[Given], day: date = START) -> str | None:
    """The refusal's text, or None when the items may be recorded."""
    try:
        check_against_plan(plan, items, STOCK, day)
    except InvalidInput as exc:
        return str(exc)
    return None


# longest dimension (cm) -> band maximum (mL)                                  USPI §2.2 Table 2
BAND_TABLE = [
    ("0.5", "0.1"),
    ("0.51", "0.5"),
    ("1.5", "0.5"),
    ("1.51", "1"),
    ("2.5", "1"),
    ("2.51", "2"),
    ("5", "2"),
    ("5.01", "4"),
]


@pytest.mark.parametrize("variant", available_labels())
@pytest.mark.parametrize(("longest_cm", "band_max_ml"), BAND_TABLE)
def test_a_lesion_may_receive_up_to_its_band_maximum_and_no_more(
    variant: str, longest_cm: str, band_max_ml: str
) -> None:
    plan = stored_plan(variant, VisitKind.SUBSEQUENT, [make_lesion("L1", longest_cm)])
    most = Decimal(band_max_ml)
    assert refusal(plan, [Given("L1", most, LOT8.lot)]) is None
    assert refusal(plan, [Given("L1", most + Decimal("0.1"), LOT8.lot)]) == (
        f"items[0] (lesion L1): Volume (mL) exceeds the lesion's maximum of {band_max_ml} mL "
        f"(label volume band) (got {most + Decimal('0.1')})"
    )


# A new 1 cm lesion (band 0.5 mL) is injected first, then a 6 cm one (band 4 mL) gets the 3.5 mL
# left of the visit's 4 mL. Each volume below is within its lesion's band.
# (new lesion mL, large lesion mL) -> the refusal, if any                     USPI §2.2 Table 1
VISIT_MAXIMUM_TABLE = [
    ("0.5", "3.5", None),
    ("0.4", "3.6", None),
    (
        "0.5",
        "3.6",
        "administration: the lesions' total 4.1 mL exceeds the visit maximum of 4 mL (got 4.1)",
    ),
    (
        "0.5",
        "4",
        "administration: the lesions' total 4.5 mL exceeds the visit maximum of 4 mL (got 4.5)",
    ),
]


@pytest.mark.parametrize("variant", available_labels())
@pytest.mark.parametrize(("new_ml", "large_ml", "refused"), VISIT_MAXIMUM_TABLE)
def test_the_visit_total_stays_within_4_ml(
    variant: str, new_ml: str, large_ml: str, refused: str | None
) -> None:
    lesions = [make_lesion("N1", "1", new=True), make_lesion("L1", "6")]
    plan = stored_plan(variant, VisitKind.SECOND, lesions)
    assert [(i.lesion_id, i.volume_ml, i.band_max_ml) for i in plan.injections] == [
        ("N1", Decimal("0.5"), Decimal("0.5")),
        ("L1", Decimal("3.5"), Decimal("4")),
    ]
    items = [Given("N1", Decimal(new_ml), LOT8.lot), Given("L1", Decimal(large_ml), LOT8.lot)]
    assert refusal(plan, items) == refused


# visit kind -> the strength its lot must have (PFU/mL)                        USPI §2.2 Table 1
STRENGTH_TABLE = [
    (VisitKind.INITIAL, LOT6, LOT8),
    (VisitKind.SECOND, LOT8, LOT6),
    (VisitKind.SUBSEQUENT, LOT8, LOT6),
    (VisitKind.REINITIATION, LOT8, LOT6),
]


@pytest.mark.parametrize("variant", available_labels())
@pytest.mark.parametrize(("visit", "right", "wrong"), STRENGTH_TABLE)
def test_the_lot_has_the_strength_of_the_visit(
    variant: str, visit: VisitKind, right: Lot, wrong: Lot
) -> None:
    plan = stored_plan(variant, visit, [make_lesion("L1", "2")])
    assert refusal(plan, [Given("L1", Decimal("1"), right.lot)]) is None
    assert refusal(plan, [Given("L1", Decimal("1"), wrong.lot)]) == (
        f"items[0] (lesion L1): Vial lot is {wrong.pfu_per_ml:,} PFU/mL but this visit needs "
        f"{right.pfu_per_ml:,} PFU/mL (got {wrong.lot})"
    )


# day of the dose -> the refusal, if any                             a lot is good through its date
EXPIRY_TABLE = [
    (EXPIRY - timedelta(days=1), None),
    (EXPIRY, None),
    (EXPIRY + timedelta(days=1), f"items[0] (lesion L1): Vial lot expired on {EXPIRY} (got L8-B)"),
]


@pytest.mark.parametrize(("day", "refused"), EXPIRY_TABLE)
def test_a_lot_may_be_used_through_its_expiry_date(day: date, refused: str | None) -> None:
    plan = stored_plan("us", VisitKind.SUBSEQUENT, [make_lesion("L1", "2")])
    assert refusal(plan, [Given("L1", Decimal("1"), LOT8.lot)], day) == refused


# the items as given -> the refusal                                            the plan itself
ITEM_TABLE = [
    (
        [("L9", "1", "L8-B")],
        "items[0] (lesion L9): Lesion or cluster is not in this visit's dose plan",
    ),
    (
        [("L1", "1", "L8-B"), ("L1", "0.5", "L8-B")],
        "items[1] (lesion L1): Lesion or cluster is listed twice",
    ),
    (
        [("L1", "1", "NOPE")],
        "items[0] (lesion L1): Vial lot is not a lot in the centre's stock (got NOPE)",
    ),
    (  # the first refusal in the order given wins
        [("L2", "0.6", "NOPE"), ("L9", "1", "L8-B")],
        "items[0] (lesion L2): Volume (mL) exceeds the lesion's maximum of 0.5 mL "
        "(label volume band) (got 0.6)",
    ),
]


@pytest.mark.parametrize(("items", "refused"), ITEM_TABLE)
def test_each_item_names_a_planned_lesion_once_and_a_lot_in_stock(
    items: list[tuple[str, str, str]], refused: str
) -> None:
    lesions = [make_lesion("L1", "2"), make_lesion("L2", "1")]
    plan = stored_plan("us", VisitKind.SUBSEQUENT, lesions)
    given = [Given(target, Decimal(ml), lot) for target, ml, lot in items]
    assert refusal(plan, given) == refused


def test_a_refusal_names_its_item_and_field() -> None:
    plan = stored_plan("us", VisitKind.SUBSEQUENT, [make_lesion("L1", "2")])
    with pytest.raises(InvalidInput) as refused:
        check_against_plan(plan, [Given("L1", Decimal("1"), "NOPE")], STOCK, START)
    assert (refused.value.where, refused.value.field, refused.value.value) == (
        "items[0] (lesion L1)",
        "vial_lot",
        "NOPE",
    )


# ---- the whole check: the date, the schedule, then the plan --------------------------------

US = load_label("us")


def first_visit() -> tuple[DosePlan, list[Given]]:
    plan = stored_plan("us", VisitKind.INITIAL, [make_lesion("L1", "2")])
    return plan, [Given("L1", Decimal("1"), LOT6.lot)]


# day of the dose, today -> the refusal, if any                 a dose is recorded once given
FUTURE_TABLE = [
    (START, START, None),
    (START, START + timedelta(days=1), None),
    (START, START - timedelta(days=1), "administration: Given at must not be in the future"),
]


@pytest.mark.parametrize(("day", "today", "refused"), FUTURE_TABLE)
def test_a_dose_is_not_recorded_before_the_day_it_is_given(
    day: date, today: date, refused: str | None
) -> None:
    plan, items = first_visit()
    if refused is None:
        course = check_administration(US, Course(day), plan, items, STOCK, day=day, today=today)
        assert [dose.day for dose in course.doses] == [day]
        return
    with pytest.raises(InvalidInput) as refusal:
        check_administration(US, Course(day), plan, items, STOCK, day=day, today=today)
    assert str(refusal.value) == refused


def test_the_date_is_checked_before_the_schedule_and_the_schedule_before_the_plan() -> None:
    plan, _ = first_visit()
    wrong = [Given("L9", Decimal("1"), LOT6.lot)]
    tomorrow = START + timedelta(days=1)
    with pytest.raises(InvalidInput, match="must not be in the future"):
        check_administration(US, Course(START), plan, wrong, STOCK, day=tomorrow, today=START)
    with pytest.raises(CourseRuleBroken, match="first dose must be on the course start date"):
        check_administration(US, Course(START), plan, wrong, STOCK, day=tomorrow, today=tomorrow)
    with pytest.raises(InvalidInput, match="not in this visit's dose plan"):
        check_administration(US, Course(START), plan, wrong, STOCK, day=START, today=START)


def test_a_second_dose_before_its_interval_needs_a_reason() -> None:
    after_one = record_dose(US, Course(START), START)
    plan = stored_plan("us", VisitKind.SECOND, [make_lesion("L1", "2")])
    items = [Given("L1", Decimal("1"), LOT8.lot)]
    early = START + timedelta(days=20)  # the second dose is due 21 days after the first
    with pytest.raises(DoseTooEarly):
        check_administration(US, after_one, plan, items, STOCK, day=early, today=early)
    course = check_administration(
        US, after_one, plan, items, STOCK, day=early, today=early, override_reason="travel"
    )
    assert [(d.kind, d.override_reason) for d in course.doses] == [
        (VisitKind.INITIAL, None),
        (VisitKind.SECOND, "travel"),
    ]


def test_a_reinitiation_plan_is_recorded_as_a_reinitiation() -> None:
    # never as the second dose of a course (USPI §2.2 Table 1): from the third visit on, or in a
    # course started as a re-initiation after a complete response
    after_one = record_dose(US, Course(START), START)
    after_two = record_dose(US, after_one, START + timedelta(days=21))
    plan = stored_plan("us", VisitKind.REINITIATION, [make_lesion("L1", "2")])
    day = START + timedelta(days=60)
    items = [Given("L1", Decimal("1"), LOT8.lot)]
    course = check_administration(US, after_two, plan, items, STOCK, day=day, today=day)
    assert course.doses[-1].kind is VisitKind.REINITIATION
    with pytest.raises(CourseRuleBroken, match="visit 2: a re-initiation is only possible after"):
        check_administration(US, after_one, plan, items, STOCK, day=day, today=day)
    restart = Course(day, reinitiation=True)
    course = check_administration(US, restart, plan, items, STOCK, day=day, today=day)
    assert [d.kind for d in course.doses] == [VisitKind.REINITIATION]
