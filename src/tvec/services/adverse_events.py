"""Adverse events: CTCAE term and grade, ICH E2A seriousness, relatedness, links, reports.

Recording or updating an event checks it against CTCAE v5.0 and derives its seriousness and
expectedness (tvec.domain.adverse_event), then keeps its reports in step with it
(tvec.services.safety_reports). Updates and resolution are new versions, audited with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tvec.domain import adverse_event as ae_rules
from tvec.domain.adverse_event import OTHER, Criterion, CtcaeTerm, Relatedness
from tvec.domain.errors import InvalidInput
from tvec.domain.status import RecordStatus
from tvec.knowledge.ctcae import load_ctcae, load_reporting
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import AdverseEventIn, AdverseEventUpdate
from tvec.schemas.holds import HoldIn
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.holds import place_hold_in
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.plausible import near_today, not_in_future
from tvec.services.safety_reports import sync_reports

WHERE = ae_rules.WHERE
HOLD_FIELDS = {"hold_next_dose", "hold_until"}  # the hold it places, not the event's own


@dataclass(frozen=True)
class Assessed:
    """The event's derived values: what the database stores besides what was typed."""

    term: CtcaeTerm
    criteria: frozenset[Criterion]
    serious: bool
    expected: bool
    herpetic: bool

    def columns(self) -> dict[str, Any]:
        return {
            "serious": self.serious,
            "expected": self.expected,
            "suspected_herpetic": self.herpetic,
            **{c.column: c in self.criteria for c in Criterion},
        }


def assess(
    term: CtcaeTerm,
    grade: int,
    ticked: list[Criterion],
    told_serious: bool | None,
    herpetic_box: bool,
) -> Assessed:
    """Check the grade against the term and derive seriousness, expectedness, herpetic."""
    ae_rules.check_grade(term, grade)
    criteria = ae_rules.criteria_for(grade, ticked)
    serious = ae_rules.is_serious(grade, criteria)
    if told_serious is not None and told_serious != serious:
        rule = (
            "is derived: grade 5 or a seriousness criterion (ICH E2A) makes an event serious; "
            + ("tick the criterion it meets" if told_serious else "this event meets one")
        )
        raise InvalidInput(WHERE, "serious", rule)
    expected = ae_rules.is_expected(term, load_reporting().expected_terms)
    return Assessed(term, criteria, serious, expected, term.herpetic or herpetic_box)


def _answered(related: Relatedness | None) -> Relatedness:
    if related is None:
        raise InvalidInput(WHERE, "related", "must be answered: yes, no or unknown")
    return related


def _check_days(
    ctx: Context, actor: Actor, onset: date, aware_on: date, resolved: date | None
) -> None:
    for field, day in (("onset", onset), ("aware_on", aware_on), ("resolved_on", resolved)):
        not_in_future(ctx, actor, WHERE, field, day)
    ae_rules.check_dates(onset, aware_on, resolved)


def _links(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    course_id: int | None,
    visit_id: int | None,
    vial_lot_id: int | None,
) -> int | None:
    """Check the course, visit and lot belong to the patient and centre; the event's course."""
    if course_id is not None and course_in_centre(uow, actor, course_id).patient_id != patient_id:
        raise InvalidInput(WHERE, "course_id", "is not a course of this patient")
    if visit_id is not None:
        visit = uow.visits.find(visit_id)
        if visit is None or course_in_centre(uow, actor, visit.course_id).patient_id != patient_id:
            raise InvalidInput(WHERE, "visit_id", "is not a visit of this patient")
        if course_id is not None and visit.course_id != course_id:
            raise InvalidInput(WHERE, "visit_id", "is not a visit of the course chosen")
        course_id = visit.course_id
    if vial_lot_id is not None:
        lot = uow.vial_lots.find(vial_lot_id)
        if lot is None or not actor.sees(lot.centre_id):
            raise InvalidInput(WHERE, "vial_lot_id", "is not a lot of this centre")
    return course_id


def _hold_for(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    ae: AdverseEventIn,
    event: r.AdverseEvent,
) -> None:
    """Put the event's course (else the patient's open course) on hold, linked to the event."""
    today = ctx.today(actor)
    near_today(ctx, actor, WHERE, "hold_until", ae.hold_until)
    if ae.hold_until is not None and ae.hold_until < today:
        raise InvalidInput(WHERE, "hold_until", "must not be before today")
    course_id = event.course_id
    if course_id is None:
        open_ones = [c.id for c in uow.courses.for_patient(patient_id) if c.end_date is None]
        if not open_ones:
            raise InvalidInput(
                WHERE, "hold_next_dose", "needs an open course: this patient has none"
            )
        course_id = open_ones[-1]
    reason = f"adverse event: {event.shown_term}, grade {event.grade}"
    hold = HoldIn(reason=reason, starts_on=today, ends_on=ae.hold_until)
    place_hold_in(uow, actor, course_in_centre(uow, actor, course_id), hold, today, event.id)


def record_adverse_event(
    ctx: Context, actor: Actor, patient_id: int, ae: AdverseEventIn
) -> r.AdverseEvent:
    actor.require(Action.RECORD_ADVERSE_EVENT)
    related = _answered(ae.related)
    term = ae_rules.chosen_term(load_ctcae(), ae.term, ae.other_specify)
    found = assess(term, ae.grade, ae.criteria, ae.serious, ae.suspected_herpetic)
    aware_on = ae.aware_on or ctx.today(actor)
    _check_days(ctx, actor, ae.onset, aware_on, ae.resolved_on)
    ae_rules.check_lot(related, ae.vial_lot_id)
    if ae.hold_until is not None and not ae.hold_next_dose:
        raise InvalidInput(WHERE, "hold_until", "is only given with hold the next dose")
    other = term is load_ctcae().other
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        course_id = _links(uow, actor, patient_id, ae.course_id, ae.visit_id, ae.vial_lot_id)
        event = uow.adverse_events.add(
            by=actor.user_id,
            patient_id=patient_id,
            status=RecordStatus.ACTIVE,
            term=OTHER if other else term.name,
            other_specify=(ae.other_specify or "").strip() if other else None,
            grade=ae.grade,
            related=related.value,
            onset=ae.onset,
            aware_on=aware_on,
            resolved_on=ae.resolved_on,
            action_taken=ae.action_taken,
            course_id=course_id,
            visit_id=ae.visit_id,
            vial_lot_id=ae.vial_lot_id,
            **found.columns(),
        )
        if ae.hold_next_dose:
            _hold_for(ctx, uow, actor, patient_id, ae, event)
        sync_reports(uow, actor, event, "recorded")
        uow.commit()
    return event


def _updated(current: r.AdverseEvent, fix: AdverseEventUpdate) -> dict[str, Any]:
    """The changed fields, with seriousness and expectedness derived again."""
    changes = fix.model_dump(
        exclude={"version", "reason", "criteria", "serious", "suspected_herpetic"},
        exclude_unset=True,
    )
    if "related" in changes and changes["related"] is None:
        raise InvalidInput(WHERE, "related", "must be answered: yes, no or unknown")
    grade = changes.get("grade", current.grade)
    ticked = list(current.criteria if fix.criteria is None else fix.criteria)
    if fix.criteria is None and grade != 5:
        # grade 5 brought "results in death"; a lower grade takes it away
        ticked = [c for c in ticked if c is not Criterion.DEATH]
    herpetic = (
        current.suspected_herpetic if fix.suspected_herpetic is None else fix.suspected_herpetic
    )
    term = load_ctcae().term_of(current.term)
    found = assess(term, grade, ticked, fix.serious, herpetic)
    changes.update(found.columns())
    if changes.get("related") is not None:
        changes["related"] = Relatedness(changes["related"]).value
    return changes


def update_adverse_event(
    ctx: Context, actor: Actor, event_id: int, fix: AdverseEventUpdate
) -> r.AdverseEvent:
    """A new version of the event (a resolution date resolves it), audited with the reason."""
    actor.require(Action.RECORD_ADVERSE_EVENT)
    if not fix.model_dump(exclude={"version", "reason"}, exclude_unset=True):
        raise InvalidInput("update", "(fields)", "must change at least one field")
    with ctx.uow() as uow:
        current = uow.adverse_events.get(event_id)
        patient = patient_in_centre(uow, actor, current.patient_id)
        changes = _updated(current, fix)
        related = changes.get("related", current.related)
        resolved = changes.get("resolved_on", current.resolved_on)
        aware_on = current.aware_on or current.onset
        _check_days(ctx, actor, current.onset, aware_on, resolved)
        lot = changes.get("vial_lot_id", current.vial_lot_id)
        if related is not None:
            ae_rules.check_lot(Relatedness(related), lot)
        if "visit_id" in changes or "vial_lot_id" in changes:
            course_id = _links(
                uow, actor, patient.id, None, changes.get("visit_id", current.visit_id), lot
            )
            changes["course_id"] = course_id if course_id is not None else current.course_id
        resolving = current.resolved_on is None and resolved is not None
        event = uow.adverse_events.update(
            event_id,
            expected_version=fix.version,
            by=actor.user_id,
            reason=fix.reason,
            action="resolve" if resolving else "update",
            read=current,
            **changes,
        )
        sync_reports(uow, actor, event, f"updated: {fix.reason}")
        uow.commit()
    return event


def list_adverse_events(ctx: Context, actor: Actor, patient_id: int) -> list[r.AdverseEvent]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        return uow.adverse_events.for_patient(patient_id)
