"""The database fixtures themselves: both backends work, reset empties, PostgreSQL is shared."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, inspect
from tests.support.postgres import reset_database

metadata = MetaData()
patients = Table(
    "patients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def test_database_url_gives_a_working_database(
    engine: Engine, request: pytest.FixtureRequest
) -> None:
    backend = request.node.callspec.params["database_url"]
    assert engine.dialect.name == backend

    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(patients.insert().values(id=1, name="Ada"))
    with engine.connect() as conn:
        assert conn.execute(patients.select()).all() == [(1, "Ada")]


def test_database_url_starts_empty(engine: Engine) -> None:
    # The previous test created `patients`; each test must get a fresh database.
    assert inspect(engine).get_table_names() == []


def test_reset_database_drops_everything(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(patients.insert().values(id=1, name="Ada"))
        assert inspect(engine).get_table_names() == ["patients"]

        engine.dispose()  # reset_database must not wait on our idle pooled connections
        reset_database(postgres_url)

        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_concurrent_connections_see_committed_data(postgres_url: str) -> None:
    reset_database(postgres_url)
    engine = create_engine(postgres_url)
    try:
        metadata.create_all(engine)
        with engine.connect() as writer, engine.connect() as reader:
            writer.execute(patients.insert().values(id=1, name="Ada"))
            # READ COMMITTED: not visible to the other session until the writer commits.
            assert reader.execute(patients.select()).all() == []
            reader.rollback()
            writer.commit()
            assert reader.execute(patients.select()).all() == [(1, "Ada")]
    finally:
        engine.dispose()
