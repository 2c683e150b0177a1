"""Settings, read once from TVEC_* environment variables."""

from __future__ import annotations

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
    # Worker threads per server process for the blocking database work of requests. Python runs
    # one thread at a time per process, so more threads only queue for the interpreter lock
    # (measured with benchmarks/api_load.py: 4 serve 50 concurrent clients better than 40).
    api_threads: int = Field(default=4, ge=1, le=200)
    # argon2id cost for password hashes; the defaults are argon2-cffi's (RFC 9106 low-memory
    # profile). The test suite lowers them (tests/conftest.py) because it creates many users.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
