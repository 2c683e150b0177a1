"""A patient's red alerts: what everyone acting for this patient must see first.

The one place alerts are decided (the banner on every patient screen and the chart show these):

- contraindication: an item of the latest contraindication screening answered yes (which one);
- off-label: the open course was started outside the indication (the oncologist's reason);
- hold: a hold in force on the open course today (its reason, and until when);
- serious adverse event: an adverse event recorded as serious and not resolved (term, grade);
- allergy: the patient's recorded allergies, when any are recorded.

Alerts are read in the caller's unit of work; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tvec.domain.adverse_event import is_serious
from tvec.domain.holds import hold_in_force, until_text
from tvec.domain.status import RecordStatus
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.screening import answers_of, screening_items

CONTRAINDICATION = "contraindication"
OFF_LABEL = "off-label"
HOLD = "hold"
SERIOUS_ADVERSE_EVENT = "serious-adverse-event"
ALLERGY = "allergy"


@dataclass(frozen=True)
class Alert:
    kind: str  # one of the names above
    text: str  # in the clinic's words, ready to show


def patient_alerts(uow: UnitOfWork, patient_id: int, today: date) -> list[Alert]:
    """The patient's alerts on `today`, most pressing first."""
    alerts = _contraindications(uow.screenings.for_patient(patient_id))
    course = _open_course(uow.courses.for_patient(patient_id))
    if course is not None:
        alerts += _course_alerts(uow, course, today)
    alerts += _serious_events(uow.adverse_events.for_patient(patient_id))
    patient = uow.patients.get(patient_id)
    allergies = getattr(patient, "allergies", None)
    if allergies:
        alerts.append(Alert(ALLERGY, f"Allergies: {allergies}"))
    return alerts


def _open_course(courses: list[r.Course]) -> r.Course | None:
    open_ones = [c for c in courses if c.end_date is None]
    return open_ones[-1] if open_ones else None


def _contraindications(screenings: list[r.Screening]) -> list[Alert]:
    if not screenings:
        return []
    latest = screenings[-1]
    items = screening_items()
    answers = answers_of(items, latest)
    return [
        Alert(
            CONTRAINDICATION,
            f"Contraindication: {item.description} (screening of {latest.screened_on.isoformat()})",
        )
        for item in items
        if answers.get(item.code) is True
    ]


def _course_alerts(uow: UnitOfWork, course: r.Course, today: date) -> list[Alert]:
    alerts: list[Alert] = []
    hold = hold_in_force(uow.course_holds.for_course(course.id), today)
    if hold is not None:
        alerts.append(Alert(HOLD, f"Treatment on hold: {hold.hold_reason} ({until_text(hold)})"))
    if course.off_label_reason:
        alerts.append(Alert(OFF_LABEL, f"Off-label course: {course.off_label_reason}"))
    return alerts


def _serious_events(events: list[r.AdverseEvent]) -> list[Alert]:
    return [
        Alert(
            SERIOUS_ADVERSE_EVENT,
            f"Open serious adverse event: {e.shown_term}, grade {e.grade} "
            f"(since {e.onset.isoformat()})",
        )
        for e in events
        if is_serious(e.grade, e.criteria)
        and e.resolved_on is None
        and e.status == RecordStatus.ACTIVE
    ]
