"""Adverse events through the services, on SQLite and PostgreSQL: CTCAE terms and grades, derived
seriousness (never stored inconsistent: the database refuses it too), relatedness that must be
answered, links to the visit and the lot, reporting clocks kept in step with each new version,
refusals that write nothing, and the worklist and the researcher's count reading the derived
seriousness."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from tests.support.clinic import (
    TODAY,
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

from tvec.domain.adverse_event import Criterion, Relatedness
from tvec.domain.errors import Conflict, InvalidInput
from tvec.persistence.models import AdverseEventRow, AuditRow, SafetyReportRow
from tvec.schemas import clinic as s
from tvec.services import adverse_event_view, adverse_events, outcomes, safety_reports, worklist
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role

LOT = "AE-LOT-1"
C = Criterion


@dataclass
class World:
    ctx: Context
    nurse: Actor
    researcher: Actor
    patient_id: int
    course_id: int
    visit_id: int
    lot_id: int
    other_visit_id: int


@pytest.fixture
def w(database_url: str) -> Iterator[World]:
    with running_app(database_url) as (app, ctx):
        client = client_for(app)
        staff = seed_staff(ctx)
        h = login_all(client, staff)
        lot = add_vial_lot(client, h[Role.PHARMACIST], LOT, 10**6)
        visits = []
        for mrn in ("AE-1", "AE-2"):
            ready = make_patient_ready_for_course(client, h[Role.NURSE], mrn=mrn, measured_on=TODAY)
            pid = ready["patient"]["id"]
            course = start_course(client, h[Role.ONCOLOGIST], pid, TODAY)
            visit = plan_visit(client, h[Role.NURSE], course["id"], stale_reason=None)
            body = administration_body(visit, LOT, TODAY)
            ok(
                client.post(
                    f"/visits/{visit['id']}/administrations", json=body, headers=h[Role.NURSE]
                ),
                201,
            )
            visits.append((pid, course["id"], visit["id"]))
        (pid, course_id, visit_id), (_, _, other_visit) = visits
        yield World(
            ctx,
            staff[Role.NURSE].actor,
            staff[Role.RESEARCHER].actor,
            pid,
            course_id,
            visit_id,
            lot["id"],
            other_visit,
        )


def event(**changes: Any) -> s.AdverseEventIn:
    body: dict[str, Any] = {
        "term": "Pneumonitis",
        "grade": 2,
        "related": "yes",
        "onset": (TODAY - timedelta(days=2)).isoformat(),
        "action_taken": "steroids",
        **changes,
    }
    return s.AdverseEventIn.model_validate(body)


def record(w: World, **changes: Any) -> Any:
    return adverse_events.record_adverse_event(w.ctx, w.nurse, w.patient_id, event(**changes))


def reports(w: World, event_id: int) -> list[tuple[str, date | None, bool]]:
    found = safety_reports.reports_of_event(w.ctx, w.nurse, event_id)
    return [(p.kind, p.due_on, p.open) for p in found]


def counts(w: World) -> tuple[int, int, int]:
    with w.ctx.engine.connect() as db:
        return tuple(  # type: ignore[return-value]
            db.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (AdverseEventRow, SafetyReportRow, AuditRow)
        )


def test_grade_5_is_serious_and_starts_the_7_day_clock_with_its_follow_up(w: World) -> None:
    e = record(w, grade=5, related="unknown", visit_id=w.visit_id, vial_lot_id=w.lot_id)
    assert e.serious is True
    assert e.criteria == {C.DEATH}
    assert e.related == "unknown"
    assert e.expected is False  # pneumonitis: a warning, not among the adverse reactions
    assert (e.course_id, e.visit_id, e.vial_lot_id) == (w.course_id, w.visit_id, w.lot_id)
    assert e.aware_on == TODAY  # awareness defaults to today
    assert reports(w, e.id) == [
        ("expedited-7-day", TODAY + timedelta(days=7), True),
        ("follow-up", TODAY + timedelta(days=15), True),
    ]


def test_a_serious_unexpected_suspected_event_is_due_in_15_days_from_awareness(w: World) -> None:
    aware = TODAY - timedelta(days=1)
    e = record(w, grade=3, criteria=["hospitalisation"], aware_on=aware.isoformat())
    assert reports(w, e.id) == [("expedited-15-day", aware + timedelta(days=15), True)]
    listed = worklist.worklist(w.ctx, w.nurse).safety_reports
    assert [(p.event_id, p.days_left, p.urgent) for p in listed] == [(e.id, 14, False)]


def test_an_expected_or_unrelated_serious_event_needs_no_expedited_report(w: World) -> None:
    expected = record(w, term="Skin infection", grade=3, criteria=["hospitalisation"])
    unrelated = record(w, grade=3, criteria=["hospitalisation"], related="no")
    assert expected.serious
    assert unrelated.serious
    assert reports(w, expected.id) == []
    assert reports(w, unrelated.id) == []


def test_updates_are_versions_that_move_the_clock_and_keep_the_history(w: World) -> None:
    e = record(w, grade=2)
    assert reports(w, e.id) == []
    fix = s.AdverseEventUpdate(
        version=e.version, reason="admitted overnight", grade=3, criteria=[C.HOSPITALISATION]
    )
    e = adverse_events.update_adverse_event(w.ctx, w.nurse, e.id, fix)
    assert e.serious
    assert reports(w, e.id) == [("expedited-15-day", TODAY + timedelta(days=15), True)]
    fix = s.AdverseEventUpdate(
        version=e.version, reason="other cause found", related=Relatedness.NO
    )
    e = adverse_events.update_adverse_event(w.ctx, w.nurse, e.id, fix)
    assert reports(w, e.id) == [("expedited-15-day", TODAY + timedelta(days=15), False)]
    fix = s.AdverseEventUpdate(version=e.version, reason="recovered", resolved_on=TODAY)
    e = adverse_events.update_adverse_event(w.ctx, w.nurse, e.id, fix)
    page = adverse_event_view.event_page(w.ctx, w.nurse, e.id)
    assert [(v.action, v.reason) for v in page.history] == [
        ("create", None),
        ("update", "admitted overnight"),
        ("update", "other cause found"),
        ("resolve", "recovered"),
    ]
    assert ("Grade", "2", "3") in [(c.field, c.before, c.after) for c in page.history[1].changes]
    assert page.reports[0].report.withdrawn_reason is not None


def test_a_grade_lowered_from_5_is_no_longer_a_death(w: World) -> None:
    e = record(w, term="Fever", grade=5)
    fix = s.AdverseEventUpdate(version=e.version, reason="grade typed wrongly", grade=2)
    e = adverse_events.update_adverse_event(w.ctx, w.nurse, e.id, fix)
    assert (e.grade, e.serious, e.criteria) == (2, False, frozenset())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"related": None}, "related"),
        ({"term": "Cellulitis"}, "term"),
        ({"term": "other"}, "other_specify"),
        ({"term": "Fatigue", "grade": 4}, "grade"),  # Fatigue stops at grade 3
        ({"term": "Acute kidney injury", "grade": 1}, "grade"),  # starts at 3
        ({"grade": 5, "serious": False}, "serious"),  # grade 5 is always serious
        ({"serious": True}, "serious"),  # serious needs a criterion
        ({"criteria": ["results-in-death"]}, "grade"),
        ({"resolved_on": (TODAY - timedelta(days=3)).isoformat()}, "resolved_on"),
        ({"aware_on": (TODAY - timedelta(days=3)).isoformat()}, "aware_on"),
        ({"onset": (TODAY + timedelta(days=1)).isoformat()}, "onset"),
        ({"aware_on": (TODAY + timedelta(days=1)).isoformat()}, "aware_on"),
        ({"related": "no", "vial_lot_id": "LOT"}, "vial_lot_id"),
        ({"visit_id": "OTHER"}, "visit_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    w: World, changes: dict[str, Any], field: str
) -> None:
    values = {"LOT": w.lot_id, "OTHER": w.other_visit_id}
    changes = {k: values.get(v, v) if isinstance(v, str) else v for k, v in changes.items()}
    before = counts(w)
    with pytest.raises(InvalidInput) as refused:
        record(w, **changes)
    assert refused.value.field == field
    assert counts(w) == before


def test_an_update_that_breaks_a_rule_changes_nothing(w: World) -> None:
    e = record(w, term="Fatigue", grade=2)
    before = counts(w)
    for fix, field in [
        (s.AdverseEventUpdate(version=e.version, reason="typo fix", grade=4), "grade"),
        (
            s.AdverseEventUpdate(
                version=e.version, reason="typo fix", resolved_on=TODAY - timedelta(days=5)
            ),
            "resolved_on",
        ),
        (s.AdverseEventUpdate(version=e.version, reason="typo fix", related=None), "related"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            adverse_events.update_adverse_event(w.ctx, w.nurse, e.id, fix)
        assert refused.value.field == field
    assert counts(w) == before


def test_a_suspected_herpetic_lesion_is_reported_to_the_manufacturer(w: World) -> None:
    ticked = record(w, term="Injection site reaction", grade=1, suspected_herpetic=True)
    by_term = record(w, term="Herpes simplex reactivation", grade=1)
    assert by_term.suspected_herpetic
    for e in (ticked, by_term):
        assert reports(w, e.id) == [("manufacturer-herpetic", None, True)]
    (report,) = safety_reports.reports_of_event(w.ctx, w.nurse, ticked.id)
    done = safety_reports.submit_report(w.ctx, w.nurse, report.id, report.version, TODAY)
    assert (done.submitted_on, done.submitted_by) == (TODAY, w.nurse.user_id)
    assert done.submitted_at is not None
    with pytest.raises(Conflict):
        safety_reports.submit_report(w.ctx, w.nurse, report.id, done.version, TODAY)
    open_ids = [p.report_id for p in worklist.worklist(w.ctx, w.nurse).safety_reports]
    assert report.id not in open_ids
    assert len(open_ids) == 1


def test_a_report_is_not_submitted_before_the_centre_knew_or_in_the_future(w: World) -> None:
    e = record(w, grade=3, criteria=["life-threatening"])
    (first, _follow) = safety_reports.reports_of_event(w.ctx, w.nurse, e.id)
    for day in (TODAY - timedelta(days=1), TODAY + timedelta(days=1)):
        with pytest.raises(InvalidInput) as refused:
            safety_reports.submit_report(w.ctx, w.nurse, first.id, first.version, day)
        assert refused.value.field == "submitted_on"


def test_the_database_refuses_a_grade_5_event_stored_as_not_serious(w: World) -> None:
    e = record(w, term="Fever", grade=5)
    with pytest.raises(IntegrityError), w.ctx.engine.begin() as db:
        db.execute(update(AdverseEventRow).where(AdverseEventRow.id == e.id).values(serious=False))
    with pytest.raises(IntegrityError), w.ctx.engine.begin() as db:
        db.execute(
            update(AdverseEventRow).where(AdverseEventRow.id == e.id).values(related="maybe")
        )


def test_the_worklist_and_the_researcher_count_a_grade_5_event_as_serious(w: World) -> None:
    e = record(w, term="Fever", grade=5, related="yes")
    work = worklist.worklist(w.ctx, w.nurse)
    assert [x.event_id for x in work.serious_events] == [e.id]
    rows, _total = outcomes.deidentified_patients(w.ctx, w.researcher, 10, 0)
    assert sorted(p.serious_adverse_events for p in rows) == [0, 1]


def test_the_legacy_boolean_answers_still_read(w: World) -> None:
    e = record(w, related=True)
    assert e.related == "yes"
    with w.ctx.engine.connect() as db:
        stored = db.execute(text("SELECT related FROM adverse_events WHERE id = :i"), {"i": e.id})
        assert stored.scalar_one() == "yes"
