"""Settings, read once from TVEC_* environment variables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE = Path("var") / "tvec.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TVEC_", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    session_hours: float = 8.0  # browser sessions and API tokens expire after this
    pseudonym_key: str = "change-me-in-production"  # keys the researchers' patient pseudonyms
    cookie_secure: bool = False  # set true behind HTTPS
    sql_echo: bool = False
    # Worker threads per server process for the blocking database work of requests; unset: by
    # database (api_threads_in_use).
    api_threads: int | None = Field(default=None, ge=1, le=200)
    # argon2id cost for password hashes; the defaults are argon2-cffi's (RFC 9106 low-memory
    # profile). The test suite lowers them (tests/conftest.py) because it creates many users.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Plausible dates: tvec's own bounds against typing errors, not clinical rules (a date outside
    # is refused, naming the field). No birth date or clinical date before `earliest_date`, and
    # none of those in the future (tvec.services.plausible).
    earliest_date: date = date(1900, 1, 1)
    # a course starts (and ends) within this many days of today, either side
    course_window_days: int = Field(default=365, ge=0)
    # a vial lot is recorded at most this long after it expired (for the records), and expires at
    # most this far ahead
    lot_expired_days: int = Field(default=365, ge=0, le=3650)
    lot_expiry_ahead_days: int = Field(default=3650, ge=1, le=36500)


# Request threads per server process, by database. SQLite: the work is CPU in Python, which runs
# one thread at a time per process, so more threads only queue for the interpreter lock.
# PostgreSQL: a thread also waits for the server and for its commit to reach the disk, without
# holding that lock, so more threads overlap those waits.
API_THREADS_SQLITE = 4
API_THREADS_POSTGRESQL = 12


def api_threads_in_use(settings: Settings) -> int:
    """TVEC_API_THREADS if set, else what suits the database."""
    if settings.api_threads is not None:
        return settings.api_threads
    if settings.database_url.startswith("sqlite"):
        return API_THREADS_SQLITE
    return API_THREADS_POSTGRESQL
