"""FHIR import: which record each imported resource became, per centre

`fhir_links`: one row per centre and source identity (a Patient's or Tumor's identifier, or a
resource's id within its source patient), naming the tvec record it became, so that importing
the same data again matches instead of duplicating.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fhir_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("system", sa.String(length=400), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_fhir_links_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["imported_by"], ["users.id"], name=op.f("fk_fhir_links_imported_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fhir_links")),
        sa.UniqueConstraint(
            "centre_id",
            "resource_type",
            "system",
            "value",
            name=op.f("uq_fhir_links_centre_id_resource_type_system_value"),
        ),
    )


def downgrade() -> None:
    op.drop_table("fhir_links")
