"""The unit of work: one transaction per service call, and the only thing that commits."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.exc import IntegrityError

from tvec.domain.errors import Conflict
from tvec.persistence import models as m
from tvec.persistence import records as r
from tvec.persistence.db import Base, has_writer_gate, read_options, writer_gate
from tvec.persistence.repository import Repository, constraint_name

R = TypeVar("R", bound=Base)
T = TypeVar("T")


class _Repo(Generic[R, T]):
    """A unit of work's repository of one table, made on first use (most use cases touch a few)."""

    def __init__(self, row: type[R], record: type[T], entity: str) -> None:
        self.row, self.record, self.entity = row, record, entity

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type[Any]) -> _Repo[R, T]: ...
    @overload
    def __get__(self, uow: UnitOfWork, owner: type[Any]) -> Repository[R, T]: ...
    def __get__(self, uow: UnitOfWork | None, owner: type[Any]) -> Any:
        if uow is None:
            return self
        repo = Repository(uow.connection, self.row, self.record, self.entity, uow.now)
        uow.__dict__[self.name] = repo  # later reads find it there, not here
        return repo


class UnitOfWork:
    """`with uow:` opens a transaction; `commit()` ends it; leaving without commit rolls back.

    It works on one SQLAlchemy Core connection: the repositories return frozen records, so there
    is nothing for an ORM session to track.

    Three kinds: a writing unit of work (the default) holds SQLite's writer's turn from start to
    end; a `readonly` one never writes; a `read_first` one reads, then calls `begin_writing()`
    and writes. On SQLite the latter reads outside the writer's turn and holds the turn only for
    its writes (ADR 0003); on PostgreSQL it is an ordinary writing unit of work.
    """

    centres = _Repo(m.CentreRow, r.Centre, "centre")
    users = _Repo(m.UserRow, r.User, "user")
    auth_sessions = _Repo(m.AuthSessionRow, r.AuthSession, "auth-session")
    patients = _Repo(m.PatientRow, r.Patient, "patient")
    diagnoses = _Repo(m.DiagnosisRow, r.Diagnosis, "diagnosis")
    screenings = _Repo(m.ScreeningRow, r.Screening, "screening")
    lesions = _Repo(m.LesionRow, r.Lesion, "lesion")
    measurements = _Repo(m.MeasurementRow, r.Measurement, "measurement")
    courses = _Repo(m.CourseRow, r.Course, "course")
    visits = _Repo(m.VisitRow, r.Visit, "visit")
    vial_lots = _Repo(m.VialLotRow, r.VialLot, "vial-lot")
    administrations = _Repo(m.AdministrationRow, r.Administration, "administration")
    adverse_events = _Repo(m.AdverseEventRow, r.AdverseEvent, "adverse-event")
    audit = _Repo(m.AuditRow, r.AuditEntry, "audit")
    replies = _Repo(m.IdempotencyRow, r.IdempotentReply, "idempotency-key")

    connection: Connection
    now: datetime

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime],
        *,
        readonly: bool = False,
        read_first: bool = False,
    ) -> None:
        self._engine = engine
        self._clock, self.readonly = clock, readonly
        # Reads in a snapshot of their own, outside the writer's turn: SQLite only (PostgreSQL
        # has no writer's turn, and a second transaction would only cost round trips).
        self._reading_first = read_first and not readonly and has_writer_gate(engine)
        self._transaction: RootTransaction | None = None
        self._held = ExitStack()

    def __enter__(self) -> UnitOfWork:
        engine = self._engine
        reading = self.readonly or self._reading_first
        if not reading:
            # SQLite: wait in line for the one writer's turn (PostgreSQL: nothing to wait for).
            self._held.enter_context(writer_gate(engine))
        try:
            connection = self._held.enter_context(engine.connect())
            if reading:
                connection.execution_options(**read_options(engine))
            self._transaction = connection.begin()
        except BaseException:
            self._held.close()
            raise
        self.connection, self.now = connection, self._clock()
        return self

    def begin_writing(self) -> bool:
        """From here on, a `read_first` unit of work writes. True if what it read so far may
        have been changed since by another writer.

        SQLite: ends the reading snapshot, waits for the writer's turn and begins the writing
        transaction. A writer may commit in between, so what is written must be guarded as at
        PostgreSQL's READ COMMITTED: an update by the version it read (else Conflict), a new
        row by the unique constraints, and any other premise by reading it again. PostgreSQL:
        the transaction simply goes on.
        """
        if not self._reading_first:
            return False
        assert self._transaction is not None
        self._transaction.rollback()  # it only read
        self._reading_first = False
        self._held.enter_context(writer_gate(self._engine))
        self.connection.execution_options(tvec_readonly=False)
        self._transaction = self.connection.begin()
        return True

    def commit(self) -> None:
        assert self._transaction is not None
        try:
            self._transaction.commit()
        except IntegrityError as exc:
            self._transaction.rollback()
            raise Conflict(
                f"the change clashes with an existing record ({constraint_name(exc)})"
            ) from None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            self._transaction = None
        finally:
            self._held.close()  # the writer's turn and the connection, last taken first freed
