"""Export one adverse event as a structured, de-identified safety report (E2B(R3)-shaped XML).

- Who: the clinic (`Action.READ_CLINICAL`: oncologists, nurses, pharmacists), for events of
  patients of their own centre; another centre's event does not exist here (`NotFound`).
- What: `safety_case` builds a `tvec.interop.e2b.SafetyCase` with the patient de-identified as the
  format allows: age at onset in whole years and sex; no name, MRN or birth date, and those
  removed from the free text (`tvec.domain.redaction`). The suspect product's doses are the
  administrations of the event's course (else the patient's latest course started by the onset)
  given on or before the onset: one dose per day, strength and lot (the volumes of that visit's
  lesions added up). C.1.7 (expedited) is true when the event needs an ICH E2A expedited report
  (`tvec.services.safety_reports`).
- `safety_report_file` writes it as XML (`tvec.interop.e2b.case_xml`) or as a CIOMS I-style PDF
  (`tvec.reports.cioms`), ready to download.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from tvec.domain.identity import age_in_years
from tvec.domain.redaction import redact
from tvec.domain.roles import Role
from tvec.domain.safety_clock import ReportKind
from tvec.domain.status import VisitRecordStatus
from tvec.interop.e2b import Dose, SafetyCase, Seriousness, case_xml
from tvec.knowledge.ctcae import load_ctcae
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.reports.cioms import cioms_pdf
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action

Format = Literal["xml", "pdf"]
MEDIA_TYPES: dict[Format, str] = {"xml": "application/xml", "pdf": "application/pdf"}
QUALIFICATION = {Role.ONCOLOGIST: "physician", Role.PHARMACIST: "pharmacist"}
GRADE_DEATH = 5
EXPEDITED = {
    ReportKind.EXPEDITED_7_DAY.value,
    ReportKind.EXPEDITED_15_DAY.value,
}  # CTCAE v5.0: grade 5 is death related to the adverse event


@dataclass(frozen=True)
class SafetyReportFile:
    content: bytes
    media_type: str
    filename: str


def _course_for(uow: UnitOfWork, event: r.AdverseEvent) -> r.Course | None:
    courses = uow.courses.for_patient(event.patient_id)
    if event.course_id is not None:
        return next(c for c in courses if c.id == event.course_id)
    started = [c for c in courses if c.start_date <= event.onset]
    return started[-1] if started else None


def _doses(uow: UnitOfWork, course: r.Course | None, onset: date) -> tuple[Dose, ...]:
    if course is None:
        return ()
    visits = {
        v.id: v
        for v in uow.visits.for_course(course.id)
        if v.status is VisitRecordStatus.ADMINISTERED
        and v.administered_on is not None
        and v.administered_on <= onset
    }
    given = [a for a in uow.administrations.for_visits(list(visits)) if a.status == "active"]
    lots = {lot_id: uow.vial_lots.get(lot_id) for lot_id in {a.vial_lot_id for a in given}}
    per_visit: dict[tuple[date, int, str], Decimal] = {}
    for a in sorted(given, key=lambda a: (a.administered_at, a.id)):
        key = (a.administered_at.date(), a.pfu_per_ml, lots[a.vial_lot_id].lot)
        per_visit[key] = per_visit.get(key, Decimal(0)) + a.volume_ml
    return tuple(Dose(day, ml, pfu, lot) for (day, pfu, lot), ml in per_visit.items())


def _outcome(event: r.AdverseEvent) -> str:
    if event.grade == GRADE_DEATH:
        return "fatal"
    if event.resolved_on is not None:
        return "recovered/resolved"
    return "not recovered/not resolved/ongoing"


RELATEDNESS = {"yes": "related", "no": "not related", "unknown": "unknown (not ruled out)"}


def _related(event: r.AdverseEvent) -> str:
    return RELATEDNESS.get(event.related or "", "not yet assessed")


def _seriousness(event: r.AdverseEvent) -> Seriousness:
    return Seriousness(
        death=event.results_in_death or event.grade == GRADE_DEATH,
        life_threatening=event.life_threatening,
        hospitalisation=event.hospitalisation,
        disability=event.disability,
        congenital_anomaly=event.congenital_anomaly,
        other_important=event.important_medical_event,
    )


def _narrative(event: r.AdverseEvent, age: int, doses: tuple[Dose, ...]) -> str:
    related = _related(event)
    given = (
        f"{len(doses)} dose(s) of IMLYGIC given intralesionally before the onset, the last on "
        f"{doses[-1].given_on.isoformat()}"
        if doses
        else "no dose of IMLYGIC on record before the onset"
    )
    ended = f"resolved on {event.resolved_on.isoformat()}" if event.resolved_on else "not resolved"
    return (
        f"A patient aged {age} years developed {event.shown_term} (CTCAE v5.0 grade "
        f"{event.grade}) "
        f"with onset on {event.onset.isoformat()}; {given}. The event was "
        f"{'serious' if event.serious else 'not serious'}, assessed by the treating centre as "
        f"{related} to IMLYGIC, and {ended}. Action taken: {event.action_taken}."
    )


def safety_case(ctx: Context, actor: Actor, event_id: int) -> SafetyCase:
    """The event as a de-identified case (see the module notes)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        event = uow.adverse_events.get(event_id)
        patient = patient_in_centre(uow, actor, event.patient_id)
        centre = uow.centres.get(actor.centre_id)
        doses = _doses(uow, _course_for(uow, event), event.onset)
        reports = uow.safety_reports.for_events([event.id])
        kinds = {report.kind for report in reports if report.withdrawn_reason is None}
    names = (patient.given_name, patient.family_name, patient.preferred_name or "", patient.mrn)

    def clean(text: str) -> str:
        return redact(text, names, patient.birth_date)

    age = age_in_years(patient.birth_date, event.onset)
    today = ctx.today(actor)
    term = load_ctcae().find(event.term)
    return SafetyCase(
        report_id=f"TVEC-{centre.id}-AE-{event.id}-V{event.version}",
        created_on=today,
        first_received_on=event.aware_on,
        most_recent_on=today,
        expedited=bool(kinds & EXPEDITED),
        sender_organisation=centre.name,
        reporter_qualification=QUALIFICATION.get(actor.role, "other health professional"),
        age_at_onset_years=age,
        sex=patient.sex,
        term=clean(event.shown_term),
        meddra_code=None if term is None else term.meddra_code,
        ctcae_grade=event.grade,
        seriousness=_seriousness(event),
        serious=event.serious,
        expected=event.expected,
        onset=event.onset,
        resolved_on=event.resolved_on,
        outcome=_outcome(event),
        related=_related(event),
        doses=doses,
        action_taken=clean(event.action_taken),
        narrative=clean(_narrative(event, age, doses)),
    )


def safety_report_file(
    ctx: Context, actor: Actor, event_id: int, fmt: Format = "xml"
) -> SafetyReportFile:
    """The event's safety report as a download: the E2B(R3)-shaped XML, or the CIOMS I-style
    PDF of the same de-identified case."""
    case = safety_case(ctx, actor, event_id)
    filename = f"safety-report-{case.report_id.lower()}.{fmt}"
    content = case_xml(case) if fmt == "xml" else cioms_pdf(case)
    return SafetyReportFile(content, MEDIA_TYPES[fmt], filename)


__all__ = ["MEDIA_TYPES", "Format", "SafetyReportFile", "safety_case", "safety_report_file"]
