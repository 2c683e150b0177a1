"""`POST /fhir` on SQLite and PostgreSQL: another centre's nurse imports the demo centre's mCODE
export as a transaction Bundle and gets a transaction-response (201 per record written); the same
Bundle again writes nothing (200 per entry). Bad input gets 422 with an OperationOutcome naming
each problem's resource and path, and nothing is written; a reference to another centre's
patient gets the same answer as one to a patient that does not exist."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    client_for,
    close_app,
    login,
    make_app,
    seed_staff,
)
from tests.support.fhir_compare import comparable
from tests.support.fhir_import import row_counts, transaction

from tvec.interop.fhir.mcode.build import CTCAE_GRADE
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.services import fhir_export
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

FHIR_JSON = {"Content-Type": "application/fhir+json"}


@dataclass(frozen=True)
class Centres:
    client: TestClient
    ctx: Context
    exported: list[dict[str, Any]]  # the demo centre's export
    demo_nurse: dict[str, str]
    other: dict[Role, dict[str, str]]  # the importing centre's staff
    other_actor: Actor


@pytest.fixture
def c(database_url: str) -> Iterator[Centres]:
    app, ctx = make_app(database_url)
    load_demo(ctx, 2, seed=3)
    staff = seed_staff(ctx, "Importing centre", prefix="other-")
    client = client_for(app)
    demo_nurse = login(client, "nurse", "demo-nurse-pass")
    other = {role: login(client, s.username, s.password) for role, s in staff.items()}
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username("nurse")
    assert user is not None
    nurse = Actor(user.id, user.centre_id, Role.NURSE, "nurse")
    exported = [r for found in fhir_export.centre_export(ctx, nurse).values() for r in found]
    try:
        yield Centres(client, ctx, exported, demo_nurse, other, staff[Role.NURSE].actor)
    finally:
        close_app(app)


def post(c: Centres, body: Any, headers: dict[str, str]) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return c.client.post("/fhir", content=raw, headers={**headers, **FHIR_JSON})


def one(found: list[dict[str, Any]], kind: str, start: str = "") -> dict[str, Any]:
    return next(r for r in found if r["resourceType"] == kind and r["id"].startswith(start))


def adverse_event(patient_ref: str) -> dict[str, Any]:
    """An adverse event as the export shapes it, for the patient named."""
    return {
        "resourceType": "AdverseEvent",
        "id": "adverse-event-x",
        "meta": {"profile": [load_fhir_codes().profiles["adverse_event"]]},
        "extension": [{"url": CTCAE_GRADE, "valueInteger": 1}],
        "actuality": "actual",
        "event": {"text": "Fatigue"},
        "subject": {"reference": patient_ref},
        "date": "2026-01-07",
    }


def demo_patient_id(c: Centres) -> int:
    return int(one(c.exported, "Patient")["id"].rsplit("-", 1)[1])


def refused(c: Centres, body: Any, before: dict[str, int]) -> list[dict[str, Any]]:
    """The issues of a 422, having checked that nothing was written."""
    response = post(c, body, c.other[Role.NURSE])
    assert response.status_code == 422, response.text[:500]
    assert response.headers["content-type"] == "application/fhir+json"
    outcome = response.json()
    get_fhir_model_class("OperationOutcome").model_validate(outcome)
    assert row_counts(c.ctx) == before
    return list(outcome["issue"])


def test_the_export_imports_into_another_centre_and_again_writes_nothing(c: Centres) -> None:
    response = post(c, transaction(c.exported), c.other[Role.NURSE])
    assert response.status_code == 200, response.text[:1000]
    answer = response.json()
    get_fhir_model_class("Bundle").model_validate(answer)
    assert answer["type"] == "transaction-response"
    assert len(answer["entry"]) == len(c.exported)
    statuses = Counter(e["response"]["status"] for e in answer["entry"])
    stored = [r for r in c.exported if r["resourceType"] != "Practitioner"]
    statuses_expected = len([r for r in stored if not r["id"].startswith("disease-status")])
    assert statuses["201 Created"] == statuses_expected
    patients = [
        e for e in answer["entry"] if e["response"].get("location", "").startswith("Patient/")
    ]
    assert len(patients) == Counter(r["resourceType"] for r in c.exported)["Patient"]
    after_first = row_counts(c.ctx)

    again = post(c, transaction(c.exported), c.other[Role.NURSE])
    assert again.status_code == 200
    assert {e["response"]["status"] for e in again.json()["entry"]} == {"200 OK"}
    assert row_counts(c.ctx) == after_first  # nothing duplicated

    back = fhir_export.centre_export(c.ctx, c.other_actor)
    assert comparable([r for found in back.values() for r in found]) == comparable(c.exported)


def test_a_body_that_is_not_json_is_refused(c: Centres) -> None:
    before = row_counts(c.ctx)
    (issue,) = refused(c, b'{"resourceType": "Bundle", "entry": [', before)
    assert issue["expression"] == ["Bundle"]
    assert "not JSON" in issue["diagnostics"]


def test_every_problem_is_named_with_its_resource_and_path(c: Centres) -> None:
    before = row_counts(c.ctx)
    found = json.loads(json.dumps(c.exported))
    size = one(found, "Observation", "tumor-size-")
    size["component"][0]["valueQuantity"].update(unit="[in_i]", code="[in_i]")
    dose = one(found, "MedicationAdministration")
    del dose["medicationReference"]
    tumor = one(found, "BodyStructure")
    tumor["patient"] = {"reference": "Patient/patient-999999"}
    found.append({"resourceType": "Spaceship", "id": "x1"})
    issues = refused(c, transaction(found), before)
    where = {issue["expression"][0] for issue in issues}
    assert f"Observation/{size['id']}.component[0].valueQuantity.unit" in where
    assert f"MedicationAdministration/{dose['id']}.medicationReference" in where
    assert f"BodyStructure/{tumor['id']}.patient.reference" in where
    assert "Spaceship/x1.resourceType" in where
    assert all(issue["severity"] == "error" for issue in issues)


def test_another_centres_patient_is_answered_as_one_that_does_not_exist(c: Centres) -> None:
    before = row_counts(c.ctx)
    event = adverse_event("")
    demo_patient = demo_patient_id(c)  # the demo centre's

    def answer(patient_id: int) -> str:
        event["subject"] = {"reference": f"Patient/{patient_id}"}
        (issue,) = refused(c, transaction([event]), before)
        assert issue["expression"] == [f"AdverseEvent/{event['id']}.subject.reference"]
        return str(issue["diagnostics"]).replace(str(patient_id), "<id>")

    assert answer(demo_patient) == answer(999999)
    assert "is no patient of this centre" in answer(999999)


def test_a_patient_of_the_centre_may_be_referred_to_by_id(c: Centres) -> None:
    event = adverse_event(f"Patient/{demo_patient_id(c)}")
    before = row_counts(c.ctx)
    response = post(c, transaction([event]), c.demo_nurse)  # the demo centre's own nurse
    assert response.status_code == 200, response.text[:500]
    assert response.json()["entry"][0]["response"]["status"] == "201 Created"
    assert row_counts(c.ctx)["adverse_events"] == before["adverse_events"] + 1


@pytest.mark.parametrize(
    "role", [Role.PHARMACIST, Role.BILLING, Role.RESEARCHER, Role.ADMIN], ids=str
)
def test_roles_that_do_not_record_clinical_data_are_refused(c: Centres, role: Role) -> None:
    before = row_counts(c.ctx)
    response = post(c, transaction(c.exported), c.other[role])
    assert response.status_code == 403
    assert "import patient records from FHIR" in response.json()["detail"]
    assert row_counts(c.ctx) == before


def test_without_a_login_the_import_is_refused(c: Centres) -> None:
    before = row_counts(c.ctx)
    assert post(c, transaction(c.exported), {}).status_code == 401
    assert row_counts(c.ctx) == before
