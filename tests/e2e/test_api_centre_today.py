"""Today is the centre's calendar day, not the server's (UTC), on SQLite and PostgreSQL.

A centre east of UTC is already on the next day for an hour or more before UTC is; one west of
UTC is still on the day before. What a nurse types as today's date must be today, the plan must
count measurements taken on the centre's today as fresh, and a date after the centre's today is in
the future whatever UTC says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    client_for,
    login_all,
    make_patient_ready_for_course,
    ok,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

# 23:30 UTC on 1 June: already 01:30 on 2 June in Berlin, still 19:30 on 1 June in New York
LATE_UTC = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
# 02:00 UTC on 2 June: still 22:00 on 1 June in New York
EARLY_UTC = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)

Clinic = tuple[Any, dict[Role, dict[str, str]]]


def _clinic(database_url: str, now: datetime, zone: str) -> Iterator[Clinic]:
    clock: Callable[[], datetime] = lambda: now  # noqa: E731
    with running_app(database_url, clock) as (app, ctx):
        client = client_for(app)
        h = login_all(client, seed_staff(ctx))
        settings = {"time_zone": zone, "require_second_check": False}
        ok(client.put("/centre/settings", json=settings, headers=h[Role.ADMIN]))
        yield client, h


@pytest.fixture
def berlin_after_midnight(database_url: str) -> Iterator[Clinic]:
    yield from _clinic(database_url, LATE_UTC, "Europe/Berlin")


@pytest.fixture
def new_york_evening(database_url: str) -> Iterator[Clinic]:
    yield from _clinic(database_url, EARLY_UTC, "America/New_York")


def test_a_centre_past_utc_midnight_measures_and_plans_on_its_own_today(
    berlin_after_midnight: Clinic,
) -> None:
    client, h = berlin_after_midnight
    berlin_today = date(2026, 6, 2)  # UTC's date is still 1 June
    rec = make_patient_ready_for_course(
        client, h[Role.NURSE], mrn="TZ-0001", measured_on=berlin_today
    )
    pid = rec["patient"]["id"]
    course = start_course(client, h[Role.ONCOLOGIST], pid, berlin_today)
    visit = plan_visit(client, h[Role.NURSE], course["id"], stale_reason=None)
    assert visit["stale_reason"] is None  # measured on the centre's today: fresh, no reason asked


def test_the_day_after_the_centres_today_is_in_the_future(berlin_after_midnight: Clinic) -> None:
    client, h = berlin_after_midnight
    pid = ok(
        client.post(
            "/patients",
            json={
                "mrn": "TZ-0002",
                "given_name": "Ottilie",
                "family_name": "Brambleford",
                "birth_date": "1960-01-01",
                "sex": "female",
            },
            headers=h[Role.NURSE],
        ),
        201,
    )["id"]
    refused = client.put(
        f"/patients/{pid}/diagnosis",
        json={
            "stage": "IIIC",
            "recurrent_after_surgery": True,
            "unresectable": True,
            "distant_sites": [],
            "diagnosed_on": "2026-06-03",
        },
        headers=h[Role.NURSE],
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "diagnosed_on"
    assert "future" in refused.json()["detail"]


def test_a_centre_before_utc_midnight_is_still_on_its_own_today(new_york_evening: Clinic) -> None:
    client, h = new_york_evening
    utc_today = date(2026, 6, 2)  # New York is still on 1 June
    refused = client.post(
        "/patients",
        json={
            "mrn": "TZ-0003",
            "given_name": "Ottilie",
            "family_name": "Brambleford",
            "birth_date": utc_today.isoformat(),
            "sex": "female",
        },
        headers=h[Role.NURSE],
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "birth_date"
    assert client.get("/patients?mrn=TZ-0003", headers=h[Role.NURSE]).json()["total"] == 0
