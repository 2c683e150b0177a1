"""What the adverse-event pages show: the form's choices (CTCAE terms, the patient's visits and
lots) and one event with its reports and its history (every version, who, when, why)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tvec.domain.adverse_event import CRITERIA_WORDS, Criterion, Ctcae, CtcaeTerm
from tvec.domain.safety_clock import KIND_WORDS, ReportKind, days_left
from tvec.domain.status import VisitRecordStatus
from tvec.knowledge.ctcae import Reporting, load_ctcae, load_reporting
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.audit_view import Change, changed
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action


@dataclass(frozen=True)
class Choice:
    id: int
    text: str


@dataclass(frozen=True)
class FormChoices:
    """The form's pickers: terms by system organ class, the patient's given visits and lots."""

    ctcae: Ctcae
    by_soc: tuple[tuple[str, tuple[CtcaeTerm, ...]], ...]
    criteria: tuple[tuple[Criterion, str], ...]
    visits: tuple[Choice, ...]
    lots: tuple[Choice, ...]
    reporting: Reporting


def _by_soc(ctcae: Ctcae) -> tuple[tuple[str, tuple[CtcaeTerm, ...]], ...]:
    socs = sorted({t.soc for t in ctcae.terms})
    return tuple((soc, tuple(t for t in ctcae.terms if t.soc == soc)) for soc in socs)


def _given(uow: UnitOfWork, patient_id: int) -> tuple[tuple[Choice, ...], tuple[Choice, ...]]:
    """The patient's visits with a dose given, latest first, and the lots given at them."""
    courses = uow.courses.for_patient(patient_id)
    visits = [
        v
        for c in courses
        for v in uow.visits.for_course(c.id)
        if v.status is VisitRecordStatus.ADMINISTERED and v.administered_on is not None
    ]
    visits.sort(key=lambda v: (v.administered_on or date.min, v.id), reverse=True)
    given = uow.administrations.for_visits([v.id for v in visits])
    lot_ids = sorted({a.vial_lot_id for a in given})
    lots = [uow.vial_lots.get(i) for i in lot_ids]
    return (
        tuple(Choice(v.id, f"visit {v.number}, {v.administered_on}") for v in visits),
        tuple(Choice(lot.id, f"{lot.lot} (expires {lot.expiry_date})") for lot in lots),
    )


def form_choices(ctx: Context, actor: Actor, patient_id: int) -> FormChoices:
    actor.require(Action.READ_CLINICAL)
    ctcae = load_ctcae()
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        visits, lots = _given(uow, patient_id)
    criteria = tuple(CRITERIA_WORDS.items())
    return FormChoices(ctcae, _by_soc(ctcae), criteria, visits, lots, load_reporting())


@dataclass(frozen=True)
class Version:
    """One entry of the event's history."""

    at: datetime
    who: str
    action: str  # create, update, resolve
    reason: str | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class ReportLine:
    report: r.SafetyReport
    what: str
    days_left: int | None
    submitted_by: str | None


@dataclass(frozen=True)
class EventPage:
    event: r.AdverseEvent
    patient: r.Patient
    term: CtcaeTerm
    reports: tuple[ReportLine, ...]
    history: tuple[Version, ...]
    choices: FormChoices
    today: date


def event_page(ctx: Context, actor: Actor, event_id: int) -> EventPage:
    """The event, its reports and its history, for its page."""
    actor.require(Action.READ_CLINICAL)
    today = ctx.today(actor)
    with ctx.uow(readonly=True) as uow:
        event = uow.adverse_events.get(event_id)
        patient = patient_in_centre(uow, actor, event.patient_id)
        names = {u.id: u.username for u in uow.users.in_centre(actor.centre_id)}
        entries = uow.audit.history_of("adverse-event", event_id, actor.centre_id)
        reports = uow.safety_reports.for_events([event_id])
    history = tuple(
        Version(
            e.at,
            names.get(e.user_id, "system") if e.user_id else "system",
            e.action,
            e.reason,
            changed(e.before, e.after),
        )
        for e in entries
    )
    lines = tuple(
        ReportLine(
            p,
            KIND_WORDS[ReportKind(p.kind)],
            days_left(p.due_on, today),
            names.get(p.submitted_by) if p.submitted_by else None,
        )
        for p in reports
    )
    choices = form_choices(ctx, actor, patient.id)
    term = choices.ctcae.term_of(event.term)
    return EventPage(event, patient, term, lines, history, choices, today)
