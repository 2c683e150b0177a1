"""Re-initiation over HTTP, on SQLite and PostgreSQL (USPI §2.2: re-initiate at 10^8 PFU/mL every
2 weeks, new lesions first, when new lesions appear after a complete response).

The story: a course reaches a complete response (every lesion measured 0 × 0, confirmed 4 weeks
later, modified WHO) and ends for "no injectable lesions"; months later a new lesion appears and an
old one regrows. The oncologist starts a re-initiation course: its first visit is planned at 10^8
with the new lesion first, a 10^8 lot is accepted and a 10^6 lot refused. A nurse may not start
it; without a complete response on record it is refused with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    add_vial_lot,
    administration_body,
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

from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

START = days_ago(150)  # the first course
LESIONS = (("L1", "cutaneous", "2.0", "1.5"), ("L2", "nodal", "1.0", "0.8"))
GONE = {"L1": ("0", "0"), "L2": ("0", "0")}
CR_ON = START + timedelta(days=35)  # first 0 × 0 assessment; confirmed at day 70
ENDED = START + timedelta(days=70)
NEW_SEEN = START + timedelta(days=120)
RESTART = START + timedelta(days=125)


@pytest.fixture
def clinic(database_url: str) -> Iterator[FastAPI]:
    with running_app(database_url) as (app, _ctx):
        yield app


def _reinitiate(client: Any, headers: dict[str, str], pid: int) -> Any:
    body = {"label_variant": "us", "start_date": RESTART.isoformat(), "reinitiation": True}
    return client.post(f"/patients/{pid}/courses", json=body, headers=headers)


def _first_course(
    client: Any, h: dict[Role, dict[str, str]], mrn: str, later: dict[str, tuple[str, str]]
) -> tuple[int, dict[str, Any]]:
    """A first course measured at baseline, day 35 and day 70 (`later`), ended on day 70."""
    nurse, onc = h[Role.NURSE], h[Role.ONCOLOGIST]
    rec = make_patient_ready_for_course(client, nurse, mrn=mrn, lesions=LESIONS, measured_on=START)
    pid, lesions = rec["patient"]["id"], rec["lesions"]
    course = start_course(client, onc, pid, START)
    v1 = plan_visit(client, nurse, course["id"])
    ok(
        client.post(
            f"/visits/{v1['id']}/administrations",
            json=administration_body(v1, "LOT6-R", START),
            headers=nurse,
        ),
        201,
    )
    # the second visit of a course is never a re-initiation (USPI §2.2 Table 1: 21 days)
    early = client.post(
        f"/courses/{course['id']}/visits", json={"reinitiation": True}, headers=nurse
    )
    _assert_refused(early, 422, "reinitiation", "visit 2", "at the earliest 21 days")
    measure(client, nurse, pid, CR_ON, later, lesions)
    measure(client, nurse, pid, ENDED, later, lesions)
    end = {"version": course["version"], "end_date": ENDED.isoformat()}
    end["end_reason"] = "no-injectable-lesions"
    ok(client.post(f"/courses/{course['id']}/end", json=end, headers=onc))
    return pid, lesions


def _assert_refused(response: Any, status: int, field: str, *words: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["field"] == field, body
    for word in words:
        assert word in body["detail"], (word, body["detail"])


def test_reinitiation_after_a_complete_response_over_http(clinic: FastAPI) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    nurse, onc, pharm = h[Role.NURSE], h[Role.ONCOLOGIST], h[Role.PHARMACIST]
    add_vial_lot(client, pharm, "LOT6-R", 10**6)
    add_vial_lot(client, pharm, "LOT8-R", 10**8)
    pid, lesions = _first_course(client, h, "MRN-8101", GONE)

    # Before any new lesion: the complete response is on record, but there is nothing to treat.
    _assert_refused(_reinitiate(client, onc, pid), 422, "reinitiation", "new lesions", "USPI §2.2")

    # A new lesion appears and L1 regrows; the nurse records both.
    n1 = ok(
        client.post(
            f"/patients/{pid}/lesions",
            json={
                "name": "N1",
                "site": "subcutaneous",
                "location": "left thigh",
                "first_seen": NEW_SEEN.isoformat(),
            },
            headers=nurse,
        ),
        201,
    )
    lesions = {**lesions, "N1": n1}
    measure(client, nurse, pid, RESTART, {"L1": ("3.0", "2.0"), "N1": ("1.0", "0.8")}, lesions)
    measure(client, nurse, pid, RESTART, {"L2": ("0", "0")}, lesions)

    # Only the oncologist may start it.
    assert _reinitiate(client, nurse, pid).status_code == 403
    course = ok(_reinitiate(client, onc, pid), 201)
    assert (course["reinitiation"], course["reinitiation_after"]) == (True, CR_ON.isoformat())
    assert ok(client.get(f"/courses/{course['id']}", headers=nurse))["reinitiation"] is True

    # The calendar: every visit a re-initiation at 10^8, every 14 days from the start.
    calendar = items(client.get(f"/courses/{course['id']}/calendar", headers=nurse))
    assert {(v["kind"], v["concentration_pfu_per_ml"]) for v in calendar} == {
        ("reinitiation", 10**8)
    }
    assert [v["date"] for v in calendar[:3]] == [
        (RESTART + timedelta(days=d)).isoformat() for d in (0, 14, 28)
    ]

    # The first visit: 10^8, the new lesion first although the regrown one is larger.
    v1 = plan_visit(client, nurse, course["id"])
    assert (v1["number"], v1["kind"]) == (1, "reinitiation")
    assert v1["plan"]["concentration_pfu_per_ml"] == 10**8
    assert [i["lesion_id"] for i in v1["plan"]["injections"]] == ["N1", "L1"]

    # A 10^6 lot is refused; the 10^8 lot is accepted.
    wrong = administration_body(v1, "LOT6-R", RESTART)
    refused = client.post(f"/visits/{v1['id']}/administrations", json=wrong, headers=nurse)
    _assert_refused(refused, 422, "vial_lot", "needs 100,000,000 PFU/mL")
    right = administration_body(v1, "LOT8-R", RESTART)
    given = client.post(f"/visits/{v1['id']}/administrations", json=right, headers=nurse)
    assert ok(given, 201)["visit"]["status"] == "administered"

    # The next visit is due 14 days later, again at 10^8.
    after = items(client.get(f"/courses/{course['id']}/calendar", headers=nurse))
    assert (after[1]["kind"], after[1]["date"], after[1]["status"]) == (
        "reinitiation",
        (RESTART + timedelta(days=14)).isoformat(),
        "next",
    )

    # The new course's response has the lesions measurable at its start as its baseline: L2,
    # gone since the first course and measured 0 x 0 again, is not part of it.
    response = ok(client.get(f"/patients/{pid}/response", headers=nurse))
    baseline = response["assessments"][0]
    assert baseline["date"] == RESTART.isoformat()
    assert Decimal(baseline["spd_cm2"]) == Decimal("6.8")  # L1 3.0 x 2.0 + N1 1.0 x 0.8


def test_reinitiation_without_a_complete_response_is_refused_with_the_reason(
    clinic: FastAPI,
) -> None:
    client = client_for(clinic)
    h = login_all(client, seed_staff(clinic.state.ctx))
    onc = h[Role.ONCOLOGIST]
    add_vial_lot(client, h[Role.PHARMACIST], "LOT6-R", 10**6)

    # No earlier course at all.
    rec = make_patient_ready_for_course(client, h[Role.NURSE], mrn="MRN-8102", lesions=LESIONS)
    _assert_refused(
        _reinitiate(client, onc, rec["patient"]["id"]),
        422,
        "reinitiation",
        "an earlier, ended course with a complete response",
    )

    # An earlier course whose best response was partial (L1 shrank, L2 stayed).
    partial = {"L1": ("0.8", "0.6"), "L2": ("0.5", "0.5")}
    pid, _lesions = _first_course(client, h, "MRN-8103", partial)
    before = items(client.get(f"/patients/{pid}/courses", headers=onc))
    _assert_refused(
        _reinitiate(client, onc, pid),
        422,
        "reinitiation",
        "complete response",
        "best overall response",
        "is PR",
        "USPI §2.2",
    )
    assert items(client.get(f"/patients/{pid}/courses", headers=onc)) == before  # nothing added
