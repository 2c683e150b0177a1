"""Prior authorization as rules: the answers a request may take, what an approval must carry, the
units used of a window, and the warnings a visit gets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tvec.domain.errors import InvalidInput
from tvec.domain.prior_auth import (
    Answer,
    DoseUnits,
    MalformedBundle,
    RequestStatus,
    Window,
    check_answer,
    check_dose_in_window,
    planned_units,
    units_used,
    visit_warnings,
    window_for,
)

S = RequestStatus
D = date(2026, 6, 1)
APPROVAL = Answer(S.APPROVED, None, "PRE-1", date(2026, 6, 1), date(2026, 11, 30), Decimal(404))
WINDOW = Window("PRE-1", date(2026, 6, 1), date(2026, 11, 30), Decimal(404))


@pytest.mark.parametrize(
    ("now", "answer", "allowed"),
    [
        (S.SUBMITTED, S.PENDED, True),
        (S.SUBMITTED, S.APPROVED, True),
        (S.SUBMITTED, S.DENIED, True),
        (S.SUBMITTED, S.APPEALED, False),
        (S.PENDED, S.SUBMITTED, True),
        (S.PENDED, S.APPEALED, False),
        (S.DENIED, S.APPEALED, True),
        (S.DENIED, S.APPROVED, False),
        (S.APPEALED, S.APPROVED, True),
        (S.APPEALED, S.DENIED, True),
        (S.APPROVED, S.DENIED, False),
        (S.APPROVED, S.APPEALED, False),
    ],
)
def test_a_request_takes_only_the_answers_its_status_allows(
    now: RequestStatus, answer: RequestStatus, allowed: bool
) -> None:
    given = APPROVAL if answer is S.APPROVED else Answer(answer, "a note")
    if allowed:
        check_answer(now, given)
        return
    with pytest.raises(InvalidInput) as refused:
        check_answer(now, given)
    assert refused.value.field == "status"


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (Answer(S.APPROVED, None, None, D, D, Decimal(4)), "authorization_number"),
        (Answer(S.APPROVED, None, " ", D, D, Decimal(4)), "authorization_number"),
        (Answer(S.APPROVED, None, "A1", None, D, Decimal(4)), "window_start"),
        (Answer(S.APPROVED, None, "A1", D, None, Decimal(4)), "window_end"),
        (Answer(S.APPROVED, None, "A1", D, date(2026, 5, 31), Decimal(4)), "window_end"),
        (Answer(S.APPROVED, None, "A1", D, D, None), "units_authorized"),
        (Answer(S.APPROVED, None, "A1", D, D, Decimal(0)), "units_authorized"),
        (Answer(S.PENDED), "requested_information"),
        (Answer(S.DENIED, "  "), "denial_reason"),
    ],
)
def test_an_answer_missing_what_it_must_carry_is_refused_naming_the_field(
    answer: Answer, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_answer(S.SUBMITTED, answer)
    assert refused.value.field == field


def test_an_appeal_needs_its_grounds() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_answer(S.DENIED, Answer(S.APPEALED))
    assert refused.value.field == "appeal_reason"


def test_a_one_day_window_is_an_approval() -> None:
    check_answer(S.SUBMITTED, Answer(S.APPROVED, None, "A1", D, D, Decimal(4)))


DOSES = [
    DoseUnits(date(2026, 5, 20), Decimal(4), Decimal(0)),  # before the window: not counted
    DoseUnits(date(2026, 6, 1), Decimal(4), Decimal(0)),
    DoseUnits(date(2026, 6, 22), Decimal(110), Decimal(90)),
]


@pytest.mark.parametrize(("discarded_count", "used"), [(False, 114), (True, 204)])
def test_units_used_count_doses_in_the_window_and_discarded_units_where_the_policy_says(
    discarded_count: bool, used: int
) -> None:
    assert units_used(WINDOW, DOSES, discarded_count) == used


def test_no_dose_uses_no_unit() -> None:
    assert units_used(WINDOW, [], True) == 0


@pytest.mark.parametrize(
    ("volume", "pfu", "units"), [("4", 10**6, 4), ("4", 10**8, 400), ("2.5", 10**8, 250)]
)
def test_a_visit_bills_at_most_its_volume_at_its_strength(
    volume: str, pfu: int, units: int
) -> None:
    assert planned_units(Decimal(volume), pfu, 10**6) == units


def kinds(window: Window | None, day: date, planned: int, used: int, today: date) -> list[str]:
    found = visit_warnings(window, day, Decimal(planned), Decimal(used), today, 30)
    return [w.kind for w in found]


@pytest.mark.parametrize(
    ("day", "planned", "used", "today", "expected"),
    [
        (date(2026, 7, 1), 400, 0, date(2026, 7, 1), []),
        (date(2026, 12, 1), 4, 0, date(2026, 7, 1), ["outside-window"]),
        (date(2026, 5, 31), 4, 0, date(2026, 5, 31), ["outside-window"]),
        (date(2026, 7, 1), 400, 4, date(2026, 7, 1), []),  # exactly the units left
        (date(2026, 7, 1), 400, 5, date(2026, 7, 1), ["exceeds-units"]),
        (date(2026, 11, 1), 4, 0, date(2026, 11, 1), ["window-ending"]),  # 29 days left
        (date(2026, 10, 31), 4, 0, date(2026, 10, 31), ["window-ending"]),  # 30 days left
        (date(2026, 10, 30), 4, 0, date(2026, 10, 30), []),  # 31 days left
        (date(2026, 12, 2), 4, 0, date(2026, 12, 1), ["outside-window"]),  # window over
    ],
)
def test_a_visit_is_warned_outside_the_window_beyond_the_units_and_near_the_end(
    day: date, planned: int, used: int, today: date, expected: list[str]
) -> None:
    assert kinds(WINDOW, day, planned, used, today) == expected


def test_a_visit_without_an_approved_window_is_warned_so() -> None:
    (warning,) = visit_warnings(None, D, Decimal(4), Decimal(0), D, 30)
    assert warning.kind == "no-authorization"
    assert warning.message == "No approved prior authorization is on file"


LATER = Window("PRE-2", date(2026, 12, 1), date(2027, 5, 31), Decimal(400))


def test_the_window_of_a_day_is_the_one_covering_it_else_the_latest() -> None:
    assert window_for([WINDOW, LATER], date(2026, 12, 5)) == LATER
    assert window_for([WINDOW, LATER], date(2026, 7, 5)) == WINDOW
    assert window_for([WINDOW, LATER], date(2027, 7, 5)) == LATER
    assert window_for([], D) is None


def test_a_dose_outside_every_approved_window_needs_an_override_reason() -> None:
    assert check_dose_in_window([], date(2027, 1, 1), None) is False  # no prior auth in use
    assert check_dose_in_window([WINDOW], date(2026, 7, 1), None) is False
    assert check_dose_in_window([WINDOW], date(2026, 12, 1), "payer agreed by phone") is True
    with pytest.raises(InvalidInput) as refused:
        check_dose_in_window([WINDOW], date(2026, 12, 1), " ")
    assert refused.value.field == "authorization_override_reason"
    assert "2026-06-01 to 2026-11-30 (PRE-1)" in str(refused.value)


def test_a_malformed_bundle_names_the_path() -> None:
    error = MalformedBundle("entry.0.resource.use", "must be preauthorization")
    assert error.field == "entry.0.resource.use"
    assert str(error) == "PAS Bundle: entry.0.resource.use: must be preauthorization"
