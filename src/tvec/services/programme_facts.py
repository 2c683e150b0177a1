"""The facts the safety programme's requirements name, gathered from the records: one provider
per fact key, in one table (`PROVIDERS`).

A provider answers True (the fact holds), False (it does not, or is not yet recorded) or None
(there is no such person at this step, e.g. no second checker named: the requirement does not
apply). The patient's alert card and education come from the alert-card records
(`tvec.services.alert_card_facts.patient_programme_facts`); at a course start, before the course
exists, they are None (no patient requirement applies there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from tvec.domain import programme as p
from tvec.domain.roles import Role
from tvec.domain.rules import StorageLocation
from tvec.persistence.uow import UnitOfWork
from tvec.services.alert_card_facts import EDUCATED_FACT, ISSUED_FACT, patient_programme_facts


@dataclass(frozen=True)
class Subjects:
    """Who and what a step is about: the people named by it and the patient's course."""

    programme: p.Programme
    centre_id: int
    today: date
    prescriber_id: int | None = None
    giver_id: int | None = None
    checker_id: int | None = None
    patient_id: int | None = None
    course_id: int | None = None


Provider = Callable[[UnitOfWork, Subjects], bool | None]


def _ultra_low_freezer(uow: UnitOfWork, who: Subjects) -> bool:
    """tvec's choice: a storage location of kind freezer holds the label's frozen band
    (−90 °C to −70 °C), so a centre with one has an ultra-low freezer."""
    kinds = {loc.kind for loc in uow.storage_locations.in_centre(who.centre_id)}
    return StorageLocation.FREEZER.value in kinds


def _training_of(pick: Callable[[Subjects], int | None]) -> Provider:
    def provider(uow: UnitOfWork, who: Subjects) -> bool | None:
        user_id = pick(who)
        if user_id is None:
            return None
        records = uow.staff_trainings.for_users([user_id])
        return p.training_current(records, who.programme.training.code, who.today)

    return provider


def _cleared(pick: Callable[[Subjects], int | None]) -> Provider:
    def provider(uow: UnitOfWork, who: Subjects) -> bool | None:
        user_id = pick(who)
        if user_id is None:
            return None
        latest = uow.staff_attestations.latest_for([user_id]).get(user_id)
        return p.cleared_to_handle(latest, who.programme.attestation, who.today)

    return provider


def _a_pharmacist_trained(uow: UnitOfWork, who: Subjects) -> bool:
    """Some active pharmacist of the centre holds the programme's training today."""
    ids = [
        u.id
        for u in uow.users.in_centre(who.centre_id)
        if u.role == Role.PHARMACIST.value and u.active
    ]
    records = uow.staff_trainings.for_users(ids)
    return p.training_current(records, who.programme.training.code, who.today)


def _patient_fact(key: str) -> Provider:
    """The patient's alert card or education for the course (`tvec.services.alert_card_facts`);
    None at a course start, before the course exists (no patient requirement applies there)."""

    def provider(uow: UnitOfWork, who: Subjects) -> bool | None:
        if who.patient_id is None or who.course_id is None:
            return None
        return patient_programme_facts(uow, who.patient_id, who.course_id)[key]

    return provider


PROVIDERS: dict[str, Provider] = {
    "centre.ultra_low_freezer": _ultra_low_freezer,
    "prescriber.training_current": _training_of(lambda who: who.prescriber_id),
    "pharmacist.training_current": _a_pharmacist_trained,
    "nurse.training_current": _training_of(lambda who: who.giver_id),
    "nurse.cleared_to_handle": _cleared(lambda who: who.giver_id),
    "checker.cleared_to_handle": _cleared(lambda who: who.checker_id),
    ISSUED_FACT: _patient_fact(ISSUED_FACT),
    EDUCATED_FACT: _patient_fact(EDUCATED_FACT),
}


def gather(uow: UnitOfWork, who: Subjects, keys: Iterable[str]) -> dict[str, bool | None]:
    """The facts named by `keys`, each from its provider."""
    return {key: PROVIDERS[key](uow, who) for key in sorted(set(keys))}
