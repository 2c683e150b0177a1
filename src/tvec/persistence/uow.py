"""The unit of work: one transaction per service call, and the only thing that commits."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from types import TracebackType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tvec.domain.errors import Conflict
from tvec.persistence import models as m
from tvec.persistence import records as r
from tvec.persistence.db import read_options, writer_gate
from tvec.persistence.repository import Repository, constraint_name


class UnitOfWork:
    """`with uow:` opens a transaction; `commit()` ends it; leaving without commit rolls back."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        readonly: bool = False,
    ) -> None:
        self._sessions, self._clock, self.readonly = sessions, clock, readonly
        self._session: Session | None = None
        self._held = ExitStack()

    def __enter__(self) -> UnitOfWork:
        if not self.readonly:
            # SQLite: wait in line for the one writer's turn (PostgreSQL: nothing to wait for).
            self._held.enter_context(writer_gate(self._sessions.kw["bind"]))
        try:
            self._session = session = self._sessions()
            engine = self._sessions.kw["bind"]
            options = read_options(engine) if self.readonly else {}
            connection = session.connection(execution_options=options)
        except BaseException:
            self._held.close()
            raise
        self.now = now = self._clock()

        def repo(row: Any, record: Any, entity: str) -> Any:
            return Repository(connection, row, record, entity, now)

        self.centres: Repository[m.CentreRow, r.Centre] = repo(m.CentreRow, r.Centre, "centre")
        self.users: Repository[m.UserRow, r.User] = repo(m.UserRow, r.User, "user")
        self.auth_sessions: Repository[m.AuthSessionRow, r.AuthSession] = repo(
            m.AuthSessionRow, r.AuthSession, "auth-session"
        )
        self.patients: Repository[m.PatientRow, r.Patient] = repo(
            m.PatientRow, r.Patient, "patient"
        )
        self.diagnoses: Repository[m.DiagnosisRow, r.Diagnosis] = repo(
            m.DiagnosisRow, r.Diagnosis, "diagnosis"
        )
        self.screenings: Repository[m.ScreeningRow, r.Screening] = repo(
            m.ScreeningRow, r.Screening, "screening"
        )
        self.lesions: Repository[m.LesionRow, r.Lesion] = repo(m.LesionRow, r.Lesion, "lesion")
        self.measurements: Repository[m.MeasurementRow, r.Measurement] = repo(
            m.MeasurementRow, r.Measurement, "measurement"
        )
        self.courses: Repository[m.CourseRow, r.Course] = repo(m.CourseRow, r.Course, "course")
        self.visits: Repository[m.VisitRow, r.Visit] = repo(m.VisitRow, r.Visit, "visit")
        self.vial_lots: Repository[m.VialLotRow, r.VialLot] = repo(
            m.VialLotRow, r.VialLot, "vial-lot"
        )
        self.administrations: Repository[m.AdministrationRow, r.Administration] = repo(
            m.AdministrationRow, r.Administration, "administration"
        )
        self.adverse_events: Repository[m.AdverseEventRow, r.AdverseEvent] = repo(
            m.AdverseEventRow, r.AdverseEvent, "adverse-event"
        )
        self.audit: Repository[m.AuditRow, r.AuditEntry] = repo(m.AuditRow, r.AuditEntry, "audit")
        self.replies: Repository[m.IdempotencyRow, r.IdempotentReply] = repo(
            m.IdempotencyRow, r.IdempotentReply, "idempotency-key"
        )
        return self

    def commit(self) -> None:
        assert self._session is not None
        try:
            self._session.commit()
        except IntegrityError as exc:
            self._session.rollback()
            raise Conflict(
                f"the change clashes with an existing record ({constraint_name(exc)})"
            ) from None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._session is not None
        try:
            if kind is not None or self._session.in_transaction():
                self._session.rollback()
            self._session.close()
            self._session = None
        finally:
            self._held.close()
