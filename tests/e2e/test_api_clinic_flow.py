"""The whole clinic story over HTTP, on SQLite and PostgreSQL: register → treat → respond → bill.

Each step is checked the way the person doing it would check it: the nurse reads the plan she was
shown back from the visit, billing reads J9325 units and the JW/JZ modifier, the admin reads who
changed what in the audit log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    TODAY,
    add_vial_lot,
    administration_body,
    client_for,
    days_ago,
    items,
    login,
    login_all,
    make_patient_ready_for_course,
    measure,
    ok,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

# USPI §2.2 Table 2, written out independently of the knowledge files: (above cm, max mL).
BANDS = [
    (Decimal("5"), Decimal("4")),
    (Decimal("2.5"), Decimal("2")),
    (Decimal("1.5"), Decimal("1")),
    (Decimal("0.5"), Decimal("0.5")),
    (Decimal("0"), Decimal("0.1")),
]


def band_ml(longest_cm: str) -> Decimal:
    size = Decimal(longest_cm)
    return next(ml for above, ml in BANDS if size > above)


def spd(sizes: dict[str, tuple[str, str]]) -> Decimal:
    return sum((Decimal(a) * Decimal(b) for a, b in sizes.values()), Decimal(0))


START = days_ago(70)  # first dose; visit 2 is due 21 days later
BASELINE = {"L1": ("3.2", "2.0"), "L2": ("1.8", "1.2"), "L3": ("0.9", "0.6"), "V1": ("3.0", "2.5")}
AT_VISIT_2 = {
    "L1": ("2.8", "1.9"),
    "L2": ("1.5", "1.0"),
    "L3": ("0.8", "0.5"),
    "V1": ("3.0", "2.5"),
}
DAY_35 = {"L1": ("1.0", "0.8"), "L2": ("0.6", "0.5"), "L3": ("0.4", "0.3"), "V1": ("2.0", "1.5")}
DAY_63 = {"L1": ("0.9", "0.7"), "L2": ("0.5", "0.4"), "L3": ("0.3", "0.2"), "V1": ("2.0", "1.5")}


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


def test_the_whole_course_of_care_over_http(clinic: FastAPI) -> None:
    client = client_for(clinic)
    staff = seed_staff(clinic.state.ctx)
    h = login_all(client, staff)
    nurse, onc, pharm, bill, admin = (
        h[Role.NURSE],
        h[Role.ONCOLOGIST],
        h[Role.PHARMACIST],
        h[Role.BILLING],
        h[Role.ADMIN],
    )

    # Registration, diagnosis, screening, lesions and baseline measurements (by the nurse).
    rec = make_patient_ready_for_course(client, nurse, mrn="MRN-7001", measured_on=START)
    pid, lesions = rec["patient"]["id"], rec["lesions"]
    assert rec["patient"]["version"] == 1
    assert ok(client.get(f"/patients/{pid}", headers=nurse))["mrn"] == "MRN-7001"
    assert ok(client.get(f"/patients/{pid}/diagnosis", headers=onc))["stage"] == "IIIC"
    assert [
        s["pregnant"] for s in items(client.get(f"/patients/{pid}/screenings", headers=onc))
    ] == [False]
    assert {
        les["name"]: les["site"]
        for les in items(client.get(f"/patients/{pid}/lesions", headers=nurse))
    } == {"L1": "cutaneous", "L2": "subcutaneous", "L3": "nodal", "V1": "visceral"}
    stored = items(client.get(f"/patients/{pid}/measurements", headers=nurse))
    assert {
        (m["lesion_id"], Decimal(m["longest_cm"]), Decimal(m["perpendicular_cm"])) for m in stored
    } == {(lesions[n]["id"], Decimal(a), Decimal(b)) for n, (a, b) in BASELINE.items()}

    # The oncologist starts the course; the nurse plans visit 1 from the baseline.
    course = start_course(client, onc, pid, START)
    assert course["end_date"] is None
    v1 = plan_visit(client, nurse, course["id"])
    plan = v1["plan"]
    assert (v1["number"], v1["kind"], v1["status"]) == (1, "initial", "planned")
    assert plan["concentration_pfu_per_ml"] == 10**6
    volumes = {i["lesion_id"]: Decimal(str(i["volume_ml"])) for i in plan["injections"]}
    assert volumes == {n: band_ml(BASELINE[n][0]) for n in ("L1", "L2", "L3")}  # 2, 1, 0.5 mL
    assert [i["lesion_id"] for i in plan["injections"]] == ["L1", "L2", "L3"]  # largest first
    assert [n["lesion_id"] for n in plan["not_injected"]] == ["V1"]
    assert "visceral" in plan["not_injected"][0]["reason"]
    assert "USPI" in plan["not_injected"][0]["source"]
    assert (
        Decimal(str(plan["total_volume_ml"]))
        == Decimal("3.5")
        <= Decimal(str(plan["max_total_volume_ml"]))
    )
    assert ok(client.get(f"/visits/{v1['id']}", headers=nurse))["plan"] == plan  # the snapshot

    # The pharmacist stocks both strengths; the nurse sees them.
    add_vial_lot(client, pharm, "LOT6-A", 10**6)
    add_vial_lot(client, pharm, "LOT8-B", 10**8)
    assert {x["lot"] for x in items(client.get("/vial-lots", headers=nurse))} == {
        "LOT6-A",
        "LOT8-B",
    }

    # The nurse records what was given at visit 1.
    body = administration_body(v1, "LOT6-A", START)
    given = ok(client.post(f"/visits/{v1['id']}/administrations", json=body, headers=nurse), 201)
    assert [a["target"] for a in given["administrations"]] == [i["target"] for i in body["items"]]
    assert given["visit"]["status"] == "administered"
    assert given["visit"]["administered_on"] == START.isoformat()
    assert given["visit"]["version"] == v1["version"] + 1
    listed = items(client.get(f"/visits/{v1['id']}/administrations", headers=onc))
    assert {
        (a["target"], a["lesion_id"], Decimal(a["volume_ml"]), a["pfu_per_ml"]) for a in listed
    } == {(n, lesions[n]["id"], volumes[n], 10**6) for n in volumes}
    assert {a["administered_by"] for a in listed} == {staff[Role.NURSE].actor.user_id}

    # Visit 2: measured and planned 21 days later, at 10^8 PFU/mL.
    visit2_day = START + timedelta(days=21)
    measure(client, nurse, pid, visit2_day, AT_VISIT_2, lesions)
    v2 = plan_visit(client, nurse, course["id"])
    assert (v2["number"], v2["kind"], v2["earliest_date"]) == (2, "second", visit2_day.isoformat())
    assert v2["plan"]["concentration_pfu_per_ml"] == 10**8
    volumes2 = {i["lesion_id"]: Decimal(str(i["volume_ml"])) for i in v2["plan"]["injections"]}
    assert volumes2 == {n: band_ml(AT_VISIT_2[n][0]) for n in ("L1", "L2", "L3")}  # 2, 0.5, 0.5
    ok(
        client.post(
            f"/visits/{v2['id']}/administrations",
            json=administration_body(v2, "LOT8-B", visit2_day),
            headers=nurse,
        ),
        201,
    )
    assert ok(client.get(f"/visits/{v1['id']}", headers=nurse))["plan"] == plan  # never re-planned
    calendar = items(client.get(f"/courses/{course['id']}/calendar", headers=nurse))
    assert [(c["number"], c["date"], c["status"]) for c in calendar[:3]] == [
        (1, START.isoformat(), "given"),
        (2, visit2_day.isoformat(), "given"),
        (3, (visit2_day + timedelta(days=14)).isoformat(), "next"),
    ]

    # Tumour response from the stored measurements: PR at day 35, confirmed 28 days later.
    measure(client, nurse, pid, START + timedelta(days=35), DAY_35, lesions)
    measure(client, nurse, pid, START + timedelta(days=63), DAY_63, lesions)
    response = ok(client.get(f"/patients/{pid}/response", headers=onc))
    assert response["baseline_date"] == START.isoformat()
    assert Decimal(response["baseline_spd_cm2"]) == spd(BASELINE)
    assert [a["date"] for a in response["assessments"]] == [
        (START + timedelta(days=d)).isoformat() for d in (0, 21, 35, 63)
    ]
    day35 = response["assessments"][2]
    expected_change = (spd(DAY_35) - spd(BASELINE)) / spd(BASELINE) * 100  # -74.578...%
    assert math.isclose(expected_change, Decimal("-74.578"), abs_tol=0.001)
    # A JSON number, one decimal place, rounded towards zero (never across a threshold).
    assert day35["change_from_baseline_pct"] == -74.5
    assert day35["label"] == "PR (confirmed onset)"
    assert response["best_overall_response"] == "PR"
    assert response["time_to_response_days"] == 35

    # An adverse event, attached to the course.
    ae = ok(
        client.post(
            f"/patients/{pid}/adverse-events",
            headers=nurse,
            json={
                "term": "Fever",
                "grade": 2,
                "related": "yes",
                "onset": (START + timedelta(days=1)).isoformat(),
                "resolved_on": (START + timedelta(days=3)).isoformat(),
                "action_taken": "paracetamol",
                "course_id": course["id"],
            },
        ),
        201,
    )
    assert [
        (e["term"], e["grade"], e["course_id"])
        for e in items(client.get(f"/patients/{pid}/adverse-events", headers=onc))
    ] == [("Fever", 2, course["id"])]

    # Billing: J9325 = 10^6 PFU per unit, whole units on a claim line; 1 mL vials; JW for at
    # least one whole discarded unit, else JZ. Visit 1: 3.5 mL of 10^6 bills 4 units; the 0.5 mL
    # left is less than a whole unit, so the single line carries JZ.
    lines = items(
        client.get(
            "/billing/lines",
            headers=bill,
            params={"since": START.isoformat(), "until": TODAY.isoformat()},
        )
    )
    assert _billing(lines, v1["id"]) == [("J9325", Decimal(4), "JZ", "administered")]
    total2 = sum(volumes2.values(), Decimal(0))  # 3.0 mL of 10^8: 300 units, nothing wasted
    assert _billing(lines, v2["id"]) == [("J9325", total2 * 100, "JZ", "administered")]
    assert {
        (line["mrn"], line["service_date"]) for line in lines if line["visit_id"] == v2["id"]
    } == {("MRN-7001", visit2_day.isoformat())}

    # A correction is a new version; the audit log shows the admin who changed which record, when
    # and why; those who may read the record see its values before and after.
    fixed = ok(
        client.patch(
            f"/patients/{pid}",
            headers=nurse,
            json={"version": 1, "reason": "sex entered wrongly", "sex": "male"},
        )
    )
    assert (fixed["sex"], fixed["version"]) == ("male", 2)
    admin_log = _audit(client, admin, "patient", pid)
    assert [(a["action"], a["entity_version"], a["reason"]) for a in admin_log] == [
        ("create", 1, None),
        ("correct", 2, "sex entered wrongly"),
    ]
    assert all("before" not in a and "after" not in a for a in admin_log)
    patient_log = _history(client, onc, "patient", pid)
    assert [(a["action"], a["entity_version"]) for a in patient_log] == [
        ("create", 1),
        ("correct", 2),
    ]
    assert patient_log[0]["before"] is None
    assert patient_log[0]["after"]["mrn"] == "MRN-7001"
    correction = patient_log[1]
    assert (correction["before"]["sex"], correction["after"]["sex"]) == ("female", "male")
    assert correction["reason"] == "sex entered wrongly"
    assert correction["user_id"] == staff[Role.NURSE].actor.user_id
    history = items(client.get(f"/patients/{pid}/history", headers=onc))
    assert [a["after"]["sex"] for a in history] == ["female", "male"]
    assert [a["action"] for a in _audit(client, admin, "visit", v1["id"])] == [
        "create",
        "administer",
    ]
    visit_log = _history(client, nurse, "visit", v1["id"])
    assert [a["action"] for a in visit_log] == ["create", "administer"]
    assert (visit_log[1]["before"]["status"], visit_log[1]["after"]["status"]) == (
        "planned",
        "administered",
    )
    assert _history(client, onc, "adverse-event", ae["id"])[0]["after"]["term"] == "Fever"
    assert len(_audit(client, admin, "administration")) == len(volumes) + len(volumes2)


def _billing(
    lines: list[dict[str, Any]], visit_id: int
) -> list[tuple[str, Decimal, str | None, str]]:
    return [
        (x["hcpcs"], Decimal(x["units"]), x["modifier"], x["what"])
        for x in lines
        if x["visit_id"] == visit_id
    ]


def _audit(
    client: Any, admin: dict[str, str], entity: str, entity_id: int | None = None
) -> list[dict[str, Any]]:
    page = ok(client.get("/audit", params={"entity": entity, "limit": 200}, headers=admin))
    assert page["total"] <= 200
    return [a for a in page["items"] if entity_id is None or a["entity_id"] == entity_id]


def _history(
    client: Any, headers: dict[str, str], entity: str, entity_id: int
) -> list[dict[str, Any]]:
    """One record's audited versions with their values, as a role that may read it sees them."""
    return items(client.get(f"/audit/{entity}/{entity_id}", headers=headers, params={"limit": 200}))


# ---- authentication -------------------------------------------------------------------------


def test_health_needs_no_login_and_names_the_database(clinic: FastAPI, database_url: str) -> None:
    body = ok(client_for(clinic).get("/health"))
    assert body == {"status": "ok", "database": database_url.split(":")[0].split("+")[0]}


def test_every_other_route_refuses_an_anonymous_caller_with_401(clinic: FastAPI) -> None:
    client = client_for(clinic)
    schema = ok(client.get("/openapi.json"))
    open_routes = {("get", "/health"), ("post", "/auth/login")}
    checked = []
    for path, operations in schema["paths"].items():
        for method in operations:
            if (method, path) in open_routes:
                continue
            response = client.request(method, _concrete(path), json={})
            assert response.status_code == 401, (method, path, response.status_code, response.text)
            assert response.json()["code"] == "not-authenticated"
            assert response.headers["www-authenticate"] == "Bearer"
            checked.append((method, path))
    assert len(checked) >= 25  # every resource route was tried
    bogus = client.get("/patients", headers={"Authorization": "Bearer not-a-real-token"})
    assert bogus.status_code == 401


def _concrete(path: str) -> str:
    """/patients/{patient_id}/lesions → /patients/1/lesions ({type}.ndjson → 1.ndjson)."""
    return re.sub(r"\{[^}/]+\}", "1", path)


def test_a_session_expires_and_a_logout_ends_it(database_url: str) -> None:
    now = [NOW]
    with running_app(database_url, clock=lambda: now[0]) as (app, ctx):
        staff = seed_staff(ctx)
        client = client_for(app)
        nurse = login(client, staff[Role.NURSE].username, staff[Role.NURSE].password)
        assert client.get("/auth/me", headers=nurse).json()["role"] == "nurse"
        now[0] += timedelta(hours=ctx.settings.session_hours, seconds=1)
        assert client.get("/auth/me", headers=nurse).status_code == 401

        again = login(client, staff[Role.NURSE].username, staff[Role.NURSE].password)
        assert client.post("/auth/logout", headers=again).status_code == 204
        assert client.get("/auth/me", headers=again).status_code == 401
        wrong = client.post(
            "/auth/login",
            json={"username": staff[Role.NURSE].username, "password": "not-the-password"},
        )
        assert wrong.status_code == 401


def test_the_browser_session_cookie_logs_in_too(clinic: FastAPI) -> None:
    staff = seed_staff(clinic.state.ctx)
    browser = client_for(clinic)
    response = browser.post(
        "/auth/login",
        json={"username": staff[Role.NURSE].username, "password": staff[Role.NURSE].password},
    )
    assert "httponly" in response.headers["set-cookie"].lower()
    assert browser.cookies.get("tvec_session")
    assert ok(browser.get("/auth/me"))["username"] == staff[Role.NURSE].username
