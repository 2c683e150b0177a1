"""The one place things are wired together: settings → engine → service context."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from tvec.config import Settings
from tvec.persistence.db import make_engine
from tvec.services.context import Context


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_context(settings: Settings, clock: Callable[[], datetime] | None = None) -> Context:
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    return Context(engine=engine, clock=clock or utc_now, settings=settings)
