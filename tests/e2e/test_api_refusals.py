"""Every refusal the clinic API promises, on SQLite and PostgreSQL: the status, the field and the
rule in the message, and proof that the refused write changed nothing (the visit, its
administrations, the courses and the audit log read back exactly as before).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TestClient,
    add_vial_lot,
    administration_body,
    audit_total,
    client_for,
    days_ago,
    items,
    login_all,
    make_patient_ready_for_course,
    measure,
    ok,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)
from tests.support.wording import assert_plain

from tvec.domain.labels import label_of
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

START = days_ago(40)  # visit 1; visit 2 may not be given before START + 21 days


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


@dataclass
class Ward:
    client: TestClient
    h: dict[Role, dict[str, str]]
    patient_id: int
    lesions: dict[str, dict[str, Any]]
    course: dict[str, Any]
    visit: dict[str, Any]  # the planned visit under test

    @property
    def nurse(self) -> dict[str, str]:
        return self.h[Role.NURSE]

    @property
    def onc(self) -> dict[str, str]:
        return self.h[Role.ONCOLOGIST]

    def administer(self, body: dict[str, Any], who: Role = Role.NURSE) -> Any:
        return self.client.post(
            f"/visits/{self.visit['id']}/administrations", json=body, headers=self.h[who]
        )

    def state(self) -> tuple[Any, ...]:
        """Everything a refused administration must leave as it was."""
        c, vid = self.client, self.visit["id"]
        return (
            ok(c.get(f"/visits/{vid}", headers=self.nurse)),
            items(c.get(f"/visits/{vid}/administrations", headers=self.nurse)),
            items(c.get(f"/courses/{self.course['id']}/visits", headers=self.nurse)),
            audit_total(c, self.h[Role.ADMIN]),
        )


def open_ward(app: FastAPI, *, at_visit_2: bool = False) -> Ward:
    """A patient on a course with visit 1 planned (or given, and visit 2 planned); lots in stock."""
    client = client_for(app)
    h = login_all(client, seed_staff(app.state.ctx))
    rec = make_patient_ready_for_course(client, h[Role.NURSE], measured_on=START)
    pid = rec["patient"]["id"]
    course = start_course(client, h[Role.ONCOLOGIST], pid, START)
    pharm = h[Role.PHARMACIST]
    add_vial_lot(client, pharm, "LOT6", 10**6)
    add_vial_lot(client, pharm, "LOT8", 10**8)
    add_vial_lot(client, pharm, "OLD6", 10**6, expiry=START - timedelta(days=1))
    visit = plan_visit(client, h[Role.NURSE], course["id"])
    ward = Ward(client, h, pid, rec["lesions"], course, visit)
    if at_visit_2:
        ok(ward.administer(administration_body(visit, "LOT6", START)), 201)
        ward.visit = plan_visit(client, h[Role.NURSE], course["id"])
    return ward


def assert_refused(response: Any, status: int, field: str | None, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "code", "field"}
    assert body["field"] == field, body
    for word in words:
        assert word in body["detail"], (word, body["detail"])
    assert_plain(body["detail"])  # the field's label, not its name; no Pydantic English
    return body


# ---- starting a course ----------------------------------------------------------------------


def _course_refused(app: FastAPI, **screening: Any) -> Any:
    client = client_for(app)
    h = login_all(client, seed_staff(app.state.ctx))
    rec = make_patient_ready_for_course(client, h[Role.NURSE], measured_on=START, **screening)
    pid = rec["patient"]["id"]
    before = audit_total(client, h[Role.ADMIN])
    response = client.post(
        f"/patients/{pid}/courses",
        headers=h[Role.ONCOLOGIST],
        json={"label_variant": "us", "start_date": START.isoformat()},
    )
    assert items(client.get(f"/patients/{pid}/courses", headers=h[Role.NURSE])) == []
    assert audit_total(client, h[Role.ADMIN]) == before
    return response


def test_a_course_without_contraindication_screening_is_refused(clinic: FastAPI) -> None:
    response = _course_refused(clinic, screen=False)
    # the label's list, item by item
    assert_refused(
        response, 422, "screening", "screening", "immunodeficiency", "leukaemia", "pregnancy"
    )


def test_a_course_for_a_pregnant_patient_is_refused_citing_the_label(clinic: FastAPI) -> None:
    response = _course_refused(clinic, pregnant=True)
    body = assert_refused(response, 422, "screening", "contraindicated", "Pregnancy", "USPI §4")
    assert body["code"] == "course-rule"


def test_a_course_for_an_immunocompromised_patient_is_refused(clinic: FastAPI) -> None:
    response = _course_refused(clinic, immunocompromised=True)
    assert_refused(response, 422, "screening", "Primary or acquired immunodeficiency", "USPI §4")


# ---- recording an administration --------------------------------------------------------------


def test_more_than_a_lesions_band_allows_is_refused(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    before = ward.state()
    body = administration_body(ward.visit, "LOT6", START, volumes={"L1": "2.1", "L2": "1"})
    assert_refused(ward.administer(body), 422, "volume_ml", "L1", "maximum of 2 mL")
    assert ward.state() == before


def test_a_visit_total_over_4_ml_is_refused(clinic: FastAPI) -> None:
    ward = open_ward(clinic, at_visit_2=True)
    ok(ward.administer(administration_body(ward.visit, "LOT8", START + timedelta(days=21))), 201)
    # Visit 3: a new 0.4 cm lesion goes first (0.1 mL), then the 6 cm lesion (band 4 mL) gets
    # the 3.9 mL left. Each lesion within its band, but together more than 4 mL.
    day = START + timedelta(days=35)
    new = ok(
        ward.client.post(
            f"/patients/{ward.patient_id}/lesions",
            headers=ward.nurse,
            json={
                "name": "N1",
                "site": "cutaneous",
                "location": "left shin",
                "first_seen": day.isoformat(),
            },
        ),
        201,
    )
    measure(
        ward.client,
        ward.nurse,
        ward.patient_id,
        day,
        {"L1": ("6.0", "4.0"), "L2": ("1.8", "1.2"), "N1": ("0.4", "0.3")},
        {**ward.lesions, "N1": new},
    )
    ward.visit = plan_visit(ward.client, ward.nurse, ward.course["id"])
    planned = {
        i["lesion_id"]: (i["band_max_ml"], i["volume_ml"]) for i in ward.visit["plan"]["injections"]
    }
    assert planned == {"N1": (0.1, 0.1), "L1": (4, 3.9)}
    before = ward.state()
    body = administration_body(ward.visit, "LOT8", day, volumes={"N1": "0.1", "L1": "3.95"})
    assert_refused(ward.administer(body), 422, "items", "total 4.05 mL", "maximum of 4 mL")
    assert ward.state() == before


def test_a_vial_lot_of_another_strength_is_refused(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    before = ward.state()
    response = ward.administer(administration_body(ward.visit, "LOT8", START))
    assert_refused(response, 422, "vial_lot", "100,000,000 PFU/mL", "needs 1,000,000 PFU/mL")
    assert ward.state() == before


def test_a_strength_the_label_does_not_have_cannot_be_stocked(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    lots = items(ward.client.get("/vial-lots", headers=ward.nurse))
    response = ward.client.post(
        "/vial-lots",
        headers=ward.h[Role.PHARMACIST],
        json={"lot": "ODD7", "pfu_per_ml": 10**7, "expiry_date": days_ago(-100).isoformat()},
    )
    assert_refused(response, 422, "pfu_per_ml", "1,000,000", "100,000,000")
    assert items(ward.client.get("/vial-lots", headers=ward.nurse)) == lots


def test_an_unknown_vial_lot_is_refused(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    before = ward.state()
    response = ward.administer(administration_body(ward.visit, "NO-SUCH-LOT", START))
    assert_refused(response, 422, "vial_lot", "not a lot in the centre's stock")
    assert ward.state() == before


def test_an_expired_vial_lot_is_refused(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    before = ward.state()
    response = ward.administer(administration_body(ward.visit, "OLD6", START))
    assert_refused(response, 422, "vial_lot", "expired on", (START - timedelta(days=1)).isoformat())
    assert ward.state() == before


def test_a_dose_before_its_interval_needs_an_oncologists_override(clinic: FastAPI) -> None:
    ward = open_ward(clinic, at_visit_2=True)
    early = START + timedelta(days=15)
    earliest = (START + timedelta(days=21)).isoformat()
    before = ward.state()

    plain = ward.administer(administration_body(ward.visit, "LOT8", early))
    body = assert_refused(plain, 422, None, "earlier than its interval", earliest, "override")
    assert body["code"] == "dose-too-early"
    assert ward.state() == before

    reason = "patient admitted for surgery on the due date"
    by_nurse = ward.administer(
        administration_body(ward.visit, "LOT8", early, override_reason=reason)
    )
    assert_refused(by_nurse, 403, None, "nurse", "override")
    assert ward.state() == before

    by_onc = ward.administer(
        administration_body(ward.visit, "LOT8", early, override_reason=reason), who=Role.ONCOLOGIST
    )
    assert by_onc.status_code == 201, by_onc.text
    visit = ok(ward.client.get(f"/visits/{ward.visit['id']}", headers=ward.nurse))
    assert (visit["status"], visit["administered_on"], visit["override_reason"]) == (
        "administered",
        early.isoformat(),
        reason,
    )
    calendar = items(ward.client.get(f"/courses/{ward.course['id']}/calendar", headers=ward.nurse))
    assert calendar[1]["override_reason"] == reason
    page = ok(
        ward.client.get(
            "/audit", params={"entity": "visit", "limit": 200}, headers=ward.h[Role.ADMIN]
        )
    )
    administered = [
        a for a in page["items"] if a["action"] == "administer" and a["entity_id"] == visit["id"]
    ]
    assert [a["reason"] for a in administered] == [reason]


def test_giving_a_dose_from_a_plan_that_was_replaced_is_409(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    shown = ward.visit  # what the nurse has on screen
    replanned = plan_visit(ward.client, ward.onc, ward.course["id"])  # meanwhile, a re-plan
    assert (replanned["id"], replanned["version"]) == (shown["id"], shown["version"] + 1)
    before = ward.state()
    stale = ward.administer(administration_body(shown, "LOT6", START))
    assert_refused(stale, 409, "version", "changed since it was read", "reload")
    assert ward.state() == before


def test_a_measurement_set_with_one_bad_item_stores_none_of_it(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    c, pid = ward.client, ward.patient_id
    stored = items(c.get(f"/patients/{pid}/measurements", headers=ward.nurse))
    audit = audit_total(c, ward.h[Role.ADMIN])
    sizes = [
        {"lesion_id": ward.lesions["L1"]["id"], "longest_cm": "3.0", "perpendicular_cm": "2.0"},
        {"lesion_id": ward.lesions["L2"]["id"], "longest_cm": "1.0", "perpendicular_cm": "1.5"},
    ]
    response = c.post(
        f"/patients/{pid}/measurements",
        headers=ward.nurse,
        json={"measured_on": days_ago(1).isoformat(), "method": "caliper", "items": sizes},
    )
    assert_refused(response, 422, "perpendicular_cm", "items[1]", "L2", "must not exceed")
    assert items(c.get(f"/patients/{pid}/measurements", headers=ward.nurse)) == stored
    assert audit_total(c, ward.h[Role.ADMIN]) == audit


def test_a_lesion_that_is_not_in_the_plan_is_refused(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    before = ward.state()
    body = administration_body(ward.visit, "LOT6", START, volumes={"L1": "2", "L9": "0.5"})
    assert_refused(ward.administer(body), 422, "target", "L9", "not in this visit's dose plan")
    assert ward.state() == before


def test_visceral_lesions_are_never_planned_and_cannot_be_injected(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    plan = ward.visit["plan"]
    assert "V1" not in {i["lesion_id"] for i in plan["injections"]}
    (skipped,) = plan["not_injected"]
    assert skipped["lesion_id"] == "V1"
    assert "visceral" in skipped["reason"]
    before = ward.state()
    body = administration_body(ward.visit, "LOT6", START, volumes={"V1": "0.5"})
    assert_refused(ward.administer(body), 422, "target", "V1", "not in this visit's dose plan")
    assert ward.state() == before
    # There is no way to ask for another route: a lesion is intralesional by construction.
    hepatic = ward.client.post(
        f"/patients/{ward.patient_id}/lesions",
        headers=ward.nurse,
        json={
            "name": "H1",
            "site": "visceral",
            "location": "liver",
            "first_seen": START.isoformat(),
            "route": "transcutaneous-intrahepatic",
        },
    )
    assert_refused(hepatic, 422, "route", "Route: is not a field of this form: leave it out")
    assert "H1" not in {
        les["name"]
        for les in items(
            ward.client.get(f"/patients/{ward.patient_id}/lesions", headers=ward.nurse)
        )
    }
    assert ward.state() == before


# ---- malformed requests, unknown records, other centres, stale versions ------------------------

NAMED = {"given_name": "Osric", "family_name": "Dravenhill"}
MALFORMED_PATIENTS = [
    (
        {"mrn": "M1", **NAMED, "birth_date": "yesterday", "sex": "female"},
        "birth_date",
        ["valid date"],
    ),
    ({"mrn": "M1", **NAMED, "birth_date": "1960-01-01", "sex": "robot"}, "sex", ["female"]),
    ({"mrn": "M1", **NAMED, "birth_date": "1960-01-01"}, "sex", ["required"]),
    (
        {"mrn": "M1", **NAMED, "birth_date": "1960-01-01", "sex": "male", "ssn": "1"},
        "ssn",
        ["leave it out"],
    ),
    ({"mrn": 12, **NAMED, "birth_date": "1960-01-01", "sex": "male"}, "mrn", ["must be text"]),
    ({"mrn": "M1", **NAMED, "birth_date": "2999-01-01", "sex": "male"}, "birth_date", ["future"]),
    ({"mrn": "M1", "birth_date": "1960-01-01", "sex": "male"}, "given_name", ["required"]),
    (
        {"mrn": "M1", "given_name": "Osric", "family_name": "  ", "sex": "male"},
        "family_name",
        [],
    ),
]


def test_malformed_requests_are_refused_naming_the_field(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    c, before = ward.client, ward.state()
    for body, field, words in MALFORMED_PATIENTS:
        assert_refused(
            c.post("/patients", json=body, headers=ward.nurse), 422, field, label_of(field), *words
        )
    assert ok(c.get("/patients", headers=ward.nurse))["total"] == 1

    body = administration_body(ward.visit, "LOT6", START)
    body["items"][1]["volume_ml"] = "a lot"
    assert_refused(
        ward.administer(body), 422, "items.1.volume_ml", "Volume (mL), row 2: must be a number"
    )
    body = administration_body(ward.visit, "LOT6", START)
    body["version"] = "first"
    assert_refused(ward.administer(body), 422, "version", "Record version: must be a whole number")
    body = administration_body(ward.visit, "LOT6", START, volumes={"L1": "-1"})
    assert_refused(
        ward.administer(body),
        422,
        "items.0.volume_ml",
        "Volume (mL), row 1: enter more than 0 mL",
    )
    broken = c.post(
        f"/visits/{ward.visit['id']}/administrations",
        content=b'{"version": 1,',
        headers={**ward.nurse, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert "JSON" in broken.json()["detail"]
    assert ward.state() == before


def test_malformed_json_names_the_body_not_a_character_offset(clinic: FastAPI) -> None:
    client = client_for(clinic)
    nurse = login_all(client, seed_staff(clinic.state.ctx))[Role.NURSE]
    response = client.post(
        "/patients", content=b'{"mrn": "M1",', headers={**nurse, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert not response.json()["field"].isdigit(), response.json()


UNKNOWN = [
    ("get", "/patients/987654", None),
    ("patch", "/patients/987654", {"version": 1, "reason": "typo fix", "sex": "male"}),
    ("get", "/patients/987654/lesions", None),
    ("get", "/courses/987654", None),
    ("get", "/courses/987654/calendar", None),
    ("get", "/visits/987654", None),
    ("get", "/visits/987654/administrations", None),
    ("post", "/courses/987654/visits", {}),
    (
        "post",
        "/patients/987654/lesions",
        {"name": "L1", "site": "cutaneous", "location": "arm", "first_seen": "2026-01-01"},
    ),
    ("patch", "/lesions/987654", {"version": 1, "reason": "typo fix", "location": "leg"}),
    ("patch", "/measurements/987654", {"version": 1, "reason": "typo fix", "longest_cm": "1"}),
    ("patch", "/adverse-events/987654", {"version": 1, "reason": "typo fix", "grade": 2}),
]


def test_unknown_ids_are_404(clinic: FastAPI) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    before = audit_total(client, h[Role.ADMIN])
    for method, path, body in UNKNOWN:
        response = client.request(method, path, json=body, headers=h[Role.ONCOLOGIST])
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "not-found"
        assert "987654" in response.json()["detail"]
    assert audit_total(client, h[Role.ADMIN]) == before


def test_an_unknown_visit_is_404_for_an_administration(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    before = ward.state()
    response = ward.client.post(
        "/visits/987654/administrations",
        headers=ward.nurse,
        json=administration_body(ward.visit, "LOT6", START),
    )
    assert response.status_code == 404
    assert ward.state() == before


def test_another_centres_records_do_not_exist_for_this_centre(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    other = login_all(ward.client, seed_staff(clinic.state.ctx, centre="Other centre", prefix="x-"))
    o_nurse, o_onc = other[Role.NURSE], other[Role.ONCOLOGIST]
    pid, before = ward.patient_id, ward.state()
    attempts = [
        ward.client.get(f"/patients/{pid}", headers=o_nurse),
        ward.client.get(f"/patients/{pid}/measurements", headers=o_nurse),
        ward.client.patch(
            f"/patients/{pid}",
            headers=o_nurse,
            json={"version": 1, "reason": "take over", "mrn": "STOLEN"},
        ),
        ward.client.post(
            f"/patients/{pid}/lesions",
            headers=o_nurse,
            json={
                "name": "X1",
                "site": "cutaneous",
                "location": "arm",
                "first_seen": START.isoformat(),
            },
        ),
        ward.client.post(
            f"/patients/{pid}/courses", headers=o_onc, json={"start_date": START.isoformat()}
        ),
        ward.client.get(f"/visits/{ward.visit['id']}", headers=o_nurse),
        ward.client.post(
            f"/visits/{ward.visit['id']}/administrations",
            headers=o_nurse,
            json=administration_body(ward.visit, "LOT6", START),
        ),
    ]
    assert [r.status_code for r in attempts] == [404] * len(attempts)
    assert ok(ward.client.get("/patients", headers=o_nurse))["total"] == 0
    assert ok(ward.client.get(f"/patients/{pid}", headers=ward.nurse))["mrn"] == "MRN-0001"
    assert ward.state() == before


def test_a_stale_version_is_409_and_the_newer_change_survives(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    c, pid, admin = ward.client, ward.patient_id, ward.h[Role.ADMIN]
    first = ok(
        c.patch(
            f"/patients/{pid}",
            headers=ward.nurse,
            json={"version": 1, "reason": "birth date typo", "birth_date": "1961-04-21"},
        )
    )
    assert first["version"] == 2
    before = audit_total(c, admin)
    stale = c.patch(
        f"/patients/{pid}",
        headers=ward.onc,
        json={"version": 1, "reason": "sex entered wrongly", "sex": "male"},
    )
    body = assert_refused(stale, 409, "version", "version 1, now 2", "reload")
    assert body["code"] == "conflict"
    assert ok(c.get(f"/patients/{pid}", headers=ward.nurse)) == first
    assert audit_total(c, admin) == before


def test_a_nurse_giving_an_override_reason_is_refused_even_on_time(clinic: FastAPI) -> None:
    """A reason is never silently dropped: only an oncologist may give one (403, nothing saved)."""
    ward = open_ward(clinic)
    before = ward.state()
    with_reason = administration_body(ward.visit, "LOT6", START, override_reason="just in case")
    assert_refused(ward.administer(with_reason), 403, None, "nurse", "override")
    assert ward.state() == before
    assert ward.administer(administration_body(ward.visit, "LOT6", START)).status_code == 201


def test_lists_page_with_limit_and_offset_and_report_the_total(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    url = f"/patients/{ward.patient_id}/lesions"
    whole = items(ward.client.get(url, headers=ward.nurse))
    assert len(whole) >= 2
    pages = [
        ok(ward.client.get(url, params={"limit": 1, "offset": k}, headers=ward.nurse))
        for k in range(len(whole))
    ]
    assert [p["items"][0] for p in pages] == whole
    assert {(p["total"], p["limit"]) for p in pages} == {(len(whole), 1)}
    past_end = ok(ward.client.get(url, params={"offset": len(whole)}, headers=ward.nurse))
    assert past_end["items"] == []
    assert past_end["total"] == len(whole)
    assert_refused(
        ward.client.get(url, params={"limit": 0}, headers=ward.nurse), 422, "query.limit"
    )


def test_a_course_cannot_end_before_it_starts_and_stays_open(clinic: FastAPI) -> None:
    ward = open_ward(clinic)
    url = f"/courses/{ward.course['id']}"

    def state() -> tuple[Any, int]:
        course = ok(ward.client.get(url, headers=ward.nurse))
        return course, audit_total(ward.client, ward.h[Role.ADMIN])

    before = state()
    end = {
        "version": ward.course["version"],
        "end_date": (START - timedelta(days=1)).isoformat(),
        "end_reason": "other-treatment-required",
    }
    refused = ward.client.post(f"{url}/end", json=end, headers=ward.onc)
    assert_refused(refused, 422, "end_date", "is before the course start", START.isoformat())
    assert state() == before
    assert before[0]["end_date"] is None


# ---- lesions ----------------------------------------------------------------------------------


def test_a_cluster_named_like_another_lesion_is_refused_when_recorded_and_corrected(
    clinic: FastAPI,
) -> None:
    """The dose plan refuses a cluster id that is another lesion's id; the record may not hold
    one either, or no dose could be planned for the patient."""
    ward = open_ward(clinic)
    c, pid, taken = ward.client, ward.patient_id, next(iter(ward.lesions))
    before = (items(c.get(f"/patients/{pid}/lesions", headers=ward.nurse)), ward.state())
    new = {
        "name": "Z9",
        "site": "cutaneous",
        "location": "left forearm",
        "first_seen": START.isoformat(),
        "cluster": taken,
    }
    refused = c.post(f"/patients/{pid}/lesions", json=new, headers=ward.nurse)
    assert_refused(refused, 422, "cluster", f"also the id of lesion {taken}")
    other = next(les for name, les in ward.lesions.items() if name != taken)
    fix = {"version": other["version"], "reason": "clustered", "cluster": taken}
    refused = c.patch(f"/lesions/{other['id']}", json=fix, headers=ward.nurse)
    assert_refused(refused, 422, "cluster", f"also the id of lesion {taken}")
    assert (items(c.get(f"/patients/{pid}/lesions", headers=ward.nurse)), ward.state()) == before
