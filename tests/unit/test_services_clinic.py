"""Services against the real repositories on in-memory SQLite (ADR 0002): rules, audit, refusals;
and, on a SQLite file, planning and recording beside other writers."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from tests.factories import screening_answers
from tests.support.clinic import clear_for_programme

from tvec.config import Settings
from tvec.domain.errors import (
    Conflict,
    CourseRuleBroken,
    DoseTooEarly,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from tvec.domain.rules import Site
from tvec.persistence import records as r
from tvec.persistence.db import Base, make_engine, writer_gate
from tvec.persistence.models import (
    AdministrationRow,
    AuditRow,
    CourseRow,
    MeasurementRow,
    VisitRow,
)
from tvec.schemas import clinic as s
from tvec.services import auth, courses, lesions, outcomes, patients, vials, visits
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role

TODAY = date(2026, 6, 1)
START = TODAY - timedelta(days=60)


class Clock:
    """A clock the test moves: visits happen on their dates."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=UTC)


def make_ctx(
    day: date = TODAY, url: str = "sqlite:///:memory:"
) -> tuple[Context, dict[str, Actor], Clock]:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    clock = Clock(day)
    ctx = Context(engine, clock, Settings(database_url=url))  # argon2 cost from conftest
    admin = auth.bootstrap_centre(
        ctx,
        "test centre",
        s.UserIn(username="admin", full_name="A", role=Role.ADMIN, password="first-centre-secret"),
    )
    actors = {"admin": Actor(admin.id, admin.centre_id, Role.ADMIN, "admin")}
    for role in Role:
        if role is Role.ADMIN:
            continue
        user = auth.create_user(
            ctx,
            actors["admin"],
            s.UserIn(
                username=role.value,
                full_name=role.value,
                role=role,
                password=f"staff-secret-{len(role.value)}-ok",
            ),
        )
        actors[role.value] = Actor(user.id, user.centre_id, role, role.value)
    clear_for_programme(ctx, actors["admin"], list(actors.values()))
    return ctx, actors, clock


def count(ctx: Context, row: type) -> int:
    with ctx.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(row)) or 0)


def make_patient(
    ctx: Context,
    a: dict[str, Actor],
    *,
    pregnant: bool = False,
    screen: bool = True,
    mrn: str = "MRN-1",
) -> int:
    p = patients.register_patient(
        ctx,
        a["nurse"],
        s.PatientIn(
            mrn=mrn,
            given_name="Ilse",
            family_name="Dravenhill",
            birth_date=date(1960, 5, 1),
            sex=s.Sex.FEMALE,
        ),
    )
    patients.record_diagnosis(
        ctx,
        a["oncologist"],
        p.id,
        s.DiagnosisIn(
            stage=s.Stage.IIIC,
            recurrent_after_surgery=True,
            unresectable=True,
            diagnosed_on=START - timedelta(days=90),
            distant_sites=[],
        ),
    )
    if screen:
        patients.record_screening(
            ctx,
            a["nurse"],
            p.id,
            s.ScreeningIn(
                screened_on=START - timedelta(days=3),
                answers=screening_answers(*(["pregnancy"] if pregnant else [])),
                answered_by="patient",
            ),
        )
    return p.id


def add_lesions(
    ctx: Context, a: dict[str, Actor], pid: int, sizes: dict[str, tuple[str, str, Site]], on: date
) -> dict[str, int]:
    ids = {}
    for name, (_longest, _perp, site) in sizes.items():
        ids[name] = lesions.add_lesion(
            ctx, a["nurse"], pid, s.LesionIn(name=name, site=site, location="arm", first_seen=on)
        ).id
    measure(ctx, a, pid, on, {ids[n]: (lo, pe) for n, (lo, pe, _) in sizes.items()})
    return ids


def measure(
    ctx: Context, a: dict[str, Actor], pid: int, on: date, sizes: dict[int, tuple[str, str]]
) -> None:
    items = [
        s.MeasurementItem(lesion_id=lid, longest_cm=Decimal(lo), perpendicular_cm=Decimal(pe))
        for lid, (lo, pe) in sizes.items()
    ]
    lesions.record_measurements(
        ctx, a["nurse"], pid, s.MeasurementsIn(measured_on=on, method=s.Method.CALIPER, items=items)
    )


def add_lots(ctx: Context, a: dict[str, Actor]) -> None:
    vials.add_lot(
        ctx,
        a["pharmacist"],
        s.VialLotIn(lot="LOT6", pfu_per_ml=10**6, expiry_date=TODAY + timedelta(days=200)),
    )
    vials.add_lot(
        ctx,
        a["pharmacist"],
        s.VialLotIn(lot="LOT8", pfu_per_ml=10**8, expiry_date=TODAY + timedelta(days=200)),
    )


def give(
    ctx: Context,
    actor: Actor,
    visit_id: int,
    day: date,
    items: list[tuple[str, str, str]],
    reason: str | None = None,
    key: str | None = None,
) -> dict:
    visit = visits.get_visit(ctx, actor, visit_id)
    body = s.AdministrationIn(
        version=visit.version,
        administered_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
        items=[
            s.AdministrationItem(target=t, volume_ml=Decimal(v), vial_lot=lot)
            for t, v, lot in items
        ],
        override_reason=reason,
    )
    return visits.record_administration(ctx, actor, visit_id, body, key)[0]


def started(
    sizes: dict[str, tuple[str, str, Site]] | None = None,
    url: str = "sqlite:///:memory:",
) -> tuple[Context, dict[str, Actor], Clock, int, int, dict[str, int]]:
    ctx, a, clock = make_ctx(START, url)
    pid = make_patient(ctx, a)
    ids = add_lesions(
        ctx,
        a,
        pid,
        sizes
        or {
            "L1": ("3.0", "2.0", Site.CUTANEOUS),
            "L2": ("1.0", "0.8", Site.NODAL),
            "V1": ("2.0", "1.0", Site.VISCERAL),
        },
        START,
    )
    course = courses.start_course(ctx, a["oncologist"], pid, s.CourseIn(start_date=START))
    add_lots(ctx, a)
    return ctx, a, clock, pid, course.id, ids


# ---- starting a course -------------------------------------------------------------------------


def test_a_course_needs_a_screening_on_file() -> None:
    ctx, a, _ = make_ctx()
    pid = make_patient(ctx, a, screen=False)
    with pytest.raises(CourseRuleBroken, match="no contraindication screening"):
        courses.start_course(ctx, a["oncologist"], pid, s.CourseIn(start_date=TODAY))
    assert courses.list_courses(ctx, a["nurse"], pid) == []


def test_a_contraindication_refuses_the_course_citing_the_label() -> None:
    ctx, a, _ = make_ctx()
    pid = make_patient(ctx, a, pregnant=True)
    with pytest.raises(
        CourseRuleBroken, match=r"contraindicated: Pregnancy \[USPI §4 \(pregnancy\)\]"
    ):
        courses.start_course(ctx, a["oncologist"], pid, s.CourseIn(start_date=TODAY))


def test_only_an_oncologist_starts_a_course_and_only_one_may_be_open() -> None:
    ctx, a, _ = make_ctx()
    pid = make_patient(ctx, a)
    with pytest.raises(
        PermissionDenied, match="role nurse may not start or end a treatment course"
    ):
        courses.start_course(ctx, a["nurse"], pid, s.CourseIn(start_date=TODAY))
    courses.start_course(ctx, a["oncologist"], pid, s.CourseIn(start_date=TODAY))
    with pytest.raises(Conflict, match="already has an open course"):
        courses.start_course(ctx, a["oncologist"], pid, s.CourseIn(start_date=TODAY))


# ---- planning and recording a visit -----------------------------------------------------------


def test_visit_one_is_planned_from_the_baseline_at_10_6_and_stored_as_shown() -> None:
    ctx, a, _, _, course_id, _ = started()
    visit = visits.plan_next_visit(ctx, a["nurse"], course_id)
    assert (visit.number, visit.kind, visit.earliest_date, visit.status) == (
        1,
        "initial",
        START,
        "planned",
    )
    assert visit.plan.concentration_pfu_per_ml == 10**6
    assert [(i.lesion_id, i.volume_ml) for i in visit.plan.injections] == [
        ("L1", Decimal("2")),
        ("L2", Decimal("0.5")),
    ]
    assert [n.lesion_id for n in visit.plan.not_injected] == ["V1"]


def test_replanning_an_open_visit_makes_a_new_audited_version() -> None:
    ctx, a, _, _pid, course_id, ids = started()
    first = visits.plan_next_visit(ctx, a["nurse"], course_id)
    lesions.correct_lesion(
        ctx,
        a["nurse"],
        ids["L2"],
        s.LesionCorrection(version=1, reason="ulcerated, not injectable", injectable=False),
    )
    again = visits.plan_next_visit(ctx, a["nurse"], course_id)
    assert (again.id, again.version) == (first.id, first.version + 1)
    assert [i.lesion_id for i in again.plan.injections] == ["L1"]
    history = outcomes.record_history(ctx, a["nurse"], "visit", first.id)
    assert [h.action for h in history] == ["create", "replan"]
    assert history[1].before is not None
    assert history[1].before["plan"]["injections"][1]["lesion_id"] == "L2"


def test_recording_a_visit_then_the_next_one_is_21_days_later_at_10_8_with_new_lesions_first() -> (
    None
):
    ctx, a, clock, pid, course_id, ids = started()
    v1 = visits.plan_next_visit(ctx, a["nurse"], course_id)
    result = give(ctx, a["nurse"], v1.id, START, [("L1", "2", "LOT6"), ("L2", "0.5", "LOT6")])
    assert result["visit"]["status"] == "administered"
    assert count(ctx, AdministrationRow) == 2
    clock.day = START + timedelta(days=21)
    new = lesions.add_lesion(
        ctx,
        a["nurse"],
        pid,
        s.LesionIn(name="N1", site=Site.CUTANEOUS, location="back", first_seen=clock.day),
    )
    measure(
        ctx,
        a,
        pid,
        clock.day,
        {
            ids["L1"]: ("2.8", "2.0"),
            ids["L2"]: ("0.9", "0.8"),
            ids["V1"]: ("2.0", "1.0"),
            new.id: ("0.6", "0.5"),
        },
    )
    v2 = visits.plan_next_visit(ctx, a["nurse"], course_id)
    assert (v2.number, v2.kind, v2.earliest_date) == (2, "second", START + timedelta(days=21))
    assert v2.plan.concentration_pfu_per_ml == 10**8
    assert [i.lesion_id for i in v2.plan.injections] == ["N1", "L1", "L2"]


def test_an_administration_that_breaks_a_rule_is_refused_and_writes_nothing() -> None:
    ctx, a, _, _, course_id, _ = started()
    v1 = visits.plan_next_visit(ctx, a["nurse"], course_id)
    before = (count(ctx, AdministrationRow), count(ctx, AuditRow))
    cases = [
        ([("L1", "2.1", "LOT6")], "exceeds the lesion's maximum of 2 mL"),
        ([("L1", "2", "LOT8")], "is 100,000,000 PFU/mL but this visit needs 1,000,000 PFU/mL"),
        ([("V1", "1", "LOT6")], "is not in this visit's dose plan"),
        ([("L1", "1", "NOPE")], "is not a lot in the centre's stock"),
        ([("L1", "1", "LOT6"), ("L1", "1", "LOT6")], "is listed twice"),
    ]
    for items, message in cases:
        with pytest.raises(InvalidInput, match=message):
            give(ctx, a["nurse"], v1.id, START, items)
    assert (count(ctx, AdministrationRow), count(ctx, AuditRow)) == before
    assert visits.get_visit(ctx, a["nurse"], v1.id).status == "planned"


def test_an_early_dose_needs_an_oncologists_reason_which_is_kept() -> None:
    ctx, a, clock, _pid, course_id, _ids = started()
    v1 = visits.plan_next_visit(ctx, a["nurse"], course_id)
    give(ctx, a["nurse"], v1.id, START, [("L1", "2", "LOT6")])
    clock.day = START + timedelta(days=15)
    v2 = visits.plan_next_visit(
        ctx, a["nurse"], course_id, stale_reason="sizes of the first visit suffice"
    )
    with pytest.raises(DoseTooEarly, match="earliest 2026-04-23"):
        give(ctx, a["nurse"], v2.id, clock.day, [("L1", "2", "LOT8")])
    with pytest.raises(PermissionDenied, match="may not override"):
        give(
            ctx,
            a["nurse"],
            v2.id,
            clock.day,
            [("L1", "2", "LOT8")],
            reason="travelling abroad on the due date",
        )
    result = give(
        ctx,
        a["oncologist"],
        v2.id,
        clock.day,
        [("L1", "2", "LOT8")],
        reason="travelling abroad on the due date",
    )
    assert result["visit"]["override_reason"] == "travelling abroad on the due date"
    assert result["visit"]["override_by"] == a["oncologist"].user_id


def test_an_idempotent_retry_records_the_dose_once() -> None:
    ctx, a, _, _, course_id, _ = started()
    v1 = visits.plan_next_visit(ctx, a["nurse"], course_id)
    first = give(ctx, a["nurse"], v1.id, START, [("L1", "2", "LOT6")], key="retry-key-1")
    body = s.AdministrationIn(
        version=1,
        administered_at=datetime(START.year, START.month, START.day, 10, tzinfo=UTC),
        items=[s.AdministrationItem(target="L1", volume_ml=Decimal(2), vial_lot="LOT6")],
    )
    again, replayed = visits.record_administration(ctx, a["nurse"], v1.id, body, "retry-key-1")
    assert (again, replayed) == (first, True)
    assert count(ctx, AdministrationRow) == 1
    different = body.model_copy(
        update={"items": [s.AdministrationItem(target="L1", volume_ml=Decimal(1), vial_lot="LOT6")]}
    )
    with pytest.raises(Conflict, match="Idempotency-Key was used for a different request"):
        visits.record_administration(ctx, a["nurse"], v1.id, different, "retry-key-1")
    with pytest.raises(Conflict, match="already recorded as administered"):
        visits.record_administration(ctx, a["nurse"], v1.id, body, None)


# ---- writing beside other writers (a SQLite file: each waits for the writer's turn, then reads)


class Readers:
    """The threads whose statements have read `marker` (lesion measurements for a plan, lesions
    for a dose given)."""

    def __init__(self, ctx: Context, marker: str) -> None:
        self.names: set[str] = set()
        self._marker = marker
        self._changed = threading.Lock()
        event.listen(ctx.engine, "before_cursor_execute", self._saw)

    def _saw(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and self._marker in statement:
            with self._changed:
                self.names.add(threading.current_thread().name)


def write_in_threads(
    ctx: Context, marker: str, calls: dict[str, Any], meanwhile: Any = None
) -> tuple[dict[str, Any], list[BaseException]]:
    """Each call starts while another writer holds the turn, and waits for the turn before it
    reads anything (a writing unit of work holds the turn for its whole transaction);
    `meanwhile` is what that other writer does before it lets them go. Returns what each call
    returned, by name, and what they raised."""
    readers, done, failed = Readers(ctx, marker), {}, []

    def run(name: str) -> None:
        try:
            done[name] = calls[name]()
        except BaseException as exc:  # reported to the test below
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in calls]
    with writer_gate(ctx.engine):
        for thread in threads:
            thread.start()
        time.sleep(0.2)  # time for the calls to reach the writer's turn and wait there
        assert all(thread.is_alive() for thread in threads)  # waiting for the turn
        assert readers.names == set(), f"read {marker!r} before holding the writer's turn"
        if meanwhile is not None:
            meanwhile()
    for thread in threads:
        thread.join(timeout=30)
    return done, failed


def plan_in_threads(
    ctx: Context, actor: Actor, course_id: int, names: list[str], meanwhile: Any = None
) -> tuple[dict[str, Any], list[BaseException]]:
    def plan() -> r.Visit:
        return visits.plan_next_visit(ctx, actor, course_id)

    return write_in_threads(ctx, "measurements", dict.fromkeys(names, plan), meanwhile)


@pytest.mark.parametrize("already_planned", [False, True])
def test_two_plans_of_one_course_at_once_both_succeed_as_if_made_in_turn(
    tmp_path: Path, already_planned: bool
) -> None:
    """The plan that gets the writer's turn second reads what the first wrote and plans the
    same visit again (a re-plan), not 409."""
    ctx, a, _, _, course_id, _ = started(url=f"sqlite:///{tmp_path}/clinic.db")
    if already_planned:
        visits.plan_next_visit(ctx, a["nurse"], course_id)
    planned, failed = plan_in_threads(ctx, a["nurse"], course_id, ["first", "second"])
    assert failed == []
    assert len({visit.id for visit in planned.values()}) == 1
    versions = sorted(visit.version for visit in planned.values())
    assert versions == ([2, 3] if already_planned else [1, 2])
    [visit] = visits.list_visits(ctx, a["nurse"], course_id)
    assert (visit.number, visit.status, visit.version) == (1, "planned", versions[-1])
    history = outcomes.audit_log(ctx, a["admin"], 100, 0, "visit")[0]
    assert sorted(h.action for h in history) == ["create"] + ["replan"] * (
        2 if already_planned else 1
    )
    ctx.engine.dispose()


def test_a_plan_is_refused_when_the_course_ends_while_it_waits_to_write(tmp_path: Path) -> None:
    ctx, a, _, _, course_id, _ = started(url=f"sqlite:///{tmp_path}/clinic.db")

    def end_the_course() -> None:
        # a writer that does not queue at the gate (SQLite's own lock still holds it in line)
        with ctx.engine.begin() as connection:
            connection.execute(
                update(CourseRow)
                .where(CourseRow.id == course_id)
                .values(end_date=START, end_reason="completed", version=CourseRow.version + 1)
            )

    planned, failed = plan_in_threads(ctx, a["nurse"], course_id, ["plan"], end_the_course)
    assert planned == {}
    assert len(failed) == 1
    assert isinstance(failed[0], CourseRuleBroken)
    assert f"course {course_id} ended on {START}" in str(failed[0])
    assert visits.list_visits(ctx, a["nurse"], course_id) == []
    ctx.engine.dispose()


def planned_dose(tmp_path: Path) -> tuple[Context, dict[str, Actor], int, r.Visit, Any]:
    """A SQLite file with a planned first visit, and a call that records 2 mL into L1 there
    (with an idempotency key, if given one)."""
    ctx, a, _, _, course_id, _ = started(url=f"sqlite:///{tmp_path}/clinic.db")
    visit = visits.plan_next_visit(ctx, a["nurse"], course_id)
    body = s.AdministrationIn(
        version=visit.version,
        administered_at=datetime(START.year, START.month, START.day, 10, tzinfo=UTC),
        items=[s.AdministrationItem(target="L1", volume_ml=Decimal(2), vial_lot="LOT6")],
    )

    def record(key: str | None = None) -> tuple[dict[str, Any], bool]:
        return visits.record_administration(ctx, a["nurse"], visit.id, body, key)

    return ctx, a, course_id, visit, record


def test_a_retry_sent_while_the_first_waits_to_write_records_the_dose_once(
    tmp_path: Path,
) -> None:
    """The retry gets the writer's turn after the first has committed, finds the answer kept
    for its key and answers with what the first recorded."""
    ctx, _, _, _, record = planned_dose(tmp_path)
    calls = {name: (lambda: record("retry-key-2")) for name in ("first", "retry")}
    done, failed = write_in_threads(ctx, "FROM lesions", calls)
    assert failed == []
    answers = sorted(done.values(), key=lambda answer: answer[1])
    assert [replayed for _, replayed in answers] == [False, True]
    assert answers[0][0] == answers[1][0]
    assert count(ctx, AdministrationRow) == 1
    ctx.engine.dispose()


def test_a_dose_is_refused_when_its_visit_changes_while_it_waits_to_write(tmp_path: Path) -> None:
    ctx, a, _, visit, record = planned_dose(tmp_path)

    def replan() -> None:  # as a re-plan does, by a writer that does not queue at the gate
        with ctx.engine.begin() as connection:
            connection.execute(
                update(VisitRow).where(VisitRow.id == visit.id).values(version=visit.version + 1)
            )

    done, failed = write_in_threads(ctx, "FROM lesions", {"dose": record}, replan)
    assert done == {}
    assert len(failed) == 1
    assert isinstance(failed[0], Conflict)
    # the dose reads the visit after the change: its version has moved on
    assert "has changed since it was read (version 1, now 2); reload it" in str(failed[0])
    assert count(ctx, AdministrationRow) == 0
    assert visits.get_visit(ctx, a["nurse"], visit.id).status == "planned"
    ctx.engine.dispose()


def test_a_dose_is_refused_when_the_course_ends_while_it_waits_to_write(tmp_path: Path) -> None:
    ctx, a, course_id, visit, record = planned_dose(tmp_path)

    def end_the_course() -> None:
        with ctx.engine.begin() as connection:
            connection.execute(
                update(CourseRow)
                .where(CourseRow.id == course_id)
                .values(end_date=START, end_reason="completed", version=CourseRow.version + 1)
            )

    done, failed = write_in_threads(ctx, "FROM lesions", {"dose": record}, end_the_course)
    assert done == {}
    assert len(failed) == 1
    assert isinstance(failed[0], CourseRuleBroken)
    assert f"course {course_id} ended on {START}" in str(failed[0])
    assert count(ctx, AdministrationRow) == 0
    assert visits.get_visit(ctx, a["nurse"], visit.id).status == "planned"
    ctx.engine.dispose()


# ---- corrections and the audit trail ----------------------------------------------------------


def test_a_correction_is_a_new_version_with_who_when_why_and_a_stale_one_is_refused() -> None:
    ctx, a, _ = make_ctx()
    pid = make_patient(ctx, a)
    fixed = patients.correct_patient(
        ctx,
        a["nurse"],
        pid,
        s.PatientCorrection(
            version=1, reason="typo in the birth date", birth_date=date(1961, 5, 1)
        ),
    )
    assert (fixed.version, fixed.birth_date) == (2, date(1961, 5, 1))
    with pytest.raises(Conflict, match="has changed since it was read"):
        patients.correct_patient(
            ctx,
            a["oncologist"],
            pid,
            s.PatientCorrection(version=1, reason="stale edit", sex=s.Sex.MALE),
        )
    history = patients.patient_history(ctx, a["nurse"], pid)
    assert [(h.action, h.entity_version, h.reason) for h in history] == [
        ("create", 1, None),
        ("correct", 2, "typo in the birth date"),
    ]
    assert (history[1].before or {})["birth_date"] == "1960-05-01"
    assert (history[1].after or {})["birth_date"] == "1961-05-01"
    assert history[1].user_id == a["nurse"].user_id
    assert patients.get_patient(ctx, a["nurse"], pid).sex == "female"


def test_no_password_hash_reaches_the_audit_log() -> None:
    ctx, a, _ = make_ctx()
    entries = [
        entry
        for user in ("admin", "nurse")
        for entry in outcomes.record_history(ctx, a["admin"], "user", a[user].user_id)
    ]
    assert entries
    assert all(e.after and "password_hash" not in e.after for e in entries)


def test_a_measurement_set_is_all_or_nothing() -> None:
    ctx, a, _ = make_ctx()
    pid = make_patient(ctx, a)
    ids = add_lesions(
        ctx,
        a,
        pid,
        {"L1": ("2", "1", Site.CUTANEOUS), "L2": ("1", "1", Site.NODAL)},
        TODAY - timedelta(days=10),
    )
    before = count(ctx, MeasurementRow)
    with pytest.raises(
        InvalidInput,
        match=r"items\[1\] \(lesion L2\): Perpendicular diameter \(cm\) must not exceed the "
        r"longest diameter \(1 cm\)",
    ):
        measure(ctx, a, pid, TODAY, {ids["L1"]: ("1.5", "1"), ids["L2"]: ("1", "2")})
    assert count(ctx, MeasurementRow) == before
    measure(
        ctx, a, pid, TODAY, {ids["L1"]: ("0", "0"), ids["L2"]: ("1", "1")}
    )  # L1 has disappeared
    with pytest.raises(Conflict, match="already measured on 2026-06-01"):
        measure(ctx, a, pid, TODAY, {ids["L1"]: ("0", "0")})


def test_other_centres_patients_do_not_exist_for_this_user() -> None:
    ctx, a, _ = make_ctx()
    pid = make_patient(ctx, a)
    other = auth.bootstrap_centre(
        ctx,
        "other centre",
        s.UserIn(
            username="other-admin", full_name="O", role=Role.ADMIN, password="another-centre-secret"
        ),
    )
    stranger = Actor(other.id, other.centre_id, Role.NURSE, "stranger")
    with pytest.raises(NotFound, match=f"patient {pid} not found"):
        patients.get_patient(ctx, stranger, pid)


# ---- reading back ------------------------------------------------------------------------------


def test_response_billing_and_deidentified_outcomes_from_the_record() -> None:
    ctx, a, clock, pid, course_id, ids = started()
    v1 = visits.plan_next_visit(ctx, a["nurse"], course_id)
    give(
        ctx, a["nurse"], v1.id, START, [("L1", "2", "LOT6"), ("L2", "0.3", "LOT6")]
    )  # 2.3 mL: 3 vials, 0.7 mL wasted
    for weeks, (l1, l2) in (
        (6, (("2.0", "1.2"), ("0.5", "0.4"))),
        (8, (("1.5", "1.0"), ("0", "0"))),
    ):
        clock.day = START + timedelta(weeks=weeks)
        measure(ctx, a, pid, clock.day, {ids["L1"]: l1, ids["L2"]: l2, ids["V1"]: ("2.0", "1.0")})
    result = outcomes.assess_patient(ctx, a["oncologist"], pid)
    assert [x.category for x in result.assessments[1:]] == [
        "SD",
        "PR",
    ]  # SPD 8.8 → 4.6 (−48%) → 3.5 (−60%)
    lines = outcomes.billing_lines(ctx, a["billing"], START, TODAY)
    # whole units: 2.3 mL of 10^6 bills 3 units; less than a whole unit is left, so JZ
    assert [(x.units, x.modifier, x.what) for x in lines] == [(Decimal(3), "JZ", "administered")]
    assert lines[0].ndc == "55513-0078-01"
    with pytest.raises(PermissionDenied):
        outcomes.billing_lines(ctx, a["nurse"], START, TODAY)
    (row,), total = outcomes.deidentified_patients(ctx, a["researcher"], 10, 0)
    assert total == 1
    assert row.pseudonym.startswith("P-")
    assert "MRN" not in repr(row)
    assert (row.age_at_start, row.stage, row.doses) == (65, "IIIC", 1)


def test_planning_uses_each_lesions_latest_active_measurement() -> None:
    """The plan reads the newest measurement per lesion; one entered in error is skipped."""
    ctx, a, clock, pid, course_id, ids = started()
    v1 = visits.plan_next_visit(ctx, a["nurse"], course_id)
    give(ctx, a["nurse"], v1.id, START, [("L1", "2", "LOT6"), ("L2", "0.5", "LOT6")])
    clock.day = START + timedelta(days=21)
    measure(ctx, a, pid, clock.day - timedelta(days=1), {ids["L1"]: ("4.0", "3.0")})
    measure(ctx, a, pid, clock.day, {ids["L1"]: ("5.5", "3.0")})  # newest: > 5 cm band
    older = "L2 measured at the first visit only"  # tvec's rule asks why (L2 is not today's)
    planned = visits.plan_next_visit(ctx, a["nurse"], course_id, stale_reason=older)
    by_lesion = {i.lesion_id: i for i in planned.plan.injections}
    assert by_lesion["L1"].longest_cm == Decimal("5.5")
    assert planned.measurement_dates is not None
    assert planned.measurement_dates["L1"] == clock.day.isoformat()
    assert (planned.measured_on, planned.stale_reason) == (START, older)
    newest = max(
        (m for m in lesions.list_measurements(ctx, a["nurse"], pid) if m.lesion_id == ids["L1"]),
        key=lambda m: (m.measured_on, m.id),
    )
    lesions.correct_measurement(
        ctx,
        a["nurse"],
        newest.id,
        s.MeasurementCorrection(
            version=newest.version, reason="wrong lesion measured", status="entered-in-error"
        ),
    )
    replanned = visits.plan_next_visit(ctx, a["nurse"], course_id, stale_reason=older)
    by_lesion = {i.lesion_id: i for i in replanned.plan.injections}
    assert by_lesion["L1"].longest_cm == Decimal("4.0")
    assert by_lesion["L2"].longest_cm == Decimal("1.0")  # only its baseline on file
