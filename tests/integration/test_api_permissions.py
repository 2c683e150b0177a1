"""The permission matrix, as a table, over HTTP (SQLite).

Two tables: the expected answer for every role × action derived from `PERMISSIONS` itself (so
every endpoint really enforces the table), and a short hand-written table of the rules the issue
states (so a change to `PERMISSIONS` that breaks them fails here even if the code follows it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from tests.factories import screening_answers
from tests.support.clinic import (
    NOW,
    OLDER_SIZES,
    TESTCLIENT_WARNING,
    TestClient,
    add_vial_lot,
    administration_body,
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

from tvec.services.permissions import PERMISSIONS, Action, Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

ONC, NURSE, PHARM, BILL, RES, ADMIN = (
    Role.ONCOLOGIST,
    Role.NURSE,
    Role.PHARMACIST,
    Role.BILLING,
    Role.RESEARCHER,
    Role.ADMIN,
)
START = days_ago(40)

# What the issue says, in its own words, as (role, action, may?). Not derived from PERMISSIONS.
ISSUE_RULES: list[tuple[Role, Action, bool]] = [
    # nurses record measurements and administrations
    (NURSE, Action.RECORD_LESIONS, True),
    (NURSE, Action.RECORD_ADMINISTRATION, True),
    # only oncologists start courses and override
    *[(role, Action.START_COURSE, role is ONC) for role in Role],
    *[(role, Action.OVERRIDE, role is ONC) for role in Role],
    # only oncologists put a course on hold (or release it)
    *[(role, Action.HOLD_COURSE, role is ONC) for role in Role],
    # pharmacists manage vials
    (PHARM, Action.MANAGE_VIALS, True),
    # nurses and pharmacists thaw, draw and discard (and nobody else)
    *[(role, Action.HANDLE_VIALS, role in (NURSE, PHARM)) for role in Role],
    # billing reads billing data
    (BILL, Action.READ_BILLING, True),
    (BILL, Action.EXPORT_CLAIMS, True),
    # researchers read de-identified data only
    *[(RES, action, action is Action.READ_DEIDENTIFIED) for action in Action],
    # admins manage users (and nobody else does)
    *[(role, Action.MANAGE_USERS, role is ADMIN) for role in Role],
    # the nurse or the oncologist issues the alert card, teaches, records an exposure
    *[(role, Action.ISSUE_ALERT_CARD, role in (ONC, NURSE)) for role in Role],
    *[(role, Action.RECORD_EXPOSURE, role in (ONC, NURSE)) for role in Role],
    # the oncologist and the nurse record follow-up (death, ECOG, prior therapies)
    *[(role, Action.RECORD_FOLLOW_UP, role in (ONC, NURSE)) for role in Role],
]


@dataclass
class World:
    """One centre with staff, patients at the stages the endpoints need, and lots in stock."""

    client: TestClient
    h: dict[Role, dict[str, str]]
    patient_id: int  # on a course with visit 1 planned
    course_id: int
    visit_id: int
    fresh_patient_id: int  # screened, no course yet
    serial: Iterator[int]
    vial_id: int  # a vial received in stock

    def get(self, path: str) -> Any:
        return ok(self.client.get(path, headers=self.h[ONC]))


def build_world(client: TestClient, h: dict[Role, dict[str, str]]) -> World:
    nurse, onc = h[NURSE], h[ONC]
    add_vial_lot(client, h[PHARM], "LOT6", 10**6)
    add_vial_lot(client, h[PHARM], "LOT8", 10**8)
    first = make_patient_ready_for_course(client, nurse, mrn="MRN-1", measured_on=START)
    course = start_course(client, onc, first["patient"]["id"], START)
    visit = plan_visit(client, nurse, course["id"])
    fresh = make_patient_ready_for_course(client, nurse, mrn="MRN-2", measured_on=START)
    sealed = (NOW - timedelta(hours=1)).isoformat()
    scan = "01003555130790131727060010OTHER-8\x1d21P1"
    ok(
        client.post("/shipments", json={"scans": [scan], "sealed_at": sealed}, headers=h[PHARM]),
        201,
    )
    vial_id = ok(client.get("/pharmacy/vials", headers=h[PHARM]))["items"][0]["id"]
    return World(
        client,
        h,
        first["patient"]["id"],
        course["id"],
        visit["id"],
        fresh["patient"]["id"],
        count(1),
        vial_id,
    )


def at_visit_2(w: World) -> dict[str, Any]:
    """A new patient given visit 1 at START, with visit 2 planned (due 21 days later)."""
    nurse = w.h[NURSE]
    rec = make_patient_ready_for_course(
        w.client, nurse, mrn=f"MRN-V2-{next(w.serial)}", measured_on=START
    )
    course = start_course(w.client, w.h[ONC], rec["patient"]["id"], START)
    v1 = plan_visit(w.client, nurse, course["id"])
    ok(
        w.client.post(
            f"/visits/{v1['id']}/administrations",
            headers=nurse,
            json=administration_body(v1, "LOT6", START),
        ),
        201,
    )
    return plan_visit(w.client, nurse, course["id"])


Request = tuple[str, str, dict[str, Any] | None, dict[str, Any]]  # method, path, json, params


@dataclass(frozen=True)
class Endpoint:
    """A representative call for an action, and every action the call needs."""

    requires: frozenset[Action]
    request: Callable[[World, Role], Request]


def _patch_patient(w: World, role: Role) -> Request:
    version = w.get(f"/patients/{w.patient_id}")["version"]
    return (
        "patch",
        f"/patients/{w.patient_id}",
        {"version": version, "reason": f"checked by {role.value}", "sex": "female"},
        {},
    )


def _administer(w: World, role: Role) -> Request:
    visit = w.get(f"/visits/{w.visit_id}")
    return (
        "post",
        f"/visits/{w.visit_id}/administrations",
        administration_body(visit, "LOT6", START),
        {},
    )


def _override(w: World, role: Role) -> Request:
    visit = at_visit_2(w)  # a fresh one each time: the role is all that differs
    body = administration_body(
        visit, "LOT8", START + timedelta(days=14), override_reason="patient travels on the due date"
    )
    return ("post", f"/visits/{visit['id']}/administrations", body, {})


def _lesion(w: World, role: Role) -> Request:
    return (
        "post",
        f"/patients/{w.patient_id}/lesions",
        {
            "name": f"P{next(w.serial)}",
            "site": "cutaneous",
            "location": "forearm",
            "first_seen": START.isoformat(),
        },
        {},
    )


def _submit_report(w: World, role: Role) -> Request:
    """A suspected herpetic lesion (its report to the manufacturer), marked submitted."""
    herpetic = {
        "term": "Herpes simplex reactivation",
        "grade": 1,
        "related": "yes",
        "onset": START.isoformat(),
        "action_taken": "swab taken",
    }
    path = f"/patients/{w.patient_id}/adverse-events"
    event = ok(w.client.post(path, json=herpetic, headers=w.h[NURSE]), 201)
    (report,) = w.get(f"/adverse-events/{event['id']}/reports")["items"]
    body = {"version": report["version"], "submitted_on": days_ago(0).isoformat()}
    return ("post", f"/safety-reports/{report['id']}/submit", body, {})


ENDPOINTS: dict[Action, Endpoint] = {
    Action.READ_CLINICAL: Endpoint(
        frozenset({Action.READ_CLINICAL}),
        lambda w, r: ("get", f"/patients/{w.patient_id}/measurements", None, {}),
    ),
    Action.REGISTER_PATIENT: Endpoint(
        frozenset({Action.REGISTER_PATIENT}),
        lambda w, r: (
            "post",
            "/patients",
            {
                "mrn": f"NEW-{next(w.serial)}",
                "given_name": "Anselm",
                "family_name": "Umberfield",
                "birth_date": "1970-01-01",
                "sex": "male",
            },
            {},
        ),
    ),
    Action.CORRECT_PATIENT: Endpoint(frozenset({Action.CORRECT_PATIENT}), _patch_patient),
    Action.RECORD_DIAGNOSIS: Endpoint(
        frozenset({Action.RECORD_DIAGNOSIS}),
        lambda w, r: (
            "post",
            f"/patients/{w.patient_id}/screenings",
            {
                "screened_on": START.isoformat(),
                "answers": screening_answers(),
                "answered_by": "patient",
            },
            {},
        ),
    ),
    Action.RECORD_LESIONS: Endpoint(frozenset({Action.RECORD_LESIONS}), _lesion),
    Action.START_COURSE: Endpoint(
        frozenset({Action.START_COURSE}),
        lambda w, r: (
            "post",
            f"/patients/{w.fresh_patient_id}/courses",
            {"start_date": START.isoformat()},
            {},
        ),
    ),
    Action.PLAN_VISIT: Endpoint(
        frozenset({Action.PLAN_VISIT}),
        lambda w, r: ("post", f"/courses/{w.course_id}/visits", {"stale_reason": OLDER_SIZES}, {}),
    ),
    Action.RECORD_ADMINISTRATION: Endpoint(frozenset({Action.RECORD_ADMINISTRATION}), _administer),
    Action.OVERRIDE: Endpoint(
        frozenset({Action.RECORD_ADMINISTRATION, Action.OVERRIDE}), _override
    ),
    Action.HOLD_COURSE: Endpoint(
        frozenset({Action.HOLD_COURSE}),
        lambda w, r: (
            "post",
            f"/courses/{w.course_id}/holds",
            # a hold that starts later, so that it holds nothing the other calls need
            {
                "reason": f"planned absence ({r.value})",
                "starts_on": days_ago(-30).isoformat(),
                "ends_on": days_ago(-31).isoformat(),
            },
            {},
        ),
    ),
    Action.RECORD_ADVERSE_EVENT: Endpoint(
        frozenset({Action.RECORD_ADVERSE_EVENT}),
        lambda w, r: (
            "post",
            f"/patients/{w.patient_id}/adverse-events",
            {
                "term": "Fatigue",
                "grade": 1,
                "related": "yes",
                "onset": START.isoformat(),
                "action_taken": "none",
            },
            {},
        ),
    ),
    Action.SUBMIT_SAFETY_REPORT: Endpoint(frozenset({Action.SUBMIT_SAFETY_REPORT}), _submit_report),
    Action.READ_VIALS: Endpoint(
        frozenset({Action.READ_VIALS}), lambda w, r: ("get", "/vial-lots", None, {})
    ),
    Action.MANAGE_VIALS: Endpoint(
        frozenset({Action.MANAGE_VIALS}),
        lambda w, r: (
            "post",
            "/vial-lots",
            {
                "lot": f"NEW-{next(w.serial)}",
                "pfu_per_ml": 10**8,
                "expiry_date": days_ago(-300).isoformat(),
            },
            {},
        ),
    ),
    Action.HANDLE_VIALS: Endpoint(
        frozenset({Action.HANDLE_VIALS}),
        # a stale version: 409 for those who may, 403 (checked first) for the others
        lambda w, r: (
            "post",
            f"/vials/{w.vial_id}/events",
            {"kind": "to_room", "at": "2020-01-01T00:00:00+00:00", "version": 99},
            {},
        ),
    ),
    Action.READ_BILLING: Endpoint(
        frozenset({Action.READ_BILLING}),
        lambda w, r: (
            "get",
            "/billing/lines",
            None,
            {"since": START.isoformat(), "until": days_ago(0).isoformat()},
        ),
    ),
    Action.CHECK_COVERAGE: Endpoint(
        frozenset({Action.CHECK_COVERAGE}),
        lambda w, r: ("get", f"/courses/{w.course_id}/coverage", None, {"policy": "5.01.562"}),
    ),
    Action.READ_DEIDENTIFIED: Endpoint(
        frozenset({Action.READ_DEIDENTIFIED}), lambda w, r: ("get", "/research/patients", None, {})
    ),
    Action.EXPORT_CLAIMS: Endpoint(
        frozenset({Action.EXPORT_CLAIMS}),
        lambda w, r: ("post", "/claims/batches", {"visit_ids": [w.visit_id]}, {}),
    ),
    Action.MANAGE_USERS: Endpoint(
        frozenset({Action.MANAGE_USERS}),
        lambda w, r: (
            "post",
            "/users",
            {
                "username": f"new-user-{next(w.serial)}",
                "full_name": "New Person",
                "role": "nurse",
                "password": "a-long-enough-password",
            },
            {},
        ),
    ),
    Action.READ_AUDIT: Endpoint(
        frozenset({Action.READ_AUDIT}), lambda w, r: ("get", "/audit", None, {"limit": 5})
    ),
    Action.REQUEST_PRIOR_AUTH: Endpoint(
        frozenset({Action.REQUEST_PRIOR_AUTH}),
        lambda w, r: (
            "post",
            f"/courses/{w.course_id}/prior-authorizations",
            {"policy_id": "5.01.562", "service_date": START.isoformat()},
            {},
        ),
    ),
    Action.READ_PRIOR_AUTH: Endpoint(
        frozenset({Action.READ_PRIOR_AUTH}),
        lambda w, r: ("get", f"/courses/{w.course_id}/prior-authorizations", None, {}),
    ),
    Action.REVIEW_PRIOR_AUTH: Endpoint(
        frozenset({Action.REVIEW_PRIOR_AUTH}), lambda w, r: ("get", "/payer/requests", None, {})
    ),
    Action.ISSUE_ALERT_CARD: Endpoint(
        frozenset({Action.ISSUE_ALERT_CARD}),
        lambda w, r: (
            "post",
            f"/patients/{w.patient_id}/education",
            {"recipient": "patient", "topics": ["dressing-care"]},
            {},
        ),
    ),
    Action.RECORD_EXPOSURE: Endpoint(
        frozenset({Action.RECORD_EXPOSURE}),
        lambda w, r: (
            "post",
            "/exposures",
            {
                "exposed": "close-contact",
                "contact_relation": "spouse",
                "kind": "site-contact",
                "occurred_at": f"{START.isoformat()}T10:00:00+00:00",
                "actions": ["washed"],
            },
            {},
        ),
    ),
    Action.EXPORT_FHIR: Endpoint(
        frozenset({Action.EXPORT_FHIR}),
        lambda w, r: ("get", f"/fhir/Patient/{w.patient_id}/$everything", None, {}),
    ),
    Action.IMPORT_FHIR: Endpoint(
        frozenset({Action.IMPORT_FHIR}),
        lambda w, r: ("post", "/fhir", {"resourceType": "Bundle", "type": "transaction"}, {}),
    ),
    Action.RECORD_TRAINING: Endpoint(
        frozenset({Action.RECORD_TRAINING}), lambda w, r: ("get", "/staff/trainings", None, {})
    ),
    Action.ATTEST: Endpoint(
        frozenset({Action.ATTEST}), lambda w, r: ("get", "/staff/attestations/me", None, {})
    ),
    # the first call records the follow-up; later ones (without its version) are a conflict
    Action.RECORD_FOLLOW_UP: Endpoint(
        frozenset({Action.RECORD_FOLLOW_UP}),
        lambda w, r: (
            "put",
            f"/patients/{w.patient_id}/follow-up",
            {"ecog": 1, "ecog_assessed_on": START.isoformat()},
            {},
        ),
    ),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('permissions')}/tvec.db"
    with running_app(url) as (app, ctx):
        client = client_for(app)
        yield build_world(client, login_all(client, seed_staff(ctx)))


def call(world: World, action: Action, role: Role) -> Any:
    method, path, body, params = ENDPOINTS[action].request(world, role)
    return world.client.request(method, path, json=body, params=params, headers=world.h[role])


def test_every_action_has_a_representative_endpoint() -> None:
    assert set(ENDPOINTS) == set(Action) == set(PERMISSIONS)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.name.lower())
def test_the_api_enforces_the_permission_table(world: World, action: Action, role: Role) -> None:
    allowed = all(role in PERMISSIONS[need] for need in ENDPOINTS[action].requires)
    response = call(world, action, role)
    if allowed:
        # Done, or refused for a reason that is not the role (e.g. the dose was already recorded,
        # or a claim batch stopped by its edits: the centre's records, not who asked).
        refused_by_records = response.status_code == 409 or (
            response.status_code == 422 and response.json().get("code") == "claim-edits"
        )
        assert response.status_code < 400 or refused_by_records, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "permission-denied"
        assert role.value in response.json()["detail"]


@pytest.mark.parametrize(
    ("role", "action", "may"),
    ISSUE_RULES,
    ids=[f"{r}-{a.name.lower()}-{m}" for r, a, m in ISSUE_RULES],
)
def test_the_issues_rules_hold(world: World, role: Role, action: Action, may: bool) -> None:
    assert (role in PERMISSIONS[action]) is may
    response = call(world, action, role)
    assert (response.status_code != 403) is may, response.text


def test_researchers_see_outcomes_without_identifiers(world: World) -> None:
    page = ok(world.client.get("/research/patients", params={"limit": 200}, headers=world.h[RES]))
    registered = world.get("/patients?limit=200")["total"]
    assert page["total"] == len(page["items"]) == registered >= 2
    identifying = {"id", "mrn", "birth_date", "patient_id", "start_date"}
    for item in page["items"]:
        assert not identifying & set(item)
        assert item["pseudonym"].startswith("P-")
        assert "MRN" not in item["pseudonym"]
    assert len({item["pseudonym"] for item in page["items"]}) == registered
    for path in (
        f"/patients/{world.patient_id}",
        f"/patients/{world.patient_id}/response",
        f"/visits/{world.visit_id}",
        "/audit",
        "/billing/lines?since=2026-01-01&until=2026-12-31",
    ):
        assert world.client.get(path, headers=world.h[RES]).status_code == 403, path
