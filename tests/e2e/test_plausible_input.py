"""Plausible input everywhere, and one bad record never breaks a page for others (issue 21, "Why"
3, 5 and 6), on SQLite and PostgreSQL.

- Dates outside a plausible window (settings: TVEC_EARLIEST_DATE, TVEC_COURSE_WINDOW_DAYS,
  TVEC_LOT_EXPIRED_DAYS, TVEC_LOT_EXPIRY_AHEAD_DAYS) and dates given as numbers are refused with
  422 naming the field.
- Text with control characters (a NUL byte above all, which PostgreSQL cannot store) is refused
  with 422 naming the field, the login included.
- A correction has the same length limits as a creation.
- Lesion names are drawn as plain text in charts (`$a^$` is not a formula).
- Web routes with ids or offsets no record can have answer 404 (or the first page), never 500.
- A course dated 9999-12-25, already in the database, leaves the worklist working: it lists the
  course as one it cannot show, and the course can be opened and ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TODAY,
    add_vial_lot,
    client_for,
    close_app,
    days_ago,
    fixed_clock,
    login,
    login_all,
    login_form,
    make_patient_ready_for_course,
    ok,
    password_of,
    running_app,
    seed_staff,
    start_course,
)

from tvec.app import create_app
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

NUL = "\x00"


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


@pytest.fixture
def staffed(clinic: FastAPI) -> tuple[Any, dict[Role, dict[str, str]]]:
    client = client_for(clinic)
    return client, login_all(client, seed_staff(clinic.state.ctx))


def refused(response: Any, field: str, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["field"] is not None, body
    assert body["field"].split(".")[-1] == field, body
    return body


NAMES = {"given_name": "Thessaly", "family_name": "Zeldovich-Ray"}


def a_patient(client: Any, nurse: dict[str, str], mrn: str = "MRN-P1") -> dict[str, Any]:
    body = {"mrn": mrn, **NAMES, "birth_date": "1961-04-12", "sex": "female"}
    return ok(client.post("/patients", json=body, headers=nurse), 201)  # type: ignore[no-any-return]


def a_lesion(client: Any, nurse: dict[str, str], pid: int, name: str = "L1") -> dict[str, Any]:
    body = {
        "name": name,
        "site": "cutaneous",
        "location": "left forearm",
        "first_seen": days_ago(20).isoformat(),
    }
    return ok(client.post(f"/patients/{pid}/lesions", json=body, headers=nurse), 201)  # type: ignore[no-any-return]


def ae_body(**changes: Any) -> dict[str, Any]:
    return {
        "term": "Injection site reaction",
        "grade": 1,
        "serious": False,
        "related": True,  # the earlier API's yes
        "onset": days_ago(5).isoformat(),
        "action_taken": "none",
        **changes,
    }


# ---- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "words"),
    [
        ("0001-01-01", "before 1900-01-01"),
        ("1899-12-31", "before 1900-01-01"),
        (0, "not a number"),
        (1700000000, "not a number"),
        ("0", "YYYY-MM-DD"),
        ((TODAY + timedelta(days=1)).isoformat(), "future"),
    ],
    ids=["year-1", "1899", "zero", "timestamp", "zero-text", "tomorrow"],
)
def test_an_implausible_birth_date_is_refused_naming_the_field(
    staffed: tuple[Any, dict[Role, dict[str, str]]], birth_date: Any, words: str
) -> None:
    client, h = staffed
    body = {"mrn": "MRN-X", **NAMES, "birth_date": birth_date, "sex": "female"}
    answer = refused(client.post("/patients", json=body, headers=h[Role.NURSE]), "birth_date")
    assert words in answer["detail"]
    assert ok(client.get("/patients", headers=h[Role.NURSE]))["total"] == 0  # nothing stored


def test_a_birth_date_correction_is_held_to_the_same_window(
    staffed: tuple[Any, dict[Role, dict[str, str]]],
) -> None:
    client, h = staffed
    patient = a_patient(client, h[Role.NURSE])
    fix = {"version": 1, "reason": "typing error", "birth_date": "0001-01-01"}
    response = client.patch(f"/patients/{patient['id']}", json=fix, headers=h[Role.NURSE])
    refused(response, "birth_date")


@pytest.mark.parametrize(
    "expiry",
    ["0001-01-01", (TODAY - timedelta(days=366)).isoformat(), "9999-12-31"],
    ids=["year-1", "expired-a-year", "year-9999"],
)
def test_an_implausible_lot_expiry_is_refused(
    staffed: tuple[Any, dict[Role, dict[str, str]]], expiry: str
) -> None:
    client, h = staffed
    body = {"lot": "LOT-X", "pfu_per_ml": 10**6, "expiry_date": expiry}
    refused(client.post("/vial-lots", json=body, headers=h[Role.PHARMACIST]), "expiry_date")


def test_a_recently_expired_lot_may_still_be_recorded(
    staffed: tuple[Any, dict[Role, dict[str, str]]],
) -> None:
    client, h = staffed
    add_vial_lot(client, h[Role.PHARMACIST], "OLD-6", 10**6, expiry=days_ago(30))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"resolved_on": "9999-01-01"}, "resolved_on"),
        ({"resolved_on": (TODAY + timedelta(days=1)).isoformat()}, "resolved_on"),
        ({"resolved_on": days_ago(6).isoformat()}, "resolved_on"),  # before the onset
        ({"onset": "0001-01-01"}, "onset"),
    ],
    ids=["resolved-9999", "resolved-tomorrow", "resolved-before-onset", "onset-year-1"],
)
def test_an_implausible_adverse_event_date_is_refused(
    staffed: tuple[Any, dict[Role, dict[str, str]]], changes: dict[str, str], field: str
) -> None:
    client, h = staffed
    pid = a_patient(client, h[Role.NURSE])["id"]
    url = f"/patients/{pid}/adverse-events"
    refused(client.post(url, json=ae_body(**changes), headers=h[Role.NURSE]), field)


def test_an_adverse_event_resolved_in_9999_is_refused_on_update_too(
    staffed: tuple[Any, dict[Role, dict[str, str]]],
) -> None:
    client, h = staffed
    pid = a_patient(client, h[Role.NURSE])["id"]
    event = ok(
        client.post(f"/patients/{pid}/adverse-events", json=ae_body(), headers=h[Role.NURSE]), 201
    )
    fix = {"version": event["version"], "reason": "resolved", "resolved_on": "9999-12-31"}
    response = client.patch(f"/adverse-events/{event['id']}", json=fix, headers=h[Role.NURSE])
    refused(response, "resolved_on")


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-25",
        (TODAY + timedelta(days=366)).isoformat(),
        (TODAY - timedelta(days=366)).isoformat(),
    ],
    ids=["year-9999", "over-a-year-ahead", "over-a-year-ago"],
)
def test_a_course_start_outside_a_year_of_today_is_refused(
    staffed: tuple[Any, dict[Role, dict[str, str]]], start: str
) -> None:
    client, h = staffed
    pid = a_patient(client, h[Role.NURSE])["id"]
    body = {"label_variant": "us", "start_date": start}
    answer = refused(
        client.post(f"/patients/{pid}/courses", json=body, headers=h[Role.ONCOLOGIST]),
        "start_date",
    )
    assert "365 days of today" in answer["detail"]


def test_the_date_windows_are_settings(database_url: str) -> None:
    upgrade(database_url)
    settings = Settings(
        database_url=database_url,
        earliest_date=date(1950, 1, 1),
        course_window_days=30,
        lot_expired_days=0,
    )
    app = create_app(settings, fixed_clock)
    try:
        client = client_for(app)
        h = login_all(client, seed_staff(app.state.ctx))
        born = {"mrn": "MRN-1949", **NAMES, "birth_date": "1949-12-31", "sex": "male"}
        answer = refused(client.post("/patients", json=born, headers=h[Role.NURSE]), "birth_date")
        assert "before 1950-01-01" in answer["detail"]
        pid = a_patient(client, h[Role.NURSE])["id"]
        body = {"label_variant": "us", "start_date": days_ago(31).isoformat()}
        url = f"/patients/{pid}/courses"
        answer = refused(client.post(url, json=body, headers=h[Role.ONCOLOGIST]), "start_date")
        assert "30 days of today" in answer["detail"]
        lot = {"lot": "LOT-Y", "pfu_per_ml": 10**6, "expiry_date": days_ago(1).isoformat()}
        refused(client.post("/vial-lots", json=lot, headers=h[Role.PHARMACIST]), "expiry_date")
    finally:
        close_app(app)


def test_measurement_and_lesion_dates_before_1900_are_refused(
    staffed: tuple[Any, dict[Role, dict[str, str]]],
) -> None:
    client, h = staffed
    nurse = h[Role.NURSE]
    pid = a_patient(client, nurse)["id"]
    lesion = a_lesion(client, nurse, pid)
    body = {
        "measured_on": "0001-01-01",
        "method": "caliper",
        "items": [{"lesion_id": lesion["id"], "longest_cm": "1.0", "perpendicular_cm": "1.0"}],
    }
    refused(client.post(f"/patients/{pid}/measurements", json=body, headers=nurse), "measured_on")
    new = {"name": "L2", "site": "cutaneous", "location": "back", "first_seen": "1066-10-14"}
    refused(client.post(f"/patients/{pid}/lesions", json=new, headers=nurse), "first_seen")


# ---- control characters ------------------------------------------------------------------------


def test_a_nul_in_the_login_name_is_refused_on_the_api_and_the_web_page(clinic: FastAPI) -> None:
    seed_staff(clinic.state.ctx)
    client = client_for(clinic)
    body = {"username": f"nurse{NUL}", "password": password_of("nurse")}
    answer = refused(client.post("/auth/login", json=body), "username")
    assert "control characters" in answer["detail"]
    page = client.post("/login", data=body | login_form(client), follow_redirects=False)
    assert page.status_code == 422, page.text
    assert "control characters" in page.text
    login(client, "nurse", password_of("nurse"))  # the login itself still works


@pytest.mark.parametrize("bad", [NUL, "\x1b", "\x07"], ids=["nul", "escape", "bell"])
def test_control_characters_in_clinical_text_are_refused_naming_the_field(
    staffed: tuple[Any, dict[Role, dict[str, str]]], bad: str
) -> None:
    client, h = staffed
    nurse = h[Role.NURSE]
    mrn = {"mrn": f"MRN{bad}1", **NAMES, "birth_date": "1961-04-12", "sex": "female"}
    refused(client.post("/patients", json=mrn, headers=nurse), "mrn")
    pid = a_patient(client, nurse)["id"]
    lesion = {
        "name": "L1",
        "site": "cutaneous",
        "location": f"arm{bad}",
        "first_seen": days_ago(3).isoformat(),
    }
    refused(client.post(f"/patients/{pid}/lesions", json=lesion, headers=nurse), "location")
    url = f"/patients/{pid}/adverse-events"
    refused(client.post(url, json=ae_body(term=f"pain{bad}"), headers=nurse), "term")
    lot = {"lot": f"LOT{bad}", "pfu_per_ml": 10**6, "expiry_date": days_ago(-200).isoformat()}
    refused(client.post("/vial-lots", json=lot, headers=h[Role.PHARMACIST]), "lot")
    response = client.get("/audit", params={"entity": f"patient{bad}"}, headers=h[Role.ADMIN])
    refused(response, "entity")


def test_a_reason_may_have_line_breaks_but_no_nul(
    staffed: tuple[Any, dict[Role, dict[str, str]]],
) -> None:
    client, h = staffed
    nurse = h[Role.NURSE]
    patient = a_patient(client, nurse)
    url = f"/patients/{patient['id']}"
    bad = {"version": 1, "reason": f"typing{NUL}error", "sex": "male"}
    refused(client.patch(url, json=bad, headers=nurse), "reason")
    good = {"version": 1, "reason": "typing error:\n\tsex was wrong", "sex": "male"}
    assert ok(client.patch(url, json=good, headers=nurse))["sex"] == "male"


# ---- corrections keep the creation's limits ----------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        # half a megabyte: within the request body limit (a 10 MB body is refused whole, 413:
        # tests/e2e/test_abuse_limits.py), so the field's own length limit answers
        ("cluster", "C" * 500_000),
        ("cluster", "C" * 41),
        ("location", "x" * 201),
        ("cluster", NUL),
    ],
    ids=["cluster-500kB", "cluster-41", "location-201", "cluster-nul"],
)
def test_a_lesion_correction_has_the_limits_of_its_creation(
    staffed: tuple[Any, dict[Role, dict[str, str]]], field: str, value: str
) -> None:
    client, h = staffed
    nurse = h[Role.NURSE]
    pid = a_patient(client, nurse)["id"]
    lesion = a_lesion(client, nurse, pid)
    fix = {"version": lesion["version"], "reason": "grouped with L2", field: value}
    refused(client.patch(f"/lesions/{lesion['id']}", json=fix, headers=nurse), field)
    assert ok(client.get(f"/patients/{pid}/lesions", headers=nurse))["items"][0]["cluster"] is None


# ---- charts draw labels as text ----------------------------------------------------------------


def web_login(client: Any, username: str) -> None:
    response = client.post(
        "/login",
        data={"username": username, "password": password_of(username)} | login_form(client),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_a_lesion_named_like_a_formula_is_drawn_as_its_name(clinic: FastAPI) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    lesions = (("$a^$", "cutaneous", "3.2", "2.0"), ("L2", "subcutaneous", "1.8", "1.2"))
    rec = make_patient_ready_for_course(
        client, h[Role.NURSE], lesions=lesions, measured_on=days_ago(40)
    )
    pid = rec["patient"]["id"]
    start_course(client, h[Role.ONCOLOGIST], pid, days_ago(40))
    sizes = [("$a^$", "1.0", "1.0"), ("L2", "1.8", "1.2")]
    items = [
        {"lesion_id": rec["lesions"][n]["id"], "longest_cm": a, "perpendicular_cm": b}
        for n, a, b in sizes
    ]
    body = {"measured_on": days_ago(2).isoformat(), "method": "caliper", "items": items}
    ok(client.post(f"/patients/{pid}/measurements", json=body, headers=h[Role.NURSE]), 201)
    web = client_for(clinic)
    web_login(web, "nurse")
    for url in (f"/chart/{pid}/response", f"/chart/{pid}"):
        page = web.get(url)
        assert page.status_code == 200, page.text[:500]
    assert "$a^$" in web.get(f"/chart/{pid}/response").text


# ---- web routes with ids no record can have ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/chart/{10**30}",
        f"/chart/{10**30}/response",
        f"/chart/{2**31}",
        f"/chart/{10**30}/adverse-events/new",
        f"/chart/{10**30}/visit",
    ],
)
def test_a_web_route_with_a_huge_id_is_not_found(clinic: FastAPI, url: str) -> None:
    seed_staff(clinic.state.ctx)
    web = client_for(clinic)
    web_login(web, "nurse")
    assert web.get(url).status_code == 404


def test_a_huge_patient_list_offset_shows_a_page(clinic: FastAPI) -> None:
    seed_staff(clinic.state.ctx)
    web = client_for(clinic)
    web_login(web, "nurse")
    assert web.get("/patient-list", params={"offset": 10**30}).status_code == 200


def test_a_huge_id_on_the_api_is_refused_not_a_server_error(
    staffed: tuple[Any, dict[Role, dict[str, str]]],
) -> None:
    client, h = staffed
    assert client.get(f"/patients/{10**30}", headers=h[Role.NURSE]).status_code == 422


# ---- one bad record never breaks a page for others ---------------------------------------------


def test_a_course_dated_9999_leaves_the_worklist_working_and_can_be_ended(
    clinic: FastAPI,
) -> None:
    client = client_for(clinic)
    staff = seed_staff(clinic.state.ctx)
    h = login_all(client, staff)
    nurse = h[Role.NURSE]
    bad = a_patient(client, nurse, "MRN-BAD")
    other = a_patient(client, nurse, "MRN-OK")
    serious = ae_body(term="Skin infection", grade=3, criteria=["hospitalisation"], serious=True)
    ok(client.post(f"/patients/{other['id']}/adverse-events", json=serious, headers=nurse), 201)
    with clinic.state.ctx.engine.begin() as db:  # a record from before the dates were checked
        course_id = db.execute(
            text(
                "INSERT INTO courses (patient_id, label_variant, start_date, started_by, version)"
                " VALUES (:p, 'us', '9999-12-25', :u, 1) RETURNING id"
            ),
            {"p": bad["id"], "u": staff[Role.ONCOLOGIST].actor.user_id},
        ).scalar_one()
    web = client_for(clinic)
    web_login(web, "nurse")
    worklist = web.get("/")
    assert worklist.status_code == 200, worklist.text[:500]
    assert "Skin infection" in worklist.text  # the others' work is still shown
    assert "cannot be shown" in worklist.text
    assert f"course {course_id} cannot be shown" in worklist.text
    assert "beyond the calendar" in worklist.text
    chart = web.get(f"/chart/{bad['id']}")
    assert chart.status_code == 200, chart.text[:500]
    assert "calendar cannot be shown" in chart.text
    for url in (f"/chart/{bad['id']}/visit", f"/chart/{bad['id']}/response"):
        assert web.get(url).status_code < 500, url  # said in words, not a server error
    assert ok(client.get(f"/courses/{course_id}", headers=nurse))["start_date"] == "9999-12-25"
    calendar = client.get(f"/courses/{course_id}/calendar", headers=nurse)
    assert calendar.status_code == 422
    assert "beyond the calendar" in calendar.json()["detail"]
    # ended on its own start date, with a reason the label allows before six months
    end = {"version": 1, "end_date": "9999-12-25", "end_reason": "other-treatment-required"}
    ended = ok(client.post(f"/courses/{course_id}/end", json=end, headers=h[Role.ONCOLOGIST]))
    assert ended["end_date"] == "9999-12-25"
    assert "cannot be shown" not in web.get("/").text
