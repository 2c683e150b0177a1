"""Everything the patient chart shows, read in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain.errors import DomainError
from tvec.domain.indication import Indication
from tvec.domain.response import ResponseAssessment
from tvec.domain.schedule import ScheduledVisit, course_calendar
from tvec.domain.status import RecordStatus
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.services.context import Actor, Context
from tvec.services.courses import domain_course
from tvec.services.follow_up import deaths
from tvec.services.indication import patient_indication
from tvec.services.outcomes import assess_in_uow
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.screening import answers_of, screening_items


@dataclass(frozen=True)
class LesionLine:
    lesion: r.Lesion
    latest: r.Measurement | None
    injected: bool


@dataclass(frozen=True)
class VisitLine:
    visit: r.Visit
    administrations: tuple[tuple[r.Administration, str], ...]  # each with its lot number

    @property
    def total_ml(self) -> Decimal:
        return sum((a.volume_ml for a, _lot in self.administrations), Decimal(0))


@dataclass(frozen=True)
class ScreeningLine:
    """One item of the contraindication list as the latest screening answered it."""

    description: str
    answer: bool | None  # None: not answered item by item (a screening recorded before)
    source: str


@dataclass(frozen=True)
class Chart:
    patient: r.Patient
    diagnosis: r.Diagnosis | None
    screening: r.Screening | None
    lesions: tuple[LesionLine, ...]
    course: r.Course | None
    calendar: tuple[ScheduledVisit, ...]
    visits: tuple[VisitLine, ...]
    adverse_events: tuple[r.AdverseEvent, ...]
    response: ResponseAssessment | None
    response_problem: str | None  # why the response cannot be assessed yet
    today: date
    screening_items: tuple[ScreeningLine, ...] = ()
    indication: Indication | None = None  # the course's label's indication, as of today
    calendar_problem: str | None = None  # why the course calendar cannot be shown
    died_on: date | None = None  # the recorded date of death (follow-up), if any


def chart(ctx: Context, actor: Actor, patient_id: int, criteria: str = "modified-who") -> Chart:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient = patient_in_centre(uow, actor, patient_id)
        courses = uow.courses.for_patient(patient_id)
        course = courses[-1] if courses else None
        visits = uow.visits.for_course(course.id) if course else []
        given = uow.administrations.for_visits([v.id for v in visits])
        lots = {lot.id: lot.lot for lot in uow.vial_lots.in_centre(actor.centre_id)}
        lesions = uow.lesions.for_patient(patient_id)
        measured = uow.measurements.for_lesions([les.id for les in lesions])
        latest = {m.lesion_id: m for m in measured if m.status is RecordStatus.ACTIVE}
        injected = {a.lesion_id for a in given}
        response, problem = None, None
        if course is not None:
            try:
                response = assess_in_uow(uow, patient_id, criteria)
            except DomainError as exc:
                problem = str(exc)
        calendar: tuple[ScheduledVisit, ...] = ()
        calendar_problem = None
        if course is not None:
            label = load_label(course.label_variant)
            try:
                calendar = course_calendar(label, domain_course(label, course, visits))
            except DomainError as exc:  # the chart is still shown, saying what it cannot show
                calendar_problem = f"the course calendar cannot be shown: {exc}"
        screenings = uow.screenings.for_patient(patient_id)
        items = screening_items()
        answers = answers_of(items, screenings[-1]) if screenings else {}
        indication = (
            patient_indication(uow, load_label(course.label_variant), patient, ctx.today(actor))
            if course is not None
            else None
        )
        return Chart(
            patient=patient,
            diagnosis=uow.diagnoses.for_patient(patient_id),
            screening=screenings[-1] if screenings else None,
            lesions=tuple(
                LesionLine(les, latest.get(les.id), les.id in injected) for les in lesions
            ),
            course=course,
            calendar=calendar,
            visits=tuple(
                VisitLine(
                    v, tuple((a, lots.get(a.vial_lot_id, "?")) for a in given if a.visit_id == v.id)
                )
                for v in visits
            ),
            adverse_events=tuple(uow.adverse_events.for_patient(patient_id)),
            response=response,
            response_problem=problem,
            today=ctx.today(actor),
            screening_items=tuple(
                ScreeningLine(i.description, answers.get(i.code), i.source) for i in items
            )
            if screenings
            else (),
            indication=indication,
            calendar_problem=calendar_problem,
            died_on=deaths(uow, [patient_id]).get(patient_id),
        )
