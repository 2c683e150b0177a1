"""coverage answers: what the billing office answered for a course's coverage check

`coverage_answers`: for one course and one payer policy, the answers to the questions the chart
cannot answer (review type, re-authorization, prescriber specialty, prior therapies, documents on
file, and any diagnosis fact not recorded), as JSON, with who recorded them and when. One row per
course and policy; a new answer is a new version of the row (audited with before and after).

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-06 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coverage_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_coverage_answers_course_id_courses"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name="fk_coverage_answers_recorded_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_coverage_answers"),
        sa.UniqueConstraint(
            "course_id", "policy_id", name=op.f("uq_coverage_answers_course_id_policy_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("coverage_answers")
