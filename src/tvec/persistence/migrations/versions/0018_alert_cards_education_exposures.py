"""patient alert cards, education, accidental exposures; the centre's contact

`centres.contact_phone`, `centres.contact_address`: the treating centre's contact printed on the
patient alert card (set by an admin). `alert_cards`: the card issued for a course (one per
course) with its first dose date, who issued it and when, and the patient's acknowledgement.
`patient_education`: education given to the patient or a named caregiver (topics, who, when).
`exposures`: an accidental exposure (staff member or close contact by relation, kind, when, what
was done) and its follow-up task (due date, closed with an outcome).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("contact_address", sa.Text(), nullable=True))
    op.create_table(
        "alert_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("first_dose_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_alert_cards_patient_id_patients"
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_alert_cards_course_id_courses"
        ),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], name="fk_alert_cards_issued_by_users"),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["users.id"], name="fk_alert_cards_acknowledged_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alert_cards"),
        sa.UniqueConstraint("course_id", name="uq_alert_cards_course_id"),
    )
    op.create_index("ix_alert_cards_patient_id", "alert_cards", ["patient_id"])
    op.create_table(
        "patient_education",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=20), nullable=False),
        sa.Column("caregiver_name", sa.String(length=200), nullable=True),
        sa.Column("caregiver_relation", sa.String(length=80), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("given_by", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_patient_education_patient_id_patients"
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name="fk_patient_education_course_id_courses"
        ),
        sa.ForeignKeyConstraint(
            ["given_by"], ["users.id"], name="fk_patient_education_given_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_patient_education"),
    )
    op.create_index("ix_patient_education_patient_id", "patient_education", ["patient_id"])
    op.create_table(
        "exposures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("exposed", sa.String(length=20), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=True),
        sa.Column("contact_relation", sa.String(length=80), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("action_note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("follow_up_due", sa.Date(), nullable=False),
        sa.Column("follow_up_closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_closed_by", sa.Integer(), nullable=True),
        sa.Column("follow_up_outcome", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_exposures_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name="fk_exposures_patient_id_patients"
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"], ["users.id"], name="fk_exposures_staff_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name="fk_exposures_recorded_by_users"
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_closed_by"], ["users.id"], name="fk_exposures_follow_up_closed_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exposures"),
    )
    op.create_index("ix_exposures_centre_id", "exposures", ["centre_id"])


def downgrade() -> None:
    op.drop_index("ix_exposures_centre_id", table_name="exposures")
    op.drop_table("exposures")
    op.drop_index("ix_patient_education_patient_id", table_name="patient_education")
    op.drop_table("patient_education")
    op.drop_index("ix_alert_cards_patient_id", table_name="alert_cards")
    op.drop_table("alert_cards")
    with op.batch_alter_table("centres", schema=None) as batch_op:
        batch_op.drop_column("contact_address")
        batch_op.drop_column("contact_phone")
