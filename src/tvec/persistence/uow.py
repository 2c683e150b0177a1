"""The unit of work: one transaction per service call, and the only thing that commits."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, TypeVar, overload

from sqlalchemy.engine import Connection, Engine, RootTransaction
from sqlalchemy.exc import IntegrityError

from tvec.persistence import bulk_export_repositories as bulk
from tvec.persistence import claim_repositories as claim_repos
from tvec.persistence import cold_chain_repositories as cold
from tvec.persistence import coverage_repositories as coverage
from tvec.persistence import fhir_import_repositories as fhir_import
from tvec.persistence import follow_up_repositories as follow_up
from tvec.persistence import prior_auth_repositories as pa
from tvec.persistence import programme_repositories as programme
from tvec.persistence import repositories as repos
from tvec.persistence import safety_repositories as safety
from tvec.persistence.audit_chain import AuditTrail
from tvec.persistence.db import read_options, writer_gate
from tvec.persistence.repository import Repository, clash

P = TypeVar("P", bound=Repository[Any, Any])


class _Repo(Generic[P]):
    """A unit of work's repository of one table, made on first use (most use cases touch a few)."""

    def __init__(self, kind: type[P]) -> None:
        self.kind = kind

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type[Any]) -> _Repo[P]: ...
    @overload
    def __get__(self, uow: UnitOfWork, owner: type[Any]) -> P: ...
    def __get__(self, uow: UnitOfWork | None, owner: type[Any]) -> _Repo[P] | P:
        if uow is None:
            return self
        repo = self.kind(uow.connection, uow.now, uow.trail)
        uow.__dict__[self.name] = repo  # later reads find it there, not here
        return repo


class UnitOfWork:
    """`with uow:` opens a transaction; `commit()` ends it; leaving without commit rolls back.

    It works on one SQLAlchemy Core connection: the repositories return frozen records, so there
    is nothing for an ORM session to track.

    Two kinds. A writing unit of work (the default) holds the database's writer's turn for its
    whole transaction, so what it read is still so when it writes: on SQLite it queues at the
    WriterGate, then begins with BEGIN IMMEDIATE (db.py); on PostgreSQL it is an ordinary
    transaction, and row versions and unique constraints refuse a write that another
    transaction overtook (a Conflict). A `readonly` unit of work never writes and never waits
    for a writer.
    """

    centres = _Repo(repos.CentreRepository)
    users = _Repo(repos.UserRepository)
    auth_sessions = _Repo(repos.AuthSessionRepository)
    patients = _Repo(repos.PatientRepository)
    diagnoses = _Repo(repos.DiagnosisRepository)
    screenings = _Repo(repos.ScreeningRepository)
    lesions = _Repo(repos.LesionRepository)
    measurements = _Repo(repos.MeasurementRepository)
    courses = _Repo(repos.CourseRepository)
    visits = _Repo(repos.VisitRepository)
    vial_lots = _Repo(repos.VialLotRepository)
    shipments = _Repo(repos.ShipmentRepository)
    vials = _Repo(repos.VialRepository)
    vial_events = _Repo(repos.VialEventRepository)
    administrations = _Repo(repos.AdministrationRepository)
    adverse_events = _Repo(repos.AdverseEventRepository)
    safety_reports = _Repo(repos.SafetyReportRepository)
    audit = _Repo(repos.AuditRepository)
    replies = _Repo(repos.IdempotentReplyRepository)
    early_doses = _Repo(repos.EarlyDoseAuthorisationRepository)
    course_reviews = _Repo(repos.CourseReviewRepository)
    course_holds = _Repo(repos.CourseHoldRepository)
    storage_locations = _Repo(cold.StorageLocationRepository)
    readings = _Repo(cold.TemperatureReadingRepository)
    excursions = _Repo(cold.ExcursionRepository)
    acknowledgements = _Repo(cold.AcknowledgementRepository)
    excursion_vials = _Repo(cold.ExcursionVialRepository)
    billing_profiles = _Repo(claim_repos.BillingProfileRepository)
    claim_subscribers = _Repo(claim_repos.ClaimSubscriberRepository)
    claim_batches = _Repo(claim_repos.ClaimBatchRepository)
    claims = _Repo(claim_repos.ClaimRepository)
    claim_lines = _Repo(claim_repos.ClaimLineRepository)
    payers = _Repo(pa.PayerRepository)
    prior_auth_requests = _Repo(pa.PriorAuthRequestRepository)
    authorization_overrides = _Repo(pa.AuthorizationOverrideRepository)
    alert_cards = _Repo(safety.AlertCardRepository)
    education = _Repo(safety.EducationRepository)
    exposures = _Repo(safety.ExposureRepository)
    staff_trainings = _Repo(programme.StaffTrainingRepository)
    staff_attestations = _Repo(programme.StaffAttestationRepository)
    coverage_answers = _Repo(coverage.CoverageAnswersRepository)
    bulk_exports = _Repo(bulk.BulkExportJobRepository)
    follow_ups = _Repo(follow_up.FollowUpRepository)
    prior_therapies = _Repo(follow_up.PriorTherapyRepository)
    fhir_links = _Repo(fhir_import.FhirLinkRepository)

    connection: Connection
    now: datetime
    trail: AuditTrail

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime], *, readonly: bool = False
    ) -> None:
        self._engine = engine
        self._clock, self.readonly = clock, readonly
        self._transaction: RootTransaction | None = None
        self._held = ExitStack()

    def __enter__(self) -> UnitOfWork:
        engine = self._engine
        if not self.readonly:
            # SQLite: wait in line for the one writer's turn (PostgreSQL: nothing to wait for).
            self._held.enter_context(writer_gate(engine))
        try:
            connection = self._held.enter_context(engine.connect())
            if self.readonly:
                connection.execution_options(**read_options(engine))
            self._transaction = connection.begin()
        except BaseException:
            self._held.close()
            raise
        self.connection, self.now = connection, self._clock()
        self.trail = AuditTrail(connection)
        return self

    def commit(self) -> None:
        assert self._transaction is not None
        try:
            self.trail.flush()  # the audit entries: chained under the centre's turn, then written
            self._transaction.commit()
        except IntegrityError as exc:
            self._transaction.rollback()
            raise clash(exc, "the change clashes with an existing record") from None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
            self._transaction = None
        finally:
            self._held.close()  # the writer's turn and the connection, last taken first freed
