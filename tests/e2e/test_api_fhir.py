"""`GET /fhir/Patient/{id}/$everything` on SQLite and PostgreSQL.

The demo centre's nurse and oncologist get one patient's mCODE Bundle: every resource parses with
the FHIR R4B models and passes tvec's mCODE checks, with one Tumor per lesion, one TumorSize per
measurement and one administration per lesion injected. Another centre's staff get 404 (the
patient does not exist for them); the other roles 403 (the researcher included: one patient's
whole record is not de-identified; researchers get the centre's de-identified Bulk Data
`$export`, tests/e2e/test_api_fhir_bulk.py); without a login, 401.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

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

from tvec.interop.fhir.mcode import validate_resources
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.services.context import Context
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

DEMO_PASSWORD = "demo-{}-pass"  # tvec.services.seeding's demo users


def url(patient_id: int) -> str:
    return f"/fhir/Patient/{patient_id}/$everything"


@dataclass(frozen=True)
class Centre:
    client: TestClient
    ctx: Context
    headers: dict[Role, dict[str, str]]
    other_nurse: dict[str, str]


@pytest.fixture
def centre(database_url: str) -> Iterator[Centre]:
    app, ctx = make_app(database_url)
    load_demo(ctx, 2, seed=3)
    other = seed_staff(ctx, "Other centre", prefix="other-")
    client = client_for(app)
    headers = {role: login(client, role.value, DEMO_PASSWORD.format(role.value)) for role in Role}
    other_nurse = login(client, other[Role.NURSE].username, other[Role.NURSE].password)
    try:
        yield Centre(client, ctx, headers, other_nurse)
    finally:
        close_app(app)


def treated_patient(ctx: Context) -> tuple[int, int, int, int]:
    """A demo patient with injections: (id, active lesions, measurements, administrations)."""
    with ctx.uow(readonly=True) as uow:
        for patient in uow.patients.in_centre(1):
            lesions = [les.id for les in uow.lesions.for_patient(patient.id)]
            courses = uow.courses.for_patient(patient.id)
            visits = uow.visits.for_courses([c.id for c in courses])
            given = uow.administrations.for_visits([v.id for v in visits])
            if given:
                sizes = uow.measurements.for_lesions(lesions)
                return patient.id, len(lesions), len(sizes), len(given)
    raise AssertionError("the demo has no treated patient")


def test_the_nurse_gets_a_bundle_that_validates(centre: Centre) -> None:
    patient_id, lesions, sizes, injections = treated_patient(centre.ctx)
    response = centre.client.get(url(patient_id), headers=centre.headers[Role.NURSE])
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = response.json()
    get_fhir_model_class("Bundle").model_validate(bundle)
    found = [entry["resource"] for entry in bundle["entry"]]
    for res in found:
        get_fhir_model_class(res["resourceType"]).model_validate(res)
    assert validate_resources(found, load_fhir_codes()) == []
    kinds = Counter(r["resourceType"] for r in found)
    assert kinds["Patient"] == 1
    assert kinds["Condition"] == 1
    assert kinds["BodyStructure"] == lesions
    profiles = Counter(r["meta"]["profile"][0].rsplit("/", 1)[1] for r in found)
    assert profiles["mcode-tumor-size"] == sizes
    assert kinds["MedicationAdministration"] == injections
    assert profiles["mcode-cancer-stage"] == 1
    tumors = {f"BodyStructure/{r['id']}" for r in found if r["resourceType"] == "BodyStructure"}
    for given in (r for r in found if r["resourceType"] == "MedicationAdministration"):
        assert given["supportingInformation"][0]["reference"] in tumors


def test_the_oncologist_gets_the_same_bundle(centre: Centre) -> None:
    patient_id = treated_patient(centre.ctx)[0]
    nurse = centre.client.get(url(patient_id), headers=centre.headers[Role.NURSE]).json()
    onc = centre.client.get(url(patient_id), headers=centre.headers[Role.ONCOLOGIST])
    assert onc.status_code == 200
    assert onc.json() == nurse


def test_another_centres_nurse_is_told_the_patient_does_not_exist(centre: Centre) -> None:
    patient_id = treated_patient(centre.ctx)[0]
    response = centre.client.get(url(patient_id), headers=centre.other_nurse)
    assert response.status_code == 404
    missing = centre.client.get(url(99999), headers=centre.headers[Role.NURSE])
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "role", [Role.RESEARCHER, Role.PHARMACIST, Role.BILLING, Role.ADMIN], ids=str
)
def test_other_roles_are_refused(centre: Centre, role: Role) -> None:
    patient_id = treated_patient(centre.ctx)[0]
    response = centre.client.get(url(patient_id), headers=centre.headers[role])
    assert response.status_code == 403
    assert "export patient records as FHIR" in response.json()["detail"]


def test_without_a_login_the_export_is_refused(centre: Centre) -> None:
    assert centre.client.get(url(1)).status_code == 401
