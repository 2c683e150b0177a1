"""Education given to the patient and to each named caregiver: dressing care, disposal of
dressings and cleaning material, avoiding contact with injection sites (topics from the knowledge
data: USPI §5.1 and §17, SmPC §4.4), who gave it and when.

A caregiver is named in the record (and only there: never in a log or a message) with their
relation to the patient. A record names at least one known topic; a time in the future is
refused. Records are added, never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from tvec.domain.alert_card import check_codes
from tvec.domain.errors import InvalidInput
from tvec.knowledge.alert_card import EducationTopic, load_alert_card
from tvec.persistence import safety_records as sr
from tvec.schemas.safety import EducationIn, Recipient
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action


@dataclass(frozen=True)
class EducationLine:
    record: sr.Education
    topics: tuple[EducationTopic, ...]
    given_by: str  # the staff member's name


def _check(new: EducationIn) -> None:
    known = load_alert_card().topic_codes()
    check_codes("education", "topics", new.topics, known)
    if new.recipient is Recipient.CAREGIVER and not new.caregiver_name:
        raise InvalidInput("education", "caregiver_name", "must be given for a caregiver")
    if new.recipient is Recipient.PATIENT and (new.caregiver_name or new.caregiver_relation):
        raise InvalidInput(
            "education", "caregiver_name", "is only given when a caregiver was taught"
        )


def record_education(ctx: Context, actor: Actor, patient_id: int, new: EducationIn) -> sr.Education:
    actor.require(Action.ISSUE_ALERT_CARD)
    _check(new)
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        course_id = new.course_id
        if (
            course_id is not None
            and course_in_centre(uow, actor, course_id).patient_id != patient_id
        ):
            raise InvalidInput("education", "course_id", "is not a course of this patient")
        given_at = new.given_at or uow.now
        if given_at.tzinfo is None:
            raise InvalidInput("education", "given_at", "must give its time zone")
        if given_at > uow.now:
            raise InvalidInput("education", "given_at", "must not be in the future")
        if given_at.date() < ctx.settings.earliest_date:
            raise InvalidInput(
                "education", "given_at", f"must not be before {ctx.settings.earliest_date}"
            )
        record = uow.education.add(
            by=actor.user_id,
            patient_id=patient_id,
            course_id=new.course_id,
            recipient=new.recipient.value,
            caregiver_name=new.caregiver_name,
            caregiver_relation=new.caregiver_relation,
            topics=list(new.topics),
            given_by=actor.user_id,
            given_at=given_at,
            note=new.note or None,
        )
        uow.commit()
    return record


def list_education(ctx: Context, actor: Actor, patient_id: int) -> list[EducationLine]:
    """The patient's education records, oldest first, with the topics' titles and who gave it."""
    actor.require(Action.READ_CLINICAL)
    data = load_alert_card()
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        records = uow.education.for_patient(patient_id)
        staff = {u.id: u.full_name for u in uow.users.in_centre(actor.centre_id)}
    return [
        EducationLine(
            e,
            tuple(t for code in e.topics if (t := data.topic(code)) is not None),
            staff.get(e.given_by, "?"),
        )
        for e in records
    ]
