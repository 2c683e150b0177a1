"""The database rows. Clinical rows carry `version` (optimistic locking: a stale update fails) and
are never deleted: a correction is a new version, written to the audit log with who, when and why,
and a record entered in error is marked so, not removed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.persistence.db import Base

CM = Numeric(6, 2)
ML = Numeric(5, 2)


class Versioned:
    """Optimistic locking: the repository's UPDATE says `WHERE version = :read` and bumps it."""

    version: Mapped[int] = mapped_column(Integer, nullable=False)


class CentreRow(Base):
    __tablename__ = "centres"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # the centre's IANA time zone and whether every dose needs a second check (migration 0011)
    time_zone: Mapped[str] = mapped_column(String(64), server_default="UTC", default="UTC")
    require_second_check: Mapped[bool] = mapped_column(
        Boolean, server_default=false(), default=False
    )
    # the contact printed on the patient alert card (migration 0018); NULL until an admin sets it
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_address: Mapped[str | None] = mapped_column(Text)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # a temporary password set by an admin: the next login may only change it
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, server_default=false(), default=False
    )


class AuthSessionRow(Base):
    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PatientRow(Versioned, Base):
    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("centre_id", "mrn"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    mrn: Mapped[str] = mapped_column(String(40))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # names and allergies (migration 0008): "" for a name registered before names were recorded
    given_name: Mapped[str] = mapped_column(String(100), server_default="", default="")
    family_name: Mapped[str] = mapped_column(String(100), server_default="", default="")
    preferred_name: Mapped[str | None] = mapped_column(String(100))
    allergies: Mapped[str | None] = mapped_column(Text)
    # what a search compares with (tvec.domain.identity.name_key), kept by the repository
    name_key: Mapped[str] = mapped_column(String(400), server_default="", default="")


class DiagnosisRow(Versioned, Base):
    __tablename__ = "diagnoses"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    stage: Mapped[str] = mapped_column(String(10))
    recurrent_after_surgery: Mapped[bool] = mapped_column(Boolean)
    unresectable: Mapped[bool] = mapped_column(Boolean)
    diagnosed_on: Mapped[date] = mapped_column(Date)
    # sites of bone, brain, lung or other visceral disease; [] none; NULL not recorded
    distant_sites: Mapped[list[str] | None] = mapped_column(JSON)
    # ICD-10-CM codes for claims, principal first, from tvec's list (migration 0021); NULL none
    icd10_codes: Mapped[list[str] | None] = mapped_column(JSON)


class ScreeningRow(Base):
    __tablename__ = "screenings"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    screened_on: Mapped[date] = mapped_column(Date)
    immunocompromised: Mapped[bool] = mapped_column(Boolean)
    pregnant: Mapped[bool] = mapped_column(Boolean)
    answered_by: Mapped[str] = mapped_column(String(200))
    # the label's items answered one by one (code -> yes/no); NULL on screenings recorded before
    # item-by-item screening, whose two answers (immunocompromised, pregnant) stand for them
    answers: Mapped[dict[str, bool] | None] = mapped_column(JSON)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LesionRow(Versioned, Base):
    __tablename__ = "lesions"
    __table_args__ = (UniqueConstraint("patient_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    site: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(200))
    first_seen: Mapped[date] = mapped_column(Date)
    injectable: Mapped[bool] = mapped_column(Boolean, default=True)
    cluster: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=RecordStatus.ACTIVE.value)


class MeasurementRow(Versioned, Base):
    __tablename__ = "measurements"
    # one active measurement of a lesion per day (a second one is a correction of the first)
    __table_args__ = (
        Index(
            "uq_measurements_one_active_per_lesion_day",
            "lesion_id",
            "measured_on",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lesion_id: Mapped[int] = mapped_column(ForeignKey("lesions.id"), index=True)
    measured_on: Mapped[date] = mapped_column(Date)
    longest_cm: Mapped[Decimal] = mapped_column(CM)
    perpendicular_cm: Mapped[Decimal] = mapped_column(CM)
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=RecordStatus.ACTIVE.value)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CourseRow(Versioned, Base):
    __tablename__ = "courses"
    # one open course per patient: a new one starts after the last has ended
    __table_args__ = (
        Index(
            "uq_courses_one_open_per_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("end_date IS NULL"),
            postgresql_where=text("end_date IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    label_variant: Mapped[str] = mapped_column(String(10))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    off_label_reason: Mapped[str | None] = mapped_column(Text)  # outside the indication
    # a re-initiation after an earlier course's complete response (on `reinitiation_after`)
    reinitiation: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    reinitiation_after: Mapped[date | None] = mapped_column(Date)


class VisitRow(Versioned, Base):
    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("course_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    earliest_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=VisitRecordStatus.PLANNED.value)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)  # the dose plan exactly as it was shown
    planned_on: Mapped[date] = mapped_column(Date)
    planned_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    administered_on: Mapped[date | None] = mapped_column(Date)
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the measurements the plan used: the oldest date, each lesion's date, and the nurse's reason
    # when they were not all from the day of planning (migration 0010; NULL on older visits)
    measured_on: Mapped[date | None] = mapped_column(Date)
    measurement_dates: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    stale_reason: Mapped[str | None] = mapped_column(Text)


class EarlyDoseAuthorisationRow(Versioned, Base):
    """An oncologist's reason, recorded in advance, to give a course's next visit early
    (migration 0012); the record step uses it once, for that visit only (`used_visit_id`)."""

    __tablename__ = "early_dose_authorisations"
    __table_args__ = (UniqueConstraint("course_id", "visit_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    visit_number: Mapped[int] = mapped_column(Integer)
    override_reason: Mapped[str] = mapped_column(Text)
    authorised_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    authorised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))


class CourseReviewRow(Base):
    """The oncologist's decision to continue a course at a review point (migration 0012)."""

    __tablename__ = "course_reviews"
    __table_args__ = (UniqueConstraint("course_id", "review_point"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    review_point: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VialLotRow(Base):
    __tablename__ = "vial_lots"
    # one lot per centre whatever its letter case (migration 0013): `lot` as printed, `lot_key`
    # as compared (tvec.domain.receipt.lot_key)
    __table_args__ = (UniqueConstraint("centre_id", "lot_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    lot: Mapped[str] = mapped_column(String(40))
    lot_key: Mapped[str] = mapped_column(String(40))
    pfu_per_ml: Mapped[int] = mapped_column(Integer)
    expiry_date: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShipmentRow(Base):
    """A shipment received by the pharmacy (migration 0013): its container's sealing time and
    the hours it keeps temperature (from the label data), and whether it arrived too late."""

    __tablename__ = "shipments"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    container_hours: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[bool] = mapped_column(Boolean)
    quarantine_reason: Mapped[str | None] = mapped_column(Text)


class VialRow(Base, Versioned):
    """One vial, from its carton's barcode: the serial number is unique per GTIN."""

    __tablename__ = "vials"
    __table_args__ = (UniqueConstraint("gtin", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    vial_lot_id: Mapped[int] = mapped_column(ForeignKey("vial_lots.id"))
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    pfu_per_ml: Mapped[int] = mapped_column(Integer)
    expiry_date: Mapped[date] = mapped_column(Date)
    # in_stock, quarantined, thawed, emptied, discarded: the summary of its vial_events
    status: Mapped[str] = mapped_column(String(20))
    # where the vial is stored (migration 0015): a freezer or fridge of its centre, if known
    location_id: Mapped[int | None] = mapped_column(ForeignKey("storage_locations.id"))


class StorageLocationRow(Base):
    """A freezer or fridge of a centre (migration 0015); its band comes from the label data."""

    __tablename__ = "storage_locations"
    __table_args__ = (
        UniqueConstraint("centre_id", "name"),
        CheckConstraint("kind IN ('freezer', 'fridge')", name="kind_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # freezer or fridge
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TemperatureReadingRow(Base):
    """One data-logger reading of a location (°C at a UTC instant): one per location and time."""

    __tablename__ = "temperature_readings"
    __table_args__ = (UniqueConstraint("location_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("storage_locations.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    temperature_c: Mapped[float] = mapped_column(Float)


class ExcursionRow(Base, Versioned):
    """A temperature excursion of a location, with the rule in force when it was found; open
    (`ended_at` NULL) until a reading back in band."""

    __tablename__ = "excursions"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("storage_locations.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_out_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    min_c: Mapped[float] = mapped_column(Float)
    max_c: Mapped[float] = mapped_column(Float)
    readings: Mapped[int] = mapped_column(Integer)
    band_min_c: Mapped[float] = mapped_column(Float)
    band_max_c: Mapped[float] = mapped_column(Float)
    band_source: Mapped[str] = mapped_column(Text)
    min_duration_minutes: Mapped[int] = mapped_column(Integer)
    duration_source: Mapped[str] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExcursionAcknowledgementRow(Base):
    """A pharmacist's acknowledgement of an excursion: several may acknowledge, each once."""

    __tablename__ = "excursion_acknowledgements"
    __table_args__ = (UniqueConstraint("excursion_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    excursion_id: Mapped[int] = mapped_column(ForeignKey("excursions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)


class ExcursionVialRow(Base):
    """A vial quarantined because of an excursion (it was stored there during it)."""

    __tablename__ = "excursion_vials"
    __table_args__ = (UniqueConstraint("excursion_id", "vial_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    excursion_id: Mapped[int] = mapped_column(ForeignKey("excursions.id"))
    vial_id: Mapped[int] = mapped_column(ForeignKey("vials.id"), index=True)


class VialEventRow(Base):
    """One thing done to a vial after receipt (migration 0014); rows are only ever added."""

    __tablename__ = "vial_events"
    __table_args__ = (
        CheckConstraint("volume_ml IS NULL OR volume_ml >= 0", name="volume_not_negative"),
        Index("ix_vial_events_centre_id_at", "centre_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    vial_id: Mapped[int] = mapped_column(ForeignKey("vials.id"), index=True)
    # quarantined, released, thawed, to_fridge, to_room, drawn_into_syringe, given, discarded
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    volume_ml: Mapped[Decimal | None] = mapped_column(ML)


class AdministrationRow(Base):
    __tablename__ = "administrations"
    __table_args__ = (CheckConstraint("volume_ml > 0", name="volume_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    target: Mapped[str] = mapped_column(String(40))  # lesion name, or the cluster id
    lesion_id: Mapped[int | None] = mapped_column(ForeignKey("lesions.id"))
    volume_ml: Mapped[Decimal] = mapped_column(ML)
    pfu_per_ml: Mapped[int] = mapped_column(Integer)
    vial_lot_id: Mapped[int] = mapped_column(ForeignKey("vial_lots.id"))
    administered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    administered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # the second staff member's check, and corrections as new rows (migration 0011)
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revision: Mapped[int] = mapped_column(Integer, server_default="1", default=1)
    status: Mapped[str] = mapped_column(String(20), server_default="active", default="active")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("administrations.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the vial the dose was drawn from, when recorded (migration 0016)
    vial_id: Mapped[int | None] = mapped_column(ForeignKey("vials.id"))
    # the needle placed under ultrasound guidance (migration 0021; billed as CPT 76942)
    ultrasound_guided: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)


class AdverseEventRow(Versioned, Base):
    """An adverse event (migration 0019: CTCAE term, ICH E2A seriousness criteria, reporting).
    `serious` is derived (tvec.domain.adverse_event.is_serious) and the CHECK holds it so."""

    __tablename__ = "adverse_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    term: Mapped[str] = mapped_column(String(200))
    grade: Mapped[int] = mapped_column(Integer)
    serious: Mapped[bool] = mapped_column(Boolean)
    onset: Mapped[date] = mapped_column(Date)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    action_taken: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=RecordStatus.ACTIVE.value)
    # "yes" / "no" / "unknown"; NULL: not answered yet (events recorded before 0019)
    related: Mapped[str | None] = mapped_column(String(10))
    other_specify: Mapped[str | None] = mapped_column(String(200))
    results_in_death: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    life_threatening: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    hospitalisation: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    disability: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    congenital_anomaly: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    important_medical_event: Mapped[bool] = mapped_column(
        Boolean, server_default=false(), default=False
    )
    expected: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    suspected_herpetic: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    aware_on: Mapped[date] = mapped_column(Date)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    vial_lot_id: Mapped[int | None] = mapped_column(ForeignKey("vial_lots.id"))
    __table_args__ = (
        CheckConstraint("grade BETWEEN 1 AND 5", name="ctcae_grade"),
        CheckConstraint(
            "serious = (grade = 5 OR results_in_death OR life_threatening OR hospitalisation"
            " OR disability OR congenital_anomaly OR important_medical_event)",
            name="serious_derived",
        ),
        CheckConstraint(
            "related IS NULL OR related IN ('yes', 'no', 'unknown')", name="related_answer"
        ),
        CheckConstraint("aware_on >= onset", name="aware_after_onset"),
        CheckConstraint("resolved_on IS NULL OR resolved_on >= onset", name="resolved_after_onset"),
        CheckConstraint("(term = 'other') = (other_specify IS NOT NULL)", name="other_specified"),
    )


class SafetyReportRow(Versioned, Base):
    """A report an adverse event needs (migration 0019): its kind, due date (none for the
    manufacturer's herpetic report), and its submission or withdrawal. Never deleted."""

    __tablename__ = "safety_reports"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('expedited-7-day', 'expedited-15-day', 'follow-up', 'manufacturer-herpetic')",
            name="report_kind",
        ),
        CheckConstraint(
            "(submitted_on IS NULL) = (submitted_by IS NULL)", name="submitted_by_someone"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    adverse_event_id: Mapped[int] = mapped_column(ForeignKey("adverse_events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class CourseHoldRow(Versioned, Base):
    """A course on hold (migration 0009): planned and given doses are refused while it is in
    force, from `starts_on` until released or until `ends_on` (inclusive). Never deleted: a
    release records when, by whom and why."""

    __tablename__ = "course_holds"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    hold_reason: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    placed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    adverse_event_id: Mapped[int | None] = mapped_column(ForeignKey("adverse_events.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    release_reason: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    """Append-only: every clinical write, with who, when, why, and the record before and after."""

    __tablename__ = "audit_log"
    # each centre's entries are numbered 1, 2, 3, … and hash-chained (tvec.persistence.audit_chain)
    __table_args__ = (UniqueConstraint("centre_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    entity_version: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class IdempotencyRow(Base):
    """A replayable answer to a POST that carried an Idempotency-Key."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttemptRow(Base):
    """Failed logins of one account or one client address, and its lockout (not audited: it
    holds no clinical record). `key` is a SHA-256 of the username or address, so the table does
    not keep what was typed as a username (sometimes a password typed in the wrong field)."""

    __tablename__ = "login_attempts"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # "account" or "address"
    key: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    first_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lockouts: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AlertCardRow(Versioned, Base):
    """The patient alert card issued for a course (migration 0018): one per course; the
    patient's acknowledgement fills `acknowledged_at` (recorded by `acknowledged_by`)."""

    __tablename__ = "alert_cards"
    __table_args__ = (UniqueConstraint("course_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    first_dose_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EducationRow(Base):
    """Education given to the patient or a named caregiver (migration 0018): its topics (codes
    from the knowledge data), who gave it and when. The caregiver's name stays in this record."""

    __tablename__ = "patient_education"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    recipient: Mapped[str] = mapped_column(String(20))  # "patient" or "caregiver"
    caregiver_name: Mapped[str | None] = mapped_column(String(200))
    caregiver_relation: Mapped[str | None] = mapped_column(String(80))
    topics: Mapped[list[str]] = mapped_column(JSON)
    given_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)


class ExposureRow(Versioned, Base):
    """An accidental exposure to the product (migration 0018): who (a staff member, or a close
    contact by relation only), the kind, when, what was done, and its follow-up task (due date;
    closed with an outcome)."""

    __tablename__ = "exposures"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    exposed: Mapped[str] = mapped_column(String(20))  # "staff" or "close-contact"
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    contact_relation: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actions: Mapped[list[str]] = mapped_column(JSON)
    action_note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    follow_up_due: Mapped[date] = mapped_column(Date)
    follow_up_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up_closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    follow_up_outcome: Mapped[str | None] = mapped_column(Text)


class StaffTrainingRow(Versioned, Base):
    """A user's completed safety-programme training with its expiry (migration 0017)."""

    __tablename__ = "staff_trainings"
    __table_args__ = (
        CheckConstraint("expires_on > completed_on", name="expires_after_completion"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course: Mapped[str] = mapped_column(String(80))
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffAttestationRow(Base):
    """A user's attestation that they may (or may not) prepare and give the product (migration
    0017): append-only, the latest holds; which condition is never kept."""

    __tablename__ = "staff_attestations"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cleared: Mapped[bool] = mapped_column(Boolean)
    attested_on: Mapped[date] = mapped_column(Date)
    attested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoverageAnswersRow(Versioned, Base):
    """What the billing office answered for a course's check against one payer policy (migration
    0020): the facts the chart cannot give, as JSON. One row per course and policy; an answer
    changed is a new version, audited with before and after."""

    __tablename__ = "coverage_answers"
    __table_args__ = (UniqueConstraint("course_id", "policy_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    policy_id: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# the FHIR Bulk Data export's jobs and files live in their own module (migration 0024)
from tvec.persistence import bulk_export_rows as bulk_export_rows  # noqa: E402

# The claims' tables live in their own module (migration 0021); imported so that Base knows them.
from tvec.persistence import claim_rows as claim_rows  # noqa: E402

# which record each FHIR-imported resource became (migration 0025)
from tvec.persistence import fhir_import_rows as fhir_import_rows  # noqa: E402

# the follow-up tables (migration 0023)
from tvec.persistence import follow_up_rows as follow_up_rows  # noqa: E402

# the prior-authorization tables live in their own module (migration 0022)
from tvec.persistence import prior_auth_rows as prior_auth_rows  # noqa: E402
