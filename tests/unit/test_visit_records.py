"""A stored visit reads back typed (plan, kind, status) and is shown exactly as it was stored."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import text
from tests.unit.test_services_clinic import START, give, started

from tvec.domain.dose_plan import DosePlan
from tvec.domain.rules import VisitKind
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.schemas import clinic as s
from tvec.services import lesions, outcomes, visits


def stored_plan_text(ctx: object, visit_id: int) -> str:
    with ctx.engine.connect() as connection:  # type: ignore[attr-defined]
        raw = connection.execute(
            text("SELECT plan FROM visits WHERE id = :id"), {"id": visit_id}
        ).scalar_one()
    return raw if isinstance(raw, str) else json.dumps(raw)


def test_the_api_shows_a_visit_with_its_plan_exactly_as_stored() -> None:
    ctx, a, _, _, course_id, _ = started()
    visit = visits.plan_next_visit(ctx, a["nurse"], course_id)
    assert isinstance(visit.plan, DosePlan)
    stored = json.loads(stored_plan_text(ctx, visit.id))
    as_stored = {f.name: getattr(visit, f.name) for f in dataclasses.fields(visit)}
    as_stored["plan"] = stored  # what the API was given before plans were read back typed
    shown = s.VisitOut.model_validate(visit).model_dump_json()
    assert shown == s.VisitOut.model_validate(as_stored).model_dump_json()
    assert json.loads(shown)["plan"] == stored


def test_a_visit_reads_back_with_its_kind_and_status_as_enums() -> None:
    ctx, a, _, _, course_id, _ = started()
    planned = visits.plan_next_visit(ctx, a["nurse"], course_id)
    assert planned.kind is VisitKind.INITIAL
    assert planned.status is VisitRecordStatus.PLANNED
    result = give(ctx, a["nurse"], planned.id, START, [("L1", "2", "LOT6")])
    assert result["visit"]["status"] == "administered"  # stored values are unchanged
    given = visits.get_visit(ctx, a["nurse"], planned.id)
    assert given.status is VisitRecordStatus.ADMINISTERED
    audit = outcomes.record_history(ctx, a["nurse"], "visit", planned.id)
    assert [entry.after["status"] for entry in audit if entry.after] == ["planned", "administered"]
    assert audit[-1].after is not None
    assert json.dumps(audit[-1].after["plan"]) == stored_plan_text(ctx, planned.id)


def test_a_measurement_entered_in_error_reads_back_so() -> None:
    ctx, a, _, pid, _, ids = started()
    (first, *_) = [
        m for m in lesions.list_measurements(ctx, a["nurse"], pid) if m.lesion_id == ids["L1"]
    ]
    assert first.status is RecordStatus.ACTIVE
    lesions.correct_measurement(
        ctx,
        a["nurse"],
        first.id,
        s.MeasurementCorrection(
            version=first.version, reason="wrong lesion measured", status="entered-in-error"
        ),
    )
    (again,) = [m for m in lesions.list_measurements(ctx, a["nurse"], pid) if m.id == first.id]
    assert again.status is RecordStatus.ENTERED_IN_ERROR
    assert all(
        les.status is RecordStatus.ACTIVE for les in lesions.list_lesions(ctx, a["nurse"], pid)
    )
