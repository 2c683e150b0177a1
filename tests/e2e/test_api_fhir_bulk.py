"""FHIR Bulk Data `$export` of the centre on SQLite and PostgreSQL.

Kick-off (`Prefer: respond-async`), status manifest and NDJSON files: every line parses with the
FHIR R4B models and the whole export passes tvec's mCODE checks, the manifest's counts are the
files' lines, `_type` narrows it. A missing Prefer header or an unknown `_type` is refused (400, a
FHIR OperationOutcome naming it). The job is its requester's: another centre's nurse and another
nurse of the same centre are told it does not exist; DELETE removes it. The researcher gets the
de-identified form: none of the patients' names, MRNs or birth dates, nor the staff's names or the
lesions' recorded locations, birth year only, every patient's dates moved back by one shift of 1
to 365 days, every resource marked pseudonymized in `meta.security`, and it still validates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B import get_fhir_model_class
from tests.support.clinic import (
    NOW,
    TESTCLIENT_WARNING,
    client_for,
    close_app,
    login,
    make_app,
    password_of,
    seed_staff,
)

from tvec.interop.fhir.mcode import validate_resources
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.schemas.clinic import UserIn
from tvec.services import auth
from tvec.services.context import Context
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

DEMO_PASSWORD = "demo-{}-pass"  # tvec.services.seeding's demo users
ASYNC = {"Prefer": "respond-async"}
V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"


@dataclass(frozen=True)
class Centre:
    client: TestClient
    ctx: Context
    headers: dict[Role, dict[str, str]]
    other_nurse: dict[str, str]  # another centre's
    second_nurse: dict[str, str]  # another nurse of the demo centre


@pytest.fixture
def c(database_url: str) -> Iterator[Centre]:
    app, ctx = make_app(database_url)
    load_demo(ctx, 3, seed=5)
    other = seed_staff(ctx, "Other centre", prefix="other-")
    client = client_for(app)
    headers = {role: login(client, role.value, DEMO_PASSWORD.format(role.value)) for role in Role}
    admin_token = auth.login(ctx, "admin", DEMO_PASSWORD.format("admin"), kind="cli")[0]
    auth.create_user(
        ctx,
        auth.authenticate(ctx, admin_token),
        UserIn(
            username="nurse-two",
            full_name="Second Nurse",
            role=Role.NURSE,
            password=password_of("nurse-two"),
        ),
    )
    second = login(client, "nurse-two", password_of("nurse-two"))
    other_nurse = login(client, other[Role.NURSE].username, other[Role.NURSE].password)
    try:
        yield Centre(client, ctx, headers, other_nurse, second)
    finally:
        close_app(app)


def kick_off(c: Centre, headers: dict[str, str], query: str = "") -> str:
    """The status URL's path of a new export."""
    response = c.client.get(f"/fhir/$export{query}", headers={**headers, **ASYNC})
    assert response.status_code == 202, response.text[:300]
    location = response.headers["content-location"]
    assert location.startswith("http")
    return urlsplit(location).path


def manifest(c: Centre, headers: dict[str, str], status: str) -> dict[str, Any]:
    response = c.client.get(status, headers=headers)
    assert response.status_code == 200, response.text[:300]
    return response.json()  # type: ignore[no-any-return]


def download(c: Centre, headers: dict[str, str], found: dict[str, Any]) -> dict[str, str]:
    """Each file's text by resource type."""
    texts = {}
    for out in found["output"]:
        response = c.client.get(out["url"], headers=headers)
        assert response.status_code == 200, response.text[:300]
        assert response.headers["content-type"].startswith("application/fhir+ndjson")
        texts[out["type"]] = response.text
    return texts


def parsed(texts: dict[str, str], counts: dict[str, int]) -> list[dict[str, Any]]:
    """Every line of every file, parsed with the R4B models; each file has its manifest count."""
    everything = []
    for kind, text in texts.items():
        lines = text.splitlines()
        assert len(lines) == counts[kind], kind
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == kind
            get_fhir_model_class(kind).model_validate(resource)
            everything.append(resource)
    return everything


def export_of(c: Centre, role: Role, query: str = "") -> tuple[dict[str, Any], list[Any]]:
    headers = c.headers[role]
    found = manifest(c, headers, kick_off(c, headers, query))
    counts = {out["type"]: out["count"] for out in found["output"]}
    return found, parsed(download(c, headers, found), counts)


def test_the_nurse_kicks_off_reads_the_manifest_and_downloads_valid_ndjson(c: Centre) -> None:
    found, resources = export_of(c, Role.NURSE)
    assert found["requiresAccessToken"] is True
    assert found["error"] == []
    assert found["request"].endswith("/fhir/$export")
    assert found["transactionTime"]
    kinds = {out["type"] for out in found["output"]}
    assert {"Patient", "Condition", "Observation", "MedicationAdministration"} <= kinds
    assert validate_resources(resources, load_fhir_codes()) == []
    with c.ctx.uow(readonly=True) as uow:
        registered = len(uow.patients.in_centre(1))
    assert sum(1 for r in resources if r["resourceType"] == "Patient") == registered


def test_type_narrows_the_export_and_the_oncologist_may_export_too(c: Centre) -> None:
    found, resources = export_of(c, Role.ONCOLOGIST, "?_type=Patient,Condition")
    assert {out["type"] for out in found["output"]} == {"Patient", "Condition"}
    assert {r["resourceType"] for r in resources} == {"Patient", "Condition"}
    assert found["request"].endswith("_type=Patient,Condition")


@pytest.mark.parametrize(
    ("query", "headers", "named"),
    [
        ("", {}, "Prefer"),
        ("?_type=Patient,Encounter", ASYNC, "_type"),
        ("?_outputFormat=text/csv", ASYNC, "_outputFormat"),
        ("?_since=2026-01-01T00:00:00Z", ASYNC, "_since"),
    ],
    ids=["no Prefer", "unknown _type", "unknown _outputFormat", "_since"],
)
def test_a_bad_kick_off_is_refused_naming_what_is_wrong(
    c: Centre, query: str, headers: dict[str, str], named: str
) -> None:
    response = c.client.get(f"/fhir/$export{query}", headers={**c.headers[Role.NURSE], **headers})
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    get_fhir_model_class("OperationOutcome").model_validate(outcome)
    issue = outcome["issue"][0]
    assert issue["expression"] == [named]
    assert named in issue["diagnostics"]


def test_ndjson_is_an_accepted_output_format(c: Centre) -> None:
    query = "?_outputFormat=application/fhir%2Bndjson"
    response = c.client.get(f"/fhir/$export{query}", headers={**c.headers[Role.NURSE], **ASYNC})
    assert response.status_code == 202


def test_the_export_is_its_requesters_only_and_delete_removes_it(c: Centre) -> None:
    nurse = c.headers[Role.NURSE]
    status = kick_off(c, nurse, "?_type=Patient")
    file_url = manifest(c, nurse, status)["output"][0]["url"]
    for stranger in (c.other_nurse, c.second_nurse):
        assert c.client.get(status, headers=stranger).status_code == 404
        assert c.client.get(file_url, headers=stranger).status_code == 404
        assert c.client.delete(status, headers=stranger).status_code == 404
    assert c.client.get(status.replace("status/", "status/x"), headers=nurse).status_code == 404
    assert c.client.delete(status, headers=nurse).status_code == 202
    assert c.client.get(status, headers=nurse).status_code == 404
    assert c.client.get(file_url, headers=nurse).status_code == 404
    with c.ctx.uow(readonly=True) as uow:
        (count,) = uow.connection.exec_driver_sql("SELECT count(*) FROM bulk_export_files").one()
    assert count == 0


@pytest.mark.parametrize("role", [Role.PHARMACIST, Role.BILLING, Role.ADMIN], ids=str)
def test_other_roles_are_refused(c: Centre, role: Role) -> None:
    response = c.client.get("/fhir/$export", headers={**c.headers[role], **ASYNC})
    assert response.status_code == 403
    assert "export patient records as FHIR" in response.json()["detail"]


def test_without_a_login_the_export_is_refused(c: Centre) -> None:
    assert c.client.get("/fhir/$export", headers=ASYNC).status_code == 401
    assert c.client.get("/fhir/$export-status/abc").status_code == 401


# ---- the researcher's de-identified export ---------------------------------------------------


def identifying(ctx: Context) -> list[str]:
    """What must not appear: the patients' names, MRNs and birth dates, the staff's names, the
    lesions' recorded locations and names, read from the database."""
    found: list[str] = []
    with ctx.uow(readonly=True) as uow:
        for p in uow.patients.in_centre(1):
            found += [p.mrn, p.given_name, p.family_name, p.birth_date.isoformat()]
            for les in uow.lesions.for_patient(p.id):
                found += [les.location]
        found += [u.full_name for u in uow.users.in_centre(1)]
    return [text for text in found if text]


def pseudonym(ctx: Context, patient_id: int) -> str:
    """The research pseudonym, computed here as the outcomes page documents it."""
    key = ctx.settings.pseudonym_key.encode()
    return "P-" + hmac.new(key, str(patient_id).encode(), hashlib.sha256).hexdigest()[:12]


def dates_by_patient(resources: list[dict[str, Any]]) -> dict[str, list[date]]:
    """Each patient's clinical dates, by the Patient reference they name."""
    found: dict[str, list[date]] = defaultdict(list)
    for r in resources:
        subject = (r.get("subject") or r.get("patient") or {}).get("reference")
        if subject is None:
            continue
        for key in ("effectiveDateTime", "onsetDateTime", "date"):
            if key in r:
                found[subject].append(date.fromisoformat(r[key][:10]))
        if "period" in r:
            found[subject].append(date.fromisoformat(r["period"]["start"]))
    return {who: sorted(days) for who, days in found.items()}


def test_the_researchers_export_is_de_identified_and_still_validates(c: Centre) -> None:
    found, resources = export_of(c, Role.RESEARCHER)
    assert found["extension"]["urn:tvec:deidentified"] is True
    assert validate_resources(resources, load_fhir_codes()) == []
    text = json.dumps(resources)
    leaked = [word for word in identifying(c.ctx) if word in text]
    assert not leaked, leaked
    assert not any(r["resourceType"] == "Practitioner" for r in resources)
    for r in resources:
        codes = {(s["system"], s["code"]) for s in r["meta"]["security"]}
        assert (V3, "PSEUDED") in codes, r["id"]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    with c.ctx.uow(readonly=True) as uow:
        ids = [p.id for p in uow.patients.in_centre(1)]
    assert {p["id"] for p in patients} == {pseudonym(c.ctx, i) for i in ids}
    for p in patients:
        assert len(p["birthDate"]) == 4
        assert p["birthDate"].isdigit()
        assert "name" not in p
        assert [i["value"] for i in p["identifier"]] == [p["id"]]


def test_each_patients_dates_move_back_by_one_shift(c: Centre) -> None:
    _, identified = export_of(c, Role.NURSE)
    _, shifted = export_of(c, Role.RESEARCHER)
    real, moved = dates_by_patient(identified), dates_by_patient(shifted)
    with c.ctx.uow(readonly=True) as uow:
        ids = [p.id for p in uow.patients.in_centre(1)]
    compared = 0
    for patient_id in ids:
        before = real.get(f"Patient/patient-{patient_id}", [])
        after = moved.get(f"Patient/{pseudonym(c.ctx, patient_id)}", [])
        assert len(before) == len(after)
        if not before:
            continue
        shifts = {(b - a).days for b, a in zip(before, after, strict=True)}
        assert len(shifts) == 1, shifts  # one shift for all of a patient's dates
        assert 1 <= shifts.pop() <= 365
        compared += 1
    assert compared >= 2


def test_patient_everything_stays_refused_to_the_researcher(c: Centre) -> None:
    response = c.client.get("/fhir/Patient/1/$everything", headers=c.headers[Role.RESEARCHER])
    assert response.status_code == 403


def test_an_expired_export_is_not_found_and_is_removed_at_the_next_kick_off(
    database_url: str,
) -> None:
    now = [NOW]
    app, ctx = make_app(database_url, clock=lambda: now[0], fhir_export_hours=2)
    try:
        load_demo(ctx, 1, seed=2)
        client = client_for(app)
        nurse = login(client, "nurse", DEMO_PASSWORD.format("nurse"))
        first = client.get("/fhir/$export?_type=Patient", headers={**nurse, **ASYNC})
        status = urlsplit(first.headers["content-location"]).path
        now[0] = NOW + timedelta(hours=1, minutes=59)
        assert client.get(status, headers=nurse).status_code == 200
        now[0] = NOW + timedelta(hours=2)
        assert client.get(status, headers=nurse).status_code == 404
        second = client.get("/fhir/$export?_type=Patient", headers={**nurse, **ASYNC})
        assert second.status_code == 202
        with ctx.uow(readonly=True) as uow:
            jobs = uow.connection.exec_driver_sql("SELECT count(*) FROM bulk_export_jobs").one()
            files = uow.connection.exec_driver_sql("SELECT count(*) FROM bulk_export_files").one()
        assert (jobs[0], files[0]) == (1, 1)  # the second export's only
    finally:
        close_app(app)
