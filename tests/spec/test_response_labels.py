"""How each assessment reads, as tables of hand-made trajectories (docs/response.md).

A CR or PR counts once an assessment at least 4 weeks (28 days) later confirms it (WHO criteria,
Miller et al., Cancer 1981). Until then the assessment reads "PR (unconfirmed, confirm on or after
DATE)", DATE being the assessment date + 28 days, so that no row seems to contradict the best
overall response. The start date is 5 January 2026; a visit is `(days after the start, lesions)`.
"""

from __future__ import annotations

import dataclasses

import pytest

from tvec.domain.response import Category, Confirmation, assess_response, assessment_label
from tvec.knowledge import load_criteria

from .test_response_trajectories import START, make_measurements, make_result

# name, criteria, visits, label of every assessment, best overall response
LABEL_CASES = [
    (
        "a single PR: unconfirmed, confirm 28 days later",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5")],
        ["baseline", "PR (unconfirmed, confirm on or after 2026-03-02)"],
        "SD",
    ),
    (
        "WHO: the same single PR is unconfirmed too",
        "who",
        [(0, "L1 10x10"), (28, "L1 5x5")],
        ["baseline", "PR (unconfirmed, confirm on or after 2026-03-02)"],
        "SD",
    ),
    (
        "a PR confirmed 28 days later: the onset is marked, the confirming PR is a PR",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (56, "L1 5x5")],
        ["baseline", "PR (confirmed onset)", "PR"],
        "PR",
    ),
    (
        "a PR seen again only 27 days later: still unconfirmed, both dated",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (55, "L1 5x5")],
        [
            "baseline",
            "PR (unconfirmed, confirm on or after 2026-03-02)",
            "PR (unconfirmed, confirm on or after 2026-03-29)",
        ],
        "SD",
    ),
    (
        "a PR then SD: never confirmed",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 7x7"), (42, "L1 7.5x7")],
        ["baseline", "PR (not confirmed)", "SD"],
        "SD",
    ),
    (
        "a CR confirmed 28 days later, then still CR",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 0x0"), (56, "L1 0x0")],
        ["baseline", "CR (confirmed onset)", "CR"],
        "CR",
    ),
    (
        "a CR within a confirmed PR awaits its own confirmation",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (56, "L1 5x5"), (70, "L1 0x0")],
        [
            "baseline",
            "PR (confirmed onset)",
            "PR",
            "CR (unconfirmed, confirm on or after 2026-04-13)",
        ],
        "PR",
    ),
    (
        "a CR within a confirmed PR, then regrowth (PD) before 28 days: the CR is not confirmed",
        "modified-who",
        [(0, "L1 10x10"), (28, "L1 5x5"), (56, "L1 5x5"), (70, "L1 0x0"), (84, "L1 1x1")],
        ["baseline", "PR (confirmed onset)", "PR", "CR (not confirmed)", "PD"],
        "PR",
    ),
    (
        "WHO: nothing after the first PD counts",
        "who",
        [(0, "L1 10x10"), (28, "L1 12x11"), (56, "L1 6x6")],
        ["baseline", "PD", "PR (not counted: after first PD)"],
        "PD",
    ),
]


@pytest.mark.parametrize(
    ("criteria", "visits", "labels", "best"),
    [pytest.param(*case[1:], id=case[0]) for case in LABEL_CASES],
)
def test_each_assessment_reads_so_that_it_never_contradicts_the_best_response(
    criteria: str, visits: list[tuple[int, str]], labels: list[str], best: str
) -> None:
    result = make_result(criteria, *visits)
    assert [a.label for a in result.assessments] == labels
    assert [assessment_label(a) for a in result.assessments] == labels
    assert result.best_overall_response == Category(best)


def test_a_pending_response_carries_its_confirmation_date() -> None:
    result = make_result("modified-who", (0, "L1 10x10"), (28, "L1 5x5"))
    row = result.assessments[1]
    assert row.confirmation is Confirmation.PENDING
    assert row.confirm_on_or_after == START.replace(month=3, day=2)  # 2 Feb + 28 days
    assert result.assessments[0].confirmation is None  # the baseline


def test_the_confirmation_date_follows_the_criteria_interval() -> None:
    criteria = load_criteria("modified-who")
    six_weeks = dataclasses.replace(
        criteria, confirmation=dataclasses.replace(criteria.confirmation, min_days=42)
    )
    measurements = make_measurements((0, "L1 10x10"), (28, "L1 5x5"))
    row = assess_response(six_weeks, START, measurements).assessments[1]
    assert row.label == "PR (unconfirmed, confirm on or after 2026-03-16)"
