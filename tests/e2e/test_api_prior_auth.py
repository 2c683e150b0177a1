"""Prior authorization over HTTP, on SQLite and PostgreSQL: the billing office requests one for a
course (packet PDF, PAS Bundle), the payer's reviewer pends, approves or denies, a complete
request is approved on receipt, and the units used are counted against the units authorized."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from tests.support.clinic import (
    DEFAULT_LESIONS,
    TESTCLIENT_WARNING,
    TODAY,
    StaffMember,
    add_vial_lot,
    administration_body,
    audit_total,
    client_for,
    close_app,
    days_ago,
    login,
    login_all,
    make_app,
    make_patient_ready_for_course,
    ok,
    password_of,
    plan_visit,
    seed_staff,
    start_course,
)

from tvec.reports.prior_auth_packet import packet_html, packet_pdf
from tvec.schemas.clinic import UserIn
from tvec.services import authorization_windows as aw
from tvec.services import prior_auth
from tvec.services.payer_review import open_payer_office
from tvec.services.permissions import Role
from tvec.services.worklist import worklist

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

POLICY = "5.01.562"
PAYER = "Premera Blue Cross"
DOCUMENTS = ["office-notes", "history", "physical-exam"]
LESIONS = DEFAULT_LESIONS[:3]  # cutaneous, subcutaneous, nodal


@pytest.fixture
def clinic(database_url: str) -> Iterator[dict[str, Any]]:
    app, ctx = make_app(database_url)
    staff = seed_staff(ctx)
    reviewer_name = "premera-reviewer"
    open_payer_office(
        ctx,
        PAYER,
        "Premera Blue Cross utilization review",
        UserIn(
            username=reviewer_name,
            full_name="Rita Reviewer",
            role=Role.PAYER_REVIEWER,
            password=password_of(reviewer_name),
        ),
    )
    client = client_for(app)
    heads = login_all(client, staff)
    heads[Role.PAYER_REVIEWER] = login(client, reviewer_name, password_of(reviewer_name))
    try:
        yield {"client": client, "h": heads, "staff": staff, "ctx": ctx}
    finally:
        close_app(app)


def given_course(
    c: dict[str, Any], mrn: str, *, dose: bool, start: date | None = None
) -> dict[str, Any]:
    client, h = c["client"], c["h"]
    # lesions at the sites the policy covers (a visceral one would fail its lesion criterion)
    ready = make_patient_ready_for_course(client, h[Role.NURSE], mrn=mrn, lesions=LESIONS)
    start = start or days_ago(14)
    course = start_course(client, h[Role.ONCOLOGIST], ready["patient"]["id"], start)
    if dose:
        add_vial_lot(client, h[Role.PHARMACIST], f"LOT6-{mrn}", 1_000_000)
        visit = plan_visit(client, h[Role.NURSE], course["id"])
        ok(
            client.post(
                f"/visits/{visit['id']}/administrations",
                json=administration_body(visit, f"LOT6-{mrn}", start),
                headers=h[Role.NURSE],
            ),
            201,
        )
    return course


def request_body(**changes: Any) -> dict[str, Any]:
    return {
        "policy_id": POLICY,
        "service_date": days_ago(14).isoformat(),
        "prescriber_specialty": "oncology",
        "prior_therapies": ["pembrolizumab"],
        "documents": DOCUMENTS,
        **changes,
    }


def submit(c: dict[str, Any], course_id: int, **changes: Any) -> Any:
    return c["client"].post(
        f"/courses/{course_id}/prior-authorizations",
        json=request_body(**changes),
        headers=c["h"][Role.BILLING],
    )


def test_a_complete_request_is_approved_on_receipt_and_its_units_are_counted(clinic: Any) -> None:
    client, h = clinic["client"], clinic["h"]
    course = given_course(clinic, "PA-1", dose=True)
    req = ok(submit(clinic, course["id"]), 201)
    assert req["status"] == "approved"
    assert req["decided_automatically"] is True
    assert req["authorization_number"] == f"AUTO-{req['id']:06d}"
    assert req["window_start"] == days_ago(14).isoformat()
    # the first visit at 10^6 (4 units at most), then 10^8 (400 units a visit at most)
    assert float(req["units_requested"]) % 400 == 4
    shown = ok(client.get(f"/courses/{course['id']}/prior-authorizations", headers=h[Role.BILLING]))
    (usage,) = shown["usage"]
    # 3.5 mL from four 10^6 vials: 4 units administered, nothing left to discard (JZ)
    assert float(usage["units_used"]) == 4
    assert float(usage["units_left"]) == float(req["units_requested"]) - 4

    pdf = client.get(f"/prior-authorizations/{req['id']}/packet.pdf", headers=h[Role.BILLING])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    bundle = ok(client.get(f"/prior-authorizations/{req['id']}/bundle", headers=h[Role.BILLING]))
    claim = bundle["entry"][0]["resource"]
    assert claim["use"] == "preauthorization"
    codes = [i["productOrService"]["coding"][0]["code"] for i in claim["item"]]
    assert codes == ["J9325", "96405"]


def test_the_reviewer_pends_the_clinic_resubmits_and_the_reviewer_approves(clinic: Any) -> None:
    client, h = clinic["client"], clinic["h"]
    course = given_course(clinic, "PA-2", dose=False)
    req = ok(submit(clinic, course["id"], documents=[]), 201)
    assert req["status"] == "submitted"  # documents missing: a reviewer decides

    inbox = ok(client.get("/payer/requests", headers=h[Role.PAYER_REVIEWER]))
    assert [q["id"] for q in inbox["items"]] == [req["id"]]
    review = ok(client.get(f"/payer/requests/{req['id']}", headers=h[Role.PAYER_REVIEWER]))
    assert review["decision"] == "needs-documentation"
    assert "office-notes" in review["missing_documents"]

    decide = f"/payer/requests/{req['id']}/decision"
    pended = ok(
        client.post(
            decide,
            json={"status": "pended", "version": req["version"], "note": "send the office notes"},
            headers=h[Role.PAYER_REVIEWER],
        )
    )
    assert pended["status"] == "pended"
    assert pended["note"] == "send the office notes"
    again = ok(
        client.post(
            f"/prior-authorizations/{req['id']}/answers",
            json={"status": "submitted", "version": pended["version"], "note": "notes sent"},
            headers=h[Role.BILLING],
        )
    )
    approval = {
        "status": "approved",
        "version": again["version"],
        "authorization_number": "PRE-2026-0042",
        "window_start": TODAY.isoformat(),
        "window_end": (TODAY + timedelta(days=180)).isoformat(),
        "units_authorized": "2404",
    }
    approved = ok(client.post(decide, json=approval, headers=h[Role.PAYER_REVIEWER]))
    assert approved["status"] == "approved"
    assert approved["decided_automatically"] is False
    assert approved["authorization_number"] == "PRE-2026-0042"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"authorization_number": None}, "authorization_number"),
        ({"window_start": None}, "window_start"),
        ({"units_authorized": None}, "units_authorized"),
        ({"window_end": (TODAY - timedelta(days=1)).isoformat()}, "window_end"),
        ({"status": "appealed"}, "status"),
    ],
)
def test_an_incomplete_or_impossible_answer_is_refused_naming_its_field_and_changes_nothing(
    clinic: Any, change: dict[str, Any], field: str
) -> None:
    client, h = clinic["client"], clinic["h"]
    course = given_course(clinic, "PA-3", dose=False)
    req = ok(submit(clinic, course["id"], documents=[]), 201)
    before = audit_total(client, h[Role.ADMIN])
    body = {
        "status": "approved",
        "version": req["version"],
        "authorization_number": "PRE-1",
        "window_start": TODAY.isoformat(),
        "window_end": (TODAY + timedelta(days=30)).isoformat(),
        "units_authorized": "400",
        **change,
    }
    refused = client.post(
        f"/payer/requests/{req['id']}/decision", json=body, headers=h[Role.PAYER_REVIEWER]
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    shown = ok(client.get(f"/courses/{course['id']}/prior-authorizations", headers=h[Role.BILLING]))
    assert shown["requests"][0]["status"] == "submitted"
    assert audit_total(client, h[Role.ADMIN]) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"policy_id": "9.99.999"}, "policy_id"),
        ({"service_date": "2024-01-02"}, "service_date"),
    ],
)
def test_an_unknown_policy_or_one_not_in_effect_is_refused_and_nothing_is_written(
    clinic: Any, change: dict[str, Any], field: str
) -> None:
    client, h = clinic["client"], clinic["h"]
    course = given_course(clinic, "PA-4", dose=False)
    before = audit_total(client, h[Role.ADMIN])
    refused = submit(clinic, course["id"], **change)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    shown = ok(client.get(f"/courses/{course['id']}/prior-authorizations", headers=h[Role.BILLING]))
    assert shown["requests"] == []
    assert audit_total(client, h[Role.ADMIN]) == before


def test_a_malformed_bundle_is_refused_with_400_naming_its_path(clinic: Any) -> None:
    client, h = clinic["client"], clinic["h"]
    course = given_course(clinic, "PA-5", dose=False)
    req = ok(submit(clinic, course["id"], documents=[]), 201)
    bundle = ok(client.get(f"/prior-authorizations/{req['id']}/bundle", headers=h[Role.BILLING]))
    post = lambda body: client.post(  # noqa: E731
        "/payer/bundles",
        content=body,
        headers={**h[Role.PAYER_REVIEWER], "Content-Type": "application/fhir+json"},
    )
    import json

    bad = json.loads(json.dumps(bundle))
    bad["entry"][0]["resource"]["item"][0]["quantity"]["value"] = "many"
    refused = post(json.dumps(bad))
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == "entry.0.resource.item.0.quantity.value"
    not_pa = json.loads(json.dumps(bundle))
    not_pa["entry"][0]["resource"]["use"] = "claim"
    assert post(json.dumps(not_pa)).json()["field"] == "entry.0.resource.use"
    assert post("{not json").status_code == 400

    # the Bundle as sent, with the documents now on file, is approved automatically
    facts_fixed = json.loads(json.dumps(bundle))
    import base64

    info = facts_fixed["entry"][0]["resource"]["supportingInfo"][1]["valueAttachment"]
    facts = json.loads(base64.b64decode(info["data"]))
    facts["documents"] = DOCUMENTS
    info["data"] = base64.b64encode(json.dumps(facts).encode()).decode()
    received = ok(post(json.dumps(facts_fixed)))
    assert received["status"] == "approved"
    assert received["decided_automatically"] is True


def test_a_reviewer_sees_only_their_payers_requests_and_no_clinic_lists(clinic: Any) -> None:
    client, h = clinic["client"], clinic["h"]
    course = given_course(clinic, "PA-6", dose=False)
    req = ok(submit(clinic, course["id"], documents=[]), 201)
    reviewer = h[Role.PAYER_REVIEWER]
    assert client.get("/patients", headers=reviewer).status_code == 403
    assert (
        client.get(f"/courses/{course['id']}/prior-authorizations", headers=reviewer).status_code
        == 403
    )
    # a payer_reviewer account made in a clinic (not a payer's office) sees no request
    office_reviewer = reviewer
    staff: dict[Role, StaffMember] = clinic["staff"]
    in_clinic = login(
        client, staff[Role.PAYER_REVIEWER].username, staff[Role.PAYER_REVIEWER].password
    )
    assert ok(client.get("/payer/requests", headers=in_clinic))["items"] == []
    assert client.get(f"/payer/requests/{req['id']}", headers=in_clinic).status_code == 404
    assert ok(client.get("/payer/requests", headers=office_reviewer))["total"] == 1
    # the billing office may not answer as the payer
    assert (
        client.post(
            f"/payer/requests/{req['id']}/decision",
            json={"status": "denied", "version": req["version"], "note": "no"},
            headers=h[Role.BILLING],
        ).status_code
        == 403
    )


def test_the_packet_shows_the_criteria_with_their_evidence_and_the_lesion_table(
    clinic: Any,
) -> None:
    _client, _h, staff = clinic["client"], clinic["h"], clinic["staff"]
    course = given_course(clinic, "PA-7", dose=False)
    req = ok(submit(clinic, course["id"]), 201)
    content = prior_auth.packet(clinic["ctx"], staff[Role.BILLING].actor, req["id"])
    html = packet_html(content)
    criteria = html.split('id="criteria"')[1].split("</table>")[0]
    for c in content.decision.criteria:
        assert c.text in criteria
        assert c.reason in criteria
    lesions = html.split('id="lesions"')[1].split("</table>")[0]
    measured = days_ago(30).isoformat()
    for name, longest in (("L1", "3.2"), ("L2", "1.8"), ("L3", "0.9")):
        row = lesions.split(f"<td>{name}</td>")[1].split("</tr>")[0]
        assert longest in row
        assert measured in row
    schedule = html.split('id="schedule"')[1].split("</table>")[0]
    assert "1,000,000" in schedule
    assert "100,000,000" in schedule
    assert packet_pdf(content).startswith(b"%PDF")


def approve_later_window(c: dict[str, Any], course_id: int, start_in_days: int) -> dict[str, Any]:
    req = ok(submit(c, course_id, documents=[]), 201)
    return ok(  # type: ignore[no-any-return]
        c["client"].post(
            f"/payer/requests/{req['id']}/decision",
            json={
                "status": "approved",
                "version": req["version"],
                "authorization_number": "PRE-LATER",
                "window_start": (TODAY + timedelta(days=start_in_days)).isoformat(),
                "window_end": (TODAY + timedelta(days=start_in_days + 150)).isoformat(),
                "units_authorized": "404",
            },
            headers=c["h"][Role.PAYER_REVIEWER],
        )
    )


def test_a_visit_outside_the_window_is_warned_and_its_dose_needs_an_override_reason(
    clinic: Any,
) -> None:
    client, h, staff, ctx = clinic["client"], clinic["h"], clinic["staff"], clinic["ctx"]
    course = given_course(clinic, "PA-8", dose=False, start=TODAY)
    approve_later_window(clinic, course["id"], 10)
    work = worklist(ctx, staff[Role.NURSE].actor)
    (warned,) = work.authorization[course["id"]]
    assert warned.startswith(f"The visit on {TODAY.isoformat()} falls outside the authorization")

    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-PA-8", 1_000_000)
    visit = plan_visit(client, h[Role.NURSE], course["id"])
    (plan_warning,) = aw.plan_warnings(ctx, staff[Role.NURSE].actor, visit["id"])
    assert plan_warning.kind == "outside-window"
    before = audit_total(client, h[Role.ADMIN])
    body = administration_body(visit, "LOT6-PA-8", TODAY)
    refused = client.post(
        f"/visits/{visit['id']}/administrations", json=body, headers=h[Role.NURSE]
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "authorization_override_reason", refused.text
    assert audit_total(client, h[Role.ADMIN]) == before  # nothing written
    body["authorization_override_reason"] = "payer agreed by phone to start early"
    ok(client.post(f"/visits/{visit['id']}/administrations", json=body, headers=h[Role.NURSE]), 201)
    with ctx.uow(readonly=True) as uow:
        (kept,) = uow.authorization_overrides.for_visits([visit["id"]])
    assert kept.override_reason == "payer agreed by phone to start early"


def test_a_window_ending_within_30_days_and_too_few_units_left_are_warned(clinic: Any) -> None:
    client, h, staff, ctx = clinic["client"], clinic["h"], clinic["staff"], clinic["ctx"]
    course = given_course(clinic, "PA-9", dose=False)
    req = ok(submit(clinic, course["id"], documents=[]), 201)
    ok(
        client.post(
            f"/payer/requests/{req['id']}/decision",
            json={
                "status": "approved",
                "version": req["version"],
                "authorization_number": "PRE-SHORT",
                "window_start": days_ago(20).isoformat(),
                "window_end": (TODAY + timedelta(days=30)).isoformat(),
                "units_authorized": "2",
            },
            headers=h[Role.PAYER_REVIEWER],
        )
    )
    kinds = {
        w.split(" ")[1] for w in worklist(ctx, staff[Role.NURSE].actor).authorization[course["id"]]
    }
    assert kinds == {
        "visit",
        "authorization",
    }  # "The visit may bill …", "The authorization window ends …"
    found = worklist(ctx, staff[Role.NURSE].actor).authorization[course["id"]]
    assert any("only 2 of 2 authorized units are left" in w for w in found)
    assert any(
        f"ends on {(TODAY + timedelta(days=30)).isoformat()}, within 30 days" in w for w in found
    )


def test_a_centre_without_prior_authorization_is_not_warned(clinic: Any) -> None:
    course = given_course(clinic, "PA-10", dose=False)
    work = worklist(clinic["ctx"], clinic["staff"][Role.NURSE].actor)
    assert course["id"] not in work.authorization
