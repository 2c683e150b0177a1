"""course holds: a course on hold cannot be planned or given

`course_holds`: a hold on a course with its reason, the first day held (`starts_on`) and
optionally the last (`ends_on`), who placed it and when, the adverse event that caused it if any,
and its release (when, by whom, why). A hold is never deleted: releasing it fills the release.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("placed_by", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("adverse_event_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.Integer(), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_course_holds_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_course_holds_course_id_courses"
        ),
        sa.ForeignKeyConstraint(
            ["placed_by"], ["users.id"], name="fk_course_holds_placed_by_users"
        ),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_events.id"],
            name="fk_course_holds_adverse_event_id_adverse_events",
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["users.id"], name="fk_course_holds_released_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_course_holds"),
    )
    op.create_index("ix_course_holds_course_id", "course_holds", ["course_id"])


def downgrade() -> None:
    op.drop_index("ix_course_holds_course_id", table_name="course_holds")
    op.drop_table("course_holds")
