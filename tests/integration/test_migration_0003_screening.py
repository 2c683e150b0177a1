"""Migration 0003 on a database with records made before it: the two-question screenings and the
diagnoses keep what they said, read item by item and "not recorded" where nothing was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.errors import CourseRuleBroken
from tvec.domain.indication import evaluate_indication
from tvec.knowledge import load_label
from tvec.persistence.migrate import upgrade
from tvec.services.indication import chart_facts
from tvec.services.screening import answers_of, check_screened, screening_items

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROWS = [
    "INSERT INTO centres (id, name) VALUES (1, 'Old centre')",
    "INSERT INTO users (id, centre_id, username, full_name, role, password_hash, active,"
    " created_at) VALUES (1, 1, 'nurse', 'N', 'nurse', 'x', :yes, :at)",
    "INSERT INTO patients (id, centre_id, mrn, birth_date, sex, created_at, version)"
    " VALUES (1, 1, 'OLD-1', '1960-02-01', 'female', :at, 1)",
    "INSERT INTO diagnoses (id, patient_id, stage, recurrent_after_surgery, unresectable,"
    " diagnosed_on, version) VALUES (1, 1, 'IIIC', :yes, :yes, '2025-10-01', 1)",
    "INSERT INTO screenings (id, patient_id, screened_on, immunocompromised, pregnant,"
    " answered_by, recorded_by, recorded_at) VALUES (1, 1, '2026-01-02', :no, :no, 'patient', 1, :at)",
    "INSERT INTO screenings (id, patient_id, screened_on, immunocompromised, pregnant,"
    " answered_by, recorded_by, recorded_at) VALUES (2, 1, '2026-01-03', :yes, :no, 'patient', 1, :at)",
]


def test_records_made_before_0003_read_sensibly_after_it(database_url: str) -> None:
    upgrade(database_url, "0002")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        for row in ROWS:
            connection.execute(text(row), {"yes": True, "no": False, "at": AT})
    engine.dispose()
    upgrade(database_url)
    ctx = build_context(Settings(database_url=database_url), lambda: AT)
    try:
        with ctx.uow(readonly=True) as uow:
            patient = uow.patients.find(1)
            dx = uow.diagnoses.for_patient(1)
            cleared, barred = uow.screenings.for_patient(1)
    finally:
        ctx.engine.dispose()
    assert patient is not None
    assert dx is not None
    assert dx.distant_sites is None  # not recorded before
    assert (cleared.answers, cleared.correction_reason) == (None, None)
    items = screening_items()
    assert set(answers_of(items, cleared).values()) == {False}  # "no" stands for each item
    check_screened(load_label("us"), [cleared])
    with pytest.raises(CourseRuleBroken, match="contraindicated: immunocompromised"):
        check_screened(load_label("us"), [cleared, barred])
    # the US indication holds on the old diagnosis; the EU one asks for what was not recorded
    facts = chart_facts(patient, dx, [], date(2026, 1, 5))
    assert evaluate_indication(load_label("us").indication, facts).within  # type: ignore[arg-type]
    eu = evaluate_indication(load_label("eu").indication, facts)  # type: ignore[arg-type]
    assert eu.missing == ("sites of distant disease (bone, brain, lung or other visceral)",)
