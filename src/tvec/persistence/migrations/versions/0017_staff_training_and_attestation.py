"""staff training records and staff attestations for the safety programme

`staff_trainings`: a user's completed programme training (the course code from the programme
data), its completion date and its expiry date (required, after the completion), who recorded it
and when. `staff_attestations`: a user's attestation that they may (or may not) prepare and give
the product; only whether they are cleared is kept, never which condition. Both are append-only:
the latest attestation holds, and a training is superseded by a newer record.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=80), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "expires_on > completed_on", name=op.f("ck_staff_trainings_expires_after_completion")
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_staff_trainings_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_staff_trainings_user_id_users"),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name="fk_staff_trainings_recorded_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_trainings"),
    )
    op.create_index("ix_staff_trainings_user_id", "staff_trainings", ["user_id"])
    op.create_index("ix_staff_trainings_centre_id", "staff_trainings", ["centre_id"])
    op.create_table(
        "staff_attestations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False),
        sa.Column("attested_on", sa.Date(), nullable=False),
        sa.Column("attested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_staff_attestations_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_staff_attestations_user_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_attestations"),
    )
    op.create_index("ix_staff_attestations_user_id", "staff_attestations", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_staff_attestations_user_id", table_name="staff_attestations")
    op.drop_table("staff_attestations")
    op.drop_index("ix_staff_trainings_centre_id", table_name="staff_trainings")
    op.drop_index("ix_staff_trainings_user_id", table_name="staff_trainings")
    op.drop_table("staff_trainings")
