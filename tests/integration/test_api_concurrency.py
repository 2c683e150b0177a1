"""Concurrent edits and retries, on SQLite and PostgreSQL, through the API.

To make two requests really overlap, the test holds a lock on the row (PostgreSQL: SELECT ... FOR
UPDATE; SQLite: the database write lock) while both requests start, waits until both are blocked
on it, then lets go. Whatever the interleaving, the outcome the user sees must be the same: one
write wins, the other is told (409) or gets the winner's answer (idempotent retry); nothing is
recorded twice and nothing is silently lost.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    add_vial_lot,
    administration_body,
    audit_total,
    client_for,
    days_ago,
    items,
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

START = days_ago(10)
TIMEOUT_S = 30


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


def ready_visit(
    app: FastAPI,
) -> tuple[Any, dict[Role, dict[str, str]], dict[str, Any], dict[str, Any]]:
    client = client_for(app)
    h = login_all(client, seed_staff(app.state.ctx))
    rec = make_patient_ready_for_course(client, h[Role.NURSE], measured_on=START)
    course = start_course(client, h[Role.ONCOLOGIST], rec["patient"]["id"], START)
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6", 10**6)
    return client, h, rec, plan_visit(client, h[Role.NURSE], course["id"])


@contextmanager
def row_held(url: str, table: str, row_id: int) -> Iterator[Callable[[int], None]]:
    """Hold a write lock on the row; yield `wait_for(n)`: returns once n requests wait on it."""
    if url.startswith("sqlite"):
        db = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=TIMEOUT_S)
        db.execute("BEGIN IMMEDIATE")  # the database write lock: every writer queues behind it
        try:
            yield lambda n: time.sleep(0.5)  # SQLite cannot tell who waits; the outcome is the same
        finally:
            db.execute("ROLLBACK")
            db.close()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn, engine.connect() as watcher:
            conn.execute(text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE"), {"id": row_id})
            watcher = watcher.execution_options(isolation_level="AUTOCOMMIT")

            def wait_for(n: int) -> None:
                deadline = time.monotonic() + TIMEOUT_S
                while time.monotonic() < deadline:
                    waiting = watcher.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND datname = current_database()"
                        )
                    ).scalar_one()
                    if waiting >= n:
                        return
                    time.sleep(0.02)
                raise AssertionError(f"{n} requests never blocked on the {table} row")

            yield wait_for
            conn.rollback()
    finally:
        engine.dispose()


def overlapping(
    app: FastAPI, url: str, table: str, row_id: int, *requests: Callable[[Any], Any]
) -> list[Any]:
    """Run the requests at once (one client and thread each) while the row is held, then release."""
    with ThreadPoolExecutor(len(requests)) as pool, row_held(url, table, row_id) as wait_for:
        futures = [pool.submit(request, client_for(app)) for request in requests]
        wait_for(len(requests))
        early = [f.result() for f in futures if f.done()]
        assert not early, f"a request finished while the row was held: {early}"
    return [f.result(timeout=TIMEOUT_S) for f in futures]


# ---- two sessions, one visit ------------------------------------------------------------------


def test_two_people_recording_one_visit_one_wins_one_gets_409(
    clinic: FastAPI, database_url: str
) -> None:
    client, h, _rec, visit = ready_visit(clinic)
    nurse, onc = h[Role.NURSE], h[Role.ONCOLOGIST]
    body = administration_body(visit, "LOT6", START)
    before = audit_total(client, h[Role.ADMIN])

    def record(as_user: dict[str, str]) -> Callable[[Any], Any]:
        return lambda c: c.post(
            f"/visits/{visit['id']}/administrations", json=body, headers=as_user
        )

    responses = overlapping(clinic, database_url, "visits", visit["id"], record(nurse), record(onc))
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] == "conflict"
    given = items(client.get(f"/visits/{visit['id']}/administrations", headers=nurse))
    assert len(given) == len(visit["plan"]["injections"])  # one set, not two
    winner = next(r for r in responses if r.status_code == 201).json()
    assert {a["id"] for a in given} == {a["id"] for a in winner["administrations"]}
    stored = ok(client.get(f"/visits/{visit['id']}", headers=nurse))
    assert (stored["status"], stored["version"]) == ("administered", visit["version"] + 1)
    # the audit log has the winner's writes only: the visit update and one row per injection
    assert audit_total(client, h[Role.ADMIN]) == before + 1 + len(given)


def test_two_corrections_from_the_same_version_one_409_no_lost_update(
    clinic: FastAPI, database_url: str
) -> None:
    client, h, rec, _visit = ready_visit(clinic)
    pid = rec["patient"]["id"]
    changes = {Role.NURSE: {"sex": "male"}, Role.ONCOLOGIST: {"birth_date": "1961-04-21"}}

    def correct(role: Role) -> Callable[[Any], Any]:
        body = {"version": 1, "reason": f"corrected by the {role.value}", **changes[role]}
        return lambda c: c.patch(f"/patients/{pid}", json=body, headers=h[role])

    responses = overlapping(
        clinic, database_url, "patients", pid, correct(Role.NURSE), correct(Role.ONCOLOGIST)
    )
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    winner_role = [Role.NURSE, Role.ONCOLOGIST][[r.status_code for r in responses].index(200)]
    loser_role = Role.ONCOLOGIST if winner_role is Role.NURSE else Role.NURSE

    final = ok(client.get(f"/patients/{pid}", headers=h[Role.NURSE]))
    assert final["version"] == 2
    original = {"sex": "female", "birth_date": "1961-04-12"}
    for field, value in changes[winner_role].items():
        assert final[field] == value
    for field in changes[loser_role]:
        assert final[field] == original[field]  # the loser's change is not half-applied
    history = items(client.get(f"/patients/{pid}/history", headers=h[Role.NURSE]))
    assert [a["action"] for a in history] == ["create", "correct"]
    assert history[1]["reason"] == f"corrected by the {winner_role.value}"
    assert history[1]["after"] == {**history[1]["after"], **changes[winner_role]}


# ---- retries with an Idempotency-Key -----------------------------------------------------------


def test_a_retried_administration_is_recorded_once(clinic: FastAPI) -> None:
    client, h, _rec, visit = ready_visit(clinic)
    nurse, url = h[Role.NURSE], f"/visits/{visit['id']}/administrations"
    body = administration_body(visit, "LOT6", START)
    key = {"Idempotency-Key": "visit-1-dose-0001"}

    first = client.post(url, json=body, headers={**nurse, **key})
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    audit_after_first = audit_total(client, h[Role.ADMIN])

    retry = client.post(url, json=body, headers={**nurse, **key})
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert len(items(client.get(url, headers=nurse))) == len(visit["plan"]["injections"])
    assert audit_total(client, h[Role.ADMIN]) == audit_after_first

    changed = {**body, "items": body["items"][:1]}
    reused = client.post(url, json=changed, headers={**nurse, **key})
    assert reused.status_code == 409
    assert reused.json()["field"] == "Idempotency-Key"
    assert "different request" in reused.json()["detail"]
    assert len(items(client.get(url, headers=nurse))) == len(visit["plan"]["injections"])

    again_without_key = client.post(url, json=body, headers=nurse)
    assert again_without_key.status_code == 409  # already recorded; a key-less retry is refused


def test_two_identical_retries_at_once_both_get_the_one_record(
    clinic: FastAPI, database_url: str
) -> None:
    client, h, _rec, visit = ready_visit(clinic)
    nurse, url = h[Role.NURSE], f"/visits/{visit['id']}/administrations"
    body = administration_body(visit, "LOT6", START)
    headers = {**nurse, "Idempotency-Key": "retry-storm-000000001"}

    def send(c: Any) -> Any:
        return c.post(url, json=body, headers=headers)

    responses = overlapping(clinic, database_url, "visits", visit["id"], send, send)
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.headers.get("Idempotent-Replayed", "no") for r in responses) == ["no", "true"]
    given = items(client.get(url, headers=nurse))
    assert {a["id"] for a in given} == {a["id"] for a in responses[0].json()["administrations"]}
    assert len(given) == len(visit["plan"]["injections"])
