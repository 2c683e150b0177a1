"""reinitiation courses

A course may be started as a re-initiation of treatment after an earlier course's complete
response: every visit of it is a re-initiation visit. The course keeps the date of that complete
response, from which lesions count as new at its first visit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reinitiation", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("reinitiation_after", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("reinitiation_after")
        batch_op.drop_column("reinitiation")
