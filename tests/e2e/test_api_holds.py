"""Course holds through the API, on SQLite and PostgreSQL.

An oncologist puts a course on hold with a reason: planning and giving a dose are then refused
(409, `code` "course-held", the reason in the message) and nothing is written; releasing it (with
a reason; the hold stays on record) lets the course go on. An adverse event recorded with "hold
the next dose" places a hold linked to it in the same unit of work. A nurse may not place or
release a hold; another centre's staff do not see the course at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TODAY,
    TestClient,
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

from tvec.services.alerts import patient_alerts
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

LOT6 = "HOLD6-A01"
REASON = "febrile neutropenia under investigation"


class Clinic:
    def __init__(self, app: FastAPI) -> None:
        self.client: TestClient = client_for(app)
        self.h = login_all(self.client, seed_staff(app.state.ctx))
        self.nurse, self.onc = self.h[Role.NURSE], self.h[Role.ONCOLOGIST]
        add_vial_lot(self.client, self.h[Role.PHARMACIST], LOT6, 10**6)

    def course(self, mrn: str) -> tuple[int, dict[str, Any]]:
        """A patient measured today whose course starts today."""
        ready = make_patient_ready_for_course(self.client, self.nurse, mrn=mrn, measured_on=TODAY)
        pid = ready["patient"]["id"]
        return pid, start_course(self.client, self.onc, pid, TODAY)

    def hold(self, course_id: int, who: dict[str, str], **body: Any) -> Any:
        return self.client.post(
            f"/courses/{course_id}/holds", json={"reason": REASON, **body}, headers=who
        )

    def release(self, course_id: int, hold: dict[str, Any], who: dict[str, str]) -> Any:
        return self.client.post(
            f"/courses/{course_id}/holds/{hold['id']}/release",
            json={"version": hold["version"], "reason": "neutrophils recovered"},
            headers=who,
        )

    def holds(self, course_id: int) -> list[dict[str, Any]]:
        return items(self.client.get(f"/courses/{course_id}/holds", headers=self.nurse))

    def plan(self, course_id: int) -> Any:
        return self.client.post(f"/courses/{course_id}/visits", json={}, headers=self.nurse)

    def give(self, visit: dict[str, Any]) -> Any:
        body = administration_body(visit, LOT6, TODAY)
        return self.client.post(
            f"/visits/{visit['id']}/administrations", json=body, headers=self.nurse
        )


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, _ctx):
        yield Clinic(app)


def refused_as_held(response: Any, reason: str = REASON) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "course-held"
    assert reason in body["detail"]
    assert "on hold" in body["detail"]


def test_a_held_course_cannot_be_planned_or_given_until_released(clinic: Clinic) -> None:
    c = clinic
    _pid, course = c.course("HOLD-1")
    visit = plan_visit(c.client, c.nurse, course["id"], stale_reason=None)
    before = audit_total(c.client, c.h[Role.ADMIN])

    hold = ok(c.hold(course["id"], c.onc), 201)
    assert hold["in_force"] is True
    assert hold["starts_on"] == TODAY.isoformat()
    assert hold["ends_on"] is None
    assert hold["reason"] == REASON
    assert hold["released_at"] is None
    assert audit_total(c.client, c.h[Role.ADMIN]) == before + 1

    refused_as_held(c.plan(course["id"]))
    refused_as_held(c.give(visit))
    # nothing written: the visit is still planned, with no administration
    assert ok(c.client.get(f"/visits/{visit['id']}", headers=c.nurse))["status"] == "planned"
    assert items(c.client.get(f"/visits/{visit['id']}/administrations", headers=c.nurse)) == []
    assert audit_total(c.client, c.h[Role.ADMIN]) == before + 1

    released = ok(c.release(course["id"], hold, c.onc))
    assert released["in_force"] is False
    assert released["release_reason"] == "neutrophils recovered"
    assert released["released_by"] is not None
    assert released["released_at"] is not None
    # a hold is never deleted: the release is recorded on it
    assert [h["id"] for h in c.holds(course["id"])] == [hold["id"]]
    assert audit_total(c.client, c.h[Role.ADMIN]) == before + 2

    again = ok(c.plan(course["id"]), 201)
    ok(c.give(again), 201)


def test_a_hold_with_a_last_day_lapses_after_it(clinic: Clinic) -> None:
    c = clinic
    _pid, course = c.course("HOLD-2")
    ended = ok(
        c.hold(
            course["id"],
            c.onc,
            starts_on=days_ago(5).isoformat(),
            ends_on=days_ago(1).isoformat(),
        ),
        201,
    )
    assert ended["in_force"] is False
    ok(c.plan(course["id"]), 201)  # yesterday was the last day held
    later = ok(c.hold(course["id"], c.onc, ends_on=(TODAY + timedelta(days=7)).isoformat()), 201)
    assert later["in_force"] is True
    refused = c.plan(course["id"])
    refused_as_held(refused)
    assert (TODAY + timedelta(days=7)).isoformat() in refused.json()["detail"]


def test_a_hold_refuses_impossible_dates_and_a_second_release(clinic: Clinic) -> None:
    c = clinic
    _pid, course = c.course("HOLD-3")
    bad = c.hold(course["id"], c.onc, ends_on=days_ago(1).isoformat())
    assert bad.status_code == 422, bad.text
    assert bad.json()["field"] == "ends_on"
    assert c.holds(course["id"]) == []
    hold = ok(c.hold(course["id"], c.onc), 201)
    ok(c.release(course["id"], hold, c.onc))
    stale = c.release(course["id"], hold, c.onc)
    assert stale.status_code == 409, stale.text
    missing = c.client.post(
        f"/courses/{course['id']}/holds/999999/release",
        json={"version": 1, "reason": "no such hold"},
        headers=c.onc,
    )
    assert missing.status_code == 404, missing.text


def test_an_adverse_event_can_hold_the_next_dose(clinic: Clinic) -> None:
    c = clinic
    pid, course = c.course("HOLD-4")
    event = ok(
        c.client.post(
            f"/patients/{pid}/adverse-events",
            json={
                "term": "Skin infection",
                "grade": 3,
                "criteria": ["hospitalisation"],
                "related": "yes",
                "onset": TODAY.isoformat(),
                "action_taken": "next dose held; oral antibiotics",
                "hold_next_dose": True,
                "hold_until": (TODAY + timedelta(days=14)).isoformat(),
            },
            headers=c.nurse,
        ),
        201,
    )
    (hold,) = c.holds(course["id"])
    assert hold["adverse_event_id"] == event["id"]
    assert hold["in_force"] is True
    assert hold["ends_on"] == (TODAY + timedelta(days=14)).isoformat()
    refused_as_held(c.plan(course["id"]), "Skin infection, grade 3")


def test_an_adverse_event_hold_without_an_open_course_writes_nothing(clinic: Clinic) -> None:
    c = clinic
    ready = make_patient_ready_for_course(c.client, c.nurse, mrn="HOLD-5", measured_on=TODAY)
    pid = ready["patient"]["id"]
    body = {
        "term": "Injection site reaction",
        "grade": 2,
        "related": "yes",
        "onset": TODAY.isoformat(),
        "action_taken": "none",
        "hold_next_dose": True,
    }
    refused = c.client.post(f"/patients/{pid}/adverse-events", json=body, headers=c.nurse)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "hold_next_dose"
    lone = {**body, "hold_next_dose": False, "hold_until": TODAY.isoformat()}
    refused = c.client.post(f"/patients/{pid}/adverse-events", json=lone, headers=c.nurse)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "hold_until"
    events = c.client.get(f"/patients/{pid}/adverse-events", headers=c.nurse)
    assert items(events) == []


def test_only_an_oncologist_places_or_releases_a_hold(clinic: Clinic) -> None:
    c = clinic
    _pid, course = c.course("HOLD-6")
    for role in (Role.NURSE, Role.PHARMACIST, Role.BILLING):
        refused = c.hold(course["id"], c.h[role])
        assert refused.status_code == 403, refused.text
    assert c.holds(course["id"]) == []
    hold = ok(c.hold(course["id"], c.onc), 201)
    refused = c.release(course["id"], hold, c.nurse)
    assert refused.status_code == 403, refused.text
    assert c.holds(course["id"])[0]["in_force"] is True


def test_another_centre_does_not_see_the_course_or_its_holds(clinic: Clinic) -> None:
    c = clinic
    _pid, course = c.course("HOLD-7")
    hold = ok(c.hold(course["id"], c.onc), 201)
    ctx = c.client.app.state.ctx  # type: ignore[attr-defined]
    others = login_all(c.client, seed_staff(ctx, centre="Other centre", prefix="b-"))
    onc = others[Role.ONCOLOGIST]
    assert c.hold(course["id"], onc).status_code == 404
    assert c.release(course["id"], hold, onc).status_code == 404
    listed = c.client.get(f"/courses/{course['id']}/holds", headers=onc)
    assert listed.status_code == 404
    assert c.holds(course["id"])[0]["in_force"] is True


def test_a_patients_red_alerts_say_what_everyone_must_see_first(clinic: Clinic) -> None:
    c = clinic
    ctx = c.client.app.state.ctx  # type: ignore[attr-defined]
    barred = make_patient_ready_for_course(
        c.client, c.nurse, mrn="ALERT-1", measured_on=TODAY, contraindications=["pregnancy"]
    )["patient"]
    fix = {"version": barred["version"], "reason": "allergy reported", "allergies": "penicillin"}
    ok(c.client.patch(f"/patients/{barred['id']}", json=fix, headers=c.nurse))
    ready = make_patient_ready_for_course(c.client, c.nurse, mrn="ALERT-2", measured_on=TODAY)
    pid = ready["patient"]["id"]
    dx = {**ready["diagnosis"], "unresectable": False}
    dx = {k: dx[k] for k in ("stage", "recurrent_after_surgery", "unresectable", "distant_sites")}
    dx["diagnosed_on"] = ready["diagnosis"]["diagnosed_on"]
    dx |= {"version": ready["diagnosis"]["version"], "reason": "surgery is possible after all"}
    ok(c.client.put(f"/patients/{pid}/diagnosis", json=dx, headers=c.onc))
    course = ok(
        c.client.post(
            f"/patients/{pid}/courses",
            json={
                "start_date": TODAY.isoformat(),
                "off_label_reason": "tumour board: resectable but surgery declined",
            },
            headers=c.onc,
        ),
        201,
    )
    ok(c.hold(course["id"], c.onc, ends_on=(TODAY + timedelta(days=7)).isoformat()), 201)
    for term, resolved in (("Skin infection", None), ("Fever", TODAY.isoformat())):
        event = {
            "term": term,
            "grade": 3,
            "criteria": ["hospitalisation"],
            "related": "yes",
            "onset": TODAY.isoformat(),
            "resolved_on": resolved,
            "action_taken": "antibiotics",
        }
        ok(c.client.post(f"/patients/{pid}/adverse-events", json=event, headers=c.nurse), 201)

    with ctx.uow(readonly=True) as uow:
        first = patient_alerts(uow, barred["id"], TODAY)
        second = patient_alerts(uow, pid, TODAY)
    assert [(a.kind, a.text) for a in first] == [
        ("contraindication", f"Contraindication: Pregnancy (screening of {days_ago(3)})"),
        ("allergy", "Allergies: penicillin"),
    ]
    until = (TODAY + timedelta(days=7)).isoformat()
    assert [(a.kind, a.text) for a in second] == [
        ("hold", f"Treatment on hold: {REASON} (until {until})"),
        ("off-label", "Off-label course: tumour board: resectable but surgery declined"),
        (
            "serious-adverse-event",
            f"Open serious adverse event: Skin infection, grade 3 (since {TODAY})",
        ),
    ]
