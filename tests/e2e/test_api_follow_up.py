"""Follow-up through the API, on SQLite and PostgreSQL: death, last known alive, baseline ECOG
and prior systemic therapies. Refusals name the field and write nothing; another centre's
patient does not exist; only the oncologist and the nurse record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    add_vial_lot,
    administration_body,
    audit_total,
    client_for,
    days_ago,
    login_all,
    make_patient_ready_for_course,
    ok,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)

from tvec.services import pharmacy_forecast, worklist
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)
START = days_ago(40)


@dataclass
class Clinic:
    client: TestClient
    h: dict[Role, dict[str, str]]
    other: dict[Role, dict[str, str]]
    patient_id: int
    ctx: Context
    actors: dict[Role, Actor]

    def audit(self) -> int:
        return audit_total(self.client, self.h[Role.ADMIN])


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, ctx):
        client = client_for(app)
        staff = seed_staff(ctx)
        h = login_all(client, staff)
        other = login_all(client, seed_staff(ctx, "Other centre", prefix="other-"))
        add_vial_lot(client, h[Role.PHARMACIST], "FU6", 10**6)
        ready = make_patient_ready_for_course(client, h[Role.NURSE], mrn="FU-1", measured_on=START)
        pid = ready["patient"]["id"]
        course = start_course(client, h[Role.ONCOLOGIST], pid, START)
        visit = plan_visit(client, h[Role.NURSE], course["id"])
        body = administration_body(visit, "FU6", START)
        ok(
            client.post(f"/visits/{visit['id']}/administrations", json=body, headers=h[Role.NURSE]),
            201,
        )
        yield Clinic(client, h, other, pid, ctx, {role: m.actor for role, m in staff.items()})


def refused(response: Any, field: str, status: int = 422) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field, body
    return str(body["detail"])


def test_follow_up_is_recorded_then_updated_and_corrected_with_a_reason(clinic: Clinic) -> None:
    c, nurse = clinic, clinic.h[Role.NURSE]
    url = f"/patients/{c.patient_id}/follow-up"
    assert c.client.get(url, headers=nurse).status_code == 404
    first = {
        "last_known_alive_on": days_ago(10).isoformat(),
        "ecog": 1,
        "ecog_assessed_on": START.isoformat(),
    }
    saved = ok(c.client.put(url, json=first, headers=nurse))
    assert (saved["ecog"], saved["version"], saved["died_on"]) == (1, 1, None)
    # a later last known alive date and a death are news, not corrections: no reason needed
    death = {**first, "last_known_alive_on": days_ago(6).isoformat()}
    death |= {"died_on": days_ago(5).isoformat(), "death_cause": "melanoma", "version": 1}
    saved = ok(c.client.put(url, json=death, headers=c.h[Role.ONCOLOGIST]))
    assert (saved["died_on"], saved["death_cause"], saved["version"]) == (
        days_ago(5).isoformat(),
        "melanoma",
        2,
    )
    # changing a recorded death is a correction: it needs a reason
    moved = {**death, "died_on": days_ago(4).isoformat(), "version": 2}
    assert "Reason" in refused(c.client.put(url, json=moved, headers=nurse), "reason")
    fixed = ok(
        c.client.put(
            url, json={**moved, "reason": "date read from the death certificate"}, headers=nurse
        )
    )
    assert (fixed["died_on"], fixed["version"]) == (days_ago(4).isoformat(), 3)
    assert ok(c.client.get(url, headers=nurse)) == fixed
    stale = c.client.put(url, json={**moved, "version": 2, "reason": "again"}, headers=nurse)
    assert stale.status_code == 409
    history = ok(c.client.get("/audit?entity=follow-up&limit=10", headers=c.h[Role.ADMIN]))
    assert sorted(e["action"] for e in history["items"]) == ["correct", "create", "update"]
    corrected = next(e for e in history["items"] if e["action"] == "correct")
    assert corrected["reason"] == "date read from the death certificate"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"died_on": days_ago(50).isoformat(), "death_cause": "melanoma"}, "died_on", "before"),
        ({"died_on": days_ago(-1).isoformat(), "death_cause": "melanoma"}, "died_on", "future"),
        ({"died_on": days_ago(1).isoformat()}, "death_cause", "required"),
        ({"died_on": days_ago(1).isoformat(), "death_cause": "old-age"}, "death_cause", "one of"),
        (
            {
                "died_on": days_ago(3).isoformat(),
                "death_cause": "other",
                "last_known_alive_on": days_ago(2).isoformat(),
            },
            "last_known_alive_on",
            "after the date of death",
        ),
        ({"last_known_alive_on": days_ago(-2).isoformat()}, "last_known_alive_on", "future"),
        ({"ecog": 5, "ecog_assessed_on": START.isoformat()}, "ecog", "4"),
        ({"ecog": 1, "ecog_assessed_on": days_ago(-1).isoformat()}, "ecog_assessed_on", "future"),
        ({"ecog": 1}, "ecog_assessed_on", "required"),
    ],
)
def test_a_follow_up_breaking_a_rule_is_refused_naming_the_field(
    clinic: Clinic, body: dict[str, Any], field: str, words: str
) -> None:
    c = clinic
    before = c.audit()
    url = f"/patients/{c.patient_id}/follow-up"
    assert words in refused(c.client.put(url, json=body, headers=c.h[Role.NURSE]), field)
    assert c.audit() == before
    assert c.client.get(url, headers=c.h[Role.NURSE]).status_code == 404


def test_prior_therapies_by_line_corrected_and_entered_in_error(clinic: Clinic) -> None:
    c, onc = clinic, clinic.h[Role.ONCOLOGIST]
    url = f"/patients/{c.patient_id}/prior-therapies"
    nivo = {
        "category": "anti-pd-1",
        "agent": "nivolumab",
        "line": 1,
        "started_on": "2025-01-10",
        "ended_on": "2025-06-01",
    }
    ipi = {"category": "anti-ctla-4", "agent": "ipilimumab", "line": 1}
    first = ok(c.client.post(url, json=nivo, headers=onc), 201)
    ok(c.client.post(url, json=ipi, headers=c.h[Role.NURSE]), 201)  # a combination, same line
    before = c.audit()
    again = c.client.post(url, json={**nivo, "agent": "pembrolizumab"}, headers=onc)
    assert "category" in refused(again, "line")
    backwards = {**nivo, "line": 2, "started_on": "2025-06-01", "ended_on": "2025-01-10"}
    refused(c.client.post(url, json=backwards, headers=onc), "ended_on")
    refused(c.client.post(url, json={**nivo, "line": 0}, headers=onc), "line")
    refused(
        c.client.post(url, json={**nivo, "line": 2, "category": "vaccine"}, headers=onc), "category"
    )
    assert c.audit() == before
    listed = ok(c.client.get(url, headers=onc))
    assert [(t["line"], t["category"]) for t in listed["items"]] == [
        (1, "anti-pd-1"),
        (1, "anti-ctla-4"),
    ]
    fix = {"version": first["version"], "reason": "it was the second line", "line": 2}
    moved = ok(c.client.patch(f"/prior-therapies/{first['id']}", json=fix, headers=onc))
    assert (moved["line"], moved["version"]) == (2, 2)
    gone = {"version": 2, "reason": "recorded for the wrong patient", "status": "entered-in-error"}
    removed = ok(c.client.patch(f"/prior-therapies/{first['id']}", json=gone, headers=onc))
    assert removed["status"] == "entered-in-error"
    listed = ok(c.client.get(url, headers=onc))
    assert [t["status"] for t in listed["items"]] == ["active", "entered-in-error"]


def test_only_oncologists_and_nurses_record_and_other_centres_see_nothing(clinic: Clinic) -> None:
    c = clinic
    url = f"/patients/{c.patient_id}/follow-up"
    body = {"ecog": 0, "ecog_assessed_on": START.isoformat()}
    for role in (Role.PHARMACIST, Role.BILLING, Role.RESEARCHER, Role.ADMIN):
        assert c.client.put(url, json=body, headers=c.h[role]).status_code == 403, role
        therapy = {"category": "chemotherapy", "line": 1}
        assert (
            c.client.post(
                f"/patients/{c.patient_id}/prior-therapies", json=therapy, headers=c.h[role]
            ).status_code
            == 403
        )
    ok(c.client.put(url, json=body, headers=c.h[Role.NURSE]))
    for role in (Role.NURSE, Role.ONCOLOGIST):
        assert c.client.get(url, headers=c.other[role]).status_code == 404
        assert c.client.put(url, json=body, headers=c.other[role]).status_code == 404
        listed = c.client.get(f"/patients/{c.patient_id}/prior-therapies", headers=c.other[role])
        assert listed.status_code == 404


def test_no_dose_and_no_course_for_a_patient_whose_death_is_recorded(clinic: Clinic) -> None:
    c, nurse = clinic, clinic.h[Role.NURSE]
    course = c.client.get(f"/patients/{c.patient_id}/courses", headers=nurse).json()["items"][0]
    visit = plan_visit(c.client, nurse, course["id"])
    death = {
        "died_on": days_ago(2).isoformat(),
        "death_cause": "melanoma",
        "last_known_alive_on": days_ago(3).isoformat(),
    }
    ok(c.client.put(f"/patients/{c.patient_id}/follow-up", json=death, headers=nurse))
    before = c.audit()
    body = administration_body(visit, "FU6", days_ago(10))
    refusal = refused(
        c.client.post(f"/visits/{visit['id']}/administrations", json=body, headers=nurse),
        "administered_at",
    )
    assert "death is recorded" in refusal
    again = c.client.post(
        f"/patients/{c.patient_id}/courses",
        json={"label_variant": "us", "start_date": days_ago(1).isoformat()},
        headers=c.h[Role.ONCOLOGIST],
    )
    assert "death is recorded" in refused(again, "start_date")
    assert c.audit() == before  # nothing written
    given = c.client.get(f"/visits/{visit['id']}", headers=nurse).json()
    assert given["status"] == "planned"


def test_the_worklist_and_the_vial_forecast_list_no_visit_after_a_recorded_death(
    clinic: Clinic,
) -> None:
    c, nurse = clinic, clinic.actors[Role.NURSE]
    course = c.client.get(f"/patients/{c.patient_id}/courses", headers=c.h[Role.NURSE]).json()
    course_id = course["items"][0]["id"]
    pharmacist = c.actors[Role.PHARMACIST]

    def forecast_keys() -> tuple[set[str], tuple[str, ...]]:
        today = c.ctx.today(pharmacist)
        inputs = pharmacy_forecast.gather_inputs(c.ctx, pharmacist, today, 8)
        return {v.patient for v in inputs.calendar}, inputs.notes

    before = worklist.worklist(c.ctx, nurse)
    assert course_id in {d.course_id for d in before.due}  # the second visit is overdue
    assert before.died == ()
    assert forecast_keys() == ({f"p{c.patient_id}"}, ())
    death = {"died_on": days_ago(2).isoformat(), "death_cause": "melanoma"}
    ok(c.client.put(f"/patients/{c.patient_id}/follow-up", json=death, headers=c.h[Role.NURSE]))
    after = worklist.worklist(c.ctx, nurse)
    assert course_id not in {d.course_id for d in after.due}
    assert course_id not in {s.course_id for s in after.six_months}
    assert [(d.patient_id, d.course_id, d.died_on) for d in after.died] == [
        (c.patient_id, course_id, days_ago(2))
    ]
    assert after.names[c.patient_id]  # the page shows whose course it is
    assert forecast_keys() == (
        set(),
        ("1 open course(s) left out: the patient's death is recorded",),
    )
