"""What every service call receives: how to open a unit of work, the clock, and who is acting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Engine

from tvec.config import Settings
from tvec.domain.zones import local_day
from tvec.persistence.uow import UnitOfWork
from tvec.services.permissions import Action, Role, require


@dataclass(frozen=True)
class Actor:
    user_id: int
    centre_id: int
    role: Role
    username: str
    # the actor's centre's IANA time zone: it decides which calendar day "today" is for them
    time_zone: str | None = None

    def require(self, action: Action) -> None:
        require(self.role, action)

    def sees(self, centre_id: int) -> bool:
        """Whether records of this centre exist for the actor (others' are not found, not 403)."""
        return centre_id == self.centre_id


@dataclass(frozen=True)
class Context:
    engine: Engine  # every unit of work takes one connection from its pool
    clock: Callable[[], datetime]
    settings: Settings

    def uow(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, self.clock, readonly=readonly)

    def today(self, actor: Actor | None = None) -> date:
        """Today's date where the actor works (their centre's time zone); UTC's without one."""
        return local_day(self.clock(), actor.time_zone if actor else None)
