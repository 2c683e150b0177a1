"""Does a patient meet a payer's coverage policy? Criteria by criteria, with the reasons.

`evaluate(policy, facts)` applies a `Policy` (see `tvec.domain.policy`) to a patient's
`CoverageFacts` and returns a `CoverageDecision`: each criterion met (True), not met (False) or not
known (None: the fact is not in the chart and must be asked for), the documents the policy asks
for that are not on file, and the authorization lengths the policy allows.

Conventions:

- A fact that is `None` is not known; it is never read as "no".
- The decision is `does-not-meet` when any criterion is not met, else `needs-documentation` when
  a criterion is not known or a required document is missing, else `meets`.
- Texts are compared without regard to case or surrounding spaces ("Melanoma" is "melanoma").
- A policy not in effect on the service date is refused (`InvalidInput` on `service_date`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tvec.domain.errors import InvalidInput
from tvec.domain.policy import Check, Criterion, Policy, RequiredDocument, ReviewType
from tvec.domain.reauthorization import ResponseEvidence, continued_response

__all__ = [
    "CoverageDecision",
    "CoverageFacts",
    "CriterionResult",
    "Decision",
    "DiagnosisFacts",
    "LesionFacts",
    "OfferedAuthorization",
    "Policy",
    "ResponseEvidence",
    "ReviewType",
    "evaluate",
]

WHERE = "Coverage"


class Decision(StrEnum):
    MEETS = "meets"
    DOES_NOT_MEET = "does-not-meet"
    NEEDS_DOCUMENTATION = "needs-documentation"


@dataclass(frozen=True)
class DiagnosisFacts:
    cancer: str | None = None  # e.g. "melanoma"
    stage: str | None = None  # AJCC, e.g. "IIIC"
    unresectable: bool | None = None
    recurrent_after_surgery: bool | None = None


@dataclass(frozen=True)
class LesionFacts:
    id: str
    site: str  # cutaneous, subcutaneous, nodal, visceral
    longest_cm: Decimal | None  # at the latest measurement; None when never measured
    injectable: bool


@dataclass(frozen=True)
class CoverageFacts:
    """What a policy reads about one patient on one service date; None: not known."""

    service_date: date
    review_type: ReviewType = ReviewType.STANDARD
    reauthorization: bool = False
    diagnosis: DiagnosisFacts = DiagnosisFacts()
    lesions: tuple[LesionFacts, ...] | None = None
    prescriber_specialty: str | None = None
    prior_therapies: tuple[str, ...] | None = None
    documents: tuple[str, ...] = ()  # ids of the documents on file (e.g. "office-notes")
    response: ResponseEvidence | None = None  # a re-authorization's evidence


@dataclass(frozen=True)
class CriterionResult:
    id: str
    text: str
    reads: str
    met: bool | None
    reason: str
    source: str


@dataclass(frozen=True)
class OfferedAuthorization:
    """How long the policy authorizes for this request: the months that apply, and both terms."""

    review_type: ReviewType
    reauthorization: bool
    initial_months: int
    reauthorization_months: int
    source: str

    @property
    def months(self) -> int:
        return self.reauthorization_months if self.reauthorization else self.initial_months


@dataclass(frozen=True)
class CoverageDecision:
    policy_id: str
    policy_version: str
    policy_title: str  # as shown: an example policy says so
    example: bool
    service_date: date
    reauthorization: bool
    decision: Decision
    criteria: tuple[CriterionResult, ...]
    missing_documents: tuple[RequiredDocument, ...]
    authorization: OfferedAuthorization


def evaluate(policy: Policy, facts: CoverageFacts) -> CoverageDecision:
    """Apply `policy` to `facts`; refused when the policy is not in effect on the service date."""
    check_in_effect(policy, facts.service_date)
    wanted = facts.reauthorization
    results = tuple(judge(c, facts) for c in policy.criteria if c.applies_to.applies(wanted))
    on_file = {_norm(d) for d in facts.documents}
    missing = tuple(
        d for d in policy.documents_required if d.applies_to.applies(wanted) and d.id not in on_file
    )
    terms = policy.authorization
    return CoverageDecision(
        policy_id=policy.id,
        policy_version=policy.version,
        policy_title=policy.shown_title,
        example=policy.example,
        service_date=facts.service_date,
        reauthorization=wanted,
        decision=_decision(results, missing),
        criteria=results,
        missing_documents=missing,
        authorization=OfferedAuthorization(
            facts.review_type,
            wanted,
            terms.initial_months[facts.review_type],
            terms.reauthorization_months,
            terms.source,
        ),
    )


def check_in_effect(policy: Policy, day: date) -> None:
    if policy.in_effect(day):
        return
    until = f" to {policy.effective_to.isoformat()}" if policy.effective_to else " on"
    raise InvalidInput(
        WHERE,
        "service_date",
        f"is outside the dates policy {policy.id} is in effect "
        f"(from {policy.effective_from.isoformat()}{until})",
        day.isoformat(),
        label="Service date",
    )


def _decision(
    results: tuple[CriterionResult, ...], missing: tuple[RequiredDocument, ...]
) -> Decision:
    if any(r.met is False for r in results):
        return Decision.DOES_NOT_MEET
    if missing or any(r.met is None for r in results):
        return Decision.NEEDS_DOCUMENTATION
    return Decision.MEETS


def judge(criterion: Criterion, facts: CoverageFacts) -> CriterionResult:
    """One criterion against the facts: met, not met or not known, and why."""
    met, reason = _JUDGES[criterion.check](criterion, facts)
    return CriterionResult(
        criterion.id, criterion.text, criterion.reads, met, reason, criterion.source
    )


Verdict = tuple[bool | None, str]


def _norm(text: str) -> str:
    return text.strip().lower()


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _one_of(what: str, value: str | None, values: tuple[str, ...]) -> Verdict:
    if value is None:
        return None, f"{what} is not recorded"
    if _norm(value) in {_norm(v) for v in values}:
        return True, f"{what} is {value}"
    return False, f"{what} is {value}, not one of {_listed(values)}"


def _cancer(c: Criterion, f: CoverageFacts) -> Verdict:
    return _one_of("the diagnosis", f.diagnosis.cancer, c.values)


def _stage(c: Criterion, f: CoverageFacts) -> Verdict:
    return _one_of("the stage", f.diagnosis.stage, c.values)


def _specialty(c: Criterion, f: CoverageFacts) -> Verdict:
    return _one_of("the prescriber's specialty", f.prescriber_specialty, c.values)


def _yes_no(value: bool | None, what: str, yes: str, no: str) -> Verdict:
    if value is None:
        return None, f"{what} is not recorded"
    return (True, yes) if value else (False, no)


def _unresectable(_c: Criterion, f: CoverageFacts) -> Verdict:
    return _yes_no(
        f.diagnosis.unresectable,
        "whether the disease is resectable",
        "recorded as unresectable",
        "recorded as resectable",
    )


def _recurrent(_c: Criterion, f: CoverageFacts) -> Verdict:
    return _yes_no(
        f.diagnosis.recurrent_after_surgery,
        "whether the melanoma recurred after initial surgery",
        "recorded as recurrent after initial surgery",
        "not recorded as recurrent after initial surgery",
    )


def _lesion_text(lesion: LesionFacts) -> str:
    size = "not measured" if lesion.longest_cm is None else f"{lesion.longest_cm:f} cm"
    return f"{lesion.id} {lesion.site} ({size})"


def _lesion_sites(c: Criterion, f: CoverageFacts) -> Verdict:
    if f.lesions is None:
        return None, "the lesions are not recorded"
    injectable = [les for les in f.lesions if les.injectable]
    if not injectable:
        return False, "no injectable lesion is recorded"
    allowed = {_norm(v) for v in c.values}
    outside = [les for les in injectable if _norm(les.site) not in allowed]
    if outside:
        listed = "; ".join(_lesion_text(les) for les in outside)
        return False, f"lesion at a site the policy does not cover: {listed}"
    return True, "injectable lesions: " + "; ".join(_lesion_text(les) for les in injectable)


def _prior_therapy(c: Criterion, f: CoverageFacts) -> Verdict:
    if f.prior_therapies is None:
        return None, "the prior therapies are not recorded"
    wanted = {_norm(v) for v in c.values}
    given = [t for t in f.prior_therapies if _norm(t) in wanted]
    if given:
        return True, f"given before: {_listed(tuple(given))}"
    before = _listed(f.prior_therapies) if f.prior_therapies else "none"
    return False, f"none of {_listed(c.values)} given before (recorded: {before})"


def _response(_c: Criterion, f: CoverageFacts) -> Verdict:
    return continued_response(f.response)


_JUDGES: dict[Check, Callable[[Criterion, CoverageFacts], Verdict]] = {
    Check.CANCER: _cancer,
    Check.UNRESECTABLE: _unresectable,
    Check.RECURRENT_AFTER_SURGERY: _recurrent,
    Check.LESION_SITES: _lesion_sites,
    Check.STAGE: _stage,
    Check.PRIOR_THERAPY: _prior_therapy,
    Check.PRESCRIBER_SPECIALTY: _specialty,
    Check.CONTINUED_RESPONSE: _response,
}
