"""The backtest's derived dosing history keeps the label's schedule, and the backtest runs."""

from __future__ import annotations

from datetime import date, timedelta

from tvec.analytics.forecast_backtest import backtest, registry_dosing, summarise
from tvec.analytics.synth import synthesize
from tvec.knowledge import load_label

LABEL = load_label("us")


def test_derived_visits_follow_the_schedule_and_the_planner() -> None:
    dosing = registry_dosing(synthesize(30, 3, arms=(1, 0)), LABEL)
    assert dosing.history
    by_patient: dict[str, list] = {}
    for row in dosing.history:
        by_patient.setdefault(row.patient, []).append(row)
    for patient in dosing.patients:
        rows = by_patient.get(patient.patient, [])
        assert [r.day for r in rows] == [d.day for d in patient.course.doses]
        for dose, row in zip(patient.course.doses, rows, strict=True):
            assert row.pfu_per_ml == LABEL.visit_rule(dose.kind).pfu_per_ml
            assert 1 <= row.given_vials <= 4  # whole 1 mL vials, at most the 4 mL maximum
        if rows:
            assert rows[0].day == patient.start
            assert rows[0].planned_vials == rows[0].given_vials


def test_backtest_reports_error_and_coverage_per_strength() -> None:
    dosing = registry_dosing(synthesize(40, 3, arms=(1, 0)), LABEL)
    origins = [date(2020, 1, 6) + timedelta(days=7 * n) for n in range(8)]
    cells = backtest(LABEL, dosing, origins, 3, simulations=300)
    assert len(cells) == 8 * 3 * 2
    rows = summarise(cells)
    assert [r.pfu_per_ml for r in rows] == [1_000_000, 100_000_000]
    for row in rows:
        assert 0 <= row.coverage80 <= row.coverage95 <= 1
        assert row.mae >= 0
