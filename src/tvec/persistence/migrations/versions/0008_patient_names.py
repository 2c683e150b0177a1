"""patient names and allergies (owned by the patient-identity work)

A patient has a given name and a family name (required for every patient registered from now
on), an optional preferred name ("known as") and optional allergies (free text, shown as a red
alert on every patient screen when recorded).

Patients registered before this migration have no name on file: their given and family names
are filled with the empty string, which every screen shows as "name not recorded" until a
correction (PATCH /patients/{id}, with a reason) records the names. Nothing is guessed.

`name_key` is what a patient search compares the typed words with (tvec.domain.identity): the
names and MRN without accents and case folded, kept by the patient repository on every write. For
existing patients it is filled here from their MRN (their names are empty).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs, which SQLite does itself: a batch would copy the patients table and drop
    # the old one, which courses, lesions and every clinical record refer to.
    op.add_column(
        "patients",
        sa.Column("given_name", sa.String(100), nullable=False, server_default=""),
    )
    op.add_column(
        "patients",
        sa.Column("family_name", sa.String(100), nullable=False, server_default=""),
    )
    op.add_column("patients", sa.Column("preferred_name", sa.String(100), nullable=True))
    op.add_column("patients", sa.Column("allergies", sa.Text(), nullable=True))
    op.add_column(
        "patients",
        sa.Column("name_key", sa.String(400), nullable=False, server_default=""),
    )
    patients = sa.table("patients", sa.column("id", sa.Integer), sa.column("mrn", sa.String))
    keyed = sa.table("patients", sa.column("id", sa.Integer), sa.column("name_key", sa.String))
    connection = op.get_bind()
    for patient_id, mrn in connection.execute(sa.select(patients.c.id, patients.c.mrn)).all():
        connection.execute(
            sa.update(keyed).where(keyed.c.id == patient_id).values(name_key=f" {_folded(mrn)} ")
        )


def _folded(text: str) -> str:
    """As tvec.domain.identity.folded (copied: a migration does not change with the code)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def downgrade() -> None:
    for column in ("name_key", "allergies", "preferred_name", "family_name", "given_name"):
        op.drop_column("patients", column)  # SQLite 3.35 and later drop it in place
