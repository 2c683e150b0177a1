"""The measure step's rules: sizes must be today's for a plan (tvec's rule), a reason is a few
words, the next free lesion id, and the whole step saved in one unit of work or not at all."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from tests.unit.test_services_clinic import START, count, started

from tvec.domain.errors import Conflict, InvalidInput
from tvec.domain.freshness import LatestSize, StaleMeasurements, check_measured_today
from tvec.domain.lesions import next_lesion_name
from tvec.domain.rules import Site
from tvec.persistence.models import AuditRow, LesionRow, MeasurementRow
from tvec.schemas import clinic as s
from tvec.services import lesions, visits

TODAY = date(2026, 6, 1)


def test_sizes_all_from_today_need_no_reason() -> None:
    sizes = [LatestSize("L1", TODAY), LatestSize("L2", TODAY)]
    assert check_measured_today(sizes, TODAY, None) is None
    assert check_measured_today(sizes, TODAY, "not needed at all") is None  # not kept


def test_an_older_or_missing_size_is_refused_naming_each_lesion_and_its_date() -> None:
    sizes = [LatestSize("L1", TODAY), LatestSize("L2", date(2026, 5, 11)), LatestSize("N1", None)]
    with pytest.raises(StaleMeasurements) as refused:
        check_measured_today(sizes, TODAY, "  ")
    assert [x.lesion for x in refused.value.stale] == ["L2", "N1"]
    assert "L2 (last measured 2026-05-11), N1 (never measured)" in str(refused.value)
    assert refused.value.fields["field"] == "stale_reason"


def test_a_reason_of_fewer_than_three_words_is_refused_and_a_longer_one_kept() -> None:
    sizes = [LatestSize("L1", date(2026, 5, 11))]
    with pytest.raises(InvalidInput, match="at least 3 words"):
        check_measured_today(sizes, TODAY, "old ok")
    assert check_measured_today(sizes, TODAY, " patient  declined   measuring ") == (
        "patient declined measuring"
    )


@pytest.mark.parametrize(
    ("existing", "skip", "expected"),
    [([], 0, "L1"), (["L1", "L2", "L3", "V1"], 0, "L4"), (["L1", "L9", "N1"], 1, "L11")],
)
def test_the_next_free_lesion_id(existing: list[str], skip: int, expected: str) -> None:
    assert next_lesion_name(existing, skip) == expected


def _step(lesion_id: int, new: list[s.NewLesionMeasured]) -> s.VisitMeasurementsIn:
    return s.VisitMeasurementsIn(
        measured_on=START + timedelta(days=21),
        method=s.Method.CALIPER,
        items=[
            s.MeasurementItem(
                lesion_id=lesion_id, longest_cm=Decimal("2.5"), perpendicular_cm=Decimal("1.5")
            )
        ],
        new_lesions=new,
    )


def _new(name: str, longest: str = "1.0", perpendicular: str = "0.8") -> s.NewLesionMeasured:
    return s.NewLesionMeasured(
        name=name,
        site=Site.CUTANEOUS,
        location="right thigh",
        longest_cm=Decimal(longest),
        perpendicular_cm=Decimal(perpendicular),
    )


def test_the_measure_step_saves_new_lesions_and_sizes_together_then_plans_from_today() -> None:
    ctx, a, clock, pid, course_id, ids = started()
    clock.day = START + timedelta(days=21)
    saved = lesions.record_visit_measurements(ctx, a["nurse"], pid, _step(ids["L1"], [_new("L3")]))
    assert len(saved) == 2
    # a lesion forgotten at the first save is added on the same day, with its sizes
    lesions.record_visit_measurements(
        ctx,
        a["nurse"],
        pid,
        s.VisitMeasurementsIn(
            measured_on=clock.day,
            method=s.Method.CALIPER,
            items=[
                s.MeasurementItem(
                    lesion_id=ids[n], longest_cm=Decimal("1"), perpendicular_cm=Decimal("1")
                )
                for n in ("L2", "V1")
            ],
            new_lesions=[_new("L4")],
        ),
    )
    visit = visits.plan_next_visit(ctx, a["nurse"], course_id)
    assert (visit.measured_on, visit.stale_reason) == (clock.day, None)
    assert visit.measurement_dates is not None
    assert set(visit.measurement_dates) == {"L1", "L2", "L3", "L4", "V1"}


@pytest.mark.parametrize(
    ("new", "where", "kind"),
    [
        ([_new("L3"), _new("L4", "1.0", "2.0")], "item", 2),  # the new L4's sizes: items 1 + 1
        ([_new("L3"), _new("L1")], "new_lesion", 1),  # L1 exists already
    ],
)
def test_a_refused_row_writes_nothing_and_is_named(
    new: list[s.NewLesionMeasured], where: str, kind: int
) -> None:
    ctx, a, clock, pid, _course_id, ids = started()
    clock.day = START + timedelta(days=21)
    before = [count(ctx, row) for row in (LesionRow, MeasurementRow, AuditRow)]
    with pytest.raises((InvalidInput, Conflict)) as refused:
        lesions.record_visit_measurements(ctx, a["nurse"], pid, _step(ids["L1"], new))
    assert refused.value.fields[where] == kind
    assert [count(ctx, row) for row in (LesionRow, MeasurementRow, AuditRow)] == before


def test_a_measurement_correction_needs_a_reason_of_a_few_words() -> None:
    ctx, a, _clock, pid, _course_id, ids = started()
    (first,) = [
        m for m in lesions.list_measurements(ctx, a["nurse"], pid) if m.lesion_id == ids["L1"]
    ]
    fix = s.MeasurementCorrection(version=first.version, reason="typo", longest_cm=Decimal("2.9"))
    with pytest.raises(InvalidInput, match="at least 3 words"):
        lesions.correct_measurement(ctx, a["nurse"], first.id, fix)
    fix = s.MeasurementCorrection(
        version=first.version, reason="typed the wrong size", longest_cm=Decimal("2.9")
    )
    corrected = lesions.correct_measurement(ctx, a["nurse"], first.id, fix)
    assert (corrected.version, corrected.longest_cm) == (2, Decimal("2.9"))
