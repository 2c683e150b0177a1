"""Adverse events, as tables: the CTCAE v5.0 grades each term has (a grade marked "–" in CTCAE
is refused), what makes an event serious (ICH E2A: any seriousness criterion; grade 5 is death),
whether it is expected (the label's adverse reactions, USPI §6.1), and which reports it needs and
when they are due (ICH E2A: 15 calendar days; 7 when fatal or life-threatening, with a follow-up
8 days later; a suspected herpetic lesion is reported to the manufacturer, USPI §5.2).
"""

from __future__ import annotations

from datetime import date

import pytest

from tvec.domain.adverse_event import (
    Criterion,
    Relatedness,
    check_dates,
    check_grade,
    check_lot,
    chosen_term,
    criteria_for,
    is_expected,
    is_serious,
)
from tvec.domain.errors import InvalidInput
from tvec.domain.safety_clock import EventFacts, ReportKind, days_left, reports_due, urgent
from tvec.knowledge.ctcae import load_ctcae, load_reporting

CTCAE = load_ctcae()
REPORTING = load_reporting()
RULES = REPORTING.rules
C = Criterion


@pytest.mark.parametrize(
    ("term", "grades"),
    [
        ("Fatigue", {1, 2, 3}),
        ("Chills", {1, 2, 3}),
        ("Fever", {1, 2, 3, 4, 5}),
        ("Nausea", {1, 2, 3}),
        ("Flu like symptoms", {1, 2, 3}),
        ("Injection site reaction", {1, 2, 3, 4, 5}),
        ("Vomiting", {1, 2, 3, 4, 5}),
        ("Diarrhea", {1, 2, 3, 4, 5}),
        ("Headache", {1, 2, 3}),
        ("Myalgia", {1, 2, 3}),
        ("Arthralgia", {1, 2, 3}),
        ("Pain in extremity", {1, 2, 3}),
        ("Skin infection", {1, 2, 3, 4, 5}),
        ("Herpes simplex reactivation", {1, 2, 3, 4, 5}),
        ("Skin hypopigmentation", {1, 2}),
        ("Vasculitis", {1, 2, 3, 4, 5}),
        ("Pneumonitis", {1, 2, 3, 4, 5}),
        ("Acute kidney injury", {3, 4, 5}),
        ("other", {1, 2, 3, 4, 5}),
    ],
)
def test_each_term_has_the_grades_ctcae_gives_it(term: str, grades: set[int]) -> None:
    found = CTCAE.find(term)
    assert found is not None
    assert set(found.grades) == grades
    for grade in range(1, 6):
        if grade in grades:
            check_grade(found, grade)
        else:
            with pytest.raises(InvalidInput, match=rf"{grade} is not a grade of") as refused:
                check_grade(found, grade)
            assert refused.value.field == "grade"


@pytest.mark.parametrize(
    ("term", "grade", "described"),
    [
        ("Fever", 1, "38.0 to 39.0 °C"),
        ("Fever", 4, "Above 40.0 °C for more than 24 hours"),
        ("Fatigue", 2, "Not relieved by rest; limits instrumental activities of daily living"),
        ("Injection site reaction", 2, "Pain; lipodystrophy; oedema; phlebitis"),
        ("Acute kidney injury", 4, "Life-threatening consequences; dialysis indicated"),
        ("other", 5, "Death related to the adverse event"),
    ],
)
def test_grade_descriptions(term: str, grade: int, described: str) -> None:
    found = CTCAE.find(term)
    assert found is not None
    assert found.grades[grade] == described


@pytest.mark.parametrize(
    ("label_words", "term"),
    [
        ("pyrexia", "Fever"),
        ("influenza-like illness", "Flu like symptoms"),
        ("injection site pain", "Injection site reaction"),
        ("cellulitis", "Skin infection"),
        ("vitiligo", "Skin hypopigmentation"),
        ("glomerulonephritis", "Acute kidney injury"),
        ("oral herpes", "Herpes simplex reactivation"),
    ],
)
def test_the_labels_words_are_graded_under_a_ctcae_term(label_words: str, term: str) -> None:
    assert [t.name for t in CTCAE.terms if label_words in t.label_words] == [term]


def test_letter_case_does_not_matter_and_other_needs_its_text() -> None:
    assert chosen_term(CTCAE, "fever", None).name == "Fever"
    assert chosen_term(CTCAE, "other", "plasmacytoma near the injection site") is CTCAE.other
    for term, specify, field in [
        ("Cellulitis", None, "term"),  # not a CTCAE term: Skin infection
        ("Plasmacytoma", None, "term"),  # not a CTCAE term: Other, specify
        ("other", None, "other_specify"),
        ("other", "  ", "other_specify"),
        ("Fever", "high", "other_specify"),  # only Other, specify has a text
    ]:
        with pytest.raises(InvalidInput) as refused:
            chosen_term(CTCAE, term, specify)
        assert refused.value.field == field, term


@pytest.mark.parametrize(
    ("grade", "ticked", "criteria", "serious"),
    [
        (1, [], set(), False),
        (3, [], set(), False),  # severe is not serious by itself
        (3, [C.HOSPITALISATION], {C.HOSPITALISATION}, True),
        (2, [C.IMPORTANT_MEDICAL_EVENT], {C.IMPORTANT_MEDICAL_EVENT}, True),
        (4, [C.LIFE_THREATENING], {C.LIFE_THREATENING}, True),
        (1, [C.DISABILITY], {C.DISABILITY}, True),
        (1, [C.CONGENITAL_ANOMALY], {C.CONGENITAL_ANOMALY}, True),
        (5, [], {C.DEATH}, True),  # grade 5 is death: always serious
        (5, [C.DEATH], {C.DEATH}, True),
    ],
)
def test_serious_is_grade_5_or_any_criterion(
    grade: int, ticked: list[Criterion], criteria: set[Criterion], serious: bool
) -> None:
    found = criteria_for(grade, ticked)
    assert found == criteria
    assert is_serious(grade, found) is serious


def test_death_is_grade_5() -> None:
    with pytest.raises(InvalidInput, match="must be 5") as refused:
        criteria_for(4, [C.DEATH])
    assert refused.value.field == "grade"


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("Fatigue", True),
        ("Fever", True),
        ("Skin infection", True),
        ("Herpes simplex reactivation", True),
        ("Pneumonitis", False),  # a warning (USPI §5), not among the adverse reactions
        ("Vasculitis", False),
        ("other", False),
    ],
)
def test_expected_when_the_label_lists_it(term: str, expected: bool) -> None:
    found = CTCAE.find(term)
    assert found is not None
    assert is_expected(found, REPORTING.expected_terms) is expected


AWARE = date(2026, 6, 1)
S7, S15, FU, HERP = (
    ReportKind.EXPEDITED_7_DAY,
    ReportKind.EXPEDITED_15_DAY,
    ReportKind.FOLLOW_UP,
    ReportKind.MANUFACTURER_HERPETIC,
)


def facts(
    serious: bool = True,
    expected: bool = False,
    related: Relatedness = Relatedness.YES,
    criteria: frozenset[Criterion] = frozenset({C.HOSPITALISATION}),
    herpetic: bool = False,
) -> EventFacts:
    return EventFacts(serious, expected, related, criteria, herpetic, AWARE)


@pytest.mark.parametrize(
    ("event", "due"),
    [
        # serious, unexpected, suspected: 15 calendar days from awareness
        (facts(), [(S15, date(2026, 6, 16))]),
        (facts(related=Relatedness.UNKNOWN), [(S15, date(2026, 6, 16))]),
        # fatal or life-threatening: 7 days, then a follow-up within 8 more
        (
            facts(criteria=frozenset({C.DEATH})),
            [(S7, date(2026, 6, 8)), (FU, date(2026, 6, 16))],
        ),
        (
            facts(criteria=frozenset({C.LIFE_THREATENING, C.HOSPITALISATION})),
            [(S7, date(2026, 6, 8)), (FU, date(2026, 6, 16))],
        ),
        # no expedited report: not related, expected, or not serious
        (facts(related=Relatedness.NO), []),
        (facts(expected=True), []),
        (facts(serious=False, criteria=frozenset()), []),
        # a suspected herpetic lesion: report to the manufacturer, no deadline in the label
        (facts(serious=False, criteria=frozenset(), herpetic=True), [(HERP, None)]),
        (facts(herpetic=True), [(S15, date(2026, 6, 16)), (HERP, None)]),
    ],
)
def test_reports_due(event: EventFacts, due: list[tuple[ReportKind, date | None]]) -> None:
    assert [(d.kind, d.due_on) for d in reports_due(event, RULES)] == due


@pytest.mark.parametrize(
    ("today", "left", "red"),
    [
        (date(2026, 6, 1), 15, False),
        (date(2026, 6, 13), 3, False),
        (date(2026, 6, 14), 2, True),  # 2 days or fewer: red (tvec's rule)
        (date(2026, 6, 16), 0, True),  # due today
        (date(2026, 6, 18), -2, True),  # overdue
    ],
)
def test_the_worklist_counts_down(today: date, left: int, red: bool) -> None:
    due = date(2026, 6, 16)
    assert days_left(due, today) == left
    assert urgent(due, today, RULES) is red


def test_a_report_without_deadline_is_red_and_counts_nothing() -> None:
    assert days_left(None, AWARE) is None
    assert urgent(None, AWARE, RULES) is True


@pytest.mark.parametrize(
    ("onset", "aware", "resolved", "field"),
    [
        (date(2026, 6, 2), date(2026, 6, 1), None, "aware_on"),
        (date(2026, 6, 2), date(2026, 6, 2), date(2026, 6, 1), "resolved_on"),
    ],
)
def test_awareness_and_resolution_come_after_the_onset(
    onset: date, aware: date, resolved: date | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_dates(onset, aware, resolved)
    assert refused.value.field == field
    check_dates(onset, onset, onset)  # the same day is fine


def test_a_lot_is_linked_only_to_an_event_that_may_be_related() -> None:
    check_lot(Relatedness.YES, 7)
    check_lot(Relatedness.UNKNOWN, 7)
    check_lot(Relatedness.NO, None)
    with pytest.raises(InvalidInput) as refused:
        check_lot(Relatedness.NO, 7)
    assert refused.value.field == "vial_lot_id"
    assert Relatedness.UNKNOWN.suspected
    assert not Relatedness.NO.suspected


def test_each_criterion_is_stored_in_its_own_column() -> None:
    assert [c.column for c in Criterion] == [
        "results_in_death",
        "life_threatening",
        "hospitalisation",
        "disability",
        "congenital_anomaly",
        "important_medical_event",
    ]
