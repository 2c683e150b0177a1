"""Settings, read once from TVEC_* environment variables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE = Path("var") / "tvec.db"
DEFAULT_PSEUDONYM_KEY = "change-me-in-production"
MIN_PSEUDONYM_KEY = 32  # characters of a production pseudonym key
# Longest session in production: OWASP ASVS 4.0 level 2 (V3.3.2) asks for a new login every
# 12 hours at most.
MAX_SESSION_HOURS_PRODUCTION = 12.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TVEC_", extra="ignore")

    # "development" (the default, for `make run` and the demo: default keys allowed, and the
    # banner says so) or "production": the server refuses to start with default or insecure
    # settings (insecure_settings below).
    env: Literal["development", "production"] = "development"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE}"
    session_hours: float = 8.0  # browser sessions and API tokens expire after this
    pseudonym_key: str = DEFAULT_PSEUDONYM_KEY  # keys the researchers' patient pseudonyms
    # The session cookie's Secure flag. Unset: Secure in production and on every request that
    # came over HTTPS; true: always; false: never (refused in production).
    cookie_secure: bool | None = None
    # True only when every request comes through a reverse proxy that sets X-Forwarded-Proto:
    # then a request it forwarded from HTTPS counts as HTTPS.
    trusted_proxy: bool = False
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
    # Receipt by barcode: a carton that expires within this many days of the day it is received
    # is refused (tvec's ruling: enough time to use it; docs/clinical-choices.md)
    receipt_min_days_to_expiry: int = Field(default=30, ge=0, le=3650)
    # The pharmacy board shows a thawed vial's countdown in red when fewer than this many minutes
    # of its thaw clock are left (tvec's ruling, the pharmacy issue's threshold;
    # docs/clinical-choices.md)
    thaw_warn_minutes: int = Field(default=30, ge=1, le=1440)
    # Abuse limits (tvec's own, not clinical rules). Logins: after this many failed logins for an
    # account within the window, or from one client address (more: a clinic's computers may
    # share one address), further logins are refused (429 with Retry-After) for the lockout,
    # even with the right password; each further lockout of the same account or address doubles,
    # up to login_lockout_max_minutes. A successful login clears the account's count. Kept in the
    # database, so every server worker counts the same failures (tvec.services.login_limits).
    login_failures_before_lock: int = Field(default=5, ge=1, le=1000)
    login_address_failures_before_lock: int = Field(default=20, ge=1, le=100000)
    login_window_minutes: float = Field(default=15.0, gt=0)
    login_lockout_minutes: float = Field(default=15.0, gt=0)
    login_lockout_max_minutes: float = Field(default=24 * 60.0, gt=0)
    # Request bodies larger than this are refused (413) before they are read (tvec.http.limits)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # ... except a data logger's file, imported whole (a year of one-minute readings is ~17 MB)
    max_logger_file_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # `tvec doctor --backup-dir DIR`: the newest backup there may be at most this old (a daily
    # backup, with two hours' slack).
    backup_max_age_hours: float = Field(default=26.0, gt=0)
    # FHIR Bulk Data `$export`: a job and its files are kept this long after the kick-off, then
    # deleted (tvec's choice, docs/adr/0008-fhir-bulk-export.md: a day to fetch them)
    fhir_export_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # Records per patient and per request
    max_lesions_per_patient: int = Field(default=200, ge=1)
    # at most 100: MeasurementsIn's own bound on items
    max_measurements_per_request: int = Field(default=100, ge=1, le=100)
    # Cold chain (tvec's ruling): a storage location whose logger has no reading for longer than
    # this has a "no data" gap (tvec.domain.cold_chain), shown with its excursions.
    logger_gap_minutes: float = Field(default=60.0, gt=0)
    # Pharmacy stock (tvec's ruling, docs/clinical-choices.md): a lot still usable that expires
    # within this many days is shown as expiring soon on the stock page and in its API.
    stock_expiry_window_days: int = Field(default=60, ge=0, le=3650)
    # Demand forecast (tvec's ruling, docs/clinical-choices.md): the days from placing a vial
    # order to its delivery, when the pharmacist gives none (/pharmacy/forecast, /vials/forecast).
    order_lead_time_days: int = Field(default=7, ge=0, le=365)


class InsecureSettings(Exception):
    """The settings may not be used outside development mode; the message names the setting."""


def insecure_settings(settings: Settings) -> list[str]:
    """What production mode refuses, one line each naming the setting (empty: nothing)."""
    problems = []
    if settings.pseudonym_key == DEFAULT_PSEUDONYM_KEY:
        problems.append(
            "TVEC_PSEUDONYM_KEY is the default key, with which anyone can map research "
            "pseudonyms back to patients; set a secret key of at least "
            f"{MIN_PSEUDONYM_KEY} characters"
        )
    elif len(settings.pseudonym_key) < MIN_PSEUDONYM_KEY:
        problems.append(f"TVEC_PSEUDONYM_KEY must be at least {MIN_PSEUDONYM_KEY} characters")
    if settings.cookie_secure is False:
        problems.append("TVEC_COOKIE_SECURE=false: session cookies must be Secure in production")
    if settings.session_hours > MAX_SESSION_HOURS_PRODUCTION:
        problems.append(
            f"TVEC_SESSION_HOURS={settings.session_hours:g} is longer than "
            f"{MAX_SESSION_HOURS_PRODUCTION:g} hours"
        )
    return problems


def check_settings(settings: Settings) -> None:
    """Refuse insecure settings outside development mode (InsecureSettings, the first problem)."""
    if settings.env == "development":
        return
    problems = insecure_settings(settings)
    if problems:
        raise InsecureSettings(f"production mode (TVEC_ENV=production): {problems[0]}")


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
