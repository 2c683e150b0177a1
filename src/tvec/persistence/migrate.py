"""Run the Alembic migrations programmatically (`tvec db upgrade`, tests, `make run`).

`upgrade` says what it did: whether the database was new (no migration applied before), moved
to a newer revision, or already current, so `tvec db upgrade` can tell a first start from a
routine one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from tvec.persistence.db import make_engine

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Upgraded:
    """The revisions before and after an upgrade (empty before: a new database)."""

    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def created(self) -> bool:
        return not self.before

    @property
    def changed(self) -> bool:
        return self.before != self.after


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def current_revisions(database_url: str) -> tuple[str, ...]:
    """The revisions applied to the database, sorted; () when none (a new or empty database)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    return tuple(sorted(heads))


def upgrade(database_url: str, revision: str = "head") -> Upgraded:
    before = current_revisions(database_url)
    command.upgrade(alembic_config(database_url), revision)
    return Upgraded(before, current_revisions(database_url))


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
