"""The patient alert card: issued at the first dose of a course whose label asks for it (EU:
SmPC §4.2), printed as a wallet card or an A4 page, and acknowledged by the patient.

- `issue_card`: a nurse or oncologist issues the card for a course whose first dose was given;
  one card per course (a database rule too). A course on a label that asks for no card (US) is
  refused naming the course.
- `acknowledge_card`: the patient's acknowledgement, recorded by the staff member, at a time not
  before the issue and not in the future.
- `card_content`: what the card prints (patient, centre and its contact, product, first dose,
  what to tell other doctors, the warnings from the knowledge data).
- `card_state` / `missing_card_text`: what the chart and the banner show; a card is missing when
  the label asks for one, the first dose was given and none was issued.
- `patient_programme_facts`: the programme rules' facts about the card and the education.
- `centre_contact` / `set_centre_contact`: the centre's phone and address printed on the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tvec.domain.alert_card import card_missing, check_acknowledged_at
from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.identity import shown_name
from tvec.domain.status import VisitRecordStatus
from tvec.domain.zones import local_day
from tvec.knowledge.alert_card import load_alert_card
from tvec.persistence import records as r
from tvec.persistence import safety_records as sr
from tvec.persistence.uow import UnitOfWork
from tvec.reports.alert_card import AlertCardContent
from tvec.schemas.safety import AcknowledgementIn, CentreContactIn
from tvec.services.alert_card_facts import (  # re-exported: the safety programme's facts
    EDUCATED_FACT as EDUCATED_FACT,
)
from tvec.services.alert_card_facts import ISSUED_FACT as ISSUED_FACT
from tvec.services.alert_card_facts import patient_programme_facts as patient_programme_facts
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.permissions import Action


@dataclass(frozen=True)
class CardState:
    """What the chart shows of a course's alert card."""

    course: r.Course
    needs_card: bool  # the course's label asks for the card
    first_dose_on: date | None
    card: sr.AlertCard | None

    @property
    def missing(self) -> bool:
        return card_missing(self.needs_card, self.first_dose_on, self.card is not None)


def first_dose_on(uow: UnitOfWork, course_id: int) -> date | None:
    """The day the course's first dose was given; None before it."""
    given = [
        v.administered_on
        for v in uow.visits.for_course(course_id)
        if v.status is VisitRecordStatus.ADMINISTERED and v.administered_on is not None
    ]
    return min(given, default=None)


def state_in(uow: UnitOfWork, course: r.Course) -> CardState:
    needs = load_alert_card().needs_card(course.label_variant)
    return CardState(
        course, needs, first_dose_on(uow, course.id), uow.alert_cards.for_course(course.id)
    )


def card_state(ctx: Context, actor: Actor, course_id: int) -> CardState:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return state_in(uow, course_in_centre(uow, actor, course_id))


def missing_card_text(uow: UnitOfWork, course: r.Course) -> str | None:
    """The banner's alert text when the course's alert card is missing (None when it is not)."""
    state = state_in(uow, course)
    if not state.missing:
        return None
    return "Patient alert card not issued: give it to the patient (SmPC §4.2)"


def issue_card(ctx: Context, actor: Actor, course_id: int) -> sr.AlertCard:
    actor.require(Action.ISSUE_ALERT_CARD)
    with ctx.uow() as uow:
        course = course_in_centre(uow, actor, course_id)
        state = state_in(uow, course)
        if not state.needs_card:
            raise InvalidInput(
                "alert card",
                "course_id",
                f"is a {course.label_variant.upper()}-label course: the patient alert card is "
                "given for EU-label courses (SmPC §4.2)",
            )
        if state.first_dose_on is None:
            raise InvalidInput(
                "alert card", "course_id", "has no dose given yet: issue the card at the first dose"
            )
        if state.card is not None:
            raise Conflict(
                "an alert card was already issued for this course; print it again from the chart",
                field="course_id",
            )
        card = uow.alert_cards.add(
            by=actor.user_id,
            patient_id=course.patient_id,
            course_id=course.id,
            first_dose_on=state.first_dose_on,
            issued_by=actor.user_id,
            issued_at=uow.now,
            acknowledged_at=None,
            acknowledged_by=None,
        )
        uow.commit()
    return card


def _card_in_centre(uow: UnitOfWork, actor: Actor, card_id: int) -> sr.AlertCard:
    card = uow.alert_cards.find(card_id)
    if card is None:
        raise NotFound("alert card", card_id)
    course_in_centre(uow, actor, card.course_id)  # another centre's card is not found
    return card


def acknowledge_card(
    ctx: Context, actor: Actor, card_id: int, ack: AcknowledgementIn
) -> sr.AlertCard:
    actor.require(Action.ISSUE_ALERT_CARD)
    with ctx.uow() as uow:
        card = _card_in_centre(uow, actor, card_id)
        if card.acknowledged_at is not None:
            raise Conflict("the patient has already acknowledged this card", field="version")
        at = ack.acknowledged_at or uow.now
        if at.tzinfo is None:
            raise InvalidInput("alert card", "acknowledged_at", "must give its time zone")
        check_acknowledged_at(card.issued_at, at, uow.now)
        done = uow.alert_cards.update(
            card_id,
            expected_version=ack.version,
            by=actor.user_id,
            action="acknowledge",
            read=card,
            acknowledged_at=at,
            acknowledged_by=actor.user_id,
        )
        uow.commit()
    return done


def card_for_course(ctx: Context, actor: Actor, course_id: int) -> sr.AlertCard:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        course_in_centre(uow, actor, course_id)
        card = uow.alert_cards.for_course(course_id)
        if card is None:
            raise NotFound("alert card", course_id)
        return card


def card_content(ctx: Context, actor: Actor, course_id: int) -> AlertCardContent:
    """What the issued card of the course prints."""
    actor.require(Action.READ_CLINICAL)
    data = load_alert_card()
    with ctx.uow(readonly=True) as uow:
        course = course_in_centre(uow, actor, course_id)
        card = uow.alert_cards.for_course(course_id)
        if card is None:
            raise NotFound("alert card", course_id)
        patient = uow.patients.get(course.patient_id)
        centre = uow.centres.get(actor.centre_id)
    name = " ".join(p for p in (patient.given_name.strip(), patient.family_name.strip()) if p)
    return AlertCardContent(
        patient_name=name or shown_name(patient.given_name, patient.family_name),
        centre_name=centre.name,
        centre_phone=centre.contact_phone,
        centre_address=centre.contact_address,
        product=data.product,
        active_substance=data.active_substance,
        product_description=data.product_description,
        first_dose_on=card.first_dose_on,
        issued_on=local_day(card.issued_at, centre.time_zone),
        tell_other_doctors=data.tell_other_doctors,
        warnings=tuple(w.text for w in data.warnings),
        sources=data.card_sources(),
    )


def centre_contact(ctx: Context, actor: Actor) -> r.Centre:
    with ctx.uow(readonly=True) as uow:
        return uow.centres.get(actor.centre_id)


def set_centre_contact(ctx: Context, actor: Actor, contact: CentreContactIn) -> r.Centre:
    """An admin sets the phone and address printed on the patient alert card; audited."""
    actor.require(Action.MANAGE_USERS)
    with ctx.uow() as uow:
        centre = uow.centres.update(
            actor.centre_id,
            expected_version=None,
            by=actor.user_id,
            action="contact",
            contact_phone=contact.contact_phone,
            contact_address=contact.contact_address,
        )
        uow.commit()
    return centre
