"""The centre's report cohort takes overall survival, line, ECOG and the exposure columns from
the recorded follow-up, doses and courses (the demo centre, on SQLite and PostgreSQL).

The expected values are worked out here from the tables themselves with plain SQL, not through
the repositories or the cohort code."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from tests.support.clinic import close_app, make_app

from tvec.analytics.cohort import ECOG_NOT_RECORDED, OPTIONAL_PATIENT_COLUMNS
from tvec.reports.source import records_source
from tvec.services.cohort import RecordsCohort, records_cohort
from tvec.services.context import Actor, Context
from tvec.services.outcomes import pseudonym_digest
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo


@pytest.fixture
def demo(database_url: str) -> Iterator[tuple[Context, RecordsCohort]]:
    app, ctx = make_app(database_url)
    try:
        load_demo(ctx, 12, seed=3)
        with ctx.uow(readonly=True) as uow:
            user = uow.users.by_username("researcher")
        assert user is not None
        actor = Actor(user.id, user.centre_id, Role.RESEARCHER, user.username)
        yield ctx, records_cohort(ctx, actor)
    finally:
        close_app(app)


def _rows(ctx: Context, sql: str) -> list[Any]:
    with ctx.engine.connect() as connection:
        return list(connection.execute(text(sql)))


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def expected(ctx: Context) -> dict[int, dict[str, Any]]:
    """Each treated patient's columns, from the tables."""
    out: dict[int, dict[str, Any]] = {}
    courses: dict[int, list[Any]] = defaultdict(list)
    for c in _rows(ctx, "SELECT id, patient_id, start_date, end_date, end_reason FROM courses"):
        courses[c.patient_id].append(c)
    follow = {f.patient_id: f for f in _rows(ctx, "SELECT * FROM patient_follow_up")}
    prior: dict[int, int] = defaultdict(int)
    for t in _rows(ctx, "SELECT patient_id FROM prior_therapies WHERE status = 'active'"):
        prior[t.patient_id] += 1
    doses = _rows(
        ctx,
        "SELECT c.patient_id, v.id AS visit_id, v.course_id, v.administered_on "
        "FROM visits v JOIN courses c ON c.id = v.course_id WHERE v.status = 'administered'",
    )
    given = _rows(
        ctx,
        "SELECT c.patient_id, a.volume_ml, l.pfu_per_ml FROM administrations a "
        "JOIN visits v ON v.id = a.visit_id JOIN courses c ON c.id = v.course_id "
        "JOIN vial_lots l ON l.id = a.vial_lot_id "
        "WHERE a.status = 'active' AND v.status = 'administered'",
    )
    measured = _rows(
        ctx,
        "SELECT les.patient_id, m.measured_on FROM measurements m "
        "JOIN lesions les ON les.id = m.lesion_id "
        "WHERE m.status = 'active' AND les.status = 'active'",
    )
    sexes = {p.id: p.sex for p in _rows(ctx, "SELECT id, sex FROM patients")}
    for pid, theirs in courses.items():
        latest = max(theirs, key=lambda c: (_day(c.start_date), c.id))
        start = _day(latest.start_date)
        days = [_day(d.administered_on) for d in doses if d.patient_id == pid]
        latest_days = [_day(d.administered_on) for d in doses if d.course_id == latest.id]
        seen = [_day(m.measured_on) for m in measured if m.patient_id == pid]
        fu = follow.get(pid)
        died = None if fu is None or fu.died_on is None else _day(fu.died_on)
        alive = (
            None if fu is None or fu.last_known_alive_on is None else _day(fu.last_known_alive_on)
        )
        contact = max(
            [start, *latest_days, *(d for d in seen if d >= start), *([alive] if alive else [])]
        )
        open_at_death = died is not None and (
            latest.end_date is None or died <= _day(latest.end_date)
        )
        mine = [g for g in given if g.patient_id == pid]
        out[pid] = {
            "os_event": int(died is not None),
            "os_days": (died - start).days if died else (contact - start).days,
            "line": "later" if prior[pid] else "first",
            "sex": sexes[pid],
            "ecog": ECOG_NOT_RECORDED if fu is None or fu.ecog is None else fu.ecog,
            "courses": len(theirs),
            "visits": len(days),
            "volume_ml": float(sum((Decimal(str(g.volume_ml)) for g in mine), Decimal(0))),
            "pfu": float(sum((Decimal(str(g.volume_ml)) * g.pfu_per_ml for g in mine), Decimal(0))),
            "treatment_days": (max(days) - min(days)).days if days else 0,
            "end_reason": "death" if open_at_death else (latest.end_reason or ""),
        }
    return out


def test_the_cohort_takes_survival_line_ecog_and_exposure_from_the_records(
    demo: tuple[Context, RecordsCohort],
) -> None:
    ctx, records = demo
    cohort = records.cohort.patients
    assert set(OPTIONAL_PATIENT_COLUMNS) <= set(cohort)
    wanted = expected(ctx)
    # the cohort numbers patients in the order of their keyed pseudonym
    treated = sorted(wanted, key=lambda pid: pseudonym_digest(ctx, pid))
    assert len(treated) == records.cohort.n_patients
    for row, pid in enumerate(treated):
        for column, value in wanted[pid].items():
            got = cohort[column][row].item()
            if isinstance(value, float):
                assert got == pytest.approx(value), (column, row)
            else:
                assert got == value, (column, row)
    # the demo records deaths, later lines and ECOG for everyone treated
    assert cohort["os_event"].sum() >= 1  # each row checked against the records above
    assert "later" in cohort["line"].tolist()
    assert "first" in cohort["line"].tolist()
    assert ECOG_NOT_RECORDED not in cohort["ecog"].tolist()
    assert "death" in cohort["end_reason"].tolist()


def test_the_centres_report_says_deaths_are_recorded(demo: tuple[Context, RecordsCohort]) -> None:
    _ctx, records = demo
    source = records_source(
        records.cohort,
        records.responses,
        records.excluded,
        records.centre_name,
        records.centre_patients,
        "researcher (researcher)",
    )
    assert source.deaths_recorded is True
    assert "date of death" in source.os_note
    assert "last date known alive" in source.os_note
