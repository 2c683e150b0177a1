"""Migration 0019 on adverse events recorded before it: grade 5 becomes "results in death";
a serious event keeps being serious ("other important medical event"); "related" true is "yes"
and false becomes unanswered (the old form preselected "no"); awareness is the onset; and such
an event is still read, listed and updatable."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import create_engine, text

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.adverse_event import Criterion, Relatedness
from tvec.persistence.migrate import upgrade
from tvec.schemas import clinic as s
from tvec.services import adverse_events
from tvec.services.context import Actor
from tvec.services.permissions import Role

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EVENT = (
    "INSERT INTO adverse_events (id, patient_id, term, grade, serious, related, onset,"
    " action_taken, status, version) VALUES (:id, 1, :term, :grade, :serious, :related,"
    " '2026-01-02', 'none', 'active', 1)"
)
ROWS = [
    "INSERT INTO centres (id, name) VALUES (1, 'Old centre')",
    "INSERT INTO users (id, centre_id, username, full_name, role, password_hash, active,"
    " created_at) VALUES (1, 1, 'nurse', 'N', 'nurse', 'x', :yes, :at)",
    "INSERT INTO patients (id, centre_id, mrn, birth_date, sex, created_at, version)"
    " VALUES (1, 1, 'OLD-1', '1960-02-01', 'female', :at, 1)",
]
EVENTS = [
    {"id": 1, "term": "pyrexia", "grade": 2, "serious": False, "related": True},
    {"id": 2, "term": "cellulitis", "grade": 3, "serious": True, "related": False},
    {"id": 3, "term": "sepsis", "grade": 5, "serious": False, "related": True},
]


def test_events_recorded_before_0019_read_sensibly_after_it(database_url: str) -> None:
    upgrade(database_url, "0016")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for row in ROWS:
            connection.execute(text(row), {"yes": True, "at": AT})
        for values in EVENTS:
            connection.execute(text(EVENT), values)
    engine.dispose()
    upgrade(database_url)
    ctx = build_context(Settings(database_url=database_url), lambda: AT)
    nurse = Actor(1, 1, Role.NURSE, "nurse")
    try:
        fever, cellulitis, sepsis = adverse_events.list_adverse_events(ctx, nurse, 1)
        assert (fever.related, fever.serious, fever.criteria) == ("yes", False, frozenset())
        assert (cellulitis.related, cellulitis.serious) == (None, True)
        assert cellulitis.criteria == {Criterion.IMPORTANT_MEDICAL_EVENT}
        assert (sepsis.serious, sepsis.criteria) == (True, {Criterion.DEATH})
        assert sepsis.aware_on == date(2026, 1, 2)
        assert cellulitis.shown_term == "cellulitis"  # free text kept, read as Other, specify
        fix = s.AdverseEventUpdate(version=1, reason="relatedness asked", related=Relatedness.NO)
        updated = adverse_events.update_adverse_event(ctx, nurse, cellulitis.id, fix)
        assert (updated.related, updated.serious) == ("no", True)
    finally:
        ctx.engine.dispose()
