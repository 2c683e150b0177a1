"""The safety table against an independent brute-force count, and on cases a clinician can check.

The brute force asks, for every (arm, term, patient) triple, "does this patient have an event of
this term?", then reads the worst grade, seriousness and relatedness from that patient's events
alone: no grouping, no running maximum, nothing shared with `tvec.analytics.safety`.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.analytics.safety import (
    ANY_TERM,
    EventRecord,
    PublishedRate,
    safety_table,
    term_key,
    with_published,
)

ARMS = ("T-VEC", "GM-CSF")
TERMS = ("Fatigue", "fatigue", "Chills", "Injection-site pain", "injection site pain", "Fever")
PATIENTS = tuple(f"p{i}" for i in range(6))

EVENT = st.builds(
    EventRecord,
    patient=st.sampled_from(PATIENTS),
    arm=st.sampled_from(ARMS),
    term=st.sampled_from(TERMS),
    grade=st.integers(1, 5),
    serious=st.booleans(),
    related=st.sampled_from([True, False, None]),
)


def brute_force(
    events: list[EventRecord], arm: str, term: str | None
) -> tuple[int, int, int, int, list[int]]:
    """(any grade, grade >= 3, serious, related, by worst grade) for `term` (None: every term)."""
    any_grade = severe = serious = related = 0
    by_grade = [0] * 5
    for patient in PATIENTS:
        mine = [
            e
            for e in events
            if e.patient == patient
            and e.arm == arm
            and (term is None or term_key(e.term) == term_key(term))
        ]
        if not mine:
            continue
        any_grade += 1
        worst = sorted(e.grade for e in mine)[-1]
        by_grade[worst - 1] += 1
        severe += worst >= 3
        serious += any(e.serious for e in mine)
        related += any(e.related is True for e in mine)
    return any_grade, severe, serious, related, by_grade


def denominators(events: list[EventRecord]) -> dict[str, int]:
    # every patient of the list belongs to each arm's denominator: nobody is counted twice
    return {arm: len(PATIENTS) for arm in ARMS}


@settings(max_examples=200, deadline=None)
@given(st.lists(EVENT, max_size=30))
def test_every_cell_equals_the_brute_force_count(events: list[EventRecord]) -> None:
    table = safety_table(events, denominators(events))
    assert table.rows[0].term == ANY_TERM
    terms = {term_key(e.term) for e in events}
    assert {term_key(row.term) for row in table.rows[1:]} == terms  # each term once
    for row in table.rows:
        term = None if row.term == ANY_TERM else row.term
        for arm in ARMS:
            c = row.arms[arm]
            got = (
                c.any_grade.patients,
                c.grade_3_or_worse.patients,
                c.serious.patients,
                c.related.patients,
                list(c.by_worst_grade),
            )
            assert got == brute_force(events, arm, term)
            assert c.any_grade.of == len(PATIENTS)


@settings(max_examples=100, deadline=None)
@given(st.lists(EVENT, max_size=30))
def test_a_published_reaction_counts_the_patients_of_every_term_it_covers(
    events: list[EventRecord],
) -> None:
    pain = PublishedRate("injection-site pain", ("Fever",), {"T-VEC": "28", "GM-CSF": "6"})
    [compared] = with_published(events, denominators(events), [pain])
    for arm in ARMS:
        covered = [e for e in events if term_key(e.term) in {"injection site pain", "fever"}]
        expected = brute_force([*covered], arm, None)
        assert compared.row.arms[arm].any_grade.patients == expected[0]
        assert compared.row.arms[arm].grade_3_or_worse.patients == expected[1]


def test_a_patient_with_three_fevers_is_one_patient_at_the_worst_grade() -> None:
    events = [
        EventRecord("a", "T-VEC", "Fever", 1, serious=False, related=True),
        EventRecord("a", "T-VEC", "fever", 3, serious=False, related=None),
        EventRecord("a", "T-VEC", "Fever", 2, serious=True, related=False),
        EventRecord("b", "T-VEC", "Chills", 1, serious=False, related=None),
    ]
    table = safety_table(events, {"T-VEC": 4})
    rows = {row.term: row.arms["T-VEC"] for row in table.rows}
    assert list(rows) == [ANY_TERM, "Chills", "Fever"]  # most patients first, then by name
    fever = rows["Fever"]
    assert (fever.any_grade.patients, fever.grade_3_or_worse.patients) == (1, 1)
    assert (fever.serious.patients, fever.related.patients) == (1, 1)
    assert fever.by_worst_grade == (0, 0, 1, 0, 0)
    assert fever.any_grade.pct == 25.0
    assert rows["Chills"].related.patients == 0  # unanswered is not related
    assert rows[ANY_TERM].any_grade.patients == 2


def test_an_arm_without_patients_has_no_percentage() -> None:
    table = safety_table([], {"T-VEC": 0})
    assert table.rows[0].arms["T-VEC"].any_grade.pct is None


@pytest.mark.parametrize(
    ("event", "patients", "message"),
    [
        (EventRecord("a", "other", "Fever", 1, False, None), {"T-VEC": 1}, "no patient count"),
        (EventRecord("a", "T-VEC", "Fever", 6, False, None), {"T-VEC": 1}, "not a CTCAE grade"),
        (EventRecord("a", "T-VEC", "Fever", 1, False, None), {"T-VEC": 0}, "than the arm has"),
    ],
)
def test_counts_that_cannot_be_true_are_refused(
    event: EventRecord, patients: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        safety_table([event], patients)
