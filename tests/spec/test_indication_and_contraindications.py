"""The indication (USPI §1; SmPC §4.1) and the contraindication list (USPI §4; SmPC §4.3), as tables.

Each row is a patient as the chart holds them, checked through the real evaluation and the real
bundled label data. A fact the chart does not hold is a reason too: "... not recorded".
"""

from __future__ import annotations

from datetime import date

import pytest

from tvec.domain.errors import InvalidInput
from tvec.domain.indication import PatientFacts, age_on, evaluate_indication
from tvec.domain.rules import DistantSite, Site
from tvec.domain.screening import (
    answered_yes,
    check_answers,
    contradictions,
    from_groups,
    not_answered,
)
from tvec.knowledge import load_label

CUT, SUB, NODE, VISC = Site.CUTANEOUS, Site.SUBCUTANEOUS, Site.NODAL, Site.VISCERAL
BONE, BRAIN, LUNG, OTHER = (
    DistantSite.BONE,
    DistantSite.BRAIN,
    DistantSite.LUNG,
    DistantSite.OTHER_VISCERAL,
)


def patient(
    stage: str | None = "IIIC",
    unresectable: bool | None = True,
    recurrent: bool | None = True,
    distant: tuple[DistantSite, ...] | None = (),
    age: int | None = 64,
    lesions: tuple[Site, ...] = (CUT,),
) -> PatientFacts:
    return PatientFacts(stage, unresectable, recurrent, distant, age, lesions)


# USPI §1: unresectable cutaneous, subcutaneous or nodal lesions of melanoma recurrent after
# initial surgery. Stage, age and visceral disease are not conditions (visceral lesions are
# simply not injected: USPI §1 limitations of use).
#   patient                                          within  the reason given (empty: within)
US_TABLE = [
    (patient(), True, ""),
    (patient(stage="IVM1c", distant=(LUNG,)), True, ""),
    (patient(stage=None, distant=None, age=None), True, ""),  # none of these is a US condition
    (patient(lesions=(CUT, VISC)), True, ""),
    (patient(lesions=(SUB, NODE)), True, ""),
    (patient(lesions=()), True, ""),  # no lesion recorded yet (they are added at the first visit)
    (patient(age=15), True, ""),
    (patient(unresectable=False), False, "resectable melanoma"),
    (patient(recurrent=False), False, "not recurrent after initial surgery"),
    (patient(unresectable=None), False, "resectability not recorded"),
    (patient(recurrent=None), False, "recurrence after initial surgery not recorded"),
    (patient(lesions=(VISC,)), False, "no cutaneous, subcutaneous or nodal lesion on record"),
]

# SmPC §4.1: adults, unresectable, stage IIIB, IIIC or IVM1a, no bone, brain, lung or other
# visceral disease. Recurrence after surgery is not a condition.
EU_TABLE = [
    (patient(stage="IIIB"), True, ""),
    (patient(stage="IIIC"), True, ""),
    (patient(stage="IVM1a"), True, ""),
    (patient(recurrent=False), True, ""),
    (patient(recurrent=None), True, ""),
    (patient(age=18), True, ""),
    (patient(stage="IVM1b"), False, "stage IVM1b: the indication is stage IIIB, IIIC or IVM1a"),
    (patient(stage="IVM1c"), False, "stage IVM1c"),
    (patient(stage=None), False, "stage not recorded"),
    (patient(age=17), False, "age 17: the indication is for adults (18 years and over"),
    (patient(age=None), False, "age not recorded"),
    (patient(unresectable=False), False, "resectable melanoma"),
    (patient(distant=(LUNG,)), False, "lung disease: the indication excludes bone, brain"),
    (patient(distant=(BONE,)), False, "bone disease"),
    (patient(distant=(BRAIN, OTHER)), False, "brain and other visceral disease"),
    (patient(distant=None), False, "sites of distant disease (bone, brain, lung or other"),
    (patient(lesions=(CUT, VISC)), False, "visceral lesion on record: the indication excludes"),
]


@pytest.mark.parametrize(("facts", "within", "reason"), US_TABLE)
def test_the_us_indication(facts: PatientFacts, within: bool, reason: str) -> None:
    rule = load_label("us").indication
    assert rule is not None
    verdict = evaluate_indication(rule, facts)
    assert verdict.within is within
    assert verdict.source.startswith("USPI §1")
    if within:
        assert verdict.reasons == ()
    else:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(("facts", "within", "reason"), EU_TABLE)
def test_the_eu_indication(facts: PatientFacts, within: bool, reason: str) -> None:
    rule = load_label("eu").indication
    assert rule is not None
    verdict = evaluate_indication(rule, facts)
    assert verdict.within is within
    assert verdict.source.startswith("SmPC §4.1")
    if within:
        assert verdict.reasons == ()
    else:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_every_reason_is_given_and_unrecorded_facts_are_named() -> None:
    rule = load_label("eu").indication
    assert rule is not None
    verdict = evaluate_indication(rule, PatientFacts(stage="IVM1c", lesion_sites=(VISC,)))
    assert verdict.missing == (
        "age",
        "resectability",
        "sites of distant disease (bone, brain, lung or other visceral)",
    )
    # three not recorded, the stage, the visceral lesion, and no lesion the label treats
    assert len(verdict.reasons) == 6


# date of birth, day  ->  whole years of age on that day
AGE_TABLE = [
    (date(2008, 6, 2), date(2026, 6, 1), 17),  # the day before the 18th birthday
    (date(2008, 6, 1), date(2026, 6, 1), 18),  # the birthday
    (date(1961, 4, 12), date(2026, 6, 1), 65),
    (None, date(2026, 6, 1), None),
]


@pytest.mark.parametrize(("born", "day", "age"), AGE_TABLE)
def test_age_on_a_day(born: date | None, day: date, age: int | None) -> None:
    assert age_on(born, day) == age


# ---- contraindications, item by item (USPI §4; SmPC §4.3) ----------------------------------------

ITEMS = [
    ("immunodeficiency", "Primary or acquired immunodeficiency"),
    ("leukaemia", "Leukaemia"),
    ("lymphoma", "Lymphoma"),
    ("hiv-aids", "HIV infection or AIDS with clinical manifestations"),
    ("immunosuppressive-therapy", "Immunosuppressive therapy"),
    ("pregnancy", "Pregnancy"),
]
NO = {code: False for code, _ in ITEMS}


@pytest.mark.parametrize("variant", ["us", "eu"])
def test_the_contraindication_list_is_the_labels_item_by_item(variant: str) -> None:
    items = load_label(variant).contraindications
    assert [(i.code, i.description) for i in items] == ITEMS
    section = "USPI §4" if variant == "us" else "SmPC §4.3"
    assert all(i.source.startswith(section) for i in items)
    assert {i.group for i in items[:5]} == {"immunocompromised"}


@pytest.mark.parametrize(("code", "_description"), ITEMS)
def test_each_item_answered_yes_is_a_contraindication(code: str, _description: str) -> None:
    items = load_label("us").contraindications
    answers = {**NO, code: True}
    check_answers(items, answers, "female")
    assert [i.code for i in answered_yes(items, answers)] == [code]


# answers given  ->  the field refused, and why
REFUSED = [
    ({k: v for k, v in NO.items() if k != "lymphoma"}, "male", "answers.lymphoma", "required"),
    ({**NO, "diabetes": False}, "female", "answers.diabetes", "is not an item"),
    ({**NO, "pregnancy": True}, "male", "answers.pregnancy", "impossible"),
]


@pytest.mark.parametrize(("answers", "sex", "field", "words"), REFUSED)
def test_a_screening_must_answer_each_item_possibly(
    answers: dict[str, bool], sex: str, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput, match=words) as refused:
        check_answers(load_label("us").contraindications, answers, sex)
    assert refused.value.field == field


@pytest.mark.parametrize("sex", ["female", "other", "unknown"])
def test_pregnancy_may_be_answered_yes_unless_the_patient_is_male(sex: str) -> None:
    check_answers(load_label("us").contraindications, {**NO, "pregnancy": True}, sex)


# an older screening's two answers (immunocompromised, pregnant)  ->  the items they stand for
OLD_SCREENINGS = [
    ({"immunocompromised": False, "pregnancy": False}, NO),
    ({"immunocompromised": False, "pregnancy": True}, {**NO, "pregnancy": True}),
    (
        {"immunocompromised": True, "pregnancy": False},  # which item is not known
        {**{code: None for code, _ in ITEMS[:5]}, "pregnancy": False},
    ),
    ({}, {code: None for code, _ in ITEMS}),
]


@pytest.mark.parametrize(("groups", "answers"), OLD_SCREENINGS)
def test_an_older_two_question_screening_reads_item_by_item(
    groups: dict[str, bool], answers: dict[str, bool | None]
) -> None:
    items = load_label("us").contraindications
    read = from_groups(items, groups)
    assert read == answers
    assert len(not_answered(items, read)) == sum(v is None for v in answers.values())


def test_a_same_day_screening_that_changes_an_answer_contradicts_it() -> None:
    assert contradictions(NO, {**NO, "lymphoma": True}) == ("lymphoma",)
    assert contradictions(NO, NO) == ()
    unknown = {**NO, "leukaemia": None}
    assert contradictions(unknown, {**NO, "leukaemia": True}) == ()  # nothing known to contradict
