"""Shared fixtures: every database test runs on SQLite and on a throwaway PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import find_pg_bindir, reset_database, throwaway_cluster

# The suite creates many users; production-strength argon2 would spend most of the run hashing.
# Real deployments keep the defaults in tvec.config.Settings.
os.environ.setdefault("TVEC_ARGON2_TIME_COST", "1")
os.environ.setdefault("TVEC_ARGON2_MEMORY_KIB", "1024")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One PostgreSQL cluster for the whole session (started on first use, ~1 s)."""
    if find_pg_bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "PostgreSQL server binaries not found (no TVEC_PG_BINDIR, no pg_config "
                "--bindir with initdb, no /usr/lib/postgresql/*/bin/initdb); "
                "CI requires the PostgreSQL run",
                pytrace=False,
            )
        pytest.skip(
            "PostgreSQL server binaries not found: set TVEC_PG_BINDIR or install "
            "postgresql-15 to run the PostgreSQL half of the suite"
        )
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/tvec.db"
    # Requested lazily so the SQLite half never starts (or needs) PostgreSQL.
    url: str = request.getfixturevalue("postgres_url")
    reset_database(url)
    return url
