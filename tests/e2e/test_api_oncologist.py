"""The oncologist's decisions through the API, on SQLite and PostgreSQL.

- An early dose pre-authorised in advance: the nurse then records the course's next visit before
  its earliest date without a reason of her own; the visit keeps the oncologist's reason (and the
  oncologist as its author), the pre-authorisation is used once, and every write is audited.
  Without it the early dose is refused and nothing is written; a nurse may not pre-authorise.
- The 6-month review: "continue" is recorded (who, when, note) and the worklist stops asking
  until the next review point (12 months); a review before its point is due is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    ok,
    plan_visit,
    running_app,
    seed_staff,
    start_course,
)

from tvec.domain.calendar import add_months
from tvec.services import worklist
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

LOT6, LOT8 = "ONC6-A01", "ONC8-B01"
EARLY_REASON = "tumour board: bring visit 2 forward before planned surgery"


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, _ctx):
        yield Clinic(app)


class Clinic:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.client: TestClient = client_for(app)
        self.staff = seed_staff(app.state.ctx)
        self.h = login_all(self.client, self.staff)
        self.nurse, self.onc = self.h[Role.NURSE], self.h[Role.ONCOLOGIST]
        add_vial_lot(self.client, self.h[Role.PHARMACIST], LOT6, 10**6)
        add_vial_lot(self.client, self.h[Role.PHARMACIST], LOT8, 10**8)

    def course(self, mrn: str, days: int) -> tuple[int, dict[str, Any]]:
        """A patient whose course started `days` ago, measured that day."""
        ready = make_patient_ready_for_course(
            self.client, self.nurse, mrn=mrn, measured_on=days_ago(days)
        )
        pid = ready["patient"]["id"]
        return pid, start_course(self.client, self.onc, pid, days_ago(days))

    def give_first_visit(self, course: dict[str, Any]) -> None:
        v1 = plan_visit(self.client, self.nurse, course["id"])
        body = administration_body(v1, LOT6, course_start(course))
        ok(
            self.client.post(f"/visits/{v1['id']}/administrations", json=body, headers=self.nurse),
            201,
        )

    def pre_authorise(self, course_id: int, who: dict[str, str], reason: str = EARLY_REASON) -> Any:
        return self.client.post(
            f"/courses/{course_id}/early-doses", json={"reason": reason}, headers=who
        )

    def review(
        self, course_id: int, who: dict[str, str], note: str = "responding, continue"
    ) -> Any:
        return self.client.post(f"/courses/{course_id}/reviews", json={"note": note}, headers=who)

    def six_month_courses(self) -> set[int]:
        ctx, nurse = self.app.state.ctx, self.staff[Role.NURSE].actor
        return {c.course_id for c in worklist.worklist(ctx, nurse).six_months}


def course_start(course: dict[str, Any]) -> Any:
    from datetime import date

    return date.fromisoformat(course["start_date"])


def test_a_pre_authorised_early_dose_is_recorded_by_the_nurse_with_the_oncologists_reason(
    clinic: Clinic,
) -> None:
    _pid, course = clinic.course("ONC-0001", days=14)
    cid = course["id"]
    refused = clinic.pre_authorise(cid, clinic.onc)  # visit 1: given on the start date
    assert refused.status_code == 422
    assert refused.json()["field"] == "reason"
    clinic.give_first_visit(course)
    v2 = plan_visit(clinic.client, clinic.nurse, cid)  # earliest: 21 days after visit 1
    body = administration_body(v2, LOT8, days_ago(0))
    before = audit_total(clinic.client, clinic.h[Role.ADMIN])

    too_early = clinic.client.post(
        f"/visits/{v2['id']}/administrations", json=body, headers=clinic.nurse
    )
    assert too_early.status_code == 422
    assert too_early.json()["code"] == "dose-too-early"
    nurse_tries = clinic.pre_authorise(cid, clinic.nurse)
    assert nurse_tries.status_code == 403
    blank = clinic.pre_authorise(cid, clinic.onc, reason="  ")
    assert blank.status_code == 422
    assert blank.json()["field"] == "reason"
    assert audit_total(clinic.client, clinic.h[Role.ADMIN]) == before  # refused: nothing written

    first = ok(clinic.pre_authorise(cid, clinic.onc, reason="first thought"), 201)
    authorised = ok(clinic.pre_authorise(cid, clinic.onc), 201)  # again: the reason is replaced
    assert authorised["id"] == first["id"]
    assert authorised["visit_number"] == 2
    assert authorised["reason"] == EARLY_REASON
    assert authorised["used_visit_id"] is None

    given = ok(
        clinic.client.post(f"/visits/{v2['id']}/administrations", json=body, headers=clinic.nurse),
        201,
    )
    visit = given["visit"]
    assert visit["override_reason"] == EARLY_REASON
    assert visit["administered_on"] == days_ago(0).isoformat()
    oncologist_id = clinic.staff[Role.ONCOLOGIST].actor.user_id
    history = items(clinic.client.get(f"/audit/visit/{v2['id']}", headers=clinic.onc))
    assert history[-1]["after"]["override_by"] == oncologist_id  # the reason is the oncologist's
    assert history[-1]["user_id"] == clinic.staff[Role.NURSE].actor.user_id
    listed = items(clinic.client.get(f"/courses/{cid}/early-doses", headers=clinic.nurse))
    assert [(e["visit_number"], e["used_visit_id"]) for e in listed] == [(2, v2["id"])]
    calendar = items(clinic.client.get(f"/courses/{cid}/calendar", headers=clinic.nurse))
    assert calendar[1]["status"] == "given"
    assert calendar[1]["override_reason"] == EARLY_REASON

    log = items(
        clinic.client.get(
            "/audit",
            params={"entity": "early-dose-authorisation", "limit": 100},
            headers=clinic.h[Role.ADMIN],
        )
    )
    assert [e["action"] for e in log] == ["create", "replace", "use"]
    assert log[0]["user_id"] == oncologist_id
    assert log[1]["reason"] == EARLY_REASON


def test_the_pre_authorisation_is_for_the_next_visit_only(clinic: Clinic) -> None:
    """Visit 2 given on time leaves it unused; it does not let visit 3 be given early."""
    _pid, course = clinic.course("ONC-0002", days=35)
    cid = course["id"]
    clinic.give_first_visit(course)
    ok(clinic.pre_authorise(cid, clinic.onc), 201)
    v2 = plan_visit(clinic.client, clinic.nurse, cid)
    on_time = administration_body(v2, LOT8, days_ago(10))  # 25 days after visit 1: not early
    given = clinic.client.post(
        f"/visits/{v2['id']}/administrations", json=on_time, headers=clinic.nurse
    )
    assert ok(given, 201)["visit"]["override_reason"] is None
    v3 = plan_visit(clinic.client, clinic.nurse, cid)  # earliest: 14 days after visit 2
    early = administration_body(v3, LOT8, days_ago(0))
    refused = clinic.client.post(
        f"/visits/{v3['id']}/administrations", json=early, headers=clinic.nurse
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "dose-too-early"
    listed = items(clinic.client.get(f"/courses/{cid}/early-doses", headers=clinic.onc))
    assert [(e["visit_number"], e["used_visit_id"]) for e in listed] == [(2, None)]
    other = clinic.client.get("/courses/999999/early-doses", headers=clinic.onc)
    assert other.status_code == 404


def test_an_ended_course_takes_no_pre_authorisation_nor_review(clinic: Clinic) -> None:
    _pid, course = clinic.course("ONC-0003", days=14)
    clinic.give_first_visit(course)
    ended = {
        "version": course["version"],
        "end_date": days_ago(0).isoformat(),
        "end_reason": "other-treatment-required",
    }
    ok(clinic.client.post(f"/courses/{course['id']}/end", json=ended, headers=clinic.onc))
    assert clinic.pre_authorise(course["id"], clinic.onc).status_code == 422
    assert clinic.review(course["id"], clinic.onc).status_code == 422


def test_continue_at_six_months_stops_the_worklist_asking_until_twelve_months(
    clinic: Clinic,
) -> None:
    _pid, course = clinic.course("ONC-0004", days=190)
    cid = course["id"]
    assert cid in clinic.six_month_courses()
    assert clinic.review(cid, clinic.nurse).status_code == 403
    short = clinic.review(cid, clinic.onc, note="ok")
    assert short.status_code == 422
    assert short.json()["field"] == "note"
    assert items(clinic.client.get(f"/courses/{cid}/reviews", headers=clinic.onc)) == []

    saved = ok(clinic.review(cid, clinic.onc), 201)
    six_months = add_months(course_start(course), 6)
    assert saved["review_point"] == six_months.isoformat()
    assert saved["decision"] == "continue"
    assert saved["reviewed_by"] == clinic.staff[Role.ONCOLOGIST].actor.user_id
    assert saved["note"] == "responding, continue"
    assert cid not in clinic.six_month_courses()  # next: 12 months, not within two weeks

    again = clinic.review(cid, clinic.onc)
    assert again.status_code == 422
    assert "12-month review" in again.json()["detail"]
    listed = items(clinic.client.get(f"/courses/{cid}/reviews", headers=clinic.nurse))
    assert [r["review_point"] for r in listed] == [six_months.isoformat()]
    log = items(
        clinic.client.get(
            "/audit", params={"entity": "course-review"}, headers=clinic.h[Role.ADMIN]
        )
    )
    assert [(e["action"], e["reason"]) for e in log] == [("create", "responding, continue")]


def test_a_review_before_its_point_is_refused(clinic: Clinic) -> None:
    _pid, course = clinic.course("ONC-0005", days=10)
    refused = clinic.review(course["id"], clinic.onc)
    assert refused.status_code == 422
    assert "6-month review" in refused.json()["detail"]
    assert course["id"] not in clinic.six_month_courses()
