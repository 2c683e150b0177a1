"""What a prior-authorization request says about the patient: the chart's coverage facts, the
policy's evaluation of them, the lesion table and the planned visits with their units.

The facts are those a payer policy reads (`tvec.domain.coverage.CoverageFacts`) in the JSON
shape of `tvec coverage check`; the chart fills in the diagnosis and the lesions, the billing
office adds what the chart does not hold (prescriber specialty, prior therapies, the documents on
file, the review type), as Da Vinci DTR pre-fills a questionnaire from the chart.

The planned visits come from the course calendar rules (`tvec.domain.schedule`): the first dose at
10^6 PFU/mL, then 10^8 PFU/mL (3 weeks, then every 2 weeks), each visit at most the label's
volume, billed as J9325 units of 10^6 PFU (4 mL: 4 units at 10^6, 400 at 10^8), or the policy's
per-visit cap for that strength when it is lower.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tvec.domain.calendar import add_months
from tvec.domain.coverage import (
    CoverageDecision,
    CoverageFacts,
    DiagnosisFacts,
    LesionFacts,
    ReviewType,
    evaluate,
)
from tvec.domain.errors import InvalidInput
from tvec.domain.policy import Policy
from tvec.domain.prior_auth import planned_units
from tvec.domain.rules import LabelRules, Site
from tvec.domain.schedule import Dose, earliest_date, next_kind
from tvec.domain.status import RecordStatus
from tvec.knowledge import load_label, load_policy
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.prior_auth import PriorAuthIn
from tvec.services.courses import domain_course

WHERE = "Prior authorization"
# tvec records melanoma diagnoses only (AJCC melanoma stages): the cancer a policy reads
CANCER = "melanoma"


@dataclass(frozen=True)
class LesionRow:
    id: str
    site: str
    location: str
    injectable: bool
    longest_cm: Decimal | None
    perpendicular_cm: Decimal | None
    measured_on: date | None


@dataclass(frozen=True)
class PlannedVisit:
    number: int
    day: date
    kind: str
    pfu_per_ml: int
    max_volume_ml: Decimal
    units: Decimal


def policy_in_effect(policy_id: str, day: date) -> Policy:
    """The policy, refused (naming the field) when unknown or not in effect on the day."""
    try:
        policy = load_policy(policy_id)
    except (KeyError, LookupError, InvalidInput):
        raise InvalidInput(WHERE, "policy_id", "is not a policy tvec knows", policy_id) from None
    if not policy.in_effect(day):
        until = policy.effective_to.isoformat() if policy.effective_to else "today"
        raise InvalidInput(
            WHERE,
            "service_date",
            f"is outside the dates policy {policy.id} is in effect "
            f"({policy.effective_from.isoformat()} to {until})",
            day.isoformat(),
        )
    return policy


def lesion_table(uow: UnitOfWork, label: LabelRules, patient_id: int) -> list[LesionRow]:
    """The patient's active lesions with their latest measurement (sizes and dates); a lesion
    is injectable when the chart says so and the label does not exclude its site."""
    lesions = [
        les for les in uow.lesions.for_patient(patient_id) if les.status is RecordStatus.ACTIVE
    ]
    latest: dict[int, r.Measurement] = {}
    for m in uow.measurements.for_lesions([les.id for les in lesions]):
        if m.status is RecordStatus.ACTIVE and (
            m.lesion_id not in latest or m.measured_on > latest[m.lesion_id].measured_on
        ):
            latest[m.lesion_id] = m
    rows = []
    for les in lesions:
        m = latest.get(les.id)
        rows.append(
            LesionRow(
                les.name,
                les.site,
                les.location,
                les.injectable and label.site_restriction(Site(les.site)) is None,
                m.longest_cm if m else None,
                m.perpendicular_cm if m else None,
                m.measured_on if m else None,
            )
        )
    return rows


def chart_facts(
    uow: UnitOfWork, patient_id: int, asked: PriorAuthIn, lesions: list[LesionRow]
) -> dict[str, Any]:
    """The coverage facts as JSON: the chart's diagnosis and lesions, the office's answers."""
    diagnosis = uow.diagnoses.for_patient(patient_id)
    told: dict[str, Any] = {"cancer": CANCER} if diagnosis else {}
    if diagnosis:
        told |= {
            "stage": diagnosis.stage,
            "unresectable": diagnosis.unresectable,
            "recurrent_after_surgery": diagnosis.recurrent_after_surgery,
        }
    return {
        "service_date": asked.service_date.isoformat(),
        "review_type": asked.review_type,
        "reauthorization": False,
        "diagnosis": told,
        "lesions": [
            {
                "id": les.id,
                "site": les.site,
                "longest_cm": None if les.longest_cm is None else float(les.longest_cm),
                "injectable": les.injectable,
            }
            for les in lesions
        ],
        "prescriber_specialty": asked.prescriber_specialty,
        "prior_therapies": asked.prior_therapies,
        "documents": list(asked.documents),
    }


def coverage_facts(facts: dict[str, Any]) -> CoverageFacts:
    """The JSON facts as the evaluation reads them (a fact not given is not known)."""
    d = facts.get("diagnosis") or {}
    lesions = facts.get("lesions")
    therapies = facts.get("prior_therapies")
    return CoverageFacts(
        service_date=date.fromisoformat(facts["service_date"]),
        review_type=ReviewType(facts.get("review_type", "standard")),
        reauthorization=bool(facts.get("reauthorization", False)),
        diagnosis=DiagnosisFacts(
            d.get("cancer"), d.get("stage"), d.get("unresectable"), d.get("recurrent_after_surgery")
        ),
        lesions=None
        if lesions is None
        else tuple(
            LesionFacts(
                les["id"],
                les["site"],
                None if les.get("longest_cm") is None else Decimal(str(les["longest_cm"])),
                bool(les.get("injectable", False)),
            )
            for les in lesions
        ),
        prescriber_specialty=facts.get("prescriber_specialty"),
        prior_therapies=None if therapies is None else tuple(therapies),
        documents=tuple(facts.get("documents") or ()),
    )


def evaluated(policy: Policy, facts: dict[str, Any]) -> CoverageDecision:
    return evaluate(policy, coverage_facts(facts))


def window_months(decision: CoverageDecision) -> int:
    return decision.authorization.months


def window_end(start: date, months: int) -> date:
    """The last day of a window of `months` calendar months from `start`."""
    return add_months(start, months) - timedelta(days=1)


def planned_visits(
    uow: UnitOfWork, course: r.Course, policy: Policy, start: date, end: date
) -> list[PlannedVisit]:
    """The course's visits from `start` to `end`: those given, then those to come by the
    calendar rules (a visit already due is counted on `start`), each with the most units it may
    bill."""
    label = load_label(course.label_variant)
    projected = domain_course(label, course, uow.visits.for_course(course.id))
    planned = [
        _visit(label, policy, d.number, d.day, d.kind)
        for d in projected.doses
        if start <= d.day <= end
    ]
    while True:
        kind = next_kind(projected)
        due = max(earliest_date(label, projected, kind), start)
        if due > end:
            return planned
        number = len(projected.doses) + 1
        planned.append(_visit(label, policy, number, due, kind))
        projected = replace(projected, doses=(*projected.doses, Dose(number, due, kind)))


def _visit(label: LabelRules, policy: Policy, number: int, day: date, kind: Any) -> PlannedVisit:
    rule = label.visit_rule(kind)
    per_unit = label.billing.pfu_per_unit if label.billing else 1_000_000
    units = planned_units(rule.max_total_volume_ml, rule.pfu_per_ml, per_unit)
    cap = policy.cap_for(rule.pfu_per_ml)
    if cap is not None:
        units = min(units, Decimal(cap.max_units_per_visit))
    return PlannedVisit(number, day, str(kind), rule.pfu_per_ml, rule.max_total_volume_ml, units)
