"""The safety programme's facts about the patient's alert card and education, read in the
caller's unit of work (a module of its own, importing no other service, so that the programme's
fact table can use it from inside a course start or a dose without an import cycle;
`tvec.services.alert_cards` re-exports it)."""

from __future__ import annotations

from tvec.knowledge.alert_card import load_alert_card
from tvec.persistence.uow import UnitOfWork

ISSUED_FACT = "patient.alert_card_issued"
EDUCATED_FACT = "patient.education_given"


def patient_programme_facts(uow: UnitOfWork, patient_id: int, course_id: int) -> dict[str, bool]:
    """Whether the patient alert card was issued for the course, and whether the patient was
    taught every education topic of the knowledge data (over one or several records; a
    caregiver's education does not stand in for the patient's)."""
    taught: set[str] = set()
    for record in uow.education.for_patient(patient_id):
        if record.recipient == "patient":
            taught.update(record.topics)
    return {
        ISSUED_FACT: uow.alert_cards.for_course(course_id) is not None,
        EDUCATED_FACT: load_alert_card().topic_codes() <= taught,
    }
