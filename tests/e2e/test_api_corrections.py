"""Recorded doses after the fact, over HTTP, on SQLite and PostgreSQL: a correction is a new
version with a reason (the old one kept, superseded, in the audit log; billing follows the new
one; a correction that breaks a dose rule writes nothing; another centre cannot correct), the
centre's second check of every dose (missing, wrong or self checks refused), and the centre's
time zone (a given-at time is stored as its UTC instant, and its day is the centre's day)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TODAY,
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
from tests.support.races import at_once_first_reader_held

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


def _given_visit(
    client: Any,
    h: dict[Role, dict[str, str]],
    mrn: str = "MRN-C1",
    lesions: tuple[tuple[str, str, str, str], ...] | None = None,
    volumes: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A patient with visit 1 planned today and recorded as given (by default the plan's
    volumes: L1 2 mL, L2 1 mL, L3 0.5 mL)."""
    extra = {} if lesions is None else {"lesions": lesions}
    rec = make_patient_ready_for_course(client, h[Role.NURSE], mrn=mrn, measured_on=TODAY, **extra)
    course = start_course(client, h[Role.ONCOLOGIST], rec["patient"]["id"], TODAY)
    visit = plan_visit(client, h[Role.NURSE], course["id"])
    body = administration_body(visit, "LOT6-A", TODAY, volumes=volumes)
    recorded = client.post(
        f"/visits/{visit['id']}/administrations", json=body, headers=h[Role.NURSE]
    )
    return {"visit": visit, "course": course, "given": ok(recorded, 201)}


def _correction(volume: str, reason: str = "typed 2 instead of 1.5", **extra: Any) -> dict:
    return {
        "reason": reason,
        "volume_ml": volume,
        "vial_lot": "LOT6-A",
        "administered_at": f"{TODAY.isoformat()}T08:30:00+00:00",
        **extra,
    }


def _by_target(doses: list[dict[str, Any]], target: str) -> dict[str, Any]:
    return next(d for d in doses if d["target"] == target)


def test_a_correction_supersedes_keeps_both_and_billing_follows_it(clinic: FastAPI) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-A", 10**6)
    made = _given_visit(client, h)
    visit_id = made["visit"]["id"]
    first = _by_target(made["given"]["administrations"], "L1")
    assert (first["revision"], first["status"], first["checked_by"]) == (1, "active", None)

    fixed = ok(
        client.post(
            f"/administrations/{first['id']}/corrections",
            json=_correction("1.5"),
            headers=h[Role.NURSE],
        ),
        201,
    )
    assert (fixed["revision"], fixed["status"], fixed["supersedes_id"]) == (
        2,
        "active",
        first["id"],
    )
    assert Decimal(fixed["volume_ml"]) == Decimal("1.5")
    assert fixed["correction_reason"] == "typed 2 instead of 1.5"
    assert fixed["administered_by"] == first["administered_by"]  # who gave it is unchanged

    # the visit's doses are the current versions; the history lists both, the old one superseded
    current = items(client.get(f"/visits/{visit_id}/administrations", headers=h[Role.NURSE]))
    assert Decimal(_by_target(current, "L1")["volume_ml"]) == Decimal("1.5")
    assert len(current) == 3
    history = items(
        client.get(f"/visits/{visit_id}/administrations/history", headers=h[Role.ONCOLOGIST])
    )
    l1 = [(d["id"], d["status"], Decimal(d["volume_ml"])) for d in history if d["target"] == "L1"]
    assert l1 == [(first["id"], "superseded", Decimal(2)), (fixed["id"], "active", Decimal("1.5"))]

    # the audit log holds the original as written, and the supersession with its reason
    trail = items(
        client.get(
            f"/audit/administration/{first['id']}",
            headers=h[Role.ONCOLOGIST],
            params={"limit": 200},
        )
    )
    assert trail[0]["after"]["volume_ml"] in ("2", "2.0", "2.00", 2)
    assert trail[0]["after"]["status"] == "active"
    assert any(e["after"]["status"] == "superseded" for e in trail)
    assert any(e.get("reason") == "typed 2 instead of 1.5" for e in trail)

    # billing reads the corrected dose: 3.0 mL of 10^6 PFU/mL from three 1 mL vials = 3 units,
    # nothing wasted (the original 3.5 mL billed 4)
    lines = items(
        client.get(
            "/billing/lines",
            headers=h[Role.BILLING],
            params={"since": days_ago(1).isoformat(), "until": TODAY.isoformat()},
        )
    )
    billed = [(Decimal(x["units"]), x["modifier"]) for x in lines if x["visit_id"] == visit_id]
    assert billed == [(Decimal(3), "JZ")]

    # the superseded version cannot be corrected again: its latest version can
    again = client.post(
        f"/administrations/{first['id']}/corrections",
        json=_correction("1"),
        headers=h[Role.NURSE],
    )
    assert again.status_code == 409, again.text


def test_two_corrections_of_one_dose_at_once_leave_one_current_version(clinic: FastAPI) -> None:
    """A nurse and an oncologist correct the same dose at the same moment; the first to read it
    is held before reading its visit (tests.support.races). One correction wins; the other is
    told the dose was corrected meanwhile (409), and the dose has one current version, not two."""
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-A", 10**6)
    made = _given_visit(client, h)
    first = _by_target(made["given"]["administrations"], "L1")
    url = f"/administrations/{first['id']}/corrections"

    def correct(role: Role, volume: str) -> Any:
        return client_for(clinic).post(url, json=_correction(volume), headers=h[role])

    answers = at_once_first_reader_held(
        clinic.state.ctx.engine,
        "visits",
        [partial(correct, Role.NURSE, "1.5"), partial(correct, Role.ONCOLOGIST, "1.25")],
    )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 201).json()
    history = f"/visits/{made['visit']['id']}/administrations/history"
    l1 = [d for d in items(client.get(history, headers=h[Role.NURSE])) if d["target"] == "L1"]
    assert sorted((d["revision"], d["status"]) for d in l1) == [(1, "superseded"), (2, "active")]
    current = _by_target(
        items(client.get(f"/visits/{made['visit']['id']}/administrations", headers=h[Role.NURSE])),
        "L1",
    )
    assert (current["id"], current["volume_ml"]) == (winner["id"], winner["volume_ml"])


def test_a_correction_breaking_a_dose_rule_is_refused_and_writes_nothing(clinic: FastAPI) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-A", 10**6)
    add_vial_lot(client, h[Role.PHARMACIST], "LOT8-B", 10**8)
    # L1 (5.5 cm) may take up to 4 mL (USPI's band for lesions over 5 cm, and the visit's
    # maximum): 3 mL were given
    lesions = (("L1", "cutaneous", "5.5", "4.0"),)
    made = _given_visit(client, h, lesions=lesions, volumes={"L1": "3"})
    l1 = _by_target(made["given"]["administrations"], "L1")
    before = audit_total(client, h[Role.ADMIN])
    refusals = [
        (l1["id"], _correction("4.5"), "volume_ml"),  # above the 4 mL maximum
        (l1["id"], _correction("2", vial_lot="LOT8-B"), "vial_lot"),  # the wrong strength
        (l1["id"], _correction("2", reason="x"), "reason"),  # a reason of a few words
        (
            l1["id"],
            _correction("2", administered_at=f"{days_ago(1).isoformat()}T10:00:00+00:00"),
            "administered_at",  # another day is another visit
        ),
    ]
    for dose_id, body, field in refusals:
        answer = client.post(
            f"/administrations/{dose_id}/corrections", json=body, headers=h[Role.NURSE]
        )
        assert answer.status_code == 422, answer.text
        assert field in answer.text
    assert (
        "4 mL"
        in client.post(
            f"/administrations/{l1['id']}/corrections",
            json=_correction("4.5"),
            headers=h[Role.NURSE],
        ).json()["detail"]
    )
    assert audit_total(client, h[Role.ADMIN]) == before
    history = items(
        client.get(f"/visits/{made['visit']['id']}/administrations/history", headers=h[Role.NURSE])
    )
    assert [(d["status"], d["volume_ml"]) for d in history] == [("active", "3.00")]


def test_another_centre_and_other_roles_cannot_correct(clinic: FastAPI) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    other = login_all(client, seed_staff(clinic.state.ctx, "Other centre", prefix="o-"))
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-A", 10**6)
    made = _given_visit(client, h)
    dose = made["given"]["administrations"][0]
    url = f"/administrations/{dose['id']}/corrections"
    assert client.post(url, json=_correction("1"), headers=other[Role.NURSE]).status_code == 404
    assert client.post(url, json=_correction("1"), headers=h[Role.BILLING]).status_code == 403
    assert client.post(url, json=_correction("1"), headers=h[Role.PHARMACIST]).status_code == 403
    history = f"/visits/{made['visit']['id']}/administrations/history"
    assert client.get(history, headers=other[Role.ONCOLOGIST]).status_code == 404
    assert (
        client.post(
            "/administrations/999999/corrections", json=_correction("1"), headers=h[Role.NURSE]
        ).status_code
        == 404
    )


def test_a_required_second_check_refuses_missing_wrong_and_self_checks(clinic: FastAPI) -> None:
    client = client_for(clinic)
    staff = seed_staff(clinic.state.ctx)
    h = login_all(client, staff)
    other = seed_staff(clinic.state.ctx, "Other centre", prefix="o-")
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-A", 10**6)
    # only an admin sets it
    setting = {"time_zone": "UTC", "require_second_check": True}
    assert client.put("/centre/settings", json=setting, headers=h[Role.NURSE]).status_code == 403
    ok(client.put("/centre/settings", json=setting, headers=h[Role.ADMIN]))
    assert ok(client.get("/centre/settings", headers=h[Role.NURSE]))["require_second_check"]

    rec = make_patient_ready_for_course(client, h[Role.NURSE], mrn="MRN-S1", measured_on=TODAY)
    course = start_course(client, h[Role.ONCOLOGIST], rec["patient"]["id"], TODAY)
    visit = plan_visit(client, h[Role.NURSE], course["id"])
    url = f"/visits/{visit['id']}/administrations"
    body = administration_body(visit, "LOT6-A", TODAY)
    pharmacist, billing = staff[Role.PHARMACIST], staff[Role.BILLING]
    nurse = staff[Role.NURSE]
    before = audit_total(client, h[Role.ADMIN])
    for check in (
        None,  # missing
        {"username": pharmacist.username, "password": "not-the-password"},  # wrong password
        {"username": nurse.username, "password": nurse.password},  # the recorder themself
        {"username": billing.username, "password": billing.password},  # a role that does not check
        {"username": other[Role.NURSE].username, "password": other[Role.NURSE].password},
    ):
        sent = body if check is None else {**body, "second_check": check}
        answer = client.post(url, json=sent, headers=h[Role.NURSE])
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == "second_check"
        assert check is None or check["password"] not in answer.text  # never echoed
    assert audit_total(client, h[Role.ADMIN]) == before

    checked = {
        **body,
        "second_check": {"username": pharmacist.username, "password": pharmacist.password},
    }
    saved = ok(client.post(url, json=checked, headers=h[Role.NURSE]), 201)
    assert {a["checked_by"] for a in saved["administrations"]} == {pharmacist.actor.user_id}

    # a correction needs the check too
    dose = saved["administrations"][0]
    fix = _correction(str(dose["volume_ml"]), reason="lot number re-read from the vial")
    refused = client.post(
        f"/administrations/{dose['id']}/corrections", json=fix, headers=h[Role.NURSE]
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "second_check"
    fix["second_check"] = {"username": pharmacist.username, "password": pharmacist.password}
    fixed = client.post(
        f"/administrations/{dose['id']}/corrections", json=fix, headers=h[Role.NURSE]
    )
    assert ok(fixed, 201)["checked_by"] == pharmacist.actor.user_id


def test_wrong_second_check_passwords_count_toward_the_login_lockout(database_url: str) -> None:
    with running_app(database_url) as (app, _ctx):
        client = client_for(app)
        staff = seed_staff(app.state.ctx)
        h = login_all(client, staff)
        ok(
            client.put(
                "/centre/settings",
                json={"time_zone": "UTC", "require_second_check": True},
                headers=h[Role.ADMIN],
            )
        )
        pharmacist = staff[Role.PHARMACIST]
        body = {
            "version": 1,
            "administered_at": f"{TODAY.isoformat()}T08:00:00+00:00",
            "items": [{"target": "L1", "volume_ml": "1", "vial_lot": "X"}],
            "second_check": {"username": pharmacist.username, "password": "wrong-password"},
        }
        limit = app.state.ctx.settings.login_failures_before_lock
        answers = [
            client.post("/visits/1/administrations", json=body, headers=h[Role.NURSE]).status_code
            for _ in range(limit + 1)
        ]
        assert answers[-1] == 429
        refused = client.post(
            "/auth/login",
            json={"username": pharmacist.username, "password": pharmacist.password},
        )
        assert refused.status_code == 429


def test_given_at_is_read_in_the_centres_zone_and_stored_in_utc(clinic: FastAPI) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-A", 10**6)
    zone = {"time_zone": "America/New_York", "require_second_check": False}
    assert (
        client.put(
            "/centre/settings", json={**zone, "time_zone": "Mars/Olympus"}, headers=h[Role.ADMIN]
        ).status_code
        == 422
    )
    ok(client.put("/centre/settings", json=zone, headers=h[Role.ADMIN]))
    # 1 June 2026 09:00 UTC is 05:00 in New York (EDT, UTC-4): the clinic's day is 1 June
    rec = make_patient_ready_for_course(client, h[Role.NURSE], mrn="MRN-Z1", measured_on=TODAY)
    course = start_course(client, h[Role.ONCOLOGIST], rec["patient"]["id"], TODAY)
    visit = plan_visit(client, h[Role.NURSE], course["id"])
    body = administration_body(visit, "LOT6-A", TODAY)
    body["administered_at"] = f"{TODAY.isoformat()}T04:30:00-04:00"  # 04:30 EDT = 08:30 UTC
    saved = ok(
        client.post(f"/visits/{visit['id']}/administrations", json=body, headers=h[Role.NURSE]),
        201,
    )
    stored = saved["administrations"][0]["administered_at"]
    assert stored.startswith(f"{TODAY.isoformat()}T08:30:00")
    assert stored.endswith(("Z", "+00:00"))
    assert saved["visit"]["administered_on"] == TODAY.isoformat()

    # 23:30 on 31 May in New York is 03:30 UTC on 1 June: the dose's day is the centre's 31 May
    later = make_patient_ready_for_course(client, h[Role.NURSE], mrn="MRN-Z2", measured_on=TODAY)
    course2 = start_course(
        client, h[Role.ONCOLOGIST], later["patient"]["id"], TODAY - timedelta(days=1)
    )
    visit2 = plan_visit(client, h[Role.NURSE], course2["id"])
    body2 = administration_body(visit2, "LOT6-A", TODAY)
    body2["administered_at"] = f"{TODAY.isoformat()}T03:30:00+00:00"
    saved2 = ok(
        client.post(f"/visits/{visit2['id']}/administrations", json=body2, headers=h[Role.NURSE]),
        201,
    )
    assert saved2["visit"]["administered_on"] == (TODAY - timedelta(days=1)).isoformat()
