"""Patient identity and search through the API, on SQLite and PostgreSQL.

A patient is registered with given and family names (required) and may have a preferred name and
allergies. `GET /patients?q=` finds patients by any part of a name or the MRN (case and accents
ignored, every word must match) or by date of birth (YYYY-MM-DD, or DD/MM/YYYY read both ways when
ambiguous); `?mrn=` filters by the exact MRN. Results are paged, ordered by family then given name,
and never include another centre's patients. A patient registered before names were recorded
(migration 0008) has empty names and is still found by MRN.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TestClient,
    client_for,
    login_all,
    ok,
    running_app,
    seed_staff,
)

from tvec.persistence.migrate import upgrade
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

# Invented people (no real person is meant).
PEOPLE = [
    ("QF-001", "Wrenna", "Quillfeather", None, "1958-03-14", "female"),
    ("QF-002", "Osric", "Quillfeather", "Ozzy", "1961-07-02", "male"),
    ("AV-003", "Zoë", "Ångström-Vale", None, "1958-04-03", "female"),
    ("DH-004", "Thessaly", "Dravenhill", "Tess", "1970-12-25", "female"),
    ("MV-005", "Ivo", "Marchetti", None, "1958-03-04", "male"),
]


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


class Ward:
    """Two centres, each with its staff logged in; the first centre's patients registered."""

    def __init__(self, app: FastAPI) -> None:
        self.client: TestClient = client_for(app)
        ctx = app.state.ctx
        self.h = login_all(self.client, seed_staff(ctx))
        self.other = login_all(self.client, seed_staff(ctx, "Other centre", "o-"))
        self.ids = {
            mrn: self.register(mrn, g, f, p, born, sex) for mrn, g, f, p, born, sex in PEOPLE
        }

    def register(
        self,
        mrn: str,
        given: str,
        family: str,
        preferred: str | None = None,
        born: str = "1960-01-01",
        sex: str = "female",
        headers: dict[str, str] | None = None,
    ) -> int:
        body = {"mrn": mrn, "given_name": given, "family_name": family, "birth_date": born}
        body |= {"sex": sex, "preferred_name": preferred}
        answer = self.client.post("/patients", json=body, headers=headers or self.h[Role.NURSE])
        return int(ok(answer, 201)["id"])

    def search(self, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
        answer = self.client.get("/patients", params=params, headers=headers or self.h[Role.NURSE])
        return ok(answer)  # type: ignore[no-any-return]

    def mrns(self, **params: Any) -> list[str]:
        return [p["mrn"] for p in self.search(limit=200, **params)["items"]]


@pytest.fixture
def ward(clinic: FastAPI) -> Ward:
    return Ward(clinic)


def test_a_patient_is_registered_with_names_and_allergies_and_shown_with_them(ward: Ward) -> None:
    pid = ward.ids["DH-004"]
    patient = ok(ward.client.get(f"/patients/{pid}", headers=ward.h[Role.NURSE]))
    assert (patient["given_name"], patient["family_name"]) == ("Thessaly", "Dravenhill")
    assert (patient["preferred_name"], patient["allergies"]) == ("Tess", None)
    body = {"version": 1, "reason": "allergy reported at the visit", "allergies": "latex"}
    fixed = ok(ward.client.patch(f"/patients/{pid}", json=body, headers=ward.h[Role.NURSE]))
    assert (fixed["allergies"], fixed["version"]) == ("latex", 2)
    cleared = {"version": 2, "reason": "preferred name withdrawn", "preferred_name": ""}
    fixed = ok(ward.client.patch(f"/patients/{pid}", json=cleared, headers=ward.h[Role.NURSE]))
    assert fixed["preferred_name"] is None


NAMELESS = [  # a registration's names, and the field its refusal names
    ({"family_name": "Fennimore"}, "given_name"),
    ({"given_name": "Ivo"}, "family_name"),
    ({"given_name": "   ", "family_name": "Fennimore"}, "given_name"),
    ({"given_name": "Ivo", "family_name": "Fenni\x00more"}, "family_name"),
    ({"given_name": "Ivo", "family_name": "F" * 101}, "family_name"),
]


def test_a_patient_without_both_names_is_refused_naming_the_field(ward: Ward) -> None:
    before = ward.search()["total"]
    for names, field in NAMELESS:
        body = {"mrn": "NEW-1", "birth_date": "1960-01-01", "sex": "male", **names}
        answer = ward.client.post("/patients", json=body, headers=ward.h[Role.NURSE])
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
        assert "name" in answer.json()["detail"].lower()
    assert ward.search()["total"] == before  # nothing written


SEARCHES = [  # what is typed, and the MRNs found (in list order)
    ("quillfeather", ["QF-002", "QF-001"]),  # family name, any case; then by given name
    ("QUILL", ["QF-002", "QF-001"]),  # any part
    ("wren", ["QF-001"]),  # given name
    ("ozzy", ["QF-002"]),  # preferred name
    ("tess", ["DH-004"]),
    ("osric quill", ["QF-002"]),  # every word must match, in any order
    ("Quillfeather, Wrenna", ["QF-001"]),  # as a list writes it
    ("angstrom", ["AV-003"]),  # accents ignored
    ("ÅNGSTRÖM-VALE", ["AV-003"]),
    ("zoe", ["AV-003"]),
    ("qf-00", ["QF-002", "QF-001"]),  # part of an MRN
    ("dh-004", ["DH-004"]),
    ("1958-03-14", ["QF-001"]),  # date of birth, ISO
    ("14/03/1958", ["QF-001"]),  # day first
    ("03/04/1958", ["AV-003", "MV-005"]),  # 3 April or 4 March: both are shown
    ("04/03/1958", ["AV-003", "MV-005"]),
    ("1958-04-03", ["AV-003"]),  # ISO is never ambiguous
    ("25.12.1970", ["DH-004"]),
    ("quill 14/03/1958", ["QF-001"]),  # a name and a date: both must match
    ("quill 1970-12-25", []),
    ("31/02/1958", []),  # no such day: nobody
    ("smith", []),
    ("%", []),  # no wildcard
    ("_", []),
]


def test_search_finds_patients_by_name_mrn_or_date_of_birth(ward: Ward) -> None:
    answers = {q: ward.mrns(q=q) for q, _ in SEARCHES}
    assert answers == dict(SEARCHES)


def test_an_empty_search_lists_everyone_by_family_then_given_name(ward: Ward) -> None:
    expected = ["AV-003", "DH-004", "MV-005", "QF-002", "QF-001"]  # Å, D, M, Quillfeather O, W
    assert ward.mrns() == expected
    assert ward.mrns(q="") == expected
    assert ward.mrns(q="  ") == expected


def test_the_mrn_filter_is_exact(ward: Ward) -> None:
    assert ward.mrns(mrn="QF-001") == ["QF-001"]
    assert ward.mrns(mrn="qf-001") == []  # an MRN is written as issued
    assert ward.mrns(mrn="QF-00") == []
    assert ward.mrns(mrn="NOBODY") == []
    assert ward.mrns(mrn="QF-001", q="osric") == []  # both filters apply
    assert ward.search(mrn="QF-001")["total"] == 1


def test_search_pages_with_the_total_of_all_matches(ward: Ward) -> None:
    for k in range(7):
        ward.register(f"PW-{k}", f"Given{k}", "Pennywhistle", born="1980-01-01")
    seen: list[str] = []
    for offset in (0, 3, 6):
        page = ward.search(q="pennywhistle", limit=3, offset=offset)
        assert (page["total"], page["limit"], page["offset"]) == (7, 3, offset)
        seen += [p["mrn"] for p in page["items"]]
    assert seen == [f"PW-{k}" for k in range(7)]
    assert ward.search(q="pennywhistle", limit=3, offset=9)["items"] == []


def test_another_centres_patients_are_never_found(ward: Ward) -> None:
    other_nurse = ward.other[Role.NURSE]
    ward.register("QF-001", "Wrenna", "Quillfeather", born="1958-03-14", headers=other_nurse)
    theirs = ward.search(headers=other_nurse, q="quillfeather")
    assert [p["mrn"] for p in theirs["items"]] == ["QF-001"]
    assert theirs["items"][0]["id"] != ward.ids["QF-001"]
    assert ward.search(headers=other_nurse, q="osric")["total"] == 0
    assert ward.search(headers=other_nurse, q="1961-07-02")["total"] == 0
    assert ward.search(headers=other_nurse, mrn="DH-004")["total"] == 0
    assert ward.search(q="quillfeather")["total"] == 2  # and theirs is not found here


def test_a_correction_of_a_name_is_what_search_then_finds(ward: Ward) -> None:
    pid = ward.ids["DH-004"]
    body = {"version": 1, "reason": "family name misspelt", "family_name": "Dravenhall"}
    ok(ward.client.patch(f"/patients/{pid}", json=body, headers=ward.h[Role.NURSE]))
    assert ward.mrns(q="dravenhall") == ["DH-004"]
    assert ward.mrns(q="dravenhill") == []
    assert ward.mrns(q="tess") == ["DH-004"]  # the names not corrected still match
    mrn = {"version": 2, "reason": "MRN re-issued by records", "mrn": "DH-404"}
    ok(ward.client.patch(f"/patients/{pid}", json=mrn, headers=ward.h[Role.NURSE]))
    assert ward.mrns(q="dh-404") == ["DH-404"]
    assert ward.mrns(q="dh-004") == []


def test_a_malformed_search_is_refused_naming_the_parameter(ward: Ward) -> None:
    for field, value in (("q", "x" * 201), ("q", "quill\x00"), ("mrn", "M" * 41)):
        answer = ward.client.get("/patients", params={field: value}, headers=ward.h[Role.NURSE])
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == f"query.{field}"


def test_roles_without_clinical_access_cannot_search(ward: Ward) -> None:
    for role in (Role.BILLING, Role.RESEARCHER):
        answer = ward.client.get("/patients", params={"q": "quill"}, headers=ward.h[role])
        assert answer.status_code == 403, answer.text
        assert "Quillfeather" not in answer.text


def test_a_patient_registered_before_names_is_found_by_mrn_with_no_name(database_url: str) -> None:
    upgrade(database_url, "0007")
    engine = create_engine(database_url)
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO centres (id, name) VALUES (1, 'Old centre')"))
        connection.execute(
            text(
                "INSERT INTO patients (id, centre_id, mrn, birth_date, sex, created_at, version)"
                " VALUES (1, 1, 'OLD-Ü1', '1960-02-01', 'female', :at, 1)"
            ),
            {"at": at},
        )
    engine.dispose()
    upgrade(database_url)
    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.domain.identity import PatientSearch, parse_search

    ctx = build_context(Settings(database_url=database_url), lambda: at)
    try:
        with ctx.uow(readonly=True) as uow:
            patient = uow.patients.get(1)
            found = uow.patients.search_in_centre(1, parse_search("old-u1"), 10, 0)
            everyone = uow.patients.count_search(1, PatientSearch())
    finally:
        ctx.engine.dispose()
    assert (patient.given_name, patient.family_name, patient.preferred_name) == ("", "", None)
    assert patient.allergies is None
    assert [p.id for p in found] == [1]
    assert everyone == 1
