"""What a prior-authorization request says about the patient: the coverage facts as JSON, the
policy's evaluation of them, and the planned visits with their units.

The facts are the course's coverage check (`tvec.services.coverage.evaluate_course`: the chart
fills the diagnosis and the lesions, the billing office answers the rest, as Da Vinci DTR
pre-fills a questionnaire), kept with the request and sent in its Bundle in the JSON shape of
`tvec coverage check`, and read back by that command's schema.

The planned visits come from the course calendar rules (`tvec.domain.schedule`): the first dose at
10^6 PFU/mL, then 10^8 PFU/mL (3 weeks, then every 2 weeks), each visit at most the label's
volume, billed as J9325 units of 10^6 PFU (4 mL: 4 units at 10^6, 400 at 10^8), or the policy's
per-visit cap for that strength when it is lower.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tvec.domain.calendar import add_months
from tvec.domain.coverage import CoverageDecision, CoverageFacts, evaluate
from tvec.domain.errors import InvalidInput
from tvec.domain.policy import Policy
from tvec.domain.prior_auth import planned_units
from tvec.domain.rules import LabelRules
from tvec.domain.schedule import Dose, earliest_date, next_kind
from tvec.knowledge import load_label, load_policy
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.coverage import facts_from
from tvec.services.courses import domain_course

WHERE = "Prior authorization"


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


def facts_json(facts: CoverageFacts) -> dict[str, Any]:
    """The facts of an initial request as JSON, in the shape `tvec coverage check` reads."""
    d = facts.diagnosis
    diagnosis = {
        "cancer": d.cancer,
        "stage": d.stage,
        "unresectable": d.unresectable,
        "recurrent_after_surgery": d.recurrent_after_surgery,
    }
    return {
        "service_date": facts.service_date.isoformat(),
        "review_type": str(facts.review_type),
        "reauthorization": facts.reauthorization,
        "diagnosis": {k: v for k, v in diagnosis.items() if v is not None},
        "lesions": None
        if facts.lesions is None
        else [
            {
                "id": les.id,
                "site": les.site,
                "longest_cm": None if les.longest_cm is None else float(les.longest_cm),
                "injectable": les.injectable,
            }
            for les in facts.lesions
        ],
        "prescriber_specialty": facts.prescriber_specialty,
        "prior_therapies": None if facts.prior_therapies is None else list(facts.prior_therapies),
        "documents": list(facts.documents),
    }


def stored_facts(facts: dict[str, Any]) -> CoverageFacts:
    """JSON facts (a request's, or a Bundle's) read by the same schema as `tvec coverage check`
    (sizes as exact decimals); a fault is an `InvalidInput` naming the fact."""
    return facts_from(json.loads(json.dumps(facts), parse_float=Decimal))


def evaluated(policy: Policy, facts: dict[str, Any]) -> CoverageDecision:
    return evaluate(policy, stored_facts(facts))


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
