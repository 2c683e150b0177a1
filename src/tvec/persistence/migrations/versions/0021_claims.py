"""claims: ultrasound guidance, diagnosis codes, billing profiles, exported claim batches

`administrations.ultrasound_guided` (false for every dose recorded before); `diagnoses.icd10_codes`
(NULL: not recorded); `billing_profiles` (one per centre: provider, payer, place of service, fee
schedule); `claim_subscribers` (a patient's member id); `claim_batches`, `claims`, `claim_lines`:
what was exported, which refuse UPDATE and DELETE (triggers on both databases).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

IMMUTABLE = ("claim_batches", "claims", "claim_lines")
MONEY = sa.Numeric(12, 2)


def upgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ultrasound_guided", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("icd10_codes", sa.JSON(), nullable=True))
    _profiles()
    _batches()
    _immutable(op.get_bind().dialect.name)


def _profiles() -> None:
    texts = [
        ("place_of_service", 2), ("provider_name", 60), ("npi", 10), ("tax_id", 9),
        ("address", 55), ("city", 30), ("state", 2), ("postal_code", 9), ("contact_name", 60),
        ("contact_phone", 10), ("submitter_id", 15), ("receiver_id", 15), ("receiver_name", 60),
        ("payer_name", 60), ("payer_id", 80),
    ]  # fmt: skip
    op.create_table(
        "billing_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.String(length=n), nullable=False) for name, n in texts],
        sa.Column("fees", sa.JSON(), nullable=False),
        sa.Column("policy_id", sa.String(length=40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_billing_profiles_centre_id_centres")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_profiles")),
        sa.UniqueConstraint("centre_id", name=op.f("uq_billing_profiles_centre_id")),
    )
    op.create_table(
        "claim_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_claim_subscribers_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_subscribers")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_claim_subscribers_patient_id")),
    )


def _batches() -> None:
    op.create_table(
        "claim_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("control_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("claim_count", sa.Integer(), nullable=False),
        sa.Column("x12", sa.Text(), nullable=False),
        sa.Column("csv", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_claim_batches_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_claim_batches_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_batches")),
        sa.UniqueConstraint(
            "centre_id", "control_number", name=op.f("uq_claim_batches_centre_id_control_number")
        ),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("control_number", sa.String(length=38), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=False),
        sa.Column("place_of_service", sa.String(length=2), nullable=False),
        sa.Column("diagnosis_codes", sa.JSON(), nullable=False),
        sa.Column("authorization_number", sa.String(length=50), nullable=True),
        sa.Column("total_charge", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["claim_batches.id"], name=op.f("fk_claims_batch_id_claim_batches")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_claims_visit_id_visits")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_claims_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_claims_visit_id")),
    )
    op.create_index(op.f("ix_claims_batch_id"), "claims", ["batch_id"], unique=False)
    op.create_index(op.f("ix_claims_patient_id"), "claims", ["patient_id"], unique=False)
    op.create_table(
        "claim_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("modifiers", sa.JSON(), nullable=False),
        sa.Column("units", sa.Numeric(10, 2), nullable=False),
        sa.Column("charge", MONEY, nullable=False),
        sa.Column("ndc11", sa.String(length=11), nullable=True),
        sa.Column("ndc_unit", sa.String(length=2), nullable=True),
        sa.Column("ndc_quantity", sa.Numeric(8, 3), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_claim_lines_claim_id_claims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_lines")),
        sa.UniqueConstraint("claim_id", "number", name=op.f("uq_claim_lines_claim_id_number")),
    )
    op.create_index(op.f("ix_claim_lines_claim_id"), "claim_lines", ["claim_id"], unique=False)


def _immutable(dialect: str) -> None:
    """Exported batches are records of what was sent: UPDATE and DELETE are refused."""
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION claims_exported_immutable() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'an exported claim batch cannot "
            "change (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        for table in IMMUTABLE:
            op.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION claims_exported_immutable()"
            )
        return
    for table in IMMUTABLE:
        for what in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{what.lower()} BEFORE {what} ON {table} BEGIN "
                "SELECT RAISE(ABORT, 'an exported claim batch cannot change'); END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    for table in IMMUTABLE:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS claims_exported_immutable()")
    op.drop_index(op.f("ix_claim_lines_claim_id"), table_name="claim_lines")
    op.drop_table("claim_lines")
    op.drop_index(op.f("ix_claims_patient_id"), table_name="claims")
    op.drop_index(op.f("ix_claims_batch_id"), table_name="claims")
    op.drop_table("claims")
    op.drop_table("claim_batches")
    op.drop_table("claim_subscribers")
    op.drop_table("billing_profiles")
    with op.batch_alter_table("diagnoses", schema=None) as batch_op:
        batch_op.drop_column("icd10_codes")
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_column("ultrasound_guided")
