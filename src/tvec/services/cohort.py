"""The centre's treated patients as a de-identified cohort (docs/registry-format.md).

`cohort_from_records` reads the clinic records through the repositories and builds the three
registry tables that `tvec report` and the analytics read, so the centre's own outcomes can be put
next to the pivotal trial's.

What goes into the tables
-------------------------
- One patient per patient of the actor's centre with a treatment course; the latest course is
  used, as in `tvec.services.outcomes.assess_patient`. Day 0 is the course's start date (the
  first dose).
- ``arm`` is ``"T-VEC"`` for everyone. ``stage`` comes from the diagnosis. ``line`` is
  ``"first"`` when no prior systemic therapy is recorded, else ``"later"`` (tvec's rule).
- Overall survival: a recorded death is an event (``os_event`` 1, ``os_days`` from day 0 to the
  date of death); any other patient is censored (``os_event`` 0) at the last contact on record:
  the latest of the last lesion measurement, the last administered dose and the last date known
  alive (the follow-up record).
- The optional patient columns (sex, ECOG, exposure, disposition) come from the records as
  `tvec.services.cohort_columns` describes.
- Lesions and measurements are those `assess_patient` uses: active lesions, active measurements
  dated on or after day 0. A lesion counts as injected when it was injected on or before its last
  measurement, which is how the response engine groups it (`tvec.domain.response_lesions`).

De-identification
-----------------
No name, MRN, birth date or database id leaves this module: patients are numbered 1..n in the
order of a keyed hash of their id (the researchers' pseudonym key, so the numbering reveals neither
the order of registration nor the ids) and lesions 1..k within each patient; age is in whole years
at day 0. The treatment start date is kept, because the durable-response rule counts calendar
months from it; a cohort written out with `write_cohort` is therefore a limited data set, not an
anonymous one, and is to be handled as such.

Responses
---------
Given response criteria, `records_cohort` also returns every patient's response computed by the
domain engine from the exact recorded sizes (`tvec.domain.response.assess_response`, with the
same inputs as `tvec.services.outcomes.assess_patient`), so a centre's report agrees with each
patient's response page even for sizes recorded to 0.01 cm, which the registry format (0.1 cm)
and the vectorised cohort engine do not hold.

Patients who cannot be assessed (no diagnosis, or measurements the response engine refuses, for
example no baseline measured on the first dose's day) are left out and listed in
`RecordsCohort.excluded` with the reason, without identifiers.

Who may run it
--------------
Anyone allowed to read de-identified outcomes (`Action.READ_DEIDENTIFIED`: researchers) or the
full clinical record (`Action.READ_CLINICAL`: oncologists, nurses, pharmacists), since the cohort
discloses less than the records they may already read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np

from tvec.analytics.cohort import OPTIONAL_PATIENT_COLUMNS, Cohort, CohortResponses
from tvec.domain.errors import InvalidInput
from tvec.domain.response import (
    Category,
    DurableStatus,
    Measurement,
    ResponseAssessment,
    assess_response,
)
from tvec.domain.response_validation import validate_measurements
from tvec.domain.rules import ResponseCriteria
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.cohort_columns import PatientColumns, patient_columns
from tvec.services.context import Actor, Context
from tvec.services.outcomes import (
    domain_measurement,
    first_injections,
    from_first_measurable,
    pseudonym_digest,
)
from tvec.services.permissions import Action, allowed

ARM = "T-VEC"
CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit
T = TypeVar("T")


@dataclass(frozen=True)
class RecordsCohort:
    """The cohort, its responses if criteria were given, and the patients left out of it.

    ``excluded`` holds ``(reason, count)`` pairs; ``centre_patients`` counts every patient of the
    centre, treated or not.
    """

    cohort: Cohort
    responses: CohortResponses | None
    criteria: str | None
    excluded: tuple[tuple[str, int], ...]
    centre_patients: int
    centre_name: str


@dataclass(frozen=True)
class _Patient:
    key: str
    start: date
    stage: str
    age: int
    last_contact_day: int
    died_day: int | None  # days from day 0 to the recorded death; None: alive when last seen
    columns: PatientColumns
    lesions: list[tuple[str, bool, int]]  # site, injected, first day
    measurements: list[tuple[int, int, Decimal, Decimal]]  # lesion number, day, longest, perp.
    assessment: ResponseAssessment | None


def cohort_from_records(ctx: Context, actor: Actor) -> Cohort:
    """The centre's treated patients as a de-identified `Cohort` (see the module notes)."""
    return records_cohort(ctx, actor).cohort


def records_cohort(
    ctx: Context, actor: Actor, criteria: ResponseCriteria | None = None
) -> RecordsCohort:
    """The cohort of `cohort_from_records`, the patients left out and why, and with `criteria`
    every patient's response from the domain engine (aligned with ``cohort.patients``)."""
    if not (
        allowed(actor.role, Action.READ_DEIDENTIFIED) or allowed(actor.role, Action.READ_CLINICAL)
    ):
        actor.require(Action.READ_DEIDENTIFIED)  # raises PermissionDenied, naming the action
    with ctx.uow(readonly=True) as uow:
        patients = uow.patients.in_centre(actor.centre_id)
        centre = uow.centres.get(actor.centre_id)
        kept, excluded = _read(ctx, uow, actor.centre_id, patients, criteria)
    kept.sort(key=lambda p: p.key)
    return RecordsCohort(
        cohort=_tables(kept),
        responses=None if criteria is None else _responses(kept),
        criteria=None if criteria is None else criteria.name,
        excluded=tuple(sorted(excluded.items())),
        centre_patients=len(patients),
        centre_name=centre.name,
    )


def _in_chunks(query: Callable[[list[int]], list[T]], ids: Iterable[int]) -> list[T]:
    """A repository's query of records by a list of ids, over any number of ids: a chunk of
    ids per query."""
    wanted = list(ids)
    found: list[T] = []
    for start in range(0, len(wanted), CHUNK):
        found += query(wanted[start : start + CHUNK])
    return found


def _read(
    ctx: Context,
    uow: UnitOfWork,
    centre_id: int,
    patients: list[r.Patient],
    criteria: ResponseCriteria | None,
) -> tuple[list[_Patient], Counter[str]]:
    ids = [p.id for p in patients]
    diagnoses = {d.patient_id: d for d in _in_chunks(uow.diagnoses.for_patients, ids)}
    latest: dict[int, r.Course] = {}
    courses = sorted(_in_chunks(uow.courses.for_patients, ids), key=lambda c: (c.start_date, c.id))
    for each in courses:
        latest[each.patient_id] = each  # ordered by start date: the last one wins
    lesions = _in_chunks(uow.lesions.for_patients, ids)
    active = {les.id: les for les in lesions if les.status is RecordStatus.ACTIVE}
    measured = _in_chunks(uow.measurements.for_lesions, list(active))
    every_visit = _in_chunks(uow.visits.for_courses, [c.id for c in courses])
    every_dose = _in_chunks(uow.administrations.for_visits, [v.id for v in every_visit])
    columns = patient_columns(
        uow, centre_id, (p for p in patients if p.id in latest), courses, every_visit, every_dose
    )
    latest_ids = {c.id for c in latest.values()}
    visits = [v for v in every_visit if v.course_id in latest_ids]
    latest_visits = {v.id for v in visits}
    given = [a for a in every_dose if a.visit_id in latest_visits]
    course_of_visit = {v.id: v.course_id for v in visits}
    patient_of_course = {c.id: c.patient_id for c in latest.values()}
    last_dose: dict[int, date] = {}
    for visit in visits:
        if visit.status is VisitRecordStatus.ADMINISTERED and visit.administered_on is not None:
            pid = patient_of_course[visit.course_id]
            last_dose[pid] = max(visit.administered_on, last_dose.get(pid, visit.administered_on))
    injections = first_injections(a for a in given if a.visit_id in course_of_visit)
    by_patient: dict[int, list[r.Measurement]] = {}
    for m in measured:
        if m.status is RecordStatus.ACTIVE:
            by_patient.setdefault(active[m.lesion_id].patient_id, []).append(m)

    kept: list[_Patient] = []
    excluded: Counter[str] = Counter()
    for patient in patients:
        course = latest.get(patient.id)
        if course is None:
            excluded["no treatment course"] += 1
            continue
        diagnosis = diagnoses.get(patient.id)
        if diagnosis is None:
            excluded["no diagnosis (stage unknown)"] += 1
            continue
        rows = from_first_measurable(
            m for m in by_patient.get(patient.id, []) if m.measured_on >= course.start_date
        )
        domain_rows = _domain_measurements(rows, active, injections)
        try:
            if criteria is None:
                validate_measurements(course.start_date, domain_rows)
                assessment = None
            else:
                assessment = assess_response(criteria, course.start_date, domain_rows)
        except InvalidInput as exc:
            excluded[f"measurements not assessable ({exc.field} {_rule(exc)})"] += 1
            continue
        kept.append(
            _patient(
                pseudonym_digest(ctx, patient.id),
                patient,
                course,
                diagnosis,
                rows,
                active,
                injections,
                last_dose.get(patient.id),
                assessment,
                columns[patient.id],
            )
        )
    return kept, excluded


def _rule(exc: InvalidInput) -> str:
    """The rule broken, without the lesion names and dates that follow a colon."""
    return exc.rule.split(":")[0].split(" (")[0]


def _domain_measurements(
    rows: list[r.Measurement], lesions: dict[int, r.Lesion], injections: dict[int, date]
) -> list[Measurement]:
    return [domain_measurement(m, lesions[m.lesion_id], str(m.lesion_id), injections) for m in rows]


def _patient(
    key: str,
    patient: r.Patient,
    course: r.Course,
    diagnosis: r.Diagnosis,
    rows: list[r.Measurement],
    lesions: dict[int, r.Lesion],
    injections: dict[int, date],
    last_dose: date | None,
    assessment: ResponseAssessment | None,
    columns: PatientColumns,
) -> _Patient:
    start = course.start_date
    first_seen: dict[int, date] = {}
    last_seen: dict[int, date] = {}
    for m in rows:
        first_seen.setdefault(m.lesion_id, m.measured_on)
        last_seen[m.lesion_id] = m.measured_on
    order = sorted(first_seen, key=lambda lid: (first_seen[lid], lesions[lid].name, lid))
    number = {lid: k + 1 for k, lid in enumerate(order)}
    alive = columns.last_known_alive_on
    contact = max([*last_seen.values(), *(d for d in (last_dose, alive) if d), start])
    died = columns.died_on
    return _Patient(
        key=key,
        start=start,
        stage=diagnosis.stage,
        age=_age(patient.birth_date, start),
        last_contact_day=(contact - start).days,
        died_day=None if died is None else max(0, (died - start).days),
        columns=columns,
        lesions=[
            (
                lesions[lid].site,
                lid in injections and injections[lid] <= last_seen[lid],
                (first_seen[lid] - start).days,
            )
            for lid in order
        ],
        measurements=sorted(
            (number[m.lesion_id], (m.measured_on - start).days, m.longest_cm, m.perpendicular_cm)
            for m in rows
        ),
        assessment=assessment,
    )


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _tables(patients: list[_Patient]) -> Cohort:
    n = len(patients)
    ids = np.arange(1, n + 1, dtype=np.int64)
    lesion_rows = [
        (pid, k + 1, site, injected, first)
        for pid, p in zip(ids.tolist(), patients, strict=True)
        for k, (site, injected, first) in enumerate(p.lesions)
    ]
    measurement_rows = sorted(
        (pid, day, lesion, float(longest), float(perp))
        for pid, p in zip(ids.tolist(), patients, strict=True)
        for lesion, day, longest, perp in p.measurements
    )
    return Cohort(
        patients={
            "patient_id": ids,
            "arm": np.array([ARM] * n, dtype=str),
            "stage": np.array([p.stage for p in patients], dtype=str),
            "line": np.array([p.columns.line for p in patients], dtype=str),
            "age": np.array([p.age for p in patients], dtype=np.int64),
            "start_date": np.array([p.start for p in patients], dtype="datetime64[D]"),
            "os_days": np.array(
                [p.last_contact_day if p.died_day is None else p.died_day for p in patients],
                dtype=np.int64,
            ),
            "os_event": np.array([p.died_day is not None for p in patients], dtype=np.int64),
            **_optional_columns([p.columns for p in patients]),
        },
        lesions={
            "patient_id": np.array([row[0] for row in lesion_rows], dtype=np.int64),
            "lesion_id": np.array([row[1] for row in lesion_rows], dtype=np.int64),
            "site": np.array([row[2] for row in lesion_rows], dtype=str),
            "injected": np.array([row[3] for row in lesion_rows], dtype=bool),
            "first_day": np.array([row[4] for row in lesion_rows], dtype=np.int64),
        },
        measurements={
            "patient_id": np.array([row[0] for row in measurement_rows], dtype=np.int64),
            "lesion_id": np.array([row[2] for row in measurement_rows], dtype=np.int64),
            "day": np.array([row[1] for row in measurement_rows], dtype=np.int64),
            "longest_cm": np.array([row[3] for row in measurement_rows], dtype=np.float64),
            "perpendicular_cm": np.array([row[4] for row in measurement_rows], dtype=np.float64),
        },
    )


def _optional_columns(rows: list[PatientColumns]) -> dict[str, np.ndarray[Any, Any]]:
    """The cohort's optional patient columns (`OPTIONAL_PATIENT_COLUMNS`), in its dtypes."""
    floats = ("volume_ml", "pfu")
    texts = ("sex", "end_reason")
    return {
        name: np.array(
            [getattr(row, name) for row in rows],
            dtype=np.float64 if name in floats else str if name in texts else np.int64,
        )
        for name in OPTIONAL_PATIENT_COLUMNS
    }


def _responses(patients: list[_Patient]) -> CohortResponses:
    """The columns of `CohortResponses` from each patient's domain assessment."""
    results = [p.assessment for p in patients if p.assessment is not None]
    nan = float("nan")

    def optional(values: list[int | None]) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.array([nan if v is None else float(v) for v in values], dtype=np.float64)

    return CohortResponses(
        {
            "patient_id": np.arange(1, len(results) + 1, dtype=np.int64),
            "best": np.array([a.best_overall_response.value for a in results], dtype="<U2"),
            "responded": np.array([a.time_to_response_days is not None for a in results], bool),
            "time_to_response_days": optional([a.time_to_response_days for a in results]),
            "duration_of_response_days": optional([a.duration_of_response_days for a in results]),
            "response_ongoing": np.array([bool(a.response_ongoing) for a in results], bool),
            "durable": np.array(
                [a.durable_response is DurableStatus.YES for a in results], dtype=bool
            ),
            "progression_day": optional(
                [
                    next((x.day for x in a.assessments if x.category is Category.PD), None)
                    for a in results
                ]
            ),
            "last_assessment_day": np.array(
                [a.assessments[-1].day for a in results], dtype=np.int64
            ),
        }
    )
