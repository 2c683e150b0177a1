"""The login limits' counting rule (tvec.services.login_limits.after_failure), case by case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tvec.config import Settings
from tvec.domain.errors import TooManyAttempts
from tvec.persistence.login_attempts import Attempts, key_of
from tvec.services.login_limits import after_failure

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SETTINGS = Settings(login_window_minutes=15, login_lockout_minutes=10, login_lockout_max_minutes=30)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.mark.parametrize(
    ("before", "at", "after"),
    [
        # the first failure opens a window
        (Attempts(), T0, Attempts(1, T0, 0, None)),
        # counted within the window
        (Attempts(1, T0, 0, None), T0 + minutes(14), Attempts(2, T0, 0, None)),
        # past the window: counting starts again
        (Attempts(2, T0, 0, None), T0 + minutes(16), Attempts(1, T0 + minutes(16), 0, None)),
        # the third failure (the limit) locks for the lockout and starts a new count
        (Attempts(2, T0, 0, None), T0 + minutes(1), Attempts(0, None, 1, T0 + minutes(11))),
        # a second lockout within a window of the first lasts twice as long
        (
            Attempts(2, T0, 1, T0 - minutes(5)),
            T0 + minutes(1),
            Attempts(0, None, 2, T0 + minutes(21)),
        ),
        # ... and never longer than the most (30 minutes here)
        (
            Attempts(2, T0, 5, T0 - minutes(5)),
            T0 + minutes(1),
            Attempts(0, None, 6, T0 + minutes(31)),
        ),
        # a whole window after the last lockout, lockouts start again at the shortest
        (
            Attempts(2, T0, 3, T0 - minutes(20)),
            T0 + minutes(1),
            Attempts(0, None, 1, T0 + minutes(11)),
        ),
    ],
)
def test_a_failure_is_counted_and_locks_at_the_limit(
    before: Attempts, at: datetime, after: Attempts
) -> None:
    assert after_failure(before, at, 3, SETTINGS) == after


def test_the_refusal_says_when_to_try_again_and_nothing_about_the_account() -> None:
    refusal = TooManyAttempts(900)
    assert str(refusal) == "too many failed logins; try again in 900 seconds"
    assert (refusal.retry_after, refusal.code) == (900, "too-many-attempts")


def test_usernames_and_addresses_are_stored_as_digests() -> None:
    assert key_of("nurse") != "nurse"
    assert len(key_of("nurse")) == 64
