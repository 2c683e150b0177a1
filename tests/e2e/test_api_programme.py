"""The safety programme through the API, on SQLite and PostgreSQL.

An admin records staff training (a record without an expiry date, with an expiry before its
completion, completed in the future, for an unknown user or another centre's user is refused
naming the field, and nothing is written). Staff attest for themselves whether they may prepare
and give IMLYGIC; a dose given or checked by someone not cleared is refused with the reason and
nothing is written. An EU course does not start at a centre without an ultra-low freezer or for
an oncologist without current training; a US nurse's missing training only warns. A course's
programme status lists each requirement, met or missing, and who must act.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    DEFAULT_LESIONS,
    TESTCLIENT_WARNING,
    TODAY,
    StaffMember,
    TestClient,
    add_vial_lot,
    administration_body,
    audit_total,
    client_for,
    items,
    login,
    login_all,
    make_patient_ready_for_course,
    ok,
    password_of,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)

from tvec.domain.programme import FACTS
from tvec.schemas.clinic import UserIn
from tvec.services import auth, cold_chain, worklist
from tvec.services.context import Actor
from tvec.services.permissions import Role
from tvec.services.programme_facts import PROVIDERS

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

LOT6 = "PROG6-A01"
TRAINING = "imlygic-handling"
NOT_VISCERAL = DEFAULT_LESIONS[:3]  # the EU indication excludes the visceral one


class Clinic:
    def __init__(self, app: FastAPI) -> None:
        self.ctx = app.state.ctx
        self.client: TestClient = client_for(app)
        self.staff = seed_staff(self.ctx)
        self.h = login_all(self.client, self.staff)
        self.nurse, self.onc = self.h[Role.NURSE], self.h[Role.ONCOLOGIST]
        self.admin = self.h[Role.ADMIN]
        add_vial_lot(self.client, self.h[Role.PHARMACIST], LOT6, 10**6)

    def new_user(self, username: str, role: Role) -> tuple[Actor, dict[str, str]]:
        """A member of staff with no training and no attestation yet."""
        admin = self.staff[Role.ADMIN].actor
        user = auth.create_user(
            self.ctx,
            admin,
            UserIn(username=username, full_name=f"New {role.value}", role=role,
                   password=password_of(username)),
        )  # fmt: skip
        actor = Actor(user.id, user.centre_id, role, username)
        return actor, login(self.client, username, password_of(username))

    def training(self, **body: Any) -> Any:
        return self.client.post("/staff/trainings", json=body, headers=self.admin)

    def trainings(self) -> list[dict[str, Any]]:
        return items(self.client.get("/staff/trainings", params={"limit": 200}, headers=self.admin))

    def attest(self, who: dict[str, str], cleared: bool) -> dict[str, Any]:
        return ok(  # type: ignore[no-any-return]
            self.client.post("/staff/attestations", json={"cleared": cleared}, headers=who), 201
        )

    def planned_visit(self, mrn: str) -> dict[str, Any]:
        ready = make_patient_ready_for_course(self.client, self.nurse, mrn=mrn, measured_on=TODAY)
        course = start_course(self.client, self.onc, ready["patient"]["id"], TODAY)
        return plan_visit(self.client, self.nurse, course["id"], stale_reason=None)

    def give(self, visit: dict[str, Any], who: dict[str, str], **extra: Any) -> Any:
        body = {**administration_body(visit, LOT6, TODAY), **extra}
        return self.client.post(f"/visits/{visit['id']}/administrations", json=body, headers=who)

    def visit_status(self, visit: dict[str, Any]) -> str:
        return ok(self.client.get(f"/visits/{visit['id']}", headers=self.nurse))["status"]  # type: ignore[no-any-return]


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, _ctx):
        yield Clinic(app)


def test_every_fact_a_requirement_may_name_has_one_provider() -> None:
    assert set(PROVIDERS) == FACTS


def refused(response: Any, field: str, words: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    assert words in body["detail"]


def test_an_admin_records_training_and_bad_records_are_refused_whole(clinic: Clinic) -> None:
    c = clinic
    nurse_id = c.staff[Role.NURSE].actor.user_id
    other = seed_staff(c.ctx, centre="Another centre", prefix="b-")
    before, audit = len(c.trainings()), audit_total(c.client, c.admin)
    good = {"user_id": nurse_id, "course": TRAINING, "completed_on": TODAY.isoformat()}
    year = (TODAY + timedelta(days=365)).isoformat()
    refused(c.training(**good), "expires_on", "Expires on is required")
    refused(c.training(**good, expires_on=(TODAY - timedelta(days=1)).isoformat()), "expires_on",
            "must be after the completion date")  # fmt: skip
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    refused(c.training(**{**good, "completed_on": tomorrow}, expires_on=year), "completed_on",
            "Completed on is in the future")  # fmt: skip
    refused(c.training(**{**good, "user_id": 999_999}, expires_on=year), "user_id",
            "names no member of this centre's staff")  # fmt: skip
    stranger = other[Role.NURSE].actor.user_id
    refused(c.training(**{**good, "user_id": stranger}, expires_on=year), "user_id",
            "names no member of this centre's staff")  # fmt: skip
    refused(c.training(**{**good, "course": "first-aid"}, expires_on=year), "course",
            "names no programme training")  # fmt: skip
    assert len(c.trainings()) == before  # nothing partial written
    assert audit_total(c.client, c.admin) == audit

    saved = ok(c.training(**good, expires_on=year), 201)
    assert (saved["user_name"], saved["current"], saved["expiring_soon"]) == (
        "Test nurse",
        True,
        False,
    )
    assert saved["expires_on"] == year
    assert audit_total(c.client, c.admin) == audit + 1
    assert c.client.get("/staff/trainings", headers=c.nurse).status_code == 403
    assert c.client.post("/staff/trainings", json={**good, "expires_on": year},
                         headers=c.nurse).status_code == 403  # fmt: skip


def test_a_nurse_not_cleared_cannot_be_recorded_as_giving_a_dose(clinic: Clinic) -> None:
    c = clinic
    visit = c.planned_visit("PROG-1")
    out = c.attest(c.nurse, cleared=False)
    assert (out["cleared"], out["current"]) == (False, False)
    before = audit_total(c.client, c.admin)

    answer = c.give(visit, c.nurse)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "programme-requirement"
    assert body["detail"].startswith("The dose cannot be recorded yet: The person giving the dose")
    assert "attest on the staff attestation page" in body["detail"]
    assert "USPI §5.1" in body["detail"]
    assert c.visit_status(visit) == "planned"  # nothing written
    assert audit_total(c.client, c.admin) == before

    again = c.attest(c.nurse, cleared=True)
    assert again["current"] is True
    assert again["due_on"] == (TODAY + timedelta(days=30)).isoformat()
    recorded = ok(c.give(visit, c.nurse), 201)
    assert recorded["programme_warnings"] == []  # US: trained, cleared
    assert c.visit_status(visit) == "administered"


def test_another_centres_course_status_is_not_found(clinic: Clinic) -> None:
    c = clinic
    visit = c.planned_visit("PROG-5")
    url = f"/courses/{visit['course_id']}/programme"
    assert ok(c.client.get(url, headers=c.nurse))["region"] == "us"
    other = login_all(c.client, seed_staff(c.ctx, centre="Another centre", prefix="b-"))
    assert c.client.get(url, headers=other[Role.NURSE]).status_code == 404
    assert c.client.get(url, headers=c.h[Role.BILLING]).status_code == 403


def test_a_second_checker_not_cleared_cannot_check_a_dose(clinic: Clinic) -> None:
    c = clinic
    visit = c.planned_visit("PROG-2")
    pharmacist: StaffMember = c.staff[Role.PHARMACIST]
    c.attest(c.h[Role.PHARMACIST], cleared=False)
    check = {"username": pharmacist.username, "password": pharmacist.password}
    answer = c.give(visit, c.nurse, second_check=check)
    assert answer.status_code == 422, answer.text
    assert "The second checker has a current attestation" in answer.json()["detail"]
    assert "tvec's rule" in answer.json()["detail"]
    assert c.visit_status(visit) == "planned"
    c.attest(c.h[Role.PHARMACIST], cleared=True)
    saved = ok(c.give(visit, c.nurse, second_check=check), 201)
    assert saved["administrations"][0]["checked_by"] == pharmacist.actor.user_id


def test_a_correction_checked_by_someone_not_cleared_is_refused(clinic: Clinic) -> None:
    c = clinic
    visit = c.planned_visit("PROG-4")
    dose = ok(c.give(visit, c.nurse), 201)["administrations"][0]
    pharmacist: StaffMember = c.staff[Role.PHARMACIST]
    c.attest(c.h[Role.PHARMACIST], cleared=False)
    fix = {
        "reason": "volume re-read from the syringe",
        "volume_ml": str(dose["volume_ml"]),
        "vial_lot": LOT6,
        "administered_at": f"{TODAY.isoformat()}T10:00:00+00:00",
        "second_check": {"username": pharmacist.username, "password": pharmacist.password},
    }
    url = f"/administrations/{dose['id']}/corrections"
    answer = c.client.post(url, json=fix, headers=c.nurse)
    refused(answer, "programme", "The correction cannot be recorded yet: The second checker")
    current = items(c.client.get(f"/visits/{visit['id']}/administrations", headers=c.nurse))
    mine = [(d["id"], d["revision"]) for d in current if d["target"] == dose["target"]]
    assert mine == [(dose["id"], 1)]  # nothing written
    c.attest(c.h[Role.PHARMACIST], cleared=True)
    assert ok(c.client.post(url, json=fix, headers=c.nurse), 201)["revision"] == 2


def test_someone_who_never_attested_is_refused_and_a_us_training_gap_only_warns(
    clinic: Clinic,
) -> None:
    c = clinic
    visit = c.planned_visit("PROG-3")
    _new, new_nurse = c.new_user("nurse-two", Role.NURSE)
    assert ok(c.client.get("/staff/attestations/me", headers=new_nurse))["cleared"] is None
    answer = c.give(visit, new_nurse)
    assert answer.status_code == 422
    assert answer.json()["code"] == "programme-requirement"
    c.attest(new_nurse, cleared=True)
    saved = ok(c.give(visit, new_nurse), 201)
    assert [w["id"] for w in saved["programme_warnings"]] == ["us-nurse-trained"]
    assert saved["programme_warnings"][0]["who_acts"] == "admin"


def test_an_eu_course_needs_a_qualified_centre_and_a_trained_oncologist(clinic: Clinic) -> None:
    c = clinic
    ready = make_patient_ready_for_course(
        c.client, c.nurse, mrn="PROG-EU", measured_on=TODAY, lesions=NOT_VISCERAL
    )
    pid = ready["patient"]["id"]
    body = {"label_variant": "eu", "start_date": TODAY.isoformat()}
    url = f"/patients/{pid}/courses"

    answer = c.client.post(url, json=body, headers=c.onc)
    refused(answer, "programme", "The course cannot start yet: The centre is a qualified centre")
    assert (
        "add the ultra-low freezer to the pharmacy's storage locations" in answer.json()["detail"]
    )
    assert items(c.client.get(f"/patients/{pid}/courses", headers=c.nurse)) == []

    cold_chain.add_location(c.ctx, c.staff[Role.PHARMACIST].actor, "ULT-1", "freezer")
    new_onc, new_onc_h = c.new_user("onc-two", Role.ONCOLOGIST)
    answer = c.client.post(url, json=body, headers=new_onc_h)
    refused(answer, "programme", "The oncologist starting the course holds current IMLYGIC")
    assert "admin to act" in answer.json()["detail"]
    # an expired training does not count either
    old = {"completed_on": (TODAY - timedelta(days=800)).isoformat(),
           "expires_on": (TODAY - timedelta(days=1)).isoformat()}  # fmt: skip
    ok(c.training(user_id=new_onc.user_id, course=TRAINING, **old), 201)
    refused(c.client.post(url, json=body, headers=new_onc_h), "programme", "holds current")

    year = (TODAY + timedelta(days=365)).isoformat()
    ok(c.training(user_id=new_onc.user_id, course=TRAINING,
                  completed_on=TODAY.isoformat(), expires_on=year), 201)  # fmt: skip
    course = ok(c.client.post(url, json=body, headers=new_onc_h), 201)

    status = ok(c.client.get(f"/courses/{course['id']}/programme", headers=c.nurse))
    assert status["region"] == "eu"
    assert status["blocks"] is False
    by_id = {r["id"]: r for r in status["requirements"]}
    assert by_id["eu-centre-qualified"]["status"] == "met"
    assert by_id["eu-prescriber-trained"]["status"] == "met"
    assert by_id["eu-nurse-cleared"]["status"] == "met"
    assert by_id["eu-checker-cleared"]["status"] == "not applicable"
    card = by_id["eu-patient-alert-card"]
    assert (card["status"], card["enforcement"], card["who_acts"]) == ("missing", "warn", "nurse")
    assert card["to_do"] == "issue the alert card and record it"

    # the first dose is recorded with the patient's missing card and education as warnings
    visit = plan_visit(c.client, c.nurse, course["id"], stale_reason=None)
    saved = ok(c.give(visit, c.nurse), 201)
    assert [w["id"] for w in saved["programme_warnings"]] == [
        "eu-patient-alert-card",
        "eu-patient-education",
    ]


def test_the_worklist_warns_of_a_training_expiring_within_30_days(clinic: Clinic) -> None:
    c = clinic
    pharmacist = c.staff[Role.PHARMACIST].actor
    soon = TODAY + timedelta(days=30)
    ok(c.training(user_id=pharmacist.user_id, course=TRAINING, completed_on="2025-07-01",
                  expires_on=soon.isoformat()), 201)  # fmt: skip
    nurse = c.staff[Role.NURSE].actor
    ok(c.training(user_id=nurse.user_id, course=TRAINING, completed_on="2025-07-01",
                  expires_on=(TODAY + timedelta(days=31)).isoformat()), 201)  # fmt: skip
    alerts = worklist.worklist(c.ctx, c.staff[Role.NURSE].actor).trainings
    # the nurse's newer, two-year record is the one that counts; the pharmacist's too, so
    # nothing is listed until a staff member's latest record is expiring
    assert alerts == ()
    _lone, _h = c.new_user("pharm-two", Role.PHARMACIST)
    ok(c.training(user_id=_lone.user_id, course=TRAINING, completed_on="2025-07-01",
                  expires_on=soon.isoformat()), 201)  # fmt: skip
    alerts = worklist.worklist(c.ctx, c.staff[Role.NURSE].actor).trainings
    assert [(a.user_name, a.expires_on, a.days_left) for a in alerts] == [
        ("New pharmacist", soon, 30)
    ]
    listed = {t["user_name"]: t for t in c.trainings() if t["user_name"] == "New pharmacist"}
    assert listed["New pharmacist"]["expiring_soon"] is True
