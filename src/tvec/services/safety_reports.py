"""Safety reports: the reports an adverse event needs, counted down on the worklist.

`sync_reports` keeps an event's reports in step with it each time it is recorded or updated:
a report it now needs is added (due dates from ICH E2A, tvec.domain.safety_clock), an open one it
no longer needs is withdrawn with the reason; a submitted report is never touched. Marking a
report submitted records the day, who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tvec.domain.adverse_event import Relatedness
from tvec.domain.errors import Conflict, InvalidInput
from tvec.domain.safety_clock import (
    KIND_WORDS,
    EventFacts,
    ReportKind,
    days_left,
    reports_due,
    urgent,
)
from tvec.domain.status import RecordStatus
from tvec.knowledge.ctcae import load_reporting
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.plausible import not_in_future

WHERE = "safety report"


def _facts(event: r.AdverseEvent) -> EventFacts:
    # an event not answered yet (recorded before relatedness was asked) counts as suspected
    related = Relatedness(event.related) if event.related is not None else Relatedness.UNKNOWN
    return EventFacts(
        serious=event.serious,
        expected=event.expected,
        related=related,
        criteria=event.criteria,
        suspected_herpetic=event.suspected_herpetic,
        aware_on=event.aware_on or event.onset,
    )


def sync_reports(uow: UnitOfWork, actor: Actor, event: r.AdverseEvent, why: str) -> None:
    """Add the reports the event needs and withdraw the open ones it no longer needs."""
    needed = {d.kind.value: d for d in reports_due(_facts(event), load_reporting().rules)}
    if event.status is not RecordStatus.ACTIVE:
        needed = {}
    have = uow.safety_reports.for_events([event.id])
    kept = {p.kind for p in have if p.withdrawn_reason is None}
    new = [
        {"adverse_event_id": event.id, "kind": kind, "due_on": d.due_on, "created_at": uow.now}
        for kind, d in needed.items()
        if kind not in kept
    ]
    uow.safety_reports.add_many(new, by=actor.user_id, reason=f"adverse event {why}")
    for report in have:
        if report.open and report.kind not in needed:
            uow.safety_reports.update(
                report.id,
                expected_version=report.version,
                by=actor.user_id,
                reason="no longer needed",
                action="withdraw",
                read=report,
                withdrawn_reason=f"no longer needed: adverse event {why}"[:500],
            )


@dataclass(frozen=True)
class OpenReport:
    """A report to make, as the worklist lists it."""

    report_id: int
    version: int
    patient_id: int
    mrn: str
    event_id: int
    term: str
    grade: int
    kind: str
    what: str  # the kind in clinic words
    due_on: date | None
    days_left: int | None  # None: no deadline, report promptly
    urgent: bool  # shown in red
    source: str


def open_reports(uow: UnitOfWork, patients: dict[int, r.Patient], today: date) -> list[OpenReport]:
    """The open reports of these patients' events, first due first (no deadline first)."""
    reporting = load_reporting()
    reports = uow.safety_reports.open_for_patients(list(patients))
    events = {e.id: e for e in uow.adverse_events.for_patients(list(patients))}
    rules = reporting.rules
    rows = []
    for p in reports:
        event = events[p.adverse_event_id]
        kind = ReportKind(p.kind)
        source = (
            rules.herpetic_source
            if kind is ReportKind.MANUFACTURER_HERPETIC
            else rules.clock_source
        )
        rows.append(
            OpenReport(
                p.id,
                p.version,
                event.patient_id,
                patients[event.patient_id].mrn,
                event.id,
                event.shown_term,
                event.grade,
                p.kind,
                KIND_WORDS[kind],
                p.due_on,
                days_left(p.due_on, today),
                urgent(p.due_on, today, rules),
                source,
            )
        )
    return rows


def centre_open_reports(ctx: Context, actor: Actor) -> list[OpenReport]:
    """The centre's reports still to make, first due first (the worklist's list)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patients = {p.id: p for p in uow.patients.in_centre(actor.centre_id)}
        return open_reports(uow, patients, ctx.today(actor))


def reports_of_event(ctx: Context, actor: Actor, event_id: int) -> list[r.SafetyReport]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        event = uow.adverse_events.get(event_id)
        patient_in_centre(uow, actor, event.patient_id)
        return uow.safety_reports.for_events([event_id])


def event_of_report(ctx: Context, actor: Actor, report_id: int) -> int:
    """The adverse event a report is about (its page shows the report)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        event = uow.adverse_events.get(uow.safety_reports.get(report_id).adverse_event_id)
        patient_in_centre(uow, actor, event.patient_id)
        return event.id


def submit_report(
    ctx: Context, actor: Actor, report_id: int, version: int, submitted_on: date
) -> r.SafetyReport:
    """Mark a report submitted on `submitted_on`, by the actor, now."""
    actor.require(Action.SUBMIT_SAFETY_REPORT)
    not_in_future(ctx, actor, WHERE, "submitted_on", submitted_on)
    with ctx.uow() as uow:
        report = uow.safety_reports.get(report_id)
        event = uow.adverse_events.get(report.adverse_event_id)
        patient_in_centre(uow, actor, event.patient_id)
        if not report.open:
            raise Conflict("the report is already submitted or withdrawn", field="version")
        aware_on = event.aware_on or event.onset
        if submitted_on < aware_on:
            raise InvalidInput(
                WHERE, "submitted_on", f"must not be before the day of awareness {aware_on}"
            )
        done = uow.safety_reports.update(
            report_id,
            expected_version=version,
            by=actor.user_id,
            reason="submitted",
            action="submit",
            read=report,
            submitted_on=submitted_on,
            submitted_by=actor.user_id,
            submitted_at=uow.now,
        )
        uow.commit()
    return done
