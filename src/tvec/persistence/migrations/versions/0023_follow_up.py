"""follow-up: death, last known alive, baseline ECOG, prior systemic therapies

`patient_follow_up`: one record per patient (date and cause category of death, the last date
known alive, the baseline ECOG status and its date), corrected by new versions.
`prior_therapies`: the patient's prior systemic therapies (category, agent, line of therapy,
start and end dates), marked entered in error rather than deleted.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 01:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("died_on", sa.Date(), nullable=True),
        sa.Column("death_cause", sa.String(length=40), nullable=True),
        sa.Column("last_known_alive_on", sa.Date(), nullable=True),
        sa.Column("ecog", sa.Integer(), nullable=True),
        sa.Column("ecog_assessed_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ecog IS NULL OR (ecog >= 0 AND ecog <= 4)",
            name=op.f("ck_patient_follow_up_ecog_grade"),
        ),
        sa.CheckConstraint(
            "(died_on IS NULL) = (death_cause IS NULL)",
            name=op.f("ck_patient_follow_up_death_complete"),
        ),
        sa.CheckConstraint(
            "(ecog IS NULL) = (ecog_assessed_on IS NULL)",
            name=op.f("ck_patient_follow_up_ecog_complete"),
        ),
        sa.CheckConstraint(
            "died_on IS NULL OR last_known_alive_on IS NULL OR last_known_alive_on <= died_on",
            name=op.f("ck_patient_follow_up_alive_not_after_death"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_patient_follow_up_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_patient_follow_up_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_follow_up")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_patient_follow_up_patient_id")),
    )
    op.create_table(
        "prior_therapies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("line >= 1", name=op.f("ck_prior_therapies_line_positive")),
        sa.CheckConstraint(
            "ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on",
            name=op.f("ck_prior_therapies_end_after_start"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'entered-in-error')",
            name=op.f("ck_prior_therapies_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_prior_therapies_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_prior_therapies_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prior_therapies")),
    )
    op.create_index(
        op.f("ix_prior_therapies_patient_id"), "prior_therapies", ["patient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_prior_therapies_patient_id"), table_name="prior_therapies")
    op.drop_table("prior_therapies")
    op.drop_table("patient_follow_up")
