"""FHIR Bulk Data export: jobs and their NDJSON files

`bulk_export_jobs`: one `$export` request, found by the SHA-256 of its unguessable token, owned by
a centre and the user who asked, with when it was asked, when it expires, whether it is the
researcher's de-identified form and the resource types asked for. `bulk_export_files`: one NDJSON
file of a job per resource type, its count and its content (built at kick-off).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bulk_export_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deidentified", sa.Boolean(), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name=op.f("fk_bulk_export_jobs_centre_id_centres")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_bulk_export_jobs_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_export_jobs")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_bulk_export_jobs_token_hash")),
    )
    op.create_index(
        op.f("ix_bulk_export_jobs_centre_id"), "bulk_export_jobs", ["centre_id"], unique=False
    )
    op.create_index(
        op.f("ix_bulk_export_jobs_expires_at"), "bulk_export_jobs", ["expires_at"], unique=False
    )
    op.create_table(
        "bulk_export_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["bulk_export_jobs.id"],
            name=op.f("fk_bulk_export_files_job_id_bulk_export_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_export_files")),
    )
    op.create_index(
        op.f("ix_bulk_export_files_job_id"), "bulk_export_files", ["job_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_bulk_export_files_job_id"), table_name="bulk_export_files")
    op.drop_table("bulk_export_files")
    op.drop_index(op.f("ix_bulk_export_jobs_expires_at"), table_name="bulk_export_jobs")
    op.drop_index(op.f("ix_bulk_export_jobs_centre_id"), table_name="bulk_export_jobs")
    op.drop_table("bulk_export_jobs")
