"""Alembic environment: tvec's metadata, batch mode for SQLite's limited ALTER TABLE."""

from __future__ import annotations

from alembic import context

from tvec.persistence import models  # noqa: F401  (registers the tables)
from tvec.persistence.db import Base, make_engine

config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:  # a migration that stops (migration 0013 on lots to correct) closes its connections too
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run_migrations_online()
