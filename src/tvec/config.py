"""Settings, read once from TVEC_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE = Path("var") / "tvec.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TVEC_", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    session_hours: float = 8.0  # browser sessions and API tokens expire after this
    pseudonym_key: str = "change-me-in-production"  # keys the researchers' patient pseudonyms
    cookie_secure: bool = False  # set true behind HTTPS
    sql_echo: bool = False
