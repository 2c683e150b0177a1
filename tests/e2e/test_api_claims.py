"""Claims through the API, on the demo clinic, on SQLite and PostgreSQL: visits ready to bill with
their lines, a batch exported as an 837P that pyx12 accepts and a CSV, edits that refuse an export
whole (nothing written), exported batches that never change, and the records claims read
(ultrasound guidance per administration, ICD-10-CM codes on the diagnosis)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    add_vial_lot,
    administration_body,
    client_for,
    days_ago,
    login,
    login_all,
    make_patient_ready_for_course,
    ok,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)

from tvec.interop.x12.validate import x12_errors
from tvec.services.claims_demo import seed_claims
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)


@pytest.fixture
def office(database_url: str) -> Iterator[tuple[Any, dict[str, str], Any]]:
    with running_app(database_url) as (app, ctx):
        load_demo(ctx, patients_wanted=6)
        client = client_for(app)
        yield client, login(client, "billing", "demo-billing-pass"), ctx


def ready(client: Any, headers: dict[str, str]) -> list[dict[str, Any]]:
    page = ok(client.get("/claims/ready", headers=headers, params={"limit": 200}))
    return list(page["items"])


def test_ready_visits_carry_their_claim_lines(office: Any) -> None:
    client, headers, _ctx = office
    visits = ready(client, headers)
    assert visits, "the demo leaves visits to bill"
    first = visits[0]
    drug = [ln for ln in first["lines"] if ln["code"] == "J9325"]
    assert drug
    assert all(ln["ndc_unit"] == "ML" and ln["ndc_qualifier"] == "N4" for ln in drug)
    assert {ln["code"] for ln in first["lines"]} & {"96405", "96406"}
    assert first["place_of_service"] == "11"
    assert first["diagnosis_codes"][0].startswith("C43.")
    assert all(v["ready"] for v in visits)
    # no line carries JW and JZ together; a JW line has at least one unit
    for v in visits:
        for ln in v["lines"]:
            assert not {"JW", "JZ"} <= set(ln["modifiers"])
            assert "JW" not in ln["modifiers"] or float(ln["units"]) >= 1


def test_an_exported_batch_passes_pyx12_and_leaves_the_ready_list(office: Any) -> None:
    client, headers, _ctx = office
    chosen = [v["visit_id"] for v in ready(client, headers)[:3]]
    batch = ok(client.post("/claims/batches", json={"visit_ids": chosen}, headers=headers), 201)
    assert batch["claim_count"] == 3
    x12 = client.get(f"/claims/batches/{batch['id']}/837p", headers=headers)
    assert x12.status_code == 200
    assert x12_errors(x12.text) == []
    assert x12.text.count("CLM*") == 3
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/claims/batches/{batch['id']}/csv", headers=headers).text)))  # fmt: skip
    assert {r["Claim"] for r in rows} == {f"TVEC{v}" for v in chosen}
    left = {v["visit_id"] for v in ready(client, headers)}
    assert not left & set(chosen)
    # a visit is billed once: exporting it again is refused
    again = client.post("/claims/batches", json={"visit_ids": chosen[:1]}, headers=headers)
    assert again.status_code == 409
    assert again.json()["field"] == "visit_ids"


def test_an_edit_refuses_the_whole_export_and_writes_nothing(office: Any) -> None:
    client, headers, ctx = office
    visits = ready(client, headers)
    before = ok(client.get("/claims/batches", headers=headers))["total"]
    patient = visits[0]["patient_id"]
    with ctx.engine.begin() as db:  # the diagnosis codes lost, as on a record never coded
        db.execute(text("UPDATE diagnoses SET icd10_codes = NULL WHERE patient_id = :p"),
                   {"p": patient})  # fmt: skip
    flagged = [v for v in ready(client, headers) if v["patient_id"] == patient]
    assert flagged[0]["findings"][0]["edit"] == "diagnosis"
    chosen = [flagged[0]["visit_id"], *[v["visit_id"] for v in visits if v["ready"]][:2]]
    refused = client.post("/claims/batches", json={"visit_ids": chosen}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "claim-edits"
    assert "ICD-10-CM" in refused.json()["detail"]
    assert ok(client.get("/claims/batches", headers=headers))["total"] == before


def test_bad_export_requests_name_the_field(office: Any) -> None:
    client, headers, _ctx = office
    for body, field in (({"visit_ids": []}, "visit_ids"), ({"visit_ids": [1], "x": 1}, "x")):
        answer = client.post("/claims/batches", json=body, headers=headers)
        assert answer.status_code == 422
        assert field in answer.text
    nurse = login(client, "nurse", "demo-nurse-pass")
    assert client.post("/claims/batches", json={"visit_ids": [1]}, headers=nurse).status_code == 403


def test_an_exported_batch_never_changes(office: Any) -> None:
    _client, _headers, ctx = office
    for statement in ("UPDATE claim_batches SET claim_count = 0", "DELETE FROM claim_lines"):
        with pytest.raises(DBAPIError), ctx.engine.begin() as db:
            db.execute(text(statement))


def test_diagnosis_codes_off_the_list_are_refused_naming_the_field(office: Any) -> None:
    client, _headers, _ctx = office
    nurse = login(client, "nurse", "demo-nurse-pass")
    patient = ok(client.get("/patients", headers=nurse, params={"limit": 1}))["items"][0]["id"]
    dx = ok(client.get(f"/patients/{patient}/diagnosis", headers=nurse))
    body = {
        k: dx[k]
        for k in ("stage", "recurrent_after_surgery", "unresectable", "diagnosed_on", "version")
    } | {"reason": "codes for claims", "distant_sites": dx["distant_sites"]}
    refused = client.put(
        f"/patients/{patient}/diagnosis",
        json={**body, "icd10_codes": ["C43.72", "C43.7"]},
        headers=nurse,
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "icd10_codes[1]"
    saved = client.put(
        f"/patients/{patient}/diagnosis", json={**body, "icd10_codes": ["C43.72"]}, headers=nurse
    )
    assert ok(saved)["icd10_codes"] == ["C43.72"]


def test_a_dose_recorded_as_ultrasound_guided_bills_76942(database_url: str) -> None:
    with running_app(database_url) as (app, ctx):
        client = client_for(app)
        staff = seed_staff(ctx)
        h = login_all(client, staff)
        start = days_ago(7)
        rec = make_patient_ready_for_course(client, h[Role.NURSE], measured_on=start)
        add_vial_lot(client, h[Role.PHARMACIST], "LOT6-A", 10**6)
        course = start_course(client, h[Role.ONCOLOGIST], rec["patient"]["id"], start)
        visit = plan_visit(client, h[Role.NURSE], course["id"])
        body = administration_body(visit, "LOT6-A", start)
        body["items"][0]["ultrasound_guided"] = True
        given = client.post(
            f"/visits/{visit['id']}/administrations", json=body, headers=h[Role.NURSE]
        )
        guided = [a["ultrasound_guided"] for a in ok(given, 201)["administrations"]]
        assert guided == [True, False, False]
        seed_claims(ctx, staff[Role.ADMIN].actor.centre_id)
        (claim,) = ready(client, h[Role.BILLING])
        codes = [ln["code"] for ln in claim["lines"]]
        assert codes == ["J9325", "96405", "76942"]  # 3.5 mL of 10^6 from 4 vials: 4 units JZ
        assert claim["lines"][0]["modifiers"] == ["JZ"]
        assert claim["lines"][0]["units"] == "4"
        assert claim["ready"] is True
