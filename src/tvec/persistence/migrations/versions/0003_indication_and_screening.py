"""indication and screening

The diagnosis records the sites of bone, brain, lung or other visceral disease (NULL: not
recorded; existing diagnoses stay "not recorded"). A screening records the label's contraindication
list item by item (`answers`, NULL on the screenings recorded before, whose two answers still stand
for them) and the reason for a same-day correction. A course records an oncologist's reason for
treating outside the indication.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("distant_sites", sa.JSON(), nullable=True))
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("correction_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("off_label_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("off_label_reason")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_column("correction_reason")
        batch_op.drop_column("answers")
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_column("distant_sites")
