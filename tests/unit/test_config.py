"""Settings that depend on the database."""

from __future__ import annotations

from tvec.config import API_THREADS_POSTGRESQL, API_THREADS_SQLITE, Settings, api_threads_in_use


def test_the_request_threads_suit_the_database_unless_set() -> None:
    sqlite = Settings(database_url="sqlite:///var/tvec.db")
    postgres = Settings(database_url="postgresql+psycopg://tvec@db.example/tvec")
    assert api_threads_in_use(sqlite) == API_THREADS_SQLITE
    assert api_threads_in_use(postgres) == API_THREADS_POSTGRESQL
    assert API_THREADS_POSTGRESQL > API_THREADS_SQLITE  # threads that wait on the server overlap
    assert api_threads_in_use(postgres.model_copy(update={"api_threads": 3})) == 3
