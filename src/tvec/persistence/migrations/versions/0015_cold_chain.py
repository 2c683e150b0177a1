"""storage locations, temperature readings, excursions and their acknowledgements; where vials are

`storage_locations`: a centre's freezers and fridges by name, each of a kind (`freezer`,
`fridge`) whose temperature band comes from the label data.

`temperature_readings`: a location's data-logger readings (°C at a UTC instant), one per location
and time.

`excursions`: a stretch of a location's readings out of band, from the first reading out to the
first reading back in (`ended_at`; NULL while it lasts; `last_out_at`: its last reading while it
lasts, its end after), its lowest and highest °C, and the rule
in force when it was found (band, minimum duration, their sources), so a later change of the label
data does not rewrite it. `excursion_acknowledgements`: pharmacists who acknowledged it, each once,
with an optional note. `excursion_vials`: the vials it quarantined.

`vials.location_id`: where a vial is stored, when known.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

STAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "storage_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", STAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_storage_locations_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name="fk_storage_locations_created_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_storage_locations"),
        sa.UniqueConstraint("centre_id", "name", name="uq_storage_locations_centre_id_name"),
        sa.CheckConstraint("kind IN ('freezer', 'fridge')", name="ck_storage_locations_kind_known"),
    )
    op.create_table(
        "temperature_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("temperature_c", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["storage_locations.id"],
            name="fk_temperature_readings_location_id_storage_locations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_temperature_readings"),
        sa.UniqueConstraint("location_id", "at", name="uq_temperature_readings_location_id_at"),
    )
    _excursions()
    with op.batch_alter_table("vials") as batch:
        batch.add_column(sa.Column("location_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_vials_location_id_storage_locations",
            "storage_locations",
            ["location_id"],
            ["id"],
        )


def _excursions() -> None:
    op.create_table(
        "excursions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("started_at", STAMP, nullable=False),
        sa.Column("ended_at", STAMP, nullable=True),
        sa.Column("last_out_at", STAMP, nullable=False),
        sa.Column("min_c", sa.Float(), nullable=False),
        sa.Column("max_c", sa.Float(), nullable=False),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("band_min_c", sa.Float(), nullable=False),
        sa.Column("band_max_c", sa.Float(), nullable=False),
        sa.Column("band_source", sa.Text(), nullable=False),
        sa.Column("min_duration_minutes", sa.Integer(), nullable=False),
        sa.Column("duration_source", sa.Text(), nullable=False),
        sa.Column("found_at", STAMP, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_excursions_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["storage_locations.id"],
            name="fk_excursions_location_id_storage_locations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_excursions"),
    )
    op.create_index("ix_excursions_location_id", "excursions", ["location_id"])
    op.create_table(
        "excursion_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("excursion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", STAMP, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["excursion_id"],
            ["excursions.id"],
            name="fk_excursion_acknowledgements_excursion_id_excursions",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_excursion_acknowledgements_user_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_excursion_acknowledgements"),
        sa.UniqueConstraint(
            "excursion_id", "user_id", name="uq_excursion_acknowledgements_excursion_id_user_id"
        ),
    )
    op.create_table(
        "excursion_vials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("excursion_id", sa.Integer(), nullable=False),
        sa.Column("vial_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["excursion_id"], ["excursions.id"], name="fk_excursion_vials_excursion_id_excursions"
        ),
        sa.ForeignKeyConstraint(["vial_id"], ["vials.id"], name="fk_excursion_vials_vial_id_vials"),
        sa.PrimaryKeyConstraint("id", name="pk_excursion_vials"),
        sa.UniqueConstraint(
            "excursion_id", "vial_id", name="uq_excursion_vials_excursion_id_vial_id"
        ),
    )
    op.create_index("ix_excursion_vials_vial_id", "excursion_vials", ["vial_id"])


def downgrade() -> None:
    with op.batch_alter_table("vials") as batch:
        batch.drop_constraint("fk_vials_location_id_storage_locations", type_="foreignkey")
        batch.drop_column("location_id")
    op.drop_index("ix_excursion_vials_vial_id", table_name="excursion_vials")
    op.drop_table("excursion_vials")
    op.drop_table("excursion_acknowledgements")
    op.drop_index("ix_excursions_location_id", table_name="excursions")
    op.drop_table("excursions")
    op.drop_table("temperature_readings")
    op.drop_table("storage_locations")
