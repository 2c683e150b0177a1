"""what happens to a vial after receipt: thaw, moves, the draw, quarantine, release, discard

`vial_events`: one row per thing done to a vial, in the order done: `quarantined`, `released`,
`thawed`, `to_fridge`, `to_room`, `drawn_into_syringe`, `given`, `discarded`. Each has when it
happened (`at`, the time the person gives) and when and by whom it was recorded, an optional
reason (required by the services for release and discard) and an optional volume in mL (drawn,
given or discarded). Rows are only ever added; a vial's `status` is the summary the services keep
beside them: `in_stock`, `quarantined`, `thawed`, `emptied`, `discarded`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vial_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("vial_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("volume_ml", sa.Numeric(5, 2), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_vial_events_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(["vial_id"], ["vials.id"], name="fk_vial_events_vial_id_vials"),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name="fk_vial_events_recorded_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_vial_events"),
        sa.CheckConstraint(
            "volume_ml IS NULL OR volume_ml >= 0", name="ck_vial_events_volume_not_negative"
        ),
    )
    op.create_index("ix_vial_events_vial_id", "vial_events", ["vial_id"])
    op.create_index("ix_vial_events_centre_id_at", "vial_events", ["centre_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_vial_events_centre_id_at", table_name="vial_events")
    op.drop_index("ix_vial_events_vial_id", table_name="vial_events")
    op.drop_table("vial_events")
