"""The re-authorization request's text, drafted from a coverage decision and the response evidence.

The draft asks for the months the policy allows on re-authorization and lays out the evidence the
policy asks for (the response so far: best response, the sum of products over time, confirmed
responses, new lesions, adverse events). When the evidence does not support continuation the
draft says so plainly instead of asking; when it is incomplete it says what is missing. It names
no patient: the cover sheet that goes with it does.
"""

from __future__ import annotations

from dataclasses import dataclass

from tvec.domain.coverage import CoverageDecision, Decision
from tvec.domain.percent import pct_text
from tvec.domain.reauthorization import (
    READING,
    ResponseEvidence,
    SpdPoint,
    cm2_text,
    continued_response,
)


@dataclass(frozen=True)
class ReauthorizationDraft:
    supports_continuation: bool | None  # None: the evidence is not complete
    continued_response_met: bool | None
    conclusion: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join((*self.paragraphs, self.conclusion))


def draft_reauthorization(
    decision: CoverageDecision, evidence: ResponseEvidence | None
) -> ReauthorizationDraft:
    """The request's paragraphs and its conclusion (does the evidence support continuing?)."""
    met, reason = continued_response(evidence)
    paragraphs = (
        _request(decision),
        _criteria(decision),
        *_evidence(evidence),
        f"Continued positive clinical response: {_met_word(met)}: {reason}.",
    )
    supports = _supports(decision.decision, met)
    return ReauthorizationDraft(supports, met, _conclusion(supports, decision), paragraphs)


def _met_word(met: bool | None) -> str:
    return {True: "met", False: "not met", None: "not known"}[met]


def _request(d: CoverageDecision) -> str:
    return (
        f"Re-authorization of IMLYGIC (talimogene laherparepvec, HCPCS J9325) is requested for up "
        f"to {d.authorization.reauthorization_months} months from "
        f"{d.service_date.isoformat()} under {d.policy_title} ({d.authorization.source})."
    )


def _criteria(d: CoverageDecision) -> str:
    rows = "; ".join(f"{c.text}: {_met_word(c.met)} ({c.reason})" for c in d.criteria)
    missing = ", ".join(doc.text for doc in d.missing_documents)
    tail = f" Documents still to attach: {missing}." if missing else ""
    return f"Coverage criteria: {rows}.{tail}"


def _point(p: SpdPoint, baseline: SpdPoint) -> str:
    if p.category is None:
        return f"{p.date.isoformat()} {cm2_text(p.spd_cm2)} (baseline)"
    change = (p.spd_cm2 - baseline.spd_cm2) / baseline.spd_cm2 * 100 if baseline.spd_cm2 else None
    return f"{p.date.isoformat()} {cm2_text(p.spd_cm2)} ({pct_text(change)}, {p.category})"


def _evidence(e: ResponseEvidence | None) -> tuple[str, ...]:
    if e is None:
        return ("No response evidence is on record.",)
    trend = "; ".join(_point(p, e.spd_trend[0]) for p in e.spd_trend) or "no measurements"
    new = ", ".join(e.new_lesions) if e.new_lesions else "none"
    events = (
        "; ".join(
            f"{a.term}, grade {a.grade}{', serious' if a.serious else ''}, "
            f"from {a.onset.isoformat()}"
            for a in e.adverse_events
        )
        or "none recorded"
    )
    return (
        f"Best overall response so far (modified WHO): {e.best_response}; "
        f"confirmed responses: {e.confirmed_responses}.",
        f"Sum of the products of the lesions' diameters: {trend}.",
        f"New lesions since baseline: {new}.",
        f"Adverse events during the course: {events}.",
    )


def _supports(decision: Decision, met: bool | None) -> bool | None:
    if decision is Decision.DOES_NOT_MEET or met is False:
        return False
    if decision is Decision.MEETS:
        return True
    return None


def _conclusion(supports: bool | None, d: CoverageDecision) -> str:
    if supports is True:
        return (
            "The chart shows a continued positive clinical response and the coverage criteria "
            f"are met: continuation for up to {d.authorization.reauthorization_months} months is "
            f"requested. ({READING}.)"
        )
    if supports is False:
        return (
            "The evidence does not support continuation: a criterion of the policy is not met "
            "(see above). Do not send this as a request for continuation; the oncologist decides "
            "what to do next."
        )
    return (
        "The evidence is not complete: answer the questions still open and attach the missing "
        "documents before sending this request."
    )
