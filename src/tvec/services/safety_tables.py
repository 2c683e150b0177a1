"""The centre's safety table: adverse events by term and worst grade per patient, next to OPTiM.

- Who: the clinic (`Action.READ_CLINICAL`) for the centre page and the API (`centre_safety`),
  the researchers (`Action.READ_DEIDENTIFIED`) for the outcomes report (`report_safety`); the
  table holds counts only, no patient.
- What: the actor's own centre. Patients exposed are those with a treatment course that has a
  dose on record; every active (not entered-in-error) adverse event of theirs is counted, by
  `tvec.analytics.safety` (once per patient and term, at the worst grade); "related" counts the
  answer "yes" only (not "unknown"), "Other, specify" events count under their text. The centre
  is one arm, "T-VEC (this centre)"; OPTiM's published rates of the label's common reactions are
  put beside it (`tvec.knowledge.trials`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tvec.analytics.safety import (
    ComparedRow,
    EventRecord,
    PublishedRate,
    SafetyTable,
    safety_table,
    with_published,
)
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.knowledge.trials import Trial, load_trial
from tvec.persistence.uow import UnitOfWork
from tvec.reports.safety import SafetyData
from tvec.reports.shaping import trial_name
from tvec.services.context import Actor, Context
from tvec.services.outcomes import pseudonym_digest
from tvec.services.permissions import Action

ARM = "T-VEC (this centre)"
RELATED = {"yes": True, "no": False}  # "unknown" and unanswered: not counted as related
CHUNK = 500  # ids per IN (...) query, well under SQLite's variable limit
T = TypeVar("T")
TRIAL = "optim"
NOT_COMPARABLE = (
    "Rates from a centre's own records are not comparable one-to-one with a trial's: OPTiM "
    "enrolled selected patients, assessed them on a fixed schedule and coded events in MedDRA, "
    "while a centre records what its staff see and report. Read the trial's rates as a guide "
    "to what is common, not as a benchmark."
)


@dataclass(frozen=True)
class CentreSafety:
    """The centre's table, the published reactions beside it, and the trial they come from."""

    centre_name: str
    table: SafetyTable
    compared: tuple[ComparedRow, ...]
    trial: Trial
    trial_name: str  # "OPTiM"
    events: tuple[EventRecord, ...]  # de-identified (pseudonymous patients), for reports
    note: str = NOT_COMPARABLE


def published_rates(trial: Trial) -> list[PublishedRate]:
    """The trial's published rates of its most common reactions, with the terms they cover."""
    t_vec, gm_csf = (arm.name for arm in trial.arms)
    return [
        PublishedRate(r.term, r.ctcae_terms, {t_vec: r.tvec_pct, gm_csf: r.gmcsf_pct})
        for r in trial.adverse_reactions.rates
    ]


def centre_safety(ctx: Context, actor: Actor) -> CentreSafety:
    """The safety table of the actor's centre, for the clinic's safety page and the API."""
    actor.require(Action.READ_CLINICAL)
    return _centre_safety(ctx, actor)


def report_safety(ctx: Context, actor: Actor) -> CentreSafety:
    """The same table, for the researchers' outcomes report."""
    actor.require(Action.READ_DEIDENTIFIED)
    return _centre_safety(ctx, actor)


def _centre_safety(ctx: Context, actor: Actor) -> CentreSafety:
    with ctx.uow(readonly=True) as uow:
        centre = uow.centres.get(actor.centre_id)
        events, exposed = _events(ctx, uow, actor.centre_id)
    patients = {ARM: exposed}
    trial = load_trial(TRIAL)
    return CentreSafety(
        centre_name=centre.name,
        table=safety_table(events, patients),
        compared=tuple(with_published(events, patients, published_rates(trial))),
        trial=trial,
        trial_name=trial_name(trial),
        events=tuple(events),
    )


def safety_data(found: CentreSafety) -> SafetyData:
    """What the report's safety section and the centre page show."""
    source = found.trial.adverse_reactions.source
    return SafetyData(found.table, found.compared, found.trial_name, source, found.note)


def _chunked(query: Callable[[list[int]], list[T]], ids: Sequence[int]) -> list[T]:
    found: list[T] = []
    for start in range(0, len(ids), CHUNK):
        found += query(list(ids[start : start + CHUNK]))
    return found


def _events(ctx: Context, uow: UnitOfWork, centre_id: int) -> tuple[list[EventRecord], int]:
    """The centre's active adverse events of exposed patients, and how many were exposed."""
    ids = [p.id for p in uow.patients.in_centre(centre_id)]
    courses = _chunked(uow.courses.for_patients, ids)
    visits = _chunked(uow.visits.for_courses, [c.id for c in courses])
    patient_of_course = {c.id: c.patient_id for c in courses}
    exposed = {
        patient_of_course[v.course_id] for v in visits if v.status is VisitRecordStatus.ADMINISTERED
    }
    events = [
        EventRecord(
            patient=pseudonym_digest(ctx, e.patient_id),
            arm=ARM,
            term=e.shown_term,
            grade=e.grade,
            serious=e.serious,
            related=RELATED.get(e.related or ""),
        )
        for e in _chunked(uow.adverse_events.for_patients, sorted(exposed))
        if e.status is RecordStatus.ACTIVE
    ]
    return events, len(exposed)


__all__ = [
    "ARM",
    "NOT_COMPARABLE",
    "CentreSafety",
    "centre_safety",
    "published_rates",
    "report_safety",
    "safety_data",
]
