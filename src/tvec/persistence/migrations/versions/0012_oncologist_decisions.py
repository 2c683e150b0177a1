"""the oncologist's decisions: early-dose pre-authorisations and 6-month course reviews

`early_dose_authorisations`: an oncologist's reason, recorded in advance, to give one visit of a
course (its number: the course's next visit when it was recorded) earlier than the schedule's
interval; the nurse's record step uses it as the override reason of that visit (`used_visit_id`
then names the visit). Only the next visit, only once.

`course_reviews`: the oncologist's decision at a review point of an open course ("continue"),
who, when, the review point reviewed, and a note. Ending the course at a review is the course's
own end (its reason on the course).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "early_dose_authorisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("visit_number", sa.Integer(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("authorised_by", sa.Integer(), nullable=False),
        sa.Column("authorised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_visit_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_early_dose_authorisations_course_id_courses"
        ),
        sa.ForeignKeyConstraint(
            ["authorised_by"],
            ["users.id"],
            name="fk_early_dose_authorisations_authorised_by_users",
        ),
        sa.ForeignKeyConstraint(
            ["used_visit_id"],
            ["visits.id"],
            name="fk_early_dose_authorisations_used_visit_id_visits",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_early_dose_authorisations"),
        sa.UniqueConstraint(
            "course_id", "visit_number", name="uq_early_dose_authorisations_course_id_visit_number"
        ),
    )
    op.create_table(
        "course_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("review_point", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_course_reviews_course_id_courses"
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name="fk_course_reviews_reviewed_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_course_reviews"),
        sa.UniqueConstraint(
            "course_id", "review_point", name="uq_course_reviews_course_id_review_point"
        ),
    )
    op.create_index("ix_course_reviews_course_id", "course_reviews", ["course_id"])


def downgrade() -> None:
    op.drop_index("ix_course_reviews_course_id", table_name="course_reviews")
    op.drop_table("course_reviews")
    op.drop_table("early_dose_authorisations")
