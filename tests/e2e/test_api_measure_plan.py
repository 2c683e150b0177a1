"""The measure and plan steps over HTTP, on SQLite and PostgreSQL.

tvec's rule (docs/clinical-choices.md, "Measurements for a dose plan"): a dose plan is made from
sizes measured today (the centre's today); a plan from older sizes is refused with code
`stale-measurements`, naming the lesions and their dates, unless the request gives a reason of at
least 3 words, which the visit keeps (and its audit entry). A measurement is corrected by a new
version with a reason of at least 3 words; the original stays in the patient's history.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TODAY,
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

START = days_ago(21)  # visit 1 was due then; the sizes on file are from that day
REASON = "patient declined measuring today"


@pytest.fixture
def clinic(database_url: str) -> Iterator[tuple[Any, dict[Role, dict[str, str]]]]:
    """A client and each role's login, on a fresh database of the backend."""
    app: FastAPI
    with running_app(database_url) as (app, ctx):
        client = client_for(app)
        yield client, login_all(client, seed_staff(ctx))


def _course(
    client: Any, h: dict[Role, dict[str, str]], mrn: str
) -> tuple[int, int, dict[str, Any]]:
    """A patient measured on START with a course started then: (patient, course, lesions)."""
    rec = make_patient_ready_for_course(client, h[Role.NURSE], mrn=mrn, measured_on=START)
    course = start_course(client, h[Role.ONCOLOGIST], rec["patient"]["id"], START)
    return rec["patient"]["id"], course["id"], rec["lesions"]


def test_a_plan_from_sizes_not_measured_today_is_refused_naming_the_lesions(clinic: Any) -> None:
    client, h = clinic
    _pid, course_id, _ = _course(client, h, "MP-0001")
    before = items(client.get(f"/courses/{course_id}/visits", headers=h[Role.NURSE]))
    refused = client.post(f"/courses/{course_id}/visits", json={}, headers=h[Role.NURSE])
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert (body["code"], body["field"]) == ("stale-measurements", "stale_reason")
    assert f"L1 (last measured {START})" in body["detail"]
    assert f"Not measured today ({TODAY})" in body["detail"]
    assert "label does not say" in body["detail"]  # tvec's rule, said to be tvec's
    after = items(client.get(f"/courses/{course_id}/visits", headers=h[Role.NURSE]))
    assert after == before == []
    short = client.post(
        f"/courses/{course_id}/visits", json={"stale_reason": "old ok"}, headers=h[Role.NURSE]
    )
    assert short.status_code == 422
    assert short.json()["field"] == "stale_reason"
    assert "at least 3 words" in short.json()["detail"]


def test_a_reason_plans_from_older_sizes_and_is_kept_with_the_visit_and_its_audit(
    clinic: Any,
) -> None:
    client, h = clinic
    _pid, course_id, _ = _course(client, h, "MP-0002")
    visit = plan_visit(client, h[Role.NURSE], course_id, stale_reason=REASON)
    assert visit["stale_reason"] == REASON
    assert visit["measured_on"] == START.isoformat()
    assert visit["measurement_dates"] == {n: START.isoformat() for n in ("L1", "L2", "L3", "V1")}
    planned = items(client.get(f"/audit/visit/{visit['id']}", headers=h[Role.NURSE]))
    assert planned[0]["reason"] == REASON
    assert planned[0]["after"]["stale_reason"] == REASON


def test_sizes_measured_today_plan_without_a_reason_and_say_their_date(clinic: Any) -> None:
    client, h = clinic
    pid, course_id, lesions = _course(client, h, "MP-0003")
    sizes = {"L1": ("2.8", "1.9"), "L2": ("1.8", "1.2"), "L3": ("0.9", "0.6"), "V1": ("3", "2")}
    measure(client, h[Role.NURSE], pid, TODAY, sizes, lesions)
    visit = plan_visit(client, h[Role.NURSE], course_id, stale_reason=None)
    assert (visit["measured_on"], visit["stale_reason"]) == (TODAY.isoformat(), None)
    assert Decimal(str(visit["plan"]["injections"][0]["longest_cm"])) == Decimal("2.8")
    # what to thaw: the plan's vials, 30 min before the appointment; the first dose's 10^6 keeps
    # 12 h at room temperature from the start of thawing: 11 h 30 min after the appointment
    [thaw] = visit["plan"]["thaw_list"]
    assert (thaw["pfu_per_ml"], thaw["vials"]) == (1_000_000, visit["plan"]["vials"])
    assert (thaw["start_minutes_before"], thaw["latest_use_minutes_after"]) == (30, 690)


def test_a_lesion_marked_not_injectable_need_not_be_measured_today(clinic: Any) -> None:
    client, h = clinic
    pid, course_id, lesions = _course(client, h, "MP-0004")
    v1 = lesions["V1"]
    fix = {"version": v1["version"], "reason": "visceral, not for injection", "injectable": False}
    ok(client.patch(f"/lesions/{v1['id']}", json=fix, headers=h[Role.NURSE]))
    sizes = {"L1": ("2.8", "1.9"), "L2": ("1.8", "1.2"), "L3": ("0.9", "0.6")}
    measure(client, h[Role.NURSE], pid, TODAY, sizes, lesions)
    visit = plan_visit(client, h[Role.NURSE], course_id, stale_reason=None)
    assert visit["stale_reason"] is None
    assert "V1" not in visit["measurement_dates"]


def test_a_measurement_is_corrected_by_a_new_version_with_a_reason(clinic: Any) -> None:
    client, h = clinic
    pid, _course_id, lesions = _course(client, h, "MP-0005")
    (saved,) = measure(client, h[Role.NURSE], pid, TODAY, {"L1": ("2.8", "1.9")}, lesions)
    again = client.post(
        f"/patients/{pid}/measurements",
        json={
            "measured_on": TODAY.isoformat(),
            "method": "caliper",
            "items": [
                {"lesion_id": lesions["L1"]["id"], "longest_cm": "2.5", "perpendicular_cm": "1.5"}
            ],
        },
        headers=h[Role.NURSE],
    )
    assert again.status_code == 409
    assert "correct that measurement instead" in again.json()["detail"]
    url = f"/measurements/{saved['id']}"
    short = client.patch(
        url, json={"version": 1, "reason": "typo", "longest_cm": "2.5"}, headers=h[Role.NURSE]
    )
    assert short.status_code == 422
    assert short.json()["field"] == "reason"
    fixed = ok(
        client.patch(
            url,
            json={
                "version": 1,
                "reason": "typed the wrong sizes",
                "longest_cm": "2.5",
                "perpendicular_cm": "1.5",
            },
            headers=h[Role.NURSE],
        )
    )
    assert (fixed["version"], fixed["longest_cm"], fixed["perpendicular_cm"]) == (2, "2.50", "1.50")
    versions = items(client.get(f"/audit/measurement/{saved['id']}", headers=h[Role.NURSE]))
    assert [(e["action"], e["reason"]) for e in versions] == [
        ("create", None),
        ("correct", "typed the wrong sizes"),
    ]
    assert Decimal(str(versions[1]["before"]["longest_cm"])) == Decimal("2.8")  # the original
    assert Decimal(str(versions[1]["after"]["longest_cm"])) == Decimal("2.5")
    stale = client.patch(
        url,
        json={"version": 1, "reason": "typed the wrong sizes", "longest_cm": "2.4"},
        headers=h[Role.NURSE],
    )
    assert stale.status_code == 409  # a correction names the version it read
