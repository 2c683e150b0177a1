"""measurement corrections and the plan's measurement date (owned by the measure/plan work)

A visit keeps the dates of the measurements its dose plan used (`measured_on`: the oldest of
them; `measurement_dates`: each lesion's) and, when they were not all from the day of planning,
the nurse's reason to plan from them anyway (`stale_reason`). Visits planned before this have
none of them (NULL: not recorded). Measurement corrections need no new column: a correction is a
new version of the measurement with its reason in the audit log.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs, which SQLite does itself: a batch would copy the visits table, which the
    # administrations refer to.
    op.add_column("visits", sa.Column("measured_on", sa.Date(), nullable=True))
    op.add_column("visits", sa.Column("measurement_dates", sa.JSON(), nullable=True))
    op.add_column("visits", sa.Column("stale_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in ("stale_reason", "measurement_dates", "measured_on"):
        op.drop_column("visits", column)  # SQLite 3.35 and later drop it in place
