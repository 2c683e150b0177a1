"""The patient alert card, education and exposures through the API, on SQLite and PostgreSQL.

The card's PDF is really made by WeasyPrint: its pages' MediaBox is the wallet card's
85.6 × 54 mm (front and back) or A4; the HTML it is made from holds the patient's name and the
centre's contact. Refusals answer 422 naming the field and write nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.support.alert_card import A4_PT, WALLET_PT, Clinic, pdf_pages
from tests.support.clinic import TESTCLIENT_WARNING, TODAY, items, ok, running_app

from tvec.reports.alert_card import card_html
from tvec.services import alert_cards
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)
CONTACT = {"contact_phone": "+44 20 7946 0123", "contact_address": "Ward 7, 1 Clinic Road"}


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, _ctx):
        yield Clinic(app)


def refused(response: object, field: str) -> dict[str, object]:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["field"] == field, body
    return body


def test_issue_print_and_acknowledge_the_card(clinic: Clinic) -> None:
    c = clinic
    ok(c.client.put("/centre/contact", json=CONTACT, headers=c.h[Role.ADMIN]))
    assert c.client.put("/centre/contact", json=CONTACT, headers=c.nurse).status_code == 403
    _pid, course_id = c.course("API-EU-1")
    assert c.client.get(f"/courses/{course_id}/alert-card", headers=c.nurse).status_code == 404

    card = ok(c.client.post(f"/courses/{course_id}/alert-card", headers=c.nurse), 201)
    assert card["first_dose_on"] == TODAY.isoformat()
    again = c.client.post(f"/courses/{course_id}/alert-card", headers=c.nurse)
    assert again.status_code == 409
    assert again.json()["field"] == "course_id"

    wallet = c.client.get(f"/courses/{course_id}/alert-card.pdf", headers=c.nurse)
    assert wallet.status_code == 200
    assert wallet.headers["content-type"] == "application/pdf"
    assert pdf_pages(wallet.content) == [WALLET_PT, WALLET_PT]  # front and back
    a4 = c.client.get(f"/courses/{course_id}/alert-card.pdf?size=a4", headers=c.nurse)
    assert pdf_pages(a4.content) == [A4_PT]
    # the HTML the PDF is made from: the patient, the centre and its contact, the warnings
    html = card_html(alert_cards.card_content(c.ctx, c.actor(Role.NURSE), course_id))
    for text in ("Maren Hollowmere", "Test centre", "+44 20 7946 0123", "Ward 7, 1 Clinic Road"):
        assert text in html
    assert "IMLYGIC" in html
    assert "talimogene laherparepvec" in html
    assert "airtight, watertight dressing" in html

    done = ok(
        c.client.post(
            f"/alert-cards/{card['id']}/acknowledgement", json={"version": 1}, headers=c.nurse
        )
    )
    assert done["acknowledged_at"] is not None
    assert done["version"] == 2


def test_card_refusals_name_the_field_and_write_nothing(clinic: Clinic) -> None:
    c = clinic
    _pid, us_course = c.course("API-US-1", "us")
    _pid, eu_course = c.course("API-EU-2")
    card = ok(c.client.post(f"/courses/{eu_course}/alert-card", headers=c.nurse), 201)
    before = c.audit()
    body = refused(c.client.post(f"/courses/{us_course}/alert-card", headers=c.nurse), "course_id")
    assert "EU-label" in str(body["detail"])
    early = {"version": 1, "acknowledged_at": "2026-05-31T09:00:00+00:00"}
    refused(
        c.client.post(f"/alert-cards/{card['id']}/acknowledgement", json=early, headers=c.nurse),
        "acknowledged_at",
    )
    assert c.audit() == before
    assert (
        c.client.post(f"/courses/{eu_course}/alert-card", headers=c.h[Role.BILLING]).status_code
        == 403
    )


def test_education_through_the_api(clinic: Clinic) -> None:
    c = clinic
    pid, course_id = c.course("API-EU-3")
    body = {
        "recipient": "caregiver",
        "caregiver_name": "Tomas Hollowmere",
        "caregiver_relation": "husband",
        "topics": ["dressing-care", "disposal"],
        "course_id": course_id,
    }
    made = ok(c.client.post(f"/patients/{pid}/education", json=body, headers=c.nurse), 201)
    assert made["topics"] == ["dressing-care", "disposal"]
    before = c.audit()
    refused(
        c.client.post(f"/patients/{pid}/education", json={**body, "topics": []}, headers=c.nurse),
        "topics",
    )
    assert c.audit() == before
    assert [e["id"] for e in items(c.client.get(f"/patients/{pid}/education", headers=c.onc))] == [
        made["id"]
    ]


def test_an_exposure_and_its_follow_up_through_the_api(clinic: Clinic) -> None:
    c = clinic
    body = {
        "exposed": "close-contact",
        "contact_relation": "partner",
        "kind": "splash-back",
        "occurred_at": "2026-06-01T08:30:00+00:00",
        "actions": ["eye-irrigation", "told-to-watch"],
    }
    before = c.audit()
    future = refused(
        c.client.post(
            "/exposures", json={**body, "occurred_at": "2026-06-01T10:00:00+00:00"}, headers=c.onc
        ),
        "occurred_at",
    )
    assert "future" in str(future["detail"])
    refused(c.client.post("/exposures", json={**body, "kind": "bite"}, headers=c.onc), "kind")
    assert c.audit() == before
    x = ok(c.client.post("/exposures", json=body, headers=c.onc), 201)
    assert x["follow_up_due"] == "2026-06-08"
    assert [e["id"] for e in items(c.client.get("/exposures?open=true", headers=c.nurse))] == [
        x["id"]
    ]
    closed = ok(
        c.client.post(
            f"/exposures/{x['id']}/follow-up/close",
            json={"version": 1, "outcome": "no eye symptoms at one week"},
            headers=c.nurse,
        )
    )
    assert closed["follow_up_closed_at"] is not None
    assert items(c.client.get("/exposures?open=true", headers=c.nurse)) == []


def test_the_eu_programme_reads_the_card_and_the_education(clinic: Clinic) -> None:
    """The safety programme's EU requirements (alert card, education) are met once recorded."""
    c = clinic
    pid, course_id = c.course("API-EU-4")

    def status() -> dict[str, str]:
        found = ok(c.client.get(f"/courses/{course_id}/programme", headers=c.nurse))
        return {r["id"]: r["status"] for r in found["requirements"]}

    assert status()["eu-patient-alert-card"] == "missing"
    ok(c.client.post(f"/courses/{course_id}/alert-card", headers=c.nurse), 201)
    assert status()["eu-patient-alert-card"] == "met"
    topics = {"recipient": "patient", "topics": ["dressing-care", "disposal", "avoid-contact"]}
    ok(c.client.post(f"/patients/{pid}/education", json=topics, headers=c.nurse), 201)
    assert status()["eu-patient-education"] == "met"
