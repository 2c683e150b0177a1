"""The safety programme's rules, as tables that read like `tvec rules` (docs/rules.md).

Each region's requirements: who or what they are about, the fact they need, when they apply,
whether a missing one stops the step or warns, and who must act. Then the evaluator's rule: a
fact true is met, false or not recorded is missing, None (no such person) does not apply; a
missing `block` requirement stops the step with the reason in clinic words.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tvec.domain import programme as p
from tvec.domain.errors import InvalidInput
from tvec.knowledge.programme import load_programme

# id, subject, fact, applies, enforcement, who acts
EU = [
    ("eu-centre-qualified", "centre", "centre.ultra_low_freezer", "course-start", "block", "pharmacist"),
    ("eu-prescriber-trained", "prescriber", "prescriber.training_current", "course-start", "block", "admin"),
    ("eu-pharmacist-trained", "pharmacist", "pharmacist.training_current", "course-start", "warn", "admin"),
    ("eu-nurse-trained", "nurse", "nurse.training_current", "every-dose", "block", "admin"),
    ("eu-nurse-cleared", "nurse", "nurse.cleared_to_handle", "every-dose", "block", "nurse"),
    ("eu-checker-cleared", "checker", "checker.cleared_to_handle", "every-dose", "block", "second checker"),
    ("eu-patient-alert-card", "patient", "patient.alert_card_issued", "every-dose", "warn", "nurse"),
    ("eu-patient-education", "patient", "patient.education_given", "first-dose", "warn", "nurse"),
]  # fmt: skip
US = [
    ("us-centre-freezer", "centre", "centre.ultra_low_freezer", "course-start", "warn", "pharmacist"),
    ("us-prescriber-trained", "prescriber", "prescriber.training_current", "course-start", "warn", "admin"),
    ("us-pharmacist-trained", "pharmacist", "pharmacist.training_current", "course-start", "warn", "admin"),
    ("us-nurse-trained", "nurse", "nurse.training_current", "every-dose", "warn", "admin"),
    ("us-nurse-cleared", "nurse", "nurse.cleared_to_handle", "every-dose", "block", "nurse"),
    ("us-checker-cleared", "checker", "checker.cleared_to_handle", "every-dose", "block", "second checker"),
]  # fmt: skip


@pytest.mark.parametrize(("region", "table"), [("eu", EU), ("us", US)])
def test_each_regions_requirements_are_as_the_rules_table_says(region: str, table: list) -> None:
    rows = [
        (r.id, r.subject.value, r.fact, r.applies.value, r.enforcement.value, r.who_acts)
        for r in load_programme(region).requirements
    ]
    assert rows == table


@pytest.mark.parametrize("region", ["eu", "us"])
def test_every_requirement_names_its_source_and_tvecs_own_rules_say_so(region: str) -> None:
    for req in load_programme(region).requirements:
        assert req.source
        assert ("tvec's rule" in req.source) == req.tvec_rule, req.id


def test_the_label_only_rules_block_in_the_us_the_epar_conditions_block_in_the_eu() -> None:
    us_blocks = {r.fact for r in load_programme("us").requirements if r.enforcement == "block"}
    assert us_blocks == {"nurse.cleared_to_handle", "checker.cleared_to_handle"}
    eu = load_programme("eu")
    assert {"centre.ultra_low_freezer", "prescriber.training_current"} <= {
        r.fact for r in eu.requirements if r.enforcement == "block"
    }
    assert (eu.training.expiry_warning_days, eu.attestation.renewal_days) == (30, 30)


def _req(fact: str, enforcement: str = "block", applies: str = "every-dose") -> p.Requirement:
    return p.Requirement(
        id=fact.replace(".", "-").replace("_", "-"),
        subject=p.Subject(fact.split(".")[0]),
        fact=fact,
        needs=f"needs {fact}",
        to_do="do it",
        applies=p.Moment(applies),
        enforcement=p.Enforcement(enforcement),
        who_acts="nurse",
        source="SmPC §4.4",
    )


# fact value → status (absent: not yet recorded)
STATUS = [
    (True, "met"),
    (False, "missing"),
    (None, "not applicable"),
    ("absent", "missing"),
]


@pytest.mark.parametrize(("value", "status"), STATUS)
def test_a_fact_true_is_met_false_or_unrecorded_missing_none_not_applicable(
    value: object, status: str
) -> None:
    req = _req("nurse.cleared_to_handle")
    facts = {} if value == "absent" else {req.fact: value}
    check = p.evaluate([req], {p.Moment.EVERY_DOSE}, facts)  # type: ignore[arg-type]
    assert [o.status.value for o in check.outcomes] == [status]


# enforcement, fact → blocks?, warns?
ENFORCEMENT = [
    ("block", False, True, False),
    ("block", True, False, False),
    ("warn", False, False, True),
    ("warn", True, False, False),
]


@pytest.mark.parametrize(("enforcement", "fact", "blocks", "warns"), ENFORCEMENT)
def test_a_missing_block_stops_a_missing_warn_is_shown(
    enforcement: str, fact: bool, blocks: bool, warns: bool
) -> None:
    req = _req("nurse.training_current", enforcement)
    check = p.evaluate([req], {p.Moment.EVERY_DOSE}, {req.fact: fact})
    assert (check.blocks, bool(check.warnings)) == (blocks, warns)


# the step → the moments it checks
MOMENTS = [
    ({"course_start": True}, {"course-start"}),
    ({"dose": True}, {"every-dose"}),
    ({"dose": True, "first": True}, {"every-dose", "first-dose"}),
    ({"first": True}, set()),
]


@pytest.mark.parametrize(("step", "moments"), MOMENTS)
def test_a_course_start_checks_its_own_a_dose_every_dose_the_first_one_also_first_dose(
    step: dict[str, bool], moments: set[str]
) -> None:
    assert {m.value for m in p.moments_for(**step)} == moments


def test_only_the_requirements_of_the_moment_are_evaluated() -> None:
    start = _req("centre.ultra_low_freezer", applies="course-start")
    dose = _req("nurse.cleared_to_handle")
    check = p.evaluate([start, dose], p.moments_for(course_start=True), {})
    assert [o.requirement for o in check.outcomes] == [start]


def test_a_blocked_step_is_refused_naming_each_missing_requirement_who_acts_and_the_source() -> (
    None
):
    reqs = [_req("nurse.cleared_to_handle"), _req("nurse.training_current", "warn")]
    check = p.evaluate(reqs, {p.Moment.EVERY_DOSE}, {})
    with pytest.raises(p.ProgrammeBlocked) as refused:
        p.check_not_blocked(check, "The dose cannot be recorded yet")
    assert str(refused.value) == (
        "The dose cannot be recorded yet: needs nurse.cleared_to_handle "
        "(nurse to act: do it; SmPC §4.4)."
    )
    assert refused.value.requirements == ("nurse-cleared-to-handle",)
    p.check_not_blocked(p.evaluate(reqs[1:], {p.Moment.EVERY_DOSE}, {}), "never refused")


def test_a_tvec_rule_is_named_as_tvecs_in_the_refusal() -> None:
    req = p.Requirement(**{**_req("checker.cleared_to_handle").__dict__, "tvec_rule": True})
    with pytest.raises(p.ProgrammeBlocked, match="tvec's rule"):
        p.check_not_blocked(p.evaluate([req], {p.Moment.EVERY_DOSE}, {}), "Refused")


# ---- training and attestation records ---------------------------------------------------------

DAY = date(2026, 6, 1)


class T:
    def __init__(self, completed: int, expires: int, course: str = "imlygic-handling") -> None:
        self.course = course
        self.completed_on = DAY + timedelta(days=completed)
        self.expires_on = DAY + timedelta(days=expires)


# completed (days from today), expires (days from today), course → current today?
TRAINING = [
    (-100, 200, "imlygic-handling", True),
    (0, 1, "imlygic-handling", True),  # completed today
    (-365, 0, "imlygic-handling", False),  # expires today: no longer current
    (-365, -1, "imlygic-handling", False),
    (1, 365, "imlygic-handling", False),  # not completed yet
    (-100, 200, "another-course", False),
]


@pytest.mark.parametrize(("completed", "expires", "course", "current"), TRAINING)
def test_a_training_counts_from_its_completion_until_the_day_before_its_expiry(
    completed: int, expires: int, course: str, current: bool
) -> None:
    assert p.training_current([T(completed, expires, course)], "imlygic-handling", DAY) is current


# expires in (days) → the worklist warns (30-day window)
WARNING = [(31, False), (30, True), (1, True), (0, False), (-5, False)]


@pytest.mark.parametrize(("expires_in", "warns"), WARNING)
def test_the_worklist_warns_within_30_days_of_expiry(expires_in: int, warns: bool) -> None:
    assert p.expiring_within(DAY + timedelta(days=expires_in), DAY, 30) is warns


class A:
    def __init__(self, cleared: bool, days_ago: int) -> None:
        self.cleared, self.attested_on = cleared, DAY - timedelta(days=days_ago)


RULE = load_programme("eu").attestation

# the latest attestation (None: never) → cleared today (renewed every 30 days)
ATTESTATION = [
    (None, False),
    (A(True, 0), True),
    (A(True, 29), True),
    (A(True, 30), False),  # due for renewal
    (A(False, 0), False),  # attested not cleared
    (A(True, -1), False),  # dated tomorrow
]


@pytest.mark.parametrize(("latest", "cleared"), ATTESTATION)
def test_staff_are_cleared_by_a_current_attestation_that_they_may_prepare_and_give(
    latest: A | None, cleared: bool
) -> None:
    assert p.cleared_to_handle(latest, RULE, DAY) is cleared


# completed, expires → refused field (None: accepted)
TRAINING_INPUT = [
    (DAY, DAY + timedelta(days=365), None),
    (DAY + timedelta(days=1), DAY + timedelta(days=365), "completed_on"),
    (DAY, None, "expires_on"),
    (DAY, DAY, "expires_on"),
    (DAY, DAY - timedelta(days=1), "expires_on"),
]


@pytest.mark.parametrize(("completed", "expires", "field"), TRAINING_INPUT)
def test_a_training_record_needs_a_past_completion_and_a_later_expiry(
    completed: date, expires: date | None, field: str | None
) -> None:
    if field is None:
        assert p.check_training_dates(completed, expires, DAY) == expires
        return
    with pytest.raises(InvalidInput) as refused:
        p.check_training_dates(completed, expires, DAY)
    assert refused.value.field == field
