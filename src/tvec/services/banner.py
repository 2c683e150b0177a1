"""The patient banner: who this screen is about, shown at the top of every patient screen.

As in OpenEMR and Bahmni, every screen about one patient starts with the same banner: the name,
the MRN, the date of birth with the age in whole years on the centre's today, the sex, and the
patient's red alerts (contraindication, off-label course, hold, open serious adverse event,
allergies). The alerts come from `tvec.services.alerts.patient_alerts`, the one place they are
decided (allergies recorded with the patient are among them). The banner is read in its own
read-only unit of work, so a page shows it the same way whatever else it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tvec.domain.identity import NAME_NOT_RECORDED, age_in_years, shown_name
from tvec.domain.zones import local_day
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.alerts import Alert, patient_alerts
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action


@dataclass(frozen=True)
class Banner:
    patient_id: int
    name: str  # "FAMILY, Given “Preferred”", or "name not recorded"
    mrn: str
    birth_date: date
    age_years: int
    sex: str
    alerts: tuple[Alert, ...]

    @property
    def named(self) -> bool:
        return self.name != NAME_NOT_RECORDED


def patient_banner(ctx: Context, actor: Actor, patient_id: int) -> Banner:
    """The banner of a patient of the actor's centre (others' patients are not found)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient = patient_in_centre(uow, actor, patient_id)
        return banner_of(uow, patient, centre_today(uow, patient.centre_id))


def actor_today(ctx: Context, actor: Actor) -> date:
    """The actor's centre's calendar day now: the day ages are counted on."""
    with ctx.uow(readonly=True) as uow:
        return centre_today(uow, actor.centre_id)


def centre_today(uow: UnitOfWork, centre_id: int) -> date:
    """The centre's calendar day now (its time zone: tvec.domain.zones)."""
    return local_day(uow.now, uow.centres.get(centre_id).time_zone)


def banner_of(uow: UnitOfWork, patient: r.Patient, today: date) -> Banner:
    """The banner of a patient already read in this unit of work."""
    found = patient_alerts(uow, patient.id, today)
    return Banner(
        patient_id=patient.id,
        name=shown_name(patient.given_name, patient.family_name, patient.preferred_name),
        mrn=patient.mrn,
        birth_date=patient.birth_date,
        age_years=age_in_years(patient.birth_date, today),
        sex=patient.sex,
        alerts=tuple(found),
    )
