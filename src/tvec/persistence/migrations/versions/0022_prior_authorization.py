"""prior authorization: payers, requests and their answers, doses given outside a window

`payers`: a payer and the centre row of its own review office (its reviewers' accounts belong to
it). `prior_auth_requests`: a course's request to a payer under one policy, its status (submitted,
pended, approved, denied, appealed), the chart's facts and the PAS Bundle sent, and the payer's
answer (authorization number, window, units authorized; or what was asked; or the reason).
`authorization_overrides`: a dose recorded outside every approved window, with the reason.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:00:36.012509
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("office_centre_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_centre_id"], ["centres.id"], name=op.f("fk_payers_office_centre_id_centres")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payers")),
        sa.UniqueConstraint("name", name=op.f("uq_payers_name")),
        sa.UniqueConstraint("office_centre_id", name=op.f("uq_payers_office_centre_id")),
    )
    op.create_table(
        "prior_auth_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("payer_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=False),
        sa.Column("policy_version", sa.String(length=120), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("review_type", sa.String(length=40), nullable=False),
        sa.Column("units_requested", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("bundle", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("authorization_number", sa.String(length=60), nullable=True),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("units_authorized", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("decided_automatically", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status <> 'approved' OR (authorization_number IS NOT NULL AND window_start IS NOT "
            "NULL AND window_end IS NOT NULL AND units_authorized > 0)",
            name=op.f("ck_prior_auth_requests_approval_complete"),
        ),
        sa.CheckConstraint(
            "status IN ('submitted', 'pended', 'approved', 'denied', 'appealed')",
            name=op.f("ck_prior_auth_requests_status_known"),
        ),
        sa.CheckConstraint(
            "window_end IS NULL OR window_start IS NULL OR window_end >= window_start",
            name=op.f("ck_prior_auth_requests_window_end_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"], name=op.f("fk_prior_auth_requests_answered_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_prior_auth_requests_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_prior_auth_requests_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["payer_id"], ["payers.id"], name=op.f("fk_prior_auth_requests_payer_id_payers")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_prior_auth_requests_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prior_auth_requests")),
    )
    with op.batch_alter_table("prior_auth_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_prior_auth_requests_centre_id"), ["centre_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prior_auth_requests_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_prior_auth_requests_payer_id"), ["payer_id"], unique=False
        )

    op.create_table(
        "authorization_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_authorization_overrides_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_authorization_overrides_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorization_overrides")),
    )
    with op.batch_alter_table("authorization_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_authorization_overrides_visit_id"), ["visit_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("authorization_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorization_overrides_visit_id"))

    op.drop_table("authorization_overrides")
    with op.batch_alter_table("prior_auth_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prior_auth_requests_payer_id"))
        batch_op.drop_index(batch_op.f("ix_prior_auth_requests_course_id"))
        batch_op.drop_index(batch_op.f("ix_prior_auth_requests_centre_id"))

    op.drop_table("prior_auth_requests")
    op.drop_table("payers")
