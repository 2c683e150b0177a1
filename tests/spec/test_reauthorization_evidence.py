"""Re-authorization: "continued positive clinical response" (5.01.562, Length of Approval) as tvec
reads it (disease control, CR/PR/SD, at the latest assessment), and the drafted request's words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tvec.domain.coverage import CoverageFacts, Decision, DiagnosisFacts, LesionFacts, evaluate
from tvec.domain.reauthorization import (
    AdverseEventFact,
    ResponseEvidence,
    SpdPoint,
    continued_response,
)
from tvec.domain.reauthorization_draft import draft_reauthorization
from tvec.domain.response import Category
from tvec.knowledge import load_policy

POLICY = load_policy("5.01.562")
CR, PR, SD, PD, NE = Category.CR, Category.PR, Category.SD, Category.PD, Category.NE


def evidence(*categories: Category | None, best: Category = PR) -> ResponseEvidence:
    """Baseline 10 cm² on 1 June 2026, then one assessment a month with the given categories."""
    sizes = {None: "10", CR: "0", PR: "4", SD: "8", PD: "14", NE: "10"}
    points = tuple(
        SpdPoint(date(2026, 6 + i, 1), Decimal(sizes[c]), c)
        for i, c in enumerate((None, *categories))
    )
    return ResponseEvidence(
        best_response=best,
        spd_trend=points,
        confirmed_responses=sum(1 for c in categories if c in (CR, PR)),
        new_lesions=(),
        adverse_events=(AdverseEventFact("fatigue", 1, False, date(2026, 6, 2)),),
    )


def reauthorization(response: ResponseEvidence | None) -> CoverageFacts:
    return CoverageFacts(
        service_date=date(2026, 12, 6),
        reauthorization=True,
        diagnosis=DiagnosisFacts("melanoma", "IIIC", True, True),
        lesions=(LesionFacts("L1", "cutaneous", Decimal("1.0"), True),),
        documents=("office-notes", "history", "physical-exam", "response-notes"),
        response=response,
    )


@pytest.mark.parametrize(
    ("response", "met"),
    [
        (evidence(PR, PR), True),
        (evidence(SD, PR, CR, best=CR), True),
        (evidence(SD, SD, best=SD), True),
        (evidence(PD, PR), True),  # a response after an early progression (modified WHO)
        (evidence(PR, PD), False),
        (evidence(SD, PD, best=SD), False),
        (evidence(NE, best=NE), None),
        (evidence(best=NE), None),  # baseline only
        (None, None),
    ],
)
def test_continued_positive_clinical_response(
    response: ResponseEvidence | None, met: bool | None
) -> None:
    assert continued_response(response)[0] is met


def test_the_criterion_is_asked_only_at_reauthorization() -> None:
    initial = replace(reauthorization(None), reauthorization=False)
    assert "continued-positive-response" not in [c.id for c in evaluate(POLICY, initial).criteria]
    decision = evaluate(POLICY, reauthorization(evidence(PR, PR)))
    assert decision.criteria[-1].id == "continued-positive-response"
    assert decision.criteria[-1].met is True
    assert decision.decision is Decision.MEETS


def test_the_draft_requests_12_months_and_lays_out_the_evidence() -> None:
    response = replace(evidence(SD, PR), new_lesions=("L4",))
    draft = draft_reauthorization(evaluate(POLICY, reauthorization(response)), response)
    assert draft.supports_continuation is True
    assert "up to 12 months" in draft.text
    assert "Best overall response so far (modified WHO): PR; confirmed responses: 1." in draft.text
    assert (
        "2026-06-01 10.00 cm² (baseline); 2026-07-01 8.00 cm² (-20.0%, SD); 2026-08-01 4.00 cm² (-60.0%, PR)"
        in draft.text
    )
    assert "New lesions since baseline: L4." in draft.text
    assert "fatigue, grade 1, from 2026-06-02" in draft.text
    assert "tvec's reading" in draft.conclusion


def test_the_draft_says_plainly_when_progression_does_not_support_continuation() -> None:
    response = evidence(PR, PD)
    draft = draft_reauthorization(evaluate(POLICY, reauthorization(response)), response)
    assert draft.supports_continuation is False
    assert draft.continued_response_met is False
    assert draft.conclusion.startswith("The evidence does not support continuation")
    assert "progression at the latest assessment, PD on 2026-08-01" in draft.text


def test_the_draft_without_evidence_says_it_is_not_complete() -> None:
    facts = replace(reauthorization(None), documents=())
    draft = draft_reauthorization(evaluate(POLICY, facts), None)
    assert draft.supports_continuation is None
    assert "No response evidence is on record." in draft.text
    assert "Documents still to attach: Office visit notes with the diagnosis" in draft.text
    assert draft.conclusion.startswith("The evidence is not complete")


def test_a_serious_event_and_a_zero_baseline_are_shown() -> None:
    response = ResponseEvidence(
        best_response=SD,
        spd_trend=(
            SpdPoint(date(2026, 6, 1), Decimal(0), None),
            SpdPoint(date(2026, 7, 1), Decimal(0), SD),
        ),
        confirmed_responses=0,
        new_lesions=(),
        adverse_events=(AdverseEventFact("cellulitis", 3, True, date(2026, 6, 20)),),
    )
    draft = draft_reauthorization(evaluate(POLICY, reauthorization(response)), response)
    assert "cellulitis, grade 3, serious, from 2026-06-20" in draft.text
    assert "2026-07-01 0.00 cm² (–, SD)" in draft.text
    no_events = replace(response, adverse_events=(), spd_trend=())
    text = draft_reauthorization(evaluate(POLICY, reauthorization(no_events)), no_events).text
    assert "Adverse events during the course: none recorded." in text
    assert "diameters: no measurements." in text
