"""Safety through the API, on SQLite and PostgreSQL: one event's E2B(R3)-shaped XML safety report,
and the centre's safety table next to OPTiM's published rates.

The report is well-formed XML with the E2B(R3) data elements a case needs, the product given
before the event with its lot, and the patient only as age at onset and sex: no name, MRN or birth
date anywhere in the bytes, even when the nurse typed them into the event. Another centre's event
does not exist for another centre's staff; roles without the clinical record are refused.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TODAY,
    TestClient,
    add_vial_lot,
    administration_body,
    client_for,
    login_all,
    make_patient_ready_for_course,
    ok,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)

from tvec.interop.e2b import NAMESPACE
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

LOT = "SAFE6-A01"
NS = {"e": NAMESPACE}
BIRTH = "1961-04-12"  # make_patient_ready_for_course's patient, Maren Hollowmere
IDENTIFIERS = ("Maren", "Hollowmere", "SAFE-1", BIRTH, "12/04/1961", "04/12/1961", "1961")
REQUIRED = (
    "C.1.1",
    "C.1.2",
    "C.1.3",
    "C.1.5",
    "C.1.7",
    "C.2.r.4",
    "C.3.1",
    "D.2.2a",
    "D.5",
    "E.i.1.1a",
    "E.i.3.2a",
    "E.i.3.2b",
    "E.i.3.2c",
    "E.i.3.2d",
    "E.i.3.2e",
    "E.i.3.2f",
    "E.i.4",
    "E.i.7",
    "G.k.1",
    "G.k.2.2",
    "G.k.4.r.1a",
    "G.k.4.r.7",
    "G.k.4.r.10.1",
    "G.k.9.i.2.r.3",
    "H.1",
)


class Clinic:
    def __init__(self, app: FastAPI) -> None:
        self.client: TestClient = client_for(app)
        self.h = login_all(self.client, seed_staff(app.state.ctx))
        self.nurse, self.onc = self.h[Role.NURSE], self.h[Role.ONCOLOGIST]
        add_vial_lot(self.client, self.h[Role.PHARMACIST], LOT, 10**6)

    def treated(self, mrn: str) -> tuple[int, int]:
        """A patient given a first dose today: (patient id, course id)."""
        ready = make_patient_ready_for_course(self.client, self.nurse, mrn=mrn, measured_on=TODAY)
        pid = ready["patient"]["id"]
        course = start_course(self.client, self.onc, pid, TODAY)
        visit = plan_visit(self.client, self.nurse, course["id"], stale_reason=None)
        body = administration_body(visit, LOT, TODAY)
        ok(
            self.client.post(
                f"/visits/{visit['id']}/administrations", json=body, headers=self.nurse
            ),
            201,
        )
        return pid, course["id"]

    def event(self, pid: int, term: str, grade: int, **fields: Any) -> dict[str, Any]:
        body = {
            "term": term,
            "grade": grade,
            "related": "yes",
            "onset": TODAY.isoformat(),
            "action_taken": "none",
            **fields,
        }
        return ok(  # type: ignore[no-any-return]
            self.client.post(f"/patients/{pid}/adverse-events", json=body, headers=self.nurse),
            201,
        )

    def xml(self, event_id: int, who: dict[str, str]) -> Any:
        return self.client.get(f"/adverse-events/{event_id}/safety-report", headers=who)


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, _ctx):
        yield Clinic(app)


def element(root: ET.Element, number: str) -> ET.Element:
    found = [e for e in root.iter() if e.get("e2b") == number]
    assert len(found) == 1, f"{number}: {len(found)} elements"
    return found[0]


def test_an_events_safety_report_is_e2b_shaped_xml_without_identifiers(clinic: Clinic) -> None:
    c = clinic
    pid, course_id = c.treated("SAFE-1")
    typed = f"Maren HOLLOWMERE (SAFE-1, born {BIRTH}, 12/04/1961) admitted; antibiotics"
    event = c.event(
        pid,
        "other",
        3,
        other_specify="cellulitis of the left shin, Hollowmere",
        criteria=["hospitalisation"],
        course_id=course_id,
        action_taken=typed,
        aware_on=TODAY.isoformat(),
    )

    response = c.xml(event["id"], c.onc)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert response.headers["content-disposition"].startswith('attachment; filename="safety-')
    raw = response.content
    root = ET.fromstring(raw)  # well-formed
    assert root.tag == f"{{{NAMESPACE}}}individualCaseSafetyReport"
    assert "not an HL7 ICSR message" in root.get("conformance", "")
    for number in REQUIRED:
        element(root, number)
    assert element(root, "D.2.2a").text == "65"  # 12 April 1961 to 1 June 2026
    assert element(root, "D.2.2a").get("unit") == "a"
    assert (element(root, "D.5").text, element(root, "D.5").get("code")) == ("female", "2")
    assert element(root, "D.1").get("nullFlavor") == "MSK"
    assert element(root, "E.i.1.1a").text == "Other: cellulitis of the left shin, [removed]"
    assert element(root, "C.1.4").text == TODAY.isoformat()  # the day the centre learnt of it
    assert element(root, "E.i.3.2c").text == "true"  # hospitalisation
    # serious, unexpected ("Other, specify") and related: an ICH E2A expedited report
    assert element(root, "C.1.7").text == "true"
    assert root.find(".//e:ctcaeGrade", NS).text == "3"  # type: ignore[union-attr]
    assert root.find(".//e:serious", NS).text == "true"  # type: ignore[union-attr]
    assert element(root, "E.i.3.2a").text == "false"  # grade 3: not a death
    assert element(root, "E.i.4").text == TODAY.isoformat()
    assert element(root, "E.i.7").get("code") == "3"  # not resolved
    assert element(root, "G.k.2.2").text == "IMLYGIC"
    assert element(root, "G.k.4.r.7").text == LOT
    assert element(root, "G.k.4.r.10.1").text == "intralesional"
    assert root.find(".//e:strength", NS).text == "10^6 PFU/mL"  # type: ignore[union-attr]
    assert element(root, "G.k.9.i.2.r.3").text == "related"
    assert "aged 65 years developed Other: cellulitis" in (element(root, "H.1").text or "")
    for identifier in IDENTIFIERS:
        assert identifier.lower().encode() not in raw.lower(), identifier
    assert "[removed] [removed] ([removed], born [removed], [removed]) admitted" in raw.decode()


def test_the_same_case_downloads_as_a_cioms_style_pdf(clinic: Clinic) -> None:
    c = clinic
    pid, _course = c.treated("SAFE-9")
    event = c.event(pid, "Fever", 2)
    url = f"/adverse-events/{event['id']}/safety-report"
    response = c.client.get(url, params={"format": "pdf"}, headers=c.nurse)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].endswith('.pdf"')
    assert response.content.startswith(b"%PDF")
    wrong = c.client.get(url, params={"format": "docx"}, headers=c.nurse)
    assert wrong.status_code == 422


def test_a_fatal_event_is_reported_as_death_and_fatal(clinic: Clinic) -> None:
    c = clinic
    pid, _course = c.treated("SAFE-2")
    event = c.event(pid, "Skin infection", 5, related="no", resolved_on=TODAY.isoformat())
    response = c.xml(event["id"], c.nurse)
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    assert element(root, "E.i.3.2a").text == "true"
    assert (element(root, "E.i.7").text, element(root, "E.i.7").get("code")) == ("fatal", "5")
    assert element(root, "G.k.9.i.2.r.3").text == "not related"
    assert element(root, "E.i.1.1a").text == "Skin infection"
    assert element(root, "E.i.2.1b").text == "10040872"  # the MedDRA code CTCAE v5.0 gives it
    assert element(root, "C.1.7").text == "false"  # not related: no expedited report


def test_another_centres_event_does_not_exist_there(clinic: Clinic) -> None:
    c = clinic
    pid, _course = c.treated("SAFE-3")
    event = c.event(pid, "Fatigue", 1)
    ctx = c.client.app.state.ctx  # type: ignore[attr-defined]
    others = login_all(c.client, seed_staff(ctx, centre="Other centre", prefix="b-"))
    assert c.xml(event["id"], others[Role.ONCOLOGIST]).status_code == 404
    table = ok(c.client.get("/safety/table", headers=others[Role.ONCOLOGIST]))
    assert table["patients"] == {"T-VEC (this centre)": 0}
    assert [row["term"] for row in table["rows"]] == ["any adverse event"]


@pytest.mark.parametrize("role", [Role.BILLING, Role.RESEARCHER, Role.ADMIN], ids=str)
def test_roles_without_the_clinical_record_cannot_export_an_event(
    clinic: Clinic, role: Role
) -> None:
    pid, _course = clinic.treated("SAFE-4")
    event = clinic.event(pid, "Fatigue", 1)
    response = clinic.xml(event["id"], clinic.h[role])
    assert response.status_code == 403
    assert "read clinical records" in response.json()["detail"]


def test_the_centres_safety_table_counts_patients_at_their_worst_grade(clinic: Clinic) -> None:
    c = clinic
    first, _ = c.treated("SAFE-5")
    second, _ = c.treated("SAFE-6")
    c.treated("SAFE-7")  # treated, no event: still in the denominator
    for grade in (1, 3, 2):
        c.event(first, "Fever", grade)
    c.event(second, "fever", 1, related="no", criteria=["important-medical-event"])
    c.event(second, "Chills", 1, related="unknown")  # causality unknown: not counted related
    untreated = make_patient_ready_for_course(c.client, c.nurse, mrn="SAFE-8")["patient"]["id"]
    c.event(untreated, "Fever", 4)  # never given a dose: not counted

    table = ok(c.client.get("/safety/table", headers=c.onc))
    assert table["patients"] == {"T-VEC (this centre)": 3}
    rows = {row["term"]: row["arms"]["T-VEC (this centre)"] for row in table["rows"]}
    fever = rows["Fever"]
    assert fever["any_grade"] == {"patients": 2, "of": 3, "pct": 66.7}
    assert fever["grade_3_or_worse"]["patients"] == 1
    assert fever["serious"]["patients"] == 1
    assert fever["related"]["patients"] == 1
    assert fever["by_worst_grade"] == [1, 0, 1, 0, 0]
    published = {p["reaction"]: p for p in table["published"]}
    assert published["pyrexia"]["published_pct"] == {"T-VEC": "43", "GM-CSF": "9"}
    assert published["pyrexia"]["recorded_as"] == ["Fever"]
    assert published["pyrexia"]["centre"]["T-VEC (this centre)"]["any_grade"]["patients"] == 2
    chills = published["chills"]["centre"]["T-VEC (this centre)"]
    assert chills["any_grade"]["patients"] == 1
    assert chills["related"]["patients"] == 0
    nausea = published["nausea"]["centre"]["T-VEC (this centre)"]
    assert nausea["any_grade"]["patients"] == 0
    assert "not comparable one-to-one" in table["note"]
    assert "Andtbacka" in table["trial_source"]
    assert "Hollowmere" not in str(table)
    assert "SAFE-" not in str(table)
    for role in (Role.BILLING, Role.RESEARCHER, Role.ADMIN):  # researchers: the outcomes report
        refused = c.client.get("/safety/table", headers=c.h[role])
        assert refused.status_code == 403
