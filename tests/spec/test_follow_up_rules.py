"""Follow-up rules as tables (tvec.domain.follow_up): a death is not in the future nor before any
dated record of the patient; the last date known alive is not after the death; the baseline ECOG
is a grade 0-4 of Oken et al. (Am J Clin Oncol 1982;5:649-55) dated not in the future; a prior
therapy's line is 1 or more, ends on or after its start, and shares its line only with another
category (a combination: tvec's rule). T-VEC is first line with no prior systemic therapy
recorded (tvec's rule). Each refusal names the field."""

from __future__ import annotations

from datetime import date

import pytest

from tvec.domain.errors import CourseRuleBroken, InvalidInput
from tvec.domain.follow_up import (
    ChartDates,
    FollowUp,
    PriorTherapy,
    check_alive,
    check_follow_up,
    check_prior_therapy,
    corrected_fields,
    line_of_therapy,
)
from tvec.knowledge.follow_up import load_follow_up

TODAY = date(2026, 6, 1)
BOOK = load_follow_up()
CHART = ChartDates(
    birth=date(1960, 3, 1),
    diagnosed_on=date(2025, 11, 1),
    first_dose=date(2026, 1, 5),
    last_dose=date(2026, 4, 20),
    last_measurement=date(2026, 5, 2),
)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def check(fu: FollowUp) -> None:
    check_follow_up(fu, CHART, TODAY, BOOK.death_causes.codes, BOOK.ecog_grades)


@pytest.mark.parametrize(
    "fu",
    [
        FollowUp(),  # nothing recorded yet
        FollowUp(died_on=d(5, 2), death_cause="melanoma"),  # on the last measurement's day
        FollowUp(died_on=TODAY, death_cause="unknown", last_known_alive_on=TODAY),
        FollowUp(last_known_alive_on=TODAY, ecog=0, ecog_assessed_on=d(1, 5)),
        FollowUp(ecog=4, ecog_assessed_on=d(1, 4)),
        FollowUp(died_on=d(5, 10), death_cause="treatment-related", last_known_alive_on=d(5, 9)),
    ],
)
def test_follow_up_that_keeps_the_rules(fu: FollowUp) -> None:
    check(fu)


@pytest.mark.parametrize(
    ("fu", "field", "words"),
    [
        (FollowUp(died_on=d(6, 2), death_cause="melanoma"), "died_on", "future"),
        (FollowUp(died_on=d(5, 1), death_cause="melanoma"), "died_on", "last lesion measurement"),
        (
            FollowUp(died_on=d(1, 1), death_cause="other"),
            "died_on",
            "last lesion measurement",
        ),
        (FollowUp(died_on=d(5, 10)), "death_cause", "required"),
        (FollowUp(death_cause="melanoma"), "died_on", "required"),
        (FollowUp(died_on=d(5, 10), death_cause="old age"), "death_cause", "one of"),
        (
            FollowUp(died_on=d(5, 10), death_cause="other", last_known_alive_on=d(5, 11)),
            "last_known_alive_on",
            "after the date of death",
        ),
        (FollowUp(last_known_alive_on=d(6, 2)), "last_known_alive_on", "future"),
        (FollowUp(last_known_alive_on=d(1, 1, 1950)), "last_known_alive_on", "before birth"),
        (FollowUp(ecog=5, ecog_assessed_on=d(1, 5)), "ecog", "one of 0, 1, 2, 3, 4"),
        (FollowUp(ecog=-1, ecog_assessed_on=d(1, 5)), "ecog", "one of"),
        (FollowUp(ecog=1), "ecog_assessed_on", "required"),
        (FollowUp(ecog_assessed_on=d(1, 5)), "ecog", "required"),
        (FollowUp(ecog=1, ecog_assessed_on=d(6, 2)), "ecog_assessed_on", "future"),
        (FollowUp(ecog=1, ecog_assessed_on=d(1, 1, 1950)), "ecog_assessed_on", "before birth"),
        (
            FollowUp(died_on=d(5, 10), death_cause="other", ecog=1, ecog_assessed_on=d(5, 11)),
            "ecog_assessed_on",
            "after the date of death",
        ),
    ],
)
def test_follow_up_that_breaks_a_rule_is_refused_naming_the_field(
    fu: FollowUp, field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(fu)
    assert refused.value.field == field
    assert words in str(refused.value)


def test_a_death_names_the_latest_record_it_may_not_precede() -> None:
    only_birth = ChartDates(birth=d(3, 1, 1960))
    check_follow_up(
        FollowUp(died_on=d(3, 1, 1960), death_cause="other"), only_birth, TODAY, ["other"], [0]
    )
    with pytest.raises(InvalidInput, match="diagnosis"):
        check_follow_up(
            FollowUp(died_on=d(10, 1, 2025), death_cause="other"),
            ChartDates(birth=d(3, 1, 1960), diagnosed_on=d(11, 1, 2025)),
            TODAY,
            ["other"],
            [0],
        )


NIVO = PriorTherapy("anti-pd-1", 1, "nivolumab", d(1, 10, 2025), d(6, 1, 2025))
IPI = PriorTherapy("anti-ctla-4", 1, "ipilimumab")


def check_therapy(new: PriorTherapy, others: list[PriorTherapy]) -> None:
    check_prior_therapy(new, others, CHART.birth, TODAY, BOOK.therapy_categories.codes)


@pytest.mark.parametrize(
    ("new", "others"),
    [
        (NIVO, []),
        (IPI, [NIVO]),  # a combination: another category in the same line
        (PriorTherapy("braf-mek", 2, started_on=d(7, 1, 2025)), [NIVO, IPI]),
        (PriorTherapy("chemotherapy", 3, started_on=d(1, 1), ended_on=d(1, 1)), []),
    ],
)
def test_prior_therapies_that_keep_the_rules(new: PriorTherapy, others: list[PriorTherapy]) -> None:
    check_therapy(new, others)


@pytest.mark.parametrize(
    ("new", "others", "field"),
    [
        (PriorTherapy("anti-pd-1", 1, "pembrolizumab"), [NIVO], "line"),  # same category, line
        (PriorTherapy("anti-pd-1", 0), [], "line"),
        (PriorTherapy("vaccine", 1), [], "category"),
        (PriorTherapy("cytokine", 2, started_on=d(3, 1), ended_on=d(2, 1)), [], "ended_on"),
        (PriorTherapy("cytokine", 2, started_on=d(6, 2)), [], "started_on"),
        (PriorTherapy("cytokine", 2, ended_on=d(6, 2)), [], "ended_on"),
        (PriorTherapy("cytokine", 2, started_on=d(1, 1, 1959)), [], "started_on"),
    ],
)
def test_prior_therapies_that_break_a_rule_are_refused(
    new: PriorTherapy, others: list[PriorTherapy], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_therapy(new, others)
    assert refused.value.field == field


def test_first_line_means_no_prior_systemic_therapy_recorded() -> None:
    assert line_of_therapy([]) == "first"
    assert line_of_therapy([NIVO]) == "later"
    assert "tvec's rule" in BOOK.lines.first_line_source


@pytest.mark.parametrize(
    ("before", "after", "corrected"),
    [
        (FollowUp(), FollowUp(died_on=d(5, 10), death_cause="melanoma"), []),  # news
        (FollowUp(last_known_alive_on=d(5, 1)), FollowUp(last_known_alive_on=d(5, 20)), []),
        (
            FollowUp(last_known_alive_on=d(5, 20)),
            FollowUp(last_known_alive_on=d(5, 1)),
            ["last_known_alive_on"],
        ),
        (
            FollowUp(died_on=d(5, 10), death_cause="melanoma"),
            FollowUp(died_on=d(5, 10), death_cause="other"),
            ["death_cause"],
        ),
        (FollowUp(ecog=1, ecog_assessed_on=d(1, 5)), FollowUp(), ["ecog", "ecog_assessed_on"]),
    ],
)
def test_changing_or_removing_what_is_recorded_is_a_correction(
    before: FollowUp, after: FollowUp, corrected: list[str]
) -> None:
    assert corrected_fields(before, after) == corrected


def test_the_ecog_scale_is_oken_1982_grades_0_to_4() -> None:
    assert BOOK.ecog_grades == (0, 1, 2, 3, 4)
    assert "Am J Clin Oncol 1982;5:649-55" in BOOK.ecog.source
    assert BOOK.ecog_text(0).startswith("Fully active")


def test_nothing_is_given_to_a_patient_whose_death_is_recorded() -> None:
    check_alive(None, "dose may be recorded", "administered_at")  # alive: no refusal
    with pytest.raises(CourseRuleBroken, match=r"death is recorded \(on 2026-03-04\)") as caught:
        check_alive(date(2026, 3, 4), "dose may be recorded", "administered_at")
    assert caught.value.fields == {"field": "administered_at"}
