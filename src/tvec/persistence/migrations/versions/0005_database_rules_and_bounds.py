"""database rules and bounds

The "only one" rules the services check are also kept by the database, so that two requests at
the same moment cannot both pass the check (PostgreSQL runs them side by side):

- one open course per patient (a partial unique index on courses.patient_id where end_date is
  null);
- one active measurement of a lesion per day (a partial unique index on measurements(lesion_id,
  measured_on) where status is 'active').

The other "only one" rules were unique constraints from the start (0001): MRN per centre,
username, lesion name per patient, one diagnosis per patient, visit number per course, lot per
centre, token, idempotency key per user.

An existing database that already breaks a rule cannot take the index; the upgrade then stops
and names the table and the record ids to correct (the records are never changed here).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN_COURSE = "uq_courses_one_open_per_patient"
ACTIVE_MEASUREMENT = "uq_measurements_one_active_per_lesion_day"
ONE_OPEN = "end_date IS NULL"
ACTIVE = "status = 'active'"


def _refuse_if_broken(what: str, query: str) -> None:
    rows = op.get_bind().execute(sa.text(query)).fetchall()
    if rows:
        ids = ", ".join(str(row[0]) for row in rows[:20])
        raise RuntimeError(
            f"cannot add the rule '{what}': records break it already ({ids}); "
            "end or correct them, then upgrade again"
        )


def upgrade() -> None:
    _refuse_if_broken(
        "one open course per patient (patient ids)",
        "SELECT patient_id FROM courses WHERE end_date IS NULL "
        "GROUP BY patient_id HAVING count(*) > 1",
    )
    _refuse_if_broken(
        "one active measurement of a lesion per day (lesion ids)",
        "SELECT lesion_id FROM measurements WHERE status = 'active' "
        "GROUP BY lesion_id, measured_on HAVING count(*) > 1",
    )
    op.create_index(
        OPEN_COURSE,
        "courses",
        ["patient_id"],
        unique=True,
        sqlite_where=sa.text(ONE_OPEN),
        postgresql_where=sa.text(ONE_OPEN),
    )
    op.create_index(
        ACTIVE_MEASUREMENT,
        "measurements",
        ["lesion_id", "measured_on"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index(ACTIVE_MEASUREMENT, table_name="measurements")
    op.drop_index(OPEN_COURSE, table_name="courses")
