"""The cohort's follow-up and exposure columns from the clinic records (`tvec.services.cohort`).

For each treated patient of the centre, over every course (not only the latest):

- ``line``: "first" when no prior systemic therapy is on record (entered-in-error ones aside),
  else "later" (tvec's rule, `tvec.domain.follow_up.line_of_therapy`).
- ``sex`` as registered ("unknown" for any other value); ``ecog``: the baseline ECOG status of the
  follow-up record, `ECOG_NOT_RECORDED` without one.
- ``courses``, ``reinitiations`` (courses that re-initiate after a complete response),
  ``visits`` (visits with a dose given), ``volume_ml`` (every current administration's volume),
  ``pfu`` (each volume times its lot's PFU/mL), ``treatment_days`` (first to last dose day).
- ``vials_thawed`` / ``vials_discarded``: the vials the patient's doses were drawn from that have a
  thawed / discarded event (a dose recorded without its vial counts in neither).
- ``end_reason``: the latest course's end reason; "death" when the patient died while it was open
  or on or before its end date; "" while it runs.
- ``died_on``, ``last_known_alive_on``: from the follow-up record, for overall survival.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.analytics.cohort import ECOG_NOT_RECORDED, SEXES
from tvec.domain.follow_up import PriorTherapy, line_of_therapy
from tvec.domain.status import VisitRecordStatus
from tvec.domain.vial_life import VialEventKind
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork

DEATH = "death"


@dataclass(frozen=True)
class PatientColumns:
    line: str
    sex: str
    ecog: int
    courses: int
    visits: int
    volume_ml: float
    pfu: float
    vials_thawed: int
    vials_discarded: int
    treatment_days: int
    end_reason: str
    reinitiations: int
    died_on: date | None
    last_known_alive_on: date | None


def patient_columns(
    uow: UnitOfWork,
    centre_id: int,
    patients: Iterable[r.Patient],
    courses: list[r.Course],
    visits: list[r.Visit],
    given: list[r.Administration],
) -> dict[int, PatientColumns]:
    """Every listed patient's columns, from their courses, visits and current administrations
    (of every course) and their follow-up records (a few queries for all of them)."""
    chosen = list(patients)
    ids = [p.id for p in chosen]
    follow_ups = {f.patient_id: f for f in uow.follow_ups.for_patients(ids)}
    prior: dict[int, list[PriorTherapy]] = defaultdict(list)
    for t in uow.prior_therapies.active_for_patients(ids):
        prior[t.patient_id].append(PriorTherapy(t.category, t.line, t.agent))
    lots = {lot.id: lot.pfu_per_ml for lot in uow.vial_lots.in_centre(centre_id)}
    patient_of_course = {c.id: c.patient_id for c in courses}
    dose_visits = {
        v.id: v
        for v in visits
        if v.status is VisitRecordStatus.ADMINISTERED and v.administered_on is not None
    }
    given_by: dict[int, list[r.Administration]] = defaultdict(list)
    for a in given:
        if a.visit_id in dose_visits:
            given_by[patient_of_course[dose_visits[a.visit_id].course_id]].append(a)
    events = uow.vial_events.for_vials({a.vial_id for a in given if a.vial_id is not None})
    kinds: dict[int, set[str]] = defaultdict(set)
    for e in events:
        kinds[e.vial_id].add(e.kind)
    by_patient: dict[int, list[r.Course]] = defaultdict(list)
    for c in sorted(courses, key=lambda c: (c.start_date, c.id)):
        by_patient[c.patient_id].append(c)
    days: dict[int, list[date]] = defaultdict(list)
    for v in dose_visits.values():
        days[patient_of_course[v.course_id]].append(v.administered_on)  # type: ignore[arg-type]
    result = {}
    for p in chosen:
        fu = follow_ups.get(p.id)
        doses = given_by[p.id]
        vials = {a.vial_id for a in doses if a.vial_id is not None}
        dose_days = days[p.id]
        died_on = None if fu is None else fu.died_on
        result[p.id] = PatientColumns(
            line=line_of_therapy(prior[p.id]),
            sex=p.sex if p.sex in SEXES else "unknown",
            ecog=ECOG_NOT_RECORDED if fu is None or fu.ecog is None else fu.ecog,
            courses=len(by_patient[p.id]),
            visits=len(dose_days),
            volume_ml=float(sum((a.volume_ml for a in doses), Decimal(0))),
            pfu=float(sum((a.volume_ml * lots[a.vial_lot_id] for a in doses), Decimal(0))),
            vials_thawed=sum(VialEventKind.THAWED.value in kinds[v] for v in vials),
            vials_discarded=sum(VialEventKind.DISCARDED.value in kinds[v] for v in vials),
            treatment_days=(max(dose_days) - min(dose_days)).days if dose_days else 0,
            end_reason=_end_reason(by_patient[p.id], died_on),
            reinitiations=sum(c.reinitiation for c in by_patient[p.id]),
            died_on=died_on,
            last_known_alive_on=None if fu is None else fu.last_known_alive_on,
        )
    return result


def _end_reason(courses: list[r.Course], died_on: date | None) -> str:
    if not courses:
        return ""
    last = courses[-1]
    if died_on is not None and (last.end_date is None or died_on <= last.end_date):
        return DEATH
    return last.end_reason or ""
