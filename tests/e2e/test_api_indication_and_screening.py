"""The indication and the contraindication screening through the API, on SQLite and PostgreSQL.

A course outside the label's indication is refused with the reason unless an oncologist gives an
off-label reason, which the chart then shows; a nurse may not give one. Screening answers the
label's list item by item; a same-day screening that changes an answer needs a reason; a pregnant
male patient is refused as impossible. Plans carry the indication block.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from tests.factories import screening_answers
from tests.support.clinic import (
    DEFAULT_LESIONS,
    NOW,
    TESTCLIENT_WARNING,
    TestClient,
    audit_total,
    client_for,
    days_ago,
    items,
    login_all,
    login_form,
    make_patient_ready_for_course,
    ok,
    password_of,
    plan_visit,
    running_app,
    seed_staff,
)

from tvec.persistence.models import ScreeningRow
from tvec.services import cold_chain
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

START = days_ago(10)
SKIN_AND_NODES = tuple(row for row in DEFAULT_LESIONS if row[1] != "visceral")


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


class Clinic:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.client: TestClient = client_for(app)
        self.staff = seed_staff(app.state.ctx)
        # the EU programme's qualified centre: an ultra-low freezer among its storage locations
        cold_chain.add_location(app.state.ctx, self.staff[Role.PHARMACIST].actor, "F1", "freezer")
        self.h = login_all(self.client, self.staff)

    @property
    def nurse(self) -> dict[str, str]:
        return self.h[Role.NURSE]

    @property
    def onc(self) -> dict[str, str]:
        return self.h[Role.ONCOLOGIST]

    def patient(
        self, mrn: str = "MRN-0001", lesions: Any = SKIN_AND_NODES, **diagnosis: Any
    ) -> int:
        """A screened patient with lesions; the diagnosis corrected to `diagnosis` if given."""
        rec = make_patient_ready_for_course(self.client, self.nurse, mrn=mrn, lesions=lesions)
        pid: int = rec["patient"]["id"]
        if diagnosis:
            dx = {**rec["diagnosis"], **diagnosis}
            body = {
                k: dx[k]
                for k in (
                    "stage",
                    "recurrent_after_surgery",
                    "unresectable",
                    "diagnosed_on",
                    "distant_sites",
                    "version",
                )
            }
            ok(
                self.client.put(
                    f"/patients/{pid}/diagnosis",
                    json={**body, "reason": "staging completed"},
                    headers=self.onc,
                )
            )
        return pid

    def start(self, pid: int, who: Role = Role.ONCOLOGIST, **extra: Any) -> Any:
        body = {"label_variant": "us", "start_date": START.isoformat(), **extra}
        return self.client.post(f"/patients/{pid}/courses", json=body, headers=self.h[who])

    def courses(self, pid: int) -> list[Any]:
        return items(self.client.get(f"/patients/{pid}/courses", headers=self.nurse))

    def screen(self, pid: int, answers: dict[str, bool], **extra: Any) -> Any:
        body = {
            "screened_on": START.isoformat(),
            "answers": answers,
            "answered_by": "patient",
            **extra,
        }
        return self.client.post(f"/patients/{pid}/screenings", json=body, headers=self.nurse)

    def chart_html(self, pid: int) -> str:
        return self.web_page(f"/chart/{pid}")

    def web_page(self, url: str) -> str:
        web = client_for(self.app)
        username = self.staff[Role.ONCOLOGIST].username
        response = web.post(
            "/login",
            data={"username": username, "password": password_of(username)} | login_form(web),
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = web.get(url)
        assert page.status_code == 200, page.text[:300]
        return page.text


def refused(response: Any, status: int, field: str | None, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    for word in words:
        assert word in body["detail"], (word, body["detail"])
    return body


# ---- the indication at course start -------------------------------------------------------------

# (label, diagnosis as corrected)  ->  the reason the course is refused
OUTSIDE = [
    ("eu", {"stage": "IVM1c"}, "stage IVM1c: the indication is stage IIIB, IIIC or IVM1a"),
    ("eu", {"distant_sites": ["lung"]}, "lung disease: the indication excludes bone, brain"),
    ("eu", {"distant_sites": None}, "sites of distant disease (bone, brain, lung or other"),
    ("us", {"unresectable": False}, "resectable melanoma"),
    ("us", {"recurrent_after_surgery": False}, "not recurrent after initial surgery"),
]


@pytest.mark.parametrize(("label", "diagnosis", "reason"), OUTSIDE)
def test_a_course_outside_the_indication_is_refused_with_the_reason(
    clinic: FastAPI, label: str, diagnosis: dict[str, Any], reason: str
) -> None:
    c = Clinic(clinic)
    pid = c.patient(**diagnosis)
    before = audit_total(c.client, c.h[Role.ADMIN])
    source = "SmPC §4.1" if label == "eu" else "USPI §1"
    refused(c.start(pid, label_variant=label), 422, "off_label_reason", reason, source)
    assert c.courses(pid) == []
    assert audit_total(c.client, c.h[Role.ADMIN]) == before


def test_an_eu_patient_with_a_visceral_lesion_on_record_is_outside_the_indication(
    clinic: FastAPI,
) -> None:
    c = Clinic(clinic)
    pid = c.patient(lesions=DEFAULT_LESIONS)  # V1 is visceral
    refused(c.start(pid, label_variant="eu"), 422, "off_label_reason", "visceral lesion on record")
    ok(c.start(pid, label_variant="us"), 201)  # the US label: visceral lesions are not injected


def test_a_patient_within_the_indication_starts_without_a_reason(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    for n, label in enumerate(("us", "eu")):
        pid = c.patient(mrn=f"MRN-{n}")
        course = ok(c.start(pid, label_variant=label), 201)
        assert course["off_label_reason"] is None
    # and an off-label reason for a patient within it is refused: nothing to justify
    pid = c.patient(mrn="MRN-9")
    refused(c.start(pid, off_label_reason="tumour board"), 422, "off_label_reason", "within")


def test_an_oncologists_off_label_reason_starts_the_course_and_the_chart_shows_it(
    clinic: FastAPI,
) -> None:
    c = Clinic(clinic)
    pid = c.patient(stage="IVM1c", distant_sites=["lung"])
    reason = "tumour board 12 May: local control of painful skin lesions"
    course = ok(c.start(pid, label_variant="eu", off_label_reason=reason), 201)
    assert course["off_label_reason"] == reason
    assert c.courses(pid)[0]["off_label_reason"] == reason
    html = c.chart_html(pid)
    assert "Off-label course" in html
    assert reason in html
    assert "Outside the label&#39;s indication" in html or "Outside the label's indication" in html
    assert "stage IVM1c" in html


def test_a_nurse_may_not_give_an_off_label_reason(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    pid = c.patient(unresectable=False)
    response = c.start(pid, Role.NURSE, off_label_reason="the patient asked for it")
    assert response.status_code == 403, response.text
    assert c.courses(pid) == []


def test_the_plan_carries_the_indication_block(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    within = c.patient(mrn="MRN-IN")
    course = ok(c.start(within), 201)
    plan = plan_visit(c.client, c.nurse, course["id"])["plan"]
    assert plan["indication"]["within"] is True
    assert plan["indication"]["reasons"] == []
    outside = c.patient(mrn="MRN-OUT", unresectable=False)
    course = ok(c.start(outside, off_label_reason="resection refused by the patient"), 201)
    visit = plan_visit(c.client, c.nurse, course["id"])
    plan = visit["plan"]
    assert plan["indication"]["within"] is False
    assert any("resectable melanoma" in r for r in plan["indication"]["reasons"])
    html = c.web_page(f"/chart/{outside}/visit/{visit['id']}")  # the web plan
    assert "Outside the label" in html
    assert "resectable melanoma: the indication is unresectable disease" in html


# ---- screening, item by item --------------------------------------------------------------------


def test_each_item_of_the_list_answered_yes_refuses_the_course(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    expected = {
        "immunodeficiency": "Primary or acquired immunodeficiency",
        "leukaemia": "Leukaemia",
        "lymphoma": "Lymphoma",
        "hiv-aids": "HIV infection or AIDS with clinical manifestations",
        "immunosuppressive-therapy": "Immunosuppressive therapy",
        "pregnancy": "Pregnancy",
    }
    for n, (code, description) in enumerate(expected.items()):
        rec = make_patient_ready_for_course(
            c.client, c.nurse, mrn=f"MRN-{n}", contraindications=[code]
        )
        pid = rec["patient"]["id"]
        assert rec["screening"]["answers"] == screening_answers(code)
        refused(c.start(pid), 422, "screening", f"contraindicated: {description}", "USPI §4")


def test_a_screening_must_answer_every_item(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    pid = c.patient()
    before = items(c.client.get(f"/patients/{pid}/screenings", headers=c.nurse))
    answers = screening_answers()
    del answers["lymphoma"]
    refused(c.screen(pid, answers), 422, "answers.lymphoma", "required")
    refused(c.screen(pid, {**screening_answers(), "gout": False}), 422, "answers.gout")
    after = items(c.client.get(f"/patients/{pid}/screenings", headers=c.nurse))
    assert after == before


def test_a_pregnant_male_patient_is_refused_as_impossible(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    patient = ok(
        c.client.post(
            "/patients",
            json={
                "mrn": "MRN-M",
                "given_name": "Leander",
                "family_name": "Okonkwo-Brandt",
                "birth_date": "1950-01-01",
                "sex": "male",
            },
            headers=c.nurse,
        ),
        201,
    )
    response = c.screen(patient["id"], screening_answers("pregnancy"))
    refused(response, 422, "answers.pregnancy", "impossible")
    ok(c.screen(patient["id"], screening_answers("lymphoma")), 201)


def test_a_same_day_screening_that_contradicts_the_first_needs_a_reason(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    pid = c.patient()  # screened three days before its baseline; now screened on START
    ok(c.screen(pid, screening_answers()), 201)
    before = items(c.client.get(f"/patients/{pid}/screenings", headers=c.nurse))
    changed = screening_answers("immunosuppressive-therapy")
    body = refused(c.screen(pid, changed), 422, "correction_reason", "immunosuppressive-therapy")
    assert body["code"] == "invalid-input"
    assert items(c.client.get(f"/patients/{pid}/screenings", headers=c.nurse)) == before
    ok(c.screen(pid, screening_answers()), 201)  # the same answers again: no correction
    reason = "prednisolone 40 mg daily, found in the GP letter"
    corrected = ok(c.screen(pid, changed, correction_reason=reason), 201)
    assert corrected["correction_reason"] == reason
    assert corrected["immunocompromised"] is True
    refused(c.start(pid), 422, "screening", "Immunosuppressive therapy")
    assert reason in c.chart_html(pid)


def test_an_older_two_question_screening_is_read_sensibly(clinic: FastAPI) -> None:
    c = Clinic(clinic)
    cleared = make_patient_ready_for_course(c.client, c.nurse, mrn="MRN-A", screen=False)
    barred = make_patient_ready_for_course(c.client, c.nurse, mrn="MRN-B", screen=False)
    nurse_id = c.staff[Role.NURSE].actor.user_id
    with clinic.state.ctx.engine.begin() as connection:
        for rec, immunocompromised in ((cleared, False), (barred, True)):
            connection.execute(
                insert(ScreeningRow).values(
                    patient_id=rec["patient"]["id"],
                    screened_on=days_ago(60),
                    immunocompromised=immunocompromised,
                    pregnant=False,
                    answered_by="patient",
                    recorded_by=nurse_id,
                    recorded_at=NOW,
                )
            )
    (old,) = items(
        c.client.get(f"/patients/{cleared['patient']['id']}/screenings", headers=c.nurse)
    )
    assert old["answers"] is None
    ok(c.start(cleared["patient"]["id"]), 201)  # "no" to the one question answers each item no
    refused(
        c.start(barred["patient"]["id"]), 422, "screening", "contraindicated: immunocompromised"
    )
    html = c.chart_html(barred["patient"]["id"])
    assert "not answered item by item" in html
