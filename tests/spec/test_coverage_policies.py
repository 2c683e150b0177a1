"""Premera Blue Cross medical policy 5.01.562 (Imlygic), and tvec's two example policies, as tables.

Each row is a patient's facts checked through the real evaluation and the real bundled policy data:
the criterion, whether it is met (True / False / None: not known, to be asked for), and why.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tvec.domain.coverage import (
    CoverageFacts,
    Decision,
    DiagnosisFacts,
    LesionFacts,
    ReviewType,
    evaluate,
)
from tvec.domain.errors import InvalidInput
from tvec.knowledge import load_policy

POLICY = load_policy("5.01.562")
STEP = load_policy("example-step-therapy")
CAPS = load_policy("example-specialty-caps")
ALL_DOCUMENTS = ("office-notes", "history", "physical-exam")


def lesion(site: str = "cutaneous", longest: str = "2.1", injectable: bool = True) -> LesionFacts:
    return LesionFacts("L1", site, Decimal(longest), injectable)


def facts(**changes: object) -> CoverageFacts:
    """The issue's example patient: stage IIIC melanoma, unresectable, recurrent, one lesion."""
    base = CoverageFacts(
        service_date=date(2026, 12, 6),
        review_type=ReviewType.STANDARD,
        reauthorization=False,
        diagnosis=DiagnosisFacts("melanoma", "IIIC", True, True),
        lesions=(lesion(),),
        prescriber_specialty="oncology",
        prior_therapies=("pembrolizumab",),
        documents=ALL_DOCUMENTS,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def met(policy_facts: CoverageFacts, criterion: str, policy: object = POLICY) -> bool | None:
    decision = evaluate(policy, policy_facts)  # type: ignore[arg-type]
    return next(c.met for c in decision.criteria if c.id == criterion)


# 5.01.562, Policy Coverage Criteria: "medically necessary for the local treatment of unresectable
# cutaneous, subcutaneous, and nodal lesions in individuals with melanoma recurrent after initial
# surgery"; every other indication is investigational.
@pytest.mark.parametrize(
    ("criterion", "patient", "expected"),
    [
        ("melanoma", facts(), True),
        ("melanoma", facts(diagnosis=DiagnosisFacts("Melanoma ", "IIIC", True, True)), True),
        ("melanoma", facts(diagnosis=DiagnosisFacts("merkel cell carcinoma")), False),
        ("melanoma", facts(diagnosis=DiagnosisFacts(None, "IIIC", True, True)), None),
        ("recurrent-after-initial-surgery", facts(), True),
        (
            "recurrent-after-initial-surgery",
            facts(diagnosis=DiagnosisFacts("melanoma", "IIIC", True, False)),
            False,
        ),
        (
            "recurrent-after-initial-surgery",
            facts(diagnosis=DiagnosisFacts("melanoma", "IIIC", True, None)),
            None,
        ),
        ("unresectable", facts(), True),
        ("unresectable", facts(diagnosis=DiagnosisFacts("melanoma", "IIIC", False, True)), False),
        ("unresectable", facts(diagnosis=DiagnosisFacts("melanoma", "IIIC", None, True)), None),
        ("lesions-cutaneous-subcutaneous-nodal", facts(), True),
        ("lesions-cutaneous-subcutaneous-nodal", facts(lesions=(lesion("subcutaneous"),)), True),
        ("lesions-cutaneous-subcutaneous-nodal", facts(lesions=(lesion("nodal"),)), True),
        ("lesions-cutaneous-subcutaneous-nodal", facts(lesions=(lesion("visceral"),)), False),
        (
            "lesions-cutaneous-subcutaneous-nodal",
            facts(lesions=(lesion(), lesion("visceral", injectable=False))),
            True,
        ),
        ("lesions-cutaneous-subcutaneous-nodal", facts(lesions=(lesion(injectable=False),)), False),
        ("lesions-cutaneous-subcutaneous-nodal", facts(lesions=()), False),
        ("lesions-cutaneous-subcutaneous-nodal", facts(lesions=None), None),
    ],
)
def test_5_01_562_medical_necessity(
    criterion: str, patient: CoverageFacts, expected: bool | None
) -> None:
    assert met(patient, criterion) is expected


def test_the_issue_example_meets_5_01_562_for_12_months() -> None:
    decision = evaluate(POLICY, facts())
    assert decision.decision is Decision.MEETS
    assert [c.id for c in decision.criteria] == [
        "melanoma",
        "recurrent-after-initial-surgery",
        "unresectable",
        "lesions-cutaneous-subcutaneous-nodal",
    ]
    assert all(c.source.startswith("5.01.562, ") for c in decision.criteria)
    assert decision.missing_documents == ()
    assert (decision.authorization.initial_months, decision.authorization.months) == (12, 12)


# 5.01.562, Length of Approval: non-formulary exception reviews up to 6 months, all other reviews
# up to 12 months; re-authorization up to 12 months for both.
@pytest.mark.parametrize(
    ("review_type", "reauthorization", "months"),
    [
        (ReviewType.STANDARD, False, 12),
        (ReviewType.NON_FORMULARY_EXCEPTION, False, 6),
        (ReviewType.STANDARD, True, 12),
        (ReviewType.NON_FORMULARY_EXCEPTION, True, 12),
    ],
)
def test_5_01_562_length_of_approval(
    review_type: ReviewType, reauthorization: bool, months: int
) -> None:
    decision = evaluate(POLICY, facts(review_type=review_type, reauthorization=reauthorization))
    assert decision.authorization.months == months
    assert decision.authorization.reauthorization_months == 12


# 5.01.562, Documentation Requirements: office visit notes with the diagnosis, relevant history and
# physical evaluation.
@pytest.mark.parametrize(
    ("on_file", "missing"),
    [
        (ALL_DOCUMENTS, []),
        (("office-notes", "history"), ["physical-exam"]),
        ((), ["office-notes", "history", "physical-exam"]),
    ],
)
def test_5_01_562_documentation(on_file: tuple[str, ...], missing: list[str]) -> None:
    decision = evaluate(POLICY, facts(documents=on_file))
    assert [d.id for d in decision.missing_documents] == missing
    assert decision.decision is (Decision.NEEDS_DOCUMENTATION if missing else Decision.MEETS)


def test_a_criterion_not_met_outweighs_a_missing_document() -> None:
    patient = facts(diagnosis=DiagnosisFacts("melanoma", "IIIC", False, True), documents=())
    assert evaluate(POLICY, patient).decision is Decision.DOES_NOT_MEET


def test_a_fact_not_in_the_chart_needs_documentation_and_says_what_is_missing() -> None:
    decision = evaluate(POLICY, facts(lesions=None))
    assert decision.decision is Decision.NEEDS_DOCUMENTATION
    unknown = [c for c in decision.criteria if c.met is None]
    assert [(c.id, c.reason) for c in unknown] == [
        ("lesions-cutaneous-subcutaneous-nodal", "the lesions are not recorded")
    ]


@pytest.mark.parametrize("day", [date(2025, 4, 30), date(2024, 1, 1)])
def test_5_01_562_is_not_in_effect_before_1_may_2025(day: date) -> None:
    with pytest.raises(InvalidInput) as refused:
        evaluate(POLICY, facts(service_date=day))
    assert refused.value.field == "service_date"
    assert "in effect (from 2025-05-01 on)" in str(refused.value)


def test_a_policy_that_has_ended_names_its_last_day() -> None:
    ended = replace(POLICY, effective_to=date(2026, 6, 30))
    with pytest.raises(InvalidInput, match="from 2025-05-01 to 2026-06-30"):
        evaluate(ended, facts())
    assert evaluate(ended, facts(service_date=date(2026, 6, 30))).decision is Decision.MEETS


# The example with step therapy after an anti-PD-1 checkpoint inhibitor and a stage limit.
@pytest.mark.parametrize(
    ("criterion", "patient", "expected"),
    [
        ("after-anti-pd-1", facts(), True),
        ("after-anti-pd-1", facts(prior_therapies=("Nivolumab",)), True),
        ("after-anti-pd-1", facts(prior_therapies=("ipilimumab",)), False),
        ("after-anti-pd-1", facts(prior_therapies=()), False),
        ("after-anti-pd-1", facts(prior_therapies=None), None),
        ("stage-iiib-to-ivm1a", facts(), True),
        ("stage-iiib-to-ivm1a", facts(diagnosis=DiagnosisFacts("melanoma", "IVM1b")), False),
        ("stage-iiib-to-ivm1a", facts(diagnosis=DiagnosisFacts("melanoma", None)), None),
    ],
)
def test_example_step_therapy(
    criterion: str, patient: CoverageFacts, expected: bool | None
) -> None:
    assert met(patient, criterion, STEP) is expected


def test_example_step_therapy_asks_no_step_again_at_reauthorization() -> None:
    decision = evaluate(STEP, facts(reauthorization=True, prior_therapies=None))
    assert "after-anti-pd-1" not in [c.id for c in decision.criteria]
    assert decision.policy_title.endswith("(example policy)")
    assert decision.example


# The example with a prescriber specialty and per-strength caps of 4 and 400 units per visit.
@pytest.mark.parametrize(
    ("specialty", "expected"),
    [
        ("oncology", True),
        ("dermatology", True),
        ("surgical oncology", True),
        ("family medicine", False),
        (None, None),
    ],
)
def test_example_prescriber_specialty(specialty: str | None, expected: bool | None) -> None:
    assert met(facts(prescriber_specialty=specialty), "prescriber-specialty", CAPS) is expected


def test_example_caps_are_4_units_at_10_6_and_400_at_10_8_and_discards_do_not_count() -> None:
    assert [(c.pfu_per_ml, c.max_units_per_visit) for c in CAPS.dose_caps] == [
        (10**6, 4),
        (10**8, 400),
    ]
    cap = CAPS.cap_for(10**8)
    assert cap is not None
    assert cap.max_units_per_visit == 400
    assert CAPS.cap_for(10**7) is None
    assert not CAPS.discarded_units_count
    assert POLICY.dose_caps == ()
    assert POLICY.discarded_units_count
