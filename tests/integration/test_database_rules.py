"""Every "only one" rule holds under concurrency: the database keeps it, not only the code.

Eight requests that each would break the rule for the others are held at the database (a lock on
the row they all refer to) until all eight are waiting, then let go together: exactly one
succeeds and the seven others are told 409 naming the field, never 500, and the database holds
one record. On PostgreSQL the requests really run side by side; on SQLite they queue for the
writer's turn, and the outcome the user sees must be the same. Planning a visit is the one
request that may succeed more than once: a plan after the winner's re-plans the planned visit
(as it always has), and still only one visit is planned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from tests.integration.test_api_concurrency import overlapping
from tests.support.clinic import (
    OLDER_SIZES,
    TESTCLIENT_WARNING,
    client_for,
    days_ago,
    items,
    login_all,
    make_patient_ready_for_course,
    running_app,
    seed_staff,
    start_course,
)

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

PARALLEL = 8
START = days_ago(10)


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


@dataclass(frozen=True)
class Rule:
    """One "only one" rule: the row all requests refer to, the request, and the field named."""

    name: str
    table: str  # the row held: the requests' inserts refer to it
    field: str
    request: Callable[[Any, dict[str, Any], int], Any]  # (client, setup, i) -> response
    count: Callable[[Any, dict[str, Any]], int]  # records that obey the rule afterwards
    # planning again re-plans the planned visit: a request after the winner's may succeed too
    replans: bool = False


def _setup(app: FastAPI) -> dict[str, Any]:
    client = client_for(app)
    h = login_all(client, seed_staff(app.state.ctx))
    rec = make_patient_ready_for_course(client, h[Role.NURSE], measured_on=START)
    return {"client": client, "h": h, "rec": rec, "pid": rec["patient"]["id"]}


def _held_row(rule: Rule, setup: dict[str, Any], url: str) -> int:
    if rule.table == "centres":
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(text("SELECT min(id) FROM centres")).scalar_one())
        finally:
            engine.dispose()
    if rule.table == "courses":
        course = start_course(setup["client"], setup["h"][Role.ONCOLOGIST], setup["pid"], START)
        setup["course"] = course["id"]
        return int(course["id"])
    if rule.table == "lesions":
        return int(setup["rec"]["lesions"]["L1"]["id"])
    return int(setup["pid"])


def _open_courses(client: Any, s: dict[str, Any]) -> int:
    courses = items(client.get(f"/patients/{s['pid']}/courses", headers=s["h"][Role.NURSE]))
    return sum(1 for c in courses if c["end_date"] is None)


def _active_today(client: Any, s: dict[str, Any]) -> int:
    lesion = s["rec"]["lesions"]["L1"]["id"]
    found = items(client.get(f"/patients/{s['pid']}/measurements", headers=s["h"][Role.NURSE]))
    return sum(
        1
        for m in found
        if m["lesion_id"] == lesion
        and m["measured_on"] == days_ago(1).isoformat()
        and m["status"] == "active"
    )


def _named(path: str, key: str, value: str) -> Callable[[Any, dict[str, Any]], int]:
    def count(client: Any, s: dict[str, Any]) -> int:
        role = Role.ADMIN if path == "/users" else Role.PHARMACIST if "vial" in path else Role.NURSE
        found = items(client.get(path.format(pid=s["pid"]) + "?limit=200", headers=s["h"][role]))
        return sum(1 for x in found if x[key] == value)

    return count


RULES = [
    Rule(
        "one open course per patient",
        "patients",
        "start_date",
        lambda c, s, i: c.post(
            f"/patients/{s['pid']}/courses",
            json={"label_variant": "us", "start_date": START.isoformat()},
            headers=s["h"][Role.ONCOLOGIST],
        ),
        _open_courses,
    ),
    Rule(
        "one active measurement of a lesion per day",
        "lesions",
        "measured_on",
        lambda c, s, i: c.post(
            f"/patients/{s['pid']}/measurements",
            json={
                "measured_on": days_ago(1).isoformat(),
                "method": "caliper",
                "items": [
                    {
                        "lesion_id": s["rec"]["lesions"]["L1"]["id"],
                        "longest_cm": f"3.{i}",
                        "perpendicular_cm": "2.0",
                    }
                ],
            },
            headers=s["h"][Role.NURSE],
        ),
        _active_today,
    ),
    Rule(
        "one MRN per centre",
        "centres",
        "mrn",
        lambda c, s, i: c.post(
            "/patients",
            json={
                "mrn": "MRN-TWIN",
                "given_name": "Caspian",
                "family_name": "Roskilde-Tate",
                "birth_date": "1970-01-0" + str(i + 1),
                "sex": "male",
            },
            headers=s["h"][Role.NURSE],
        ),
        _named("/patients", "mrn", "MRN-TWIN"),
    ),
    Rule(
        "one lot number per centre",
        "centres",
        "lot",
        lambda c, s, i: c.post(
            "/vial-lots",
            json={
                "lot": "LOT-TWIN",
                "pfu_per_ml": 10**6,
                "expiry_date": days_ago(-300).isoformat(),
            },
            headers=s["h"][Role.PHARMACIST],
        ),
        _named("/vial-lots", "lot", "LOT-TWIN"),
    ),
    Rule(
        "one username",
        "centres",
        "username",
        lambda c, s, i: c.post(
            "/users",
            json={
                "username": "twin.nurse",
                "full_name": f"Twin Nurse {i}",
                "role": "nurse",
                "password": "a long enough password 7",
            },
            headers=s["h"][Role.ADMIN],
        ),
        _named("/users", "username", "twin.nurse"),
    ),
    Rule(
        "one visit of each number per course",
        "courses",
        "version",
        lambda c, s, i: c.post(
            f"/courses/{s['course']}/visits",
            json={"stale_reason": OLDER_SIZES},
            headers=s["h"][Role.NURSE],
        ),
        lambda c, s: len(
            items(c.get(f"/courses/{s['course']}/visits", headers=s["h"][Role.NURSE]))
        ),
        replans=True,
    ),
    Rule(
        "one lesion name per patient",
        "patients",
        "name",
        lambda c, s, i: c.post(
            f"/patients/{s['pid']}/lesions",
            json={
                "name": "L9",
                "site": "cutaneous",
                "location": f"left forearm {i}",
                "first_seen": days_ago(2).isoformat(),
            },
            headers=s["h"][Role.NURSE],
        ),
        _named("/patients/{pid}/lesions", "name", "L9"),
    ),
]


def _send(rule: Rule, setup: dict[str, Any], i: int, client: Any) -> Any:
    return rule.request(client, setup, i)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_eight_parallel_requests_one_succeeds_the_rest_get_409(
    clinic: FastAPI, database_url: str, rule: Rule
) -> None:
    setup = _setup(clinic)
    row = _held_row(rule, setup, database_url)
    requests = [partial(_send, rule, setup, i) for i in range(PARALLEL)]
    responses = overlapping(clinic, database_url, rule.table, row, *requests)
    statuses = sorted(r.status_code for r in responses)
    if rule.replans:
        assert set(statuses) <= {201, 409}, [r.text for r in responses]
        assert statuses[0] == 201, statuses
    else:
        assert statuses == [201] + [409] * (PARALLEL - 1), [r.text for r in responses]
    for loser in (r.json() for r in responses if r.status_code == 409):
        assert loser["code"] == "conflict"
        assert loser["field"] == rule.field, loser
    assert rule.count(setup["client"], setup) == 1
