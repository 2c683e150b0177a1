"""Tumour response rules as tables of hand-made patient trajectories.

Each visit is written as `(when, "L1 10x10, L2 2x2")`: `when` is days after the start date or a
date, then each lesion with its longest x perpendicular diameters in cm. With a single 10 x 10 cm
baseline lesion the sum of products is 100 cm², so every later sum reads directly as a percentage
of baseline.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tvec.domain.response import (
    Category,
    DurableStatus,
    Measurement,
    ResponseAssessment,
    assess_response,
)
from tvec.domain.rules import Site
from tvec.knowledge import load_criteria

START = date(2026, 1, 5)


def make_measurements(*visits: tuple[int | date, str]) -> list[Measurement]:
    measurements = []
    for when, lesions in visits:
        day = START + timedelta(days=when) if isinstance(when, int) else when
        for entry in lesions.split(","):
            lesion_id, size = entry.split()
            longest, perpendicular = size.split("x")
            measurements.append(
                Measurement(
                    day=day,
                    lesion_id=lesion_id,
                    longest_cm=Decimal(longest),
                    perpendicular_cm=Decimal(perpendicular),
                    site=Site.CUTANEOUS,
                    injected=True,
                )
            )
    return measurements


def make_result(criteria: str, *visits: tuple[int | date, str]) -> ResponseAssessment:
    return assess_response(load_criteria(criteria), START, make_measurements(*visits))


def categories(result: ResponseAssessment) -> str:
    """The categories after baseline, e.g. 'PR PR CR'."""
    return " ".join(str(a.category) for a in result.assessments[1:])


# name, criteria, visits, categories after baseline, best overall response
CATEGORY_CASES = [
    (
        "CR: every lesion has disappeared, confirmed 28 days later",
        "modified-who",
        [(0, "L1 10x10, L2 4x4"), (28, "L1 0x0, L2 0x0"), (56, "L1 0x0, L2 0x0")],
        "CR CR",
        "CR",
    ),
    (
        "PR: sum down 64% then 75%",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 6x6"), (56, "L1 5x5")],
        "PR PR",
        "PR",
    ),
    (
        "SD: down 19%, then up 23.5% from the nadir",
        "modified-who",
        [(0, "L1 10x10"), (42, "L1 9x9"), (84, "L1 10x10")],
        "SD SD",
        "SD",
    ),
    (
        "PD: sum up 32%",
        "modified-who",
        [(0, "L1 10x10"), (42, "L1 12x11")],
        "PD",
        "PD",
    ),
    (
        "PR boundary: exactly 50% decrease is PR",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 10x5"), (56, "L1 10x5")],
        "PR PR",
        "PR",
    ),
    (
        "PR boundary: 49.9% decrease is SD",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 10x5.01"), (56, "L1 10x5.01")],
        "SD SD",
        "SD",
    ),
    (
        "PD boundary: exactly 25% over the nadir is PD",
        "modified-who",
        [(0, "L1 10x10"), (42, "L1 12.5x10")],
        "PD",
        "PD",
    ),
    (
        "PD boundary: 24.9% over the nadir is SD",
        "modified-who",
        [(0, "L1 10x10"), (42, "L1 12.49x10")],
        "SD",
        "SD",
    ),
    (
        "PD from the nadir after a response, though still 62.5% below baseline",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 6x5"), (56, "L1 6x5"), (84, "L1 7.5x5")],
        "PR PR PD",
        "PR",
    ),
    (
        "growth of 16.7% from the nadir during a response is not PD",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 6x5"), (56, "L1 6x5"), (84, "L1 7x5")],
        "PR PR PR",
        "PR",
    ),
    (
        "a lesion coming back after a CR is PD (nadir 0)",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 0x0"), (56, "L1 0x0"), (84, "L1 1x1")],
        "CR CR PD",
        "CR",
    ),
    (
        "modified WHO: a new lesion joins the sum (36 + 4 = 40 cm², PR)",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 6x6, L2 2x2"), (56, "L1 6x6, L2 2x2")],
        "PR PR",
        "PR",
    ),
    (
        "WHO: the same new lesion is progression",
        "who",
        [(0, "L1 10x10"), (28, "L1 6x6, L2 2x2"), (56, "L1 6x6, L2 2x2")],
        "PD PD",
        "PD",
    ),
    (
        "modified WHO: a new lesion that lifts the sum by 16% is SD",
        "modified-who",
        [(0, "L1 10x10"), (42, "L1 10x10, L2 4x4")],
        "SD",
        "SD",
    ),
    (
        "modified WHO: a new lesion that lifts the sum by 25% is PD",
        "modified-who",
        [(0, "L1 10x10"), (42, "L1 10x10, L2 5x5")],
        "PD",
        "PD",
    ),
    (
        "modified WHO: no CR while a new lesion remains",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 0x0, L2 2x2"), (56, "L1 0x0, L2 2x2")],
        "PR PR",
        "PR",
    ),
    (
        "unconfirmed: the next assessment is only 27 days later, then PD",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (55, "L1 5x5"), (84, "L1 8x8")],
        "PR PR PD",
        "SD",
    ),
    (
        "unconfirmed: the next assessment is SD",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 9x5"), (56, "L1 11x5")],
        "PR SD",
        "SD",
    ),
    (
        "unconfirmed: an SD between two PRs breaks the confirmation",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 9x5"), (42, "L1 11x5"), (70, "L1 9x5")],
        "PR SD PR",
        "SD",
    ),
    (
        "unconfirmed: a single PR with no later assessment",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5")],
        "PR",
        "SD",
    ),
    (
        "WHO (Miller 1981) confirms too: a single PR visit is not a PR",
        "who",
        [(0, "L1 10x10"), (28, "L1 5x5")],
        "PR",
        "SD",
    ),
    (
        "WHO: a PR confirmed exactly 28 days later is a PR",
        "who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (56, "L1 5x5")],
        "PR PR",
        "PR",
    ),
    (
        "WHO: a PR seen again only 27 days later is not confirmed",
        "who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (55, "L1 5x5")],
        "PR PR",
        "SD",
    ),
    (
        "WHO: a CR confirmed 28 days later is a CR",
        "who",
        [(0, "L1 10x10"), (28, "L1 0x0"), (56, "L1 0x0")],
        "CR CR",
        "CR",
    ),
    (
        "WHO: a PR then PD before 28 days is no response (best SD: an unconfirmed PR)",
        "who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (42, "L1 7x7")],
        "PR PD",
        "SD",
    ),
    (
        "a CR only 14 days before the last assessment is confirmed as PR, not CR",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (42, "L1 0x0"), (56, "L1 0x0")],
        "PR CR CR",
        "PR",
    ),
    (
        "the same CR held for 28 days is a confirmed CR",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (42, "L1 0x0"), (56, "L1 0x0"), (70, "L1 0x0")],
        "PR CR CR CR",
        "CR",
    ),
    (
        "progression before response counts under modified WHO",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 12x11"), (56, "L1 6x6"), (84, "L1 6x6")],
        "PD PR PR",
        "PR",
    ),
    (
        "progression before response: under WHO nothing after the first PD counts",
        "who",
        [(0, "L1 10x10"), (28, "L1 12x11"), (56, "L1 6x6"), (84, "L1 6x6")],
        "PD PR PR",
        "PD",
    ),
    (
        "modified WHO: SD after an early PD makes the best response SD",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 12x11"), (56, "L1 9x9")],
        "PD SD",
        "SD",
    ),
]


@pytest.mark.parametrize(
    ("criteria", "visits", "expected_categories", "best"),
    [pytest.param(*case[1:], id=case[0]) for case in CATEGORY_CASES],
)
def test_categories_and_best_overall_response(
    criteria: str, visits: list[tuple[int, str]], expected_categories: str, best: str
) -> None:
    result = make_result(criteria, *visits)
    assert categories(result) == expected_categories
    assert result.best_overall_response == Category(best)


def test_baseline_only_is_not_evaluable() -> None:
    result = make_result("modified-who", (0, "L1 10x10"))
    assert result.best_overall_response is Category.NE
    assert result.assessments[0].category is None
    assert result.durable_response is DurableStatus.NO


def test_who_sum_leaves_new_lesions_out_modified_who_adds_them() -> None:
    visits = [(0, "L1 10x10"), (28, "L1 6x6, L2 2x2")]
    assert make_result("who", *visits).assessments[1].spd_cm2 == Decimal(36)
    assert make_result("modified-who", *visits).assessments[1].spd_cm2 == Decimal(40)


def test_confirmed_marks_the_onset_only() -> None:
    result = make_result("modified-who", (0, "L1 10x10"), (28, "L1 5x5"), (56, "L1 5x5"))
    assert [a.confirmed for a in result.assessments] == [False, True, False]
    assert result.time_to_response_days == 28


def test_confirmation_needs_28_days_exactly_not_27() -> None:
    on_time = make_result("modified-who", (0, "L1 10x10"), (28, "L1 5x5"), (56, "L1 5x5"))
    too_soon = make_result("modified-who", (0, "L1 10x10"), (28, "L1 5x5"), (55, "L1 5x5"))
    assert on_time.best_overall_response is Category.PR
    assert too_soon.best_overall_response is Category.SD


ONSET = date(2026, 2, 2)  # 28 days after START

# name, criteria, visits, durable, time to response, duration of response, ongoing
DURABLE_CASES = [
    (
        "exactly 6 months, then PD: durable",
        "modified-who",
        [(START, "L1 10x10"), (ONSET, "L1 5x5"), (date(2026, 3, 2), "L1 5x5"),
         (date(2026, 8, 2), "L1 8x8")],
        "yes", 28, 181, False,
    ),
    (
        "exactly 6 months and still responding: durable",
        "modified-who",
        [(START, "L1 10x10"), (ONSET, "L1 5x5"), (date(2026, 3, 2), "L1 5x5"),
         (date(2026, 8, 2), "L1 5x5")],
        "yes", 28, 181, True,
    ),
    (
        "one day short of 6 months, then PD: not durable",
        "modified-who",
        [(START, "L1 10x10"), (ONSET, "L1 5x5"), (date(2026, 3, 2), "L1 5x5"),
         (date(2026, 8, 1), "L1 8x8")],
        "no", 28, 180, False,
    ),
    (
        "one day short of 6 months, then SD (response lost): not durable",
        "modified-who",
        [(START, "L1 10x10"), (ONSET, "L1 9x5"), (date(2026, 3, 2), "L1 9x5"),
         (date(2026, 8, 1), "L1 11x5")],
        "no", 28, 180, False,
    ),
    (
        "one day short of 6 months and still responding: not evaluable yet",
        "modified-who",
        [(START, "L1 10x10"), (ONSET, "L1 5x5"), (date(2026, 3, 2), "L1 5x5"),
         (date(2026, 8, 1), "L1 5x5")],
        "not-evaluable", 28, 180, True,
    ),
    (
        "onset exactly 12 months after the start (tvec's ruling): not durable",
        "modified-who",
        [(START, "L1 10x10"), (date(2026, 7, 6), "L1 9x9"), (date(2027, 1, 5), "L1 5x5"),
         (date(2027, 2, 2), "L1 5x5"), (date(2027, 7, 5), "L1 5x5")],
        "no", 365, 181, True,
    ),
    (
        "onset one day after 12 months: never durable",
        "modified-who",
        [(START, "L1 10x10"), (date(2026, 7, 6), "L1 9x9"), (date(2027, 1, 6), "L1 5x5"),
         (date(2027, 2, 3), "L1 5x5"), (date(2027, 7, 6), "L1 5x5")],
        "no", 366, 181, True,
    ),
    (
        "onset one day after 12 months and still short: no, not not-evaluable",
        "modified-who",
        [(START, "L1 10x10"), (date(2026, 7, 6), "L1 9x9"), (date(2027, 1, 6), "L1 5x5"),
         (date(2027, 2, 3), "L1 5x5")],
        "no", 366, 28, True,
    ),
    (
        "progression interrupts a response, then a new 6-month response: durable",
        "modified-who",
        [(START, "L1 10x10"), (ONSET, "L1 8x5"), (date(2026, 3, 2), "L1 8x5"),
         (date(2026, 4, 6), "L1 12x5"), (date(2026, 5, 4), "L1 8x5"),
         (date(2026, 6, 1), "L1 8x5"), (date(2026, 11, 4), "L1 8x5")],
        "yes", 28, 63, False,
    ),
    (
        "the same patient under WHO: nothing after the first PD counts",
        "who",
        [(START, "L1 10x10"), (ONSET, "L1 8x5"), (date(2026, 3, 2), "L1 8x5"),
         (date(2026, 4, 6), "L1 12x5"), (date(2026, 5, 4), "L1 8x5"),
         (date(2026, 6, 1), "L1 8x5"), (date(2026, 11, 4), "L1 8x5")],
        "no", 28, 63, False,
    ),
    (
        "no response at all: not durable",
        "modified-who",
        [(START, "L1 10x10"), (ONSET, "L1 9x9"), (date(2026, 9, 7), "L1 9x9")],
        "no", None, None, None,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("criteria", "visits", "durable", "ttr", "dor", "ongoing"),
    [pytest.param(*case[1:], id=case[0]) for case in DURABLE_CASES],
)
def test_durable_response(
    criteria: str,
    visits: list[tuple[date, str]],
    durable: str,
    ttr: int | None,
    dor: int | None,
    ongoing: bool | None,
) -> None:
    result = make_result(criteria, *visits)
    assert result.durable_response == DurableStatus(durable)
    assert result.time_to_response_days == ttr
    assert result.duration_of_response_days == dor
    assert result.response_ongoing is ongoing


def test_second_response_after_progression_is_a_separate_onset() -> None:
    result = make_result("modified-who", *DURABLE_CASES[8][2])
    onsets = [a.date for a in result.assessments if a.confirmed]
    assert onsets == [ONSET, date(2026, 5, 4)]
    assert result.best_overall_response is Category.PR


def test_who_marks_assessments_after_the_first_pd_as_not_counted() -> None:
    result = make_result("who", (0, "L1 10x10"), (28, "L1 12x11"), (56, "L1 6x6"))
    assert [a.counted for a in result.assessments] == [False, True, False]
    assert not any(a.confirmed for a in result.assessments)


# The onset boundary (tvec's ruling, clinical sources silent on the day itself): a durable response
# must begin strictly before the date 12 calendar months after the first dose. A month-end start
# keeps its day when it can and otherwise takes the last day of the month (31 Jan -> 31 Jan a year
# later; 29 Feb 2024 -> 28 Feb 2025).
# name, start, onset date, durable
ONSET_BOUNDARY_CASES = [
    ("5 Jan start, onset 4 Jan a year later: durable", date(2026, 1, 5), date(2027, 1, 4), "yes"),
    ("5 Jan start, onset 5 Jan a year later: not durable", date(2026, 1, 5), date(2027, 1, 5), "no"),
    ("31 Jan start, onset 30 Jan a year later: durable", date(2026, 1, 31), date(2027, 1, 30), "yes"),
    ("31 Jan start, onset 31 Jan a year later: not durable", date(2026, 1, 31), date(2027, 1, 31),
     "no"),
    ("29 Feb start, onset 27 Feb a year later: durable", date(2024, 2, 29), date(2025, 2, 27), "yes"),
    ("29 Feb start, onset 28 Feb a year later: not durable", date(2024, 2, 29), date(2025, 2, 28),
     "no"),
    ("31 Mar start, onset 30 Mar a year later: durable", date(2025, 3, 31), date(2026, 3, 30), "yes"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "onset", "durable"),
    [pytest.param(*case[1:], id=case[0]) for case in ONSET_BOUNDARY_CASES],
)
def test_durable_response_must_begin_before_the_12_month_date(
    start: date, onset: date, durable: str
) -> None:
    """A PR from `onset`, confirmed 28 days later and still held 6 calendar months after onset."""
    visits = [(start, "L1 10x10"), (onset, "L1 5x5"), (onset + timedelta(days=28), "L1 5x5"),
              (onset + timedelta(days=200), "L1 5x5")]  # fmt: skip
    result = assess_response(load_criteria("modified-who"), start, make_measurements(*visits))
    assert result.time_to_response_days == (onset - start).days
    assert result.durable_response == DurableStatus(durable)


def test_the_onset_boundary_is_data_and_says_it_is_tvecs_ruling() -> None:
    for name in ("who", "modified-who"):
        rule = load_criteria(name).durable_response
        assert rule.onset_within_months == 12
        assert rule.onset_on_boundary_date_counts is False
        assert rule.boundary_ruling.startswith("tvec's ruling")


def test_who_and_modified_who_state_confirmation_the_same_way_citing_miller() -> None:
    for name in ("who", "modified-who"):
        confirmation = load_criteria(name).confirmation
        assert confirmation.min_days == 28  # "not less than 4 weeks apart"
        assert "Miller et al., Cancer 1981" in confirmation.source


def test_the_rules_page_shows_the_onset_boundary_as_tvecs_ruling() -> None:
    from tvec.knowledge.rulebook import criteria_section

    for name in ("who", "modified-who"):
        rows = {row[0]: row for row in criteria_section(load_criteria(name)).rows}
        _rule, value, source = rows["onset on the date 12 months after the start"]
        assert value == "does not count (not durable)"
        assert source.startswith("tvec's ruling")
