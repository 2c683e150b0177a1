"""Each table's repository: its named queries, on top of the shared reads and audited writes.

Every query says what it selects and in which order; a list of ids given to an `..._in`/`for_...s`
query is read in one statement (an empty list reads nothing).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.sql import ColumnElement

from tvec.domain.receipt import lot_key
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.persistence import models as m
from tvec.persistence import records as r
from tvec.persistence.patient_repository import PatientRepository as PatientRepository
from tvec.persistence.repository import Repository, shape_of

ACTIVE = RecordStatus.ACTIVE
# PatientRepository (imported above) lives in a module of its own; the unit of work finds it here.


class CentreRepository(Repository[m.CentreRow, r.Centre]):
    row, record, entity = m.CentreRow, r.Centre, "centre"

    def by_name(self, name: str) -> r.Centre | None:
        return self._first(self._select().where(m.CentreRow.name == name))


class UserRepository(Repository[m.UserRow, r.User]):
    row, record, entity = m.UserRow, r.User, "user"

    def by_username(self, username: str) -> r.User | None:
        return self._first(self._select().where(m.UserRow.username == username))

    def in_centre(self, centre_id: int) -> list[r.User]:
        """The centre's accounts, by username."""
        u = m.UserRow
        return self._all(self._select().where(u.centre_id == centre_id).order_by(u.username))


class AuthSessionRepository(Repository[m.AuthSessionRow, r.AuthSession]):
    row, record, entity = m.AuthSessionRow, r.AuthSession, "auth-session"

    def by_token_hash(self, token_hash: str) -> r.AuthSession | None:
        return self._first(self._select().where(m.AuthSessionRow.token_hash == token_hash))

    def open_of_user(self, user_id: int) -> list[r.AuthSession]:
        """The user's sessions not revoked (expired ones too: they end anyway), by id."""
        s = m.AuthSessionRow
        return self._all(
            self._select().where(s.user_id == user_id, s.revoked_at.is_(None)).order_by(s.id)
        )

    def with_user(self, token_hash: str) -> tuple[r.AuthSession, r.User, str] | None:
        """The session with this token hash, its user and the user's centre's time zone, in one
        query (every request needs all three: the centre's zone decides what "today" is)."""
        s, users = m.AuthSessionRow, shape_of(m.UserRow, r.User)
        statement = self._prepared(
            "with-user",
            lambda: (
                select(*self._shape.columns, *users.columns, m.CentreRow.time_zone)
                .join_from(s, m.UserRow, s.user_id == m.UserRow.id)
                .join(m.CentreRow, m.CentreRow.id == m.UserRow.centre_id)
                .where(s.token_hash == bindparam("token_hash"))
                .limit(1)
            ),
        )
        row = self.connection.execute(statement, {"token_hash": token_hash}).first()
        if row is None:
            return None
        mine, theirs = len(self._shape.columns), len(users.columns)
        session = self._shape.record_of(row[:mine])
        return session, users.record_of(row[mine : mine + theirs]), row[mine + theirs]


class DiagnosisRepository(Repository[m.DiagnosisRow, r.Diagnosis]):
    row, record, entity = m.DiagnosisRow, r.Diagnosis, "diagnosis"

    def for_patient(self, patient_id: int) -> r.Diagnosis | None:
        """The patient's diagnosis (one per patient), if recorded."""
        return self._first(self._select().where(m.DiagnosisRow.patient_id == patient_id))

    def for_patients(self, patient_ids: Collection[int]) -> list[r.Diagnosis]:
        d = m.DiagnosisRow
        if not patient_ids:
            return []
        return self._all(self._select().where(d.patient_id.in_(patient_ids)).order_by(d.id))


class ScreeningRepository(Repository[m.ScreeningRow, r.Screening]):
    row, record, entity = m.ScreeningRow, r.Screening, "screening"

    def for_patient(self, patient_id: int) -> list[r.Screening]:
        """The patient's screenings, oldest first."""
        s = m.ScreeningRow
        query = self._select().where(s.patient_id == patient_id)
        return self._all(query.order_by(s.screened_on, s.id))


class LesionRepository(Repository[m.LesionRow, r.Lesion]):
    row, record, entity = m.LesionRow, r.Lesion, "lesion"

    def by_name(self, patient_id: int, name: str) -> r.Lesion | None:
        les = m.LesionRow
        return self._first(self._select().where(les.patient_id == patient_id, les.name == name))

    def for_patient(self, patient_id: int) -> list[r.Lesion]:
        """The patient's lesions, in the order they were recorded."""
        les = m.LesionRow
        statement = self._prepared(
            "for-patient",
            lambda: (
                self._select().where(les.patient_id == bindparam("patient_id")).order_by(les.id)
            ),
        )
        return self._all(statement, {"patient_id": patient_id})

    def for_patients(self, patient_ids: Collection[int]) -> list[r.Lesion]:
        les = m.LesionRow
        if not patient_ids:
            return []
        return self._all(self._select().where(les.patient_id.in_(patient_ids)).order_by(les.id))

    def active_with_latest_measurement(
        self, patient_id: int
    ) -> list[tuple[r.Lesion, r.Measurement | None]]:
        """The patient's active lesions, in the order recorded, each with its latest active
        measurement (by date, then the later entry), or None if it has none. One query: a
        window function over the measurements, joined outer."""
        measurements = shape_of(m.MeasurementRow, r.Measurement)
        statement = self._prepared("active-with-latest", self._active_with_latest)
        count = len(self._shape.columns)
        return [
            (
                self._shape.record_of(row[:count]),
                None if row[count] is None else measurements.record_of(row[count:]),
            )
            for row in self.connection.execute(statement, {"patient_id": patient_id})
        ]

    def _active_with_latest(self) -> Select[Any]:
        les, me = m.LesionRow, m.MeasurementRow
        measurements = shape_of(me, r.Measurement)
        mine = (les.patient_id == bindparam("patient_id")) & (les.status == ACTIVE)
        rank = (
            func.row_number()
            .over(partition_by=me.lesion_id, order_by=(me.measured_on.desc(), me.id.desc()))
            .label("rank")
        )
        ranked = (
            select(*measurements.columns, rank)
            .where(me.lesion_id.in_(select(les.id).where(mine).scalar_subquery()))
            .where(me.status == ACTIVE)
            .subquery()
        )
        return (
            select(*self._shape.columns, *(ranked.c[name] for name in measurements.names))
            .select_from(les)
            .outerjoin(ranked, (ranked.c.lesion_id == les.id) & (ranked.c.rank == 1))
            .where(mine)
            .order_by(les.id)
        )


class MeasurementRepository(Repository[m.MeasurementRow, r.Measurement]):
    row, record, entity = m.MeasurementRow, r.Measurement, "measurement"

    def active_on(self, lesion_id: int, measured_on: date) -> r.Measurement | None:
        """The lesion's active measurement of that day, if any."""
        me = m.MeasurementRow
        return self._first(
            self._select().where(
                me.lesion_id == lesion_id, me.measured_on == measured_on, me.status == ACTIVE
            )
        )

    def for_lesions(self, lesion_ids: Collection[int]) -> list[r.Measurement]:
        """The lesions' measurements (any status), by date, then in the order entered."""
        me = m.MeasurementRow
        if not lesion_ids:
            return []
        query = self._select().where(me.lesion_id.in_(lesion_ids))
        return self._all(query.order_by(me.measured_on, me.id))


class CourseRepository(Repository[m.CourseRow, r.Course]):
    row, record, entity = m.CourseRow, r.Course, "course"

    def with_patient(self, course_id: int) -> tuple[r.Course, r.Patient] | None:
        """The course and its patient, in one query."""
        c, patients = m.CourseRow, shape_of(m.PatientRow, r.Patient)
        statement = self._prepared(
            "with-patient",
            lambda: (
                select(*self._shape.columns, *patients.columns)
                .join_from(c, m.PatientRow, c.patient_id == m.PatientRow.id)
                .where(c.id == bindparam("course_id"))
                .limit(1)
            ),
        )
        row = self.connection.execute(statement, {"course_id": course_id}).first()
        if row is None:
            return None
        mine = len(self._shape.columns)
        return self._shape.record_of(row[:mine]), patients.record_of(row[mine:])

    def for_patient(self, patient_id: int) -> list[r.Course]:
        """The patient's courses, by start date (the last is the current or latest one)."""
        c = m.CourseRow
        query = self._select().where(c.patient_id == patient_id)
        return self._all(query.order_by(c.start_date, c.id))

    def for_patients(self, patient_ids: Collection[int]) -> list[r.Course]:
        """The patients' courses, in the order they were started."""
        c = m.CourseRow
        if not patient_ids:
            return []
        return self._all(self._select().where(c.patient_id.in_(patient_ids)).order_by(c.id))


class VisitRepository(Repository[m.VisitRow, r.Visit]):
    row, record, entity = m.VisitRow, r.Visit, "visit"

    def for_course(self, course_id: int) -> list[r.Visit]:
        """The course's visits, by number."""
        v = m.VisitRow
        statement = self._prepared(
            "for-course",
            lambda: self._select().where(v.course_id == bindparam("course_id")).order_by(v.number),
        )
        return self._all(statement, {"course_id": course_id})

    def for_courses(self, course_ids: Collection[int]) -> list[r.Visit]:
        """The courses' visits, in the order they were planned (within a course: by number)."""
        v = m.VisitRow
        if not course_ids:
            return []
        return self._all(self._select().where(v.course_id.in_(course_ids)).order_by(v.id))

    def administered_between(
        self, course_ids: Collection[int], since: date, until: date
    ) -> list[r.Visit]:
        """The courses' visits given from `since` to `until` (both included), by date given."""
        v = m.VisitRow
        if not course_ids:
            return []
        query = self._select().where(
            v.course_id.in_(course_ids),
            v.status == VisitRecordStatus.ADMINISTERED,
            v.administered_on.between(since, until),
        )
        return self._all(query.order_by(v.administered_on, v.id))


class EarlyDoseAuthorisationRepository(
    Repository[m.EarlyDoseAuthorisationRow, r.EarlyDoseAuthorisation]
):
    row, record, entity = (
        m.EarlyDoseAuthorisationRow,
        r.EarlyDoseAuthorisation,
        "early-dose-authorisation",
    )

    def for_visit(self, course_id: int, visit_number: int) -> r.EarlyDoseAuthorisation | None:
        """The pre-authorisation of this visit of the course, if one was recorded."""
        e = m.EarlyDoseAuthorisationRow
        return self._first(
            self._select().where(e.course_id == course_id, e.visit_number == visit_number)
        )

    def for_course(self, course_id: int) -> list[r.EarlyDoseAuthorisation]:
        """The course's pre-authorisations, by visit number."""
        e = m.EarlyDoseAuthorisationRow
        return self._all(self._select().where(e.course_id == course_id).order_by(e.visit_number))


class CourseReviewRepository(Repository[m.CourseReviewRow, r.CourseReview]):
    row, record, entity = m.CourseReviewRow, r.CourseReview, "course-review"

    def for_courses(self, course_ids: Collection[int]) -> list[r.CourseReview]:
        """The courses' reviews, by review point."""
        c = m.CourseReviewRow
        if not course_ids:
            return []
        query = self._select().where(c.course_id.in_(course_ids))
        return self._all(query.order_by(c.review_point, c.id))


class VialLotRepository(Repository[m.VialLotRow, r.VialLot]):
    row, record, entity = m.VialLotRow, r.VialLot, "vial-lot"

    def add_many(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        by: int | None,
        reason: str | None = None,
        audit: bool = True,
    ) -> list[r.VialLot]:
        """New lots, each with the key it is compared by (its number whatever the letter case)."""
        keyed = [{**row, "lot_key": lot_key(row["lot"])} for row in rows]
        return super().add_many(keyed, by=by, reason=reason, audit=audit)

    def by_lot(self, centre_id: int, lot: str) -> r.VialLot | None:
        """The centre's vial lot of this number, whatever its letter case, if in its stock."""
        v = m.VialLotRow
        statement = self._prepared(
            "by-lot",
            lambda: (
                self._select()
                .where(v.centre_id == bindparam("centre_id"), v.lot_key == bindparam("key"))
                .limit(1)
            ),
        )
        rows = self._all(statement, {"centre_id": centre_id, "key": lot_key(lot)})
        return rows[0] if rows else None

    def in_centre(self, centre_id: int) -> list[r.VialLot]:
        """The centre's vial lots, soonest expiry first."""
        v = m.VialLotRow
        query = self._select().where(v.centre_id == centre_id)
        return self._all(query.order_by(v.expiry_date, v.lot))


class AdministrationRepository(Repository[m.AdministrationRow, r.Administration]):
    row, record, entity = m.AdministrationRow, r.Administration, "administration"

    def for_visit(self, visit_id: int) -> list[r.Administration]:
        """What was given at the visit, as last corrected, in the order first recorded."""
        return self.for_visits([visit_id])

    def for_visits(self, visit_ids: Collection[int]) -> list[r.Administration]:
        """The visits' current administrations: a superseded version (replaced by a correction)
        is not among them, so every reader (chart, billing, outcomes) sees the corrected dose."""
        a = m.AdministrationRow
        if not visit_ids:
            return []
        query = self._select().where(a.visit_id.in_(visit_ids), a.status == "active")
        return self._all(query.order_by(func.coalesce(a.supersedes_id, a.id), a.id))

    def history_for_visit(self, visit_id: int) -> list[r.Administration]:
        """Every version recorded at the visit, superseded ones too, in the order recorded."""
        a = m.AdministrationRow
        return self._all(self._select().where(a.visit_id == visit_id).order_by(a.id))


class AdverseEventRepository(Repository[m.AdverseEventRow, r.AdverseEvent]):
    row, record, entity = m.AdverseEventRow, r.AdverseEvent, "adverse-event"

    def for_patient(self, patient_id: int) -> list[r.AdverseEvent]:
        """The patient's adverse events, by onset."""
        e = m.AdverseEventRow
        query = self._select().where(e.patient_id == patient_id)
        return self._all(query.order_by(e.onset, e.id))

    def for_patients(self, patient_ids: Collection[int]) -> list[r.AdverseEvent]:
        """The patients' adverse events, in the order reported."""
        e = m.AdverseEventRow
        if not patient_ids:
            return []
        return self._all(self._select().where(e.patient_id.in_(patient_ids)).order_by(e.id))


class SafetyReportRepository(Repository[m.SafetyReportRow, r.SafetyReport]):
    row, record, entity = m.SafetyReportRow, r.SafetyReport, "safety-report"

    def for_events(self, event_ids: Collection[int]) -> list[r.SafetyReport]:
        """The events' reports, withdrawn and submitted ones too, oldest first."""
        s = m.SafetyReportRow
        if not event_ids:
            return []
        return self._all(self._select().where(s.adverse_event_id.in_(event_ids)).order_by(s.id))

    def open_for_patients(self, patient_ids: Collection[int]) -> list[r.SafetyReport]:
        """The reports not yet submitted nor withdrawn of these patients' events, first due
        first (those without a deadline first of all)."""
        s, e = m.SafetyReportRow, m.AdverseEventRow
        if not patient_ids:
            return []
        query = (
            self._select()
            .join(e, e.id == s.adverse_event_id)
            .where(
                e.patient_id.in_(patient_ids),
                s.submitted_on.is_(None),
                s.withdrawn_reason.is_(None),
            )
        )
        return self._all(query.order_by(s.due_on.is_not(None), s.due_on, s.id))


class CourseHoldRepository(Repository[m.CourseHoldRow, r.CourseHold]):
    row, record, entity = m.CourseHoldRow, r.CourseHold, "course-hold"

    def for_course(self, course_id: int) -> list[r.CourseHold]:
        """The course's holds, released ones too, oldest first."""
        h = m.CourseHoldRow
        return self._all(self._select().where(h.course_id == course_id).order_by(h.id))

    def for_courses(self, course_ids: Collection[int]) -> list[r.CourseHold]:
        """The holds of these courses, released ones too, by course then oldest first."""
        h = m.CourseHoldRow
        return self._all(
            self._select().where(h.course_id.in_(course_ids)).order_by(h.course_id, h.id)
        )


class AuditRepository(Repository[m.AuditRow, r.AuditEntry]):
    row, record, entity = m.AuditRow, r.AuditEntry, "audit"

    def history_of(
        self, entity: str, entity_id: int, centre_id: int | None = None
    ) -> list[r.AuditEntry]:
        """Every entry about one record (of one centre's log, if given), oldest first."""
        a = m.AuditRow
        query = self._select().where(
            a.entity == entity, a.entity_id == entity_id, *self._of(None, centre_id)
        )
        return self._all(query.order_by(a.id))

    def page(
        self, limit: int, offset: int, entity: str | None = None, centre_id: int | None = None
    ) -> list[r.AuditEntry]:
        """One page of the log (of one centre and one kind of record, if given), oldest first."""
        a = m.AuditRow
        query = self._select().where(*self._of(entity, centre_id)).order_by(a.id)
        return self._all(query.limit(limit).offset(offset))

    def total(self, entity: str | None = None, centre_id: int | None = None) -> int:
        """How many entries the log holds (of one centre and one kind of record, if given)."""
        return self._count(*self._of(entity, centre_id))

    def search(
        self, centre_id: int, wanted: dict[str, Any], limit: int, offset: int
    ) -> list[r.AuditEntry]:
        """One page of a centre's log, newest first, of the entries that match `wanted`
        (`audit_filter`: user_id, entity, entity_id, from_at, before_at; each optional)."""
        a = m.AuditRow
        query = self._select().where(*self.audit_filter(centre_id, wanted))
        return self._all(query.order_by(a.seq.desc()).limit(limit).offset(offset))

    def count_search(self, centre_id: int, wanted: dict[str, Any]) -> int:
        return self._count(*self.audit_filter(centre_id, wanted))

    @staticmethod
    def audit_filter(centre_id: int, wanted: dict[str, Any]) -> list[ColumnElement[bool]]:
        a = m.AuditRow
        where: list[ColumnElement[bool]] = [a.centre_id == centre_id]
        columns = (("user_id", a.user_id), ("entity", a.entity), ("entity_id", a.entity_id))
        for key, column in columns:
            if wanted.get(key) is not None:
                where.append(column == wanted[key])
        if wanted.get("from_at") is not None:
            where.append(a.at >= wanted["from_at"])
        if wanted.get("before_at") is not None:
            where.append(a.at < wanted["before_at"])
        return where

    @staticmethod
    def _of(entity: str | None, centre_id: int | None) -> list[ColumnElement[bool]]:
        a = m.AuditRow
        return [
            *([] if entity is None else [a.entity == entity]),
            *([] if centre_id is None else [a.centre_id == centre_id]),
        ]


class IdempotentReplyRepository(Repository[m.IdempotencyRow, r.IdempotentReply]):
    row, record, entity = m.IdempotencyRow, r.IdempotentReply, "idempotency-key"

    def for_key(self, user_id: int, key: str) -> r.IdempotentReply | None:
        """The reply kept for this user's Idempotency-Key, if any."""
        i = m.IdempotencyRow
        statement = self._prepared(
            "for-key",
            lambda: (
                self._select()
                .where(i.user_id == bindparam("user_id"), i.key == bindparam("key"))
                .limit(1)
            ),
        )
        rows = self._all(statement, {"user_id": user_id, "key": key})
        return rows[0] if rows else None


class ShipmentRepository(Repository[m.ShipmentRow, r.Shipment]):
    row, record, entity = m.ShipmentRow, r.Shipment, "shipment"

    def in_centre(self, centre_id: int) -> list[r.Shipment]:
        """The centre's shipments, the latest received first."""
        s = m.ShipmentRow
        query = self._select().where(s.centre_id == centre_id)
        return self._all(query.order_by(s.received_at.desc(), s.id.desc()))


class VialRepository(Repository[m.VialRow, r.Vial]):
    row, record, entity = m.VialRow, r.Vial, "vial"

    def in_centre(self, centre_id: int) -> list[r.Vial]:
        """The centre's vials: first expiry first, then by serial number."""
        v = m.VialRow
        query = self._select().where(v.centre_id == centre_id)
        return self._all(query.order_by(v.expiry_date, v.pfu_per_ml, v.serial, v.id))

    def with_status(self, centre_id: int, status: str) -> list[r.Vial]:
        """The centre's vials of one status, first expiry first."""
        v = m.VialRow
        query = self._select().where(v.centre_id == centre_id, v.status == status)
        return self._all(query.order_by(v.expiry_date, v.pfu_per_ml, v.serial, v.id))

    def with_serial(self, centre_id: int, serial: str) -> list[r.Vial]:
        """The centre's vials of this serial number (one per product, as a rule), by id."""
        v = m.VialRow
        query = self._select().where(v.centre_id == centre_id, v.serial == serial)
        return self._all(query.order_by(v.id))

    def received_serials(self, pairs: Collection[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (GTIN, serial) pairs were received before, at any centre."""
        v = m.VialRow
        serials = {serial for _, serial in pairs}
        if not serials:
            return set()
        query = select(v.gtin, v.serial).where(v.serial.in_(serials))
        found = {(row.gtin, row.serial) for row in self.connection.execute(query)}
        return found & set(pairs)


class VialEventRepository(Repository[m.VialEventRow, r.VialEvent]):
    row, record, entity = m.VialEventRow, r.VialEvent, "vial event"

    def for_vials(self, vial_ids: Collection[int]) -> list[r.VialEvent]:
        """The events of these vials, in the order they happened (then recorded)."""
        e = m.VialEventRow
        if not vial_ids:
            return []
        query = self._select().where(e.vial_id.in_(set(vial_ids)))
        return self._all(query.order_by(e.vial_id, e.at, e.id))
