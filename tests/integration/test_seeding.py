"""The seeding service: the demo centre (`tvec db demo`) and registry patients (`tvec synth
--database`), both made from `tvec.analytics.synth` and entered through the clinic services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from tests.support.clinic import TODAY, fixed_clock

from tvec.analytics.synth import synthesize
from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.rules import VisitKind
from tvec.domain.schedule import Course, earliest_date, next_kind, record_dose
from tvec.knowledge import load_label
from tvec.persistence.db import Base
from tvec.persistence.migrate import upgrade
from tvec.services import adverse_events, courses, lesions, patients, visits, worklist
from tvec.services.context import Context
from tvec.services.seeding import (
    DEMO_LABEL,
    DEMO_USERS,
    demo_centre,
    due_days,
    load_demo,
    load_registry,
    registry_mrn,
)
from tvec.services.synthetic_patients import Staff, synthetic_patients


def migrated(url: str) -> Context:
    upgrade(url)
    return build_context(Settings(database_url=url), fixed_clock)


def demo_patients(ctx: Context, staff: Staff) -> list[Any]:
    return [p for p in patients.list_patients(ctx, staff.nurse, 500, 0)[0] if "DEMO-" in p.mrn]


def table_rows(ctx: Context) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, but the password hashes (salted: never equal twice)."""
    with ctx.engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(
                    select(*(c for c in table.columns if c.name != "password_hash")).order_by(
                        *table.primary_key.columns
                    )
                )
            ]
            for table in Base.metadata.sorted_tables
        }


def test_the_demo_worklist_has_visits_due_today_and_overdue(database_url: str) -> None:
    ctx = migrated(database_url)
    try:
        assert load_demo(ctx) == 20
        staff = demo_centre(ctx)
        work = worklist.worklist(ctx, staff.nurse)
        resolved = [
            e
            for p in demo_patients(ctx, staff)
            for e in adverse_events.list_adverse_events(ctx, staff.nurse, p.id)
            if e.term == "Vomiting"
        ]
    finally:
        ctx.engine.dispose()
    # one resolved event with its history: recorded, graded up, resolved (three versions)
    assert [(e.grade, e.version, e.resolved_on is not None) for e in resolved] == [(2, 3, True)]
    due = [d for d in work.due if d.mrn.startswith("DEMO-")]
    assert any(d.overdue_days == 0 for d in due), due
    assert any(d.overdue_days > 0 for d in due), due
    assert all(d.due <= TODAY and d.visit_id is not None for d in due)  # planned, to start
    assert work.serious_events, "an open serious adverse event is on the worklist"
    # one course is held by that event ("next dose held"): held, not "Start visit"
    (held,) = [d for d in due if d.held]
    assert held.held == "adverse event: Skin infection, grade 3 (until released)"
    assert held.patient_id in {e.patient_id for e in work.serious_events}
    assert [(h.patient_id, h.held) for h in work.held] == [(held.patient_id, held.held)]
    # a serious, unexpected, possibly related event with its 15-day clock running (learnt of it
    # 3 days ago), and a suspected herpetic lesion to report to the manufacturer
    reports = {(p.term, p.kind, p.days_left) for p in work.safety_reports}
    assert reports == {
        ("Pneumonitis", "expedited-15-day", 12),
        ("Herpes simplex reactivation", "manufacturer-herpetic", None),
    }


def test_every_demo_dose_is_given_on_the_day_the_schedule_makes_it_due(tmp_path: Any) -> None:
    ctx = migrated(f"sqlite:///{tmp_path}/tvec.db")
    try:
        load_demo(ctx)
        staff = demo_centre(ctx)
        label = load_label(DEMO_LABEL)
        given = events = measured = 0
        started = []
        for patient in demo_patients(ctx, staff):
            measured += len(lesions.list_measurements(ctx, staff.nurse, patient.id))
            events += len(adverse_events.list_adverse_events(ctx, staff.nurse, patient.id))
            for course in courses.list_courses(ctx, staff.nurse, patient.id):
                started.append(patient.mrn)
                schedule = Course(course.start_date)
                for visit in visits.list_visits(ctx, staff.nurse, course.id):
                    if visit.administered_on is None:
                        continue
                    due = earliest_date(label, schedule, next_kind(schedule))
                    assert visit.administered_on == due, (patient.mrn, visit.number)
                    assert visits.list_administrations(ctx, staff.nurse, visit.id)
                    schedule = record_dose(label, schedule, due)
                    given += 1
    finally:
        ctx.engine.dispose()
    assert given > 50
    assert events > 0
    assert measured > 20
    assert "DEMO-1004" not in started  # contraindicated (a contraindication at screening)
    assert "DEMO-1006" not in started  # screened, awaiting the first dose
    assert len(started) == 18


def test_the_demo_and_registry_screenings_are_all_possible(tmp_path: Any) -> None:
    """Item by item, every item answered, and never a yes impossible for the patient's sex."""
    ctx = migrated(f"sqlite:///{tmp_path}/tvec.db")
    items = load_label(DEMO_LABEL).contraindications
    try:
        load_demo(ctx)
        staff = demo_centre(ctx)
        list(load_registry(ctx, staff, synthesize(12, 3), 3))
        everyone = patients.list_patients(ctx, staff.nurse, 500, 0)[0]
        yes = {}
        for patient in everyone:
            for screening in patients.list_screenings(ctx, staff.nurse, patient.id):
                assert screening.answers is not None
                assert set(screening.answers) == {item.code for item in items}
                for item in items:
                    if screening.answers[item.code]:
                        assert patient.sex not in item.impossible_for_sex, patient.mrn
                        yes[patient.mrn] = item.code
    finally:
        ctx.engine.dispose()
    assert len(everyone) == 32
    assert list(yes) == ["DEMO-1004"]  # the one contraindicated demo patient (a man)
    assert yes["DEMO-1004"] == "immunosuppressive-therapy"


def test_the_same_seed_gives_the_same_demo_records(tmp_path: Any) -> None:
    rows = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        ctx = migrated(f"sqlite:///{tmp_path}/{name}.db")
        try:
            assert load_demo(ctx, 8, seed) == 8
            rows.append(table_rows(ctx))
        finally:
            ctx.engine.dispose()
    assert rows[0] == rows[1]
    assert rows[0]["measurements"] != rows[2]["measurements"]
    assert rows[0]["administrations"]


def test_loading_the_demo_again_changes_nothing(tmp_path: Any) -> None:
    ctx = migrated(f"sqlite:///{tmp_path}/tvec.db")
    try:
        assert load_demo(ctx, 4, 1) == 4
        before = table_rows(ctx)
        assert load_demo(ctx, 4, 1) == 0
        assert table_rows(ctx) == before
    finally:
        ctx.engine.dispose()


def test_the_demo_users_are_the_readmes(tmp_path: Any) -> None:
    assert {name: password for name, (_role, _full, password) in DEMO_USERS.items()} == {
        name: f"demo-{name}-pass"
        for name in ("admin", "oncologist", "nurse", "pharmacist", "billing", "researcher")
    }
    assert all(role.value == name for name, (role, _full, _pw) in DEMO_USERS.items())


def test_visits_fall_due_at_the_labels_intervals() -> None:
    label = load_label(DEMO_LABEL)
    second = label.visit_rule(VisitKind.SECOND).interval_days or 0
    then = label.visit_rule(VisitKind.SUBSEQUENT).interval_days or 0
    assert due_days(label, 4) == [0, second, second + then, second + 2 * then]


def test_a_registry_loads_on_the_cohorts_own_dates_without_visits(tmp_path: Any) -> None:
    ctx = migrated(f"sqlite:///{tmp_path}/tvec.db")
    cohort = synthesize(3, 9, arms=(1.0, 0.0))
    try:
        staff = demo_centre(ctx)
        ids = list(load_registry(ctx, staff, cohort, 9))
        assert len(ids) == 3
        starts = {registry_mrn(9, p.number): p.start for p in synthetic_patients(cohort)}
        measured = 0
        for patient_id in ids:
            record = patients.get_patient(ctx, staff.nurse, patient_id)
            (course,) = courses.list_courses(ctx, staff.nurse, patient_id)
            assert course.start_date == starts[record.mrn]
            assert visits.list_visits(ctx, staff.nurse, course.id) == []
            found = lesions.list_measurements(ctx, staff.nurse, patient_id)
            assert min(m.measured_on for m in found) == course.start_date
            measured += len(found)
        assert measured == cohort.n_measurements
        assert max(starts.values()) < TODAY - timedelta(days=365)
    finally:
        ctx.engine.dispose()


def test_the_demo_pharmacy_has_stock_of_both_strengths_one_lot_expiring_and_one_quarantined(
    database_url: str,
) -> None:
    from tvec.services import pharmacy_stock

    ctx = migrated(database_url)
    try:
        load_demo(ctx, patients_wanted=0)
        load_demo(ctx, patients_wanted=0)  # a second run receives nothing twice
        report = pharmacy_stock.stock_report(ctx, demo_centre(ctx).pharmacist)
    finally:
        ctx.engine.dispose()
    low, high = report.strengths
    assert (low.pfu_per_ml, low.usable, high.pfu_per_ml, high.usable) == (
        1_000_000,
        7,
        100_000_000,
        4,
    )
    assert [line.lot for line in low.lines if line.expiring_soon] == ["DEMO6-S01"]
    assert low.lines[0].lot == "DEMO6-S01"  # first expiry, first out
    # one shipment came after its container's 96 hours; another sits in the freezer whose
    # excursion is still open
    assert [(line.lot, line.quarantined) for line in high.lines if line.quarantined] == [
        ("DEMO8-X01", 2),
        ("DEMO8-Q01", 2),
    ]


def test_the_demo_has_one_freezer_in_band_and_one_with_an_open_excursion(
    database_url: str,
) -> None:
    from tvec.services import cold_chain

    ctx = migrated(database_url)
    try:
        load_demo(ctx, patients_wanted=0)
        load_demo(ctx, patients_wanted=0)  # a second run adds no freezer and no reading twice
        pharmacist = demo_centre(ctx).pharmacist
        locations = cold_chain.list_locations(ctx, pharmacist)
        open_excursions = cold_chain.list_excursions(ctx, pharmacist, attention_only=True)
        held = cold_chain.quarantined_vials(ctx, pharmacist, locations[1].id)
    finally:
        ctx.engine.dispose()
    assert [location.name for location in locations] == [
        "Freezer A (pharmacy)",
        "Freezer B (clinic)",
    ]
    assert len(open_excursions) == 1
    assert open_excursions[0].ended_at is None
    assert sorted(vial.serial for vial in held) == ["D8X0101", "D8X0102"]


def test_the_demo_pharmacy_board_has_two_thawed_vials_one_under_the_warning(
    database_url: str,
) -> None:
    from tvec.services import vial_events

    ctx = migrated(database_url)
    try:
        load_demo(ctx, patients_wanted=0)
        load_demo(ctx, patients_wanted=0)  # a second run thaws nothing twice
        board = vial_events.pharmacy_board(ctx, demo_centre(ctx).pharmacist)
    finally:
        ctx.engine.dispose()
    thawed = sorted(board.thawed, key=lambda v: v.pfu_per_ml)
    assert [(v.lot, v.place) for v in thawed] == [("DEMO6-T01", "room"), ("DEMO8-T01", "fridge")]
    clocks = [v.clock for v in thawed]
    assert all(clock is not None and not clock.expired for clock in clocks)
    warn = board.warn_minutes
    assert clocks[0] is not None
    assert clocks[0].remaining_minutes < warn
    assert clocks[1] is not None
    assert clocks[1].remaining_minutes > warn
