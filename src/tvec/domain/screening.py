"""Contraindication screening, item by item: the label's list answered yes or no.

The list (each item with its source) comes in as the label's `Contraindication` rows; this module
checks a screening's answers against it, names the items answered yes or not answered, and finds
the items a later screening of the same day contradicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tvec.domain.errors import InvalidInput
from tvec.domain.rules import Contraindication

Answers = Mapping[str, bool | None]  # item code -> yes / no / not answered


def check_answers(items: Sequence[Contraindication], answers: Mapping[str, bool], sex: str) -> None:
    """Every item answered, no unknown item, no answer impossible for the patient's sex."""
    codes = [item.code for item in items]
    for code in answers:
        if code not in codes:
            raise InvalidInput("screening", f"answers.{code}", f"is not an item; items: {codes}")
    for item in items:
        if item.code not in answers:
            raise InvalidInput(
                "screening", f"answers.{item.code}", f"is required ({item.description})"
            )
        if answers[item.code] and sex in item.impossible_for_sex:
            raise InvalidInput(
                "screening",
                f"answers.{item.code}",
                f"cannot be yes for a {sex} patient: impossible",
            )


def answered_yes(
    items: Sequence[Contraindication], answers: Answers
) -> tuple[Contraindication, ...]:
    """The items the screening answered yes (contraindications present)."""
    return tuple(item for item in items if answers.get(item.code) is True)


def not_answered(
    items: Sequence[Contraindication], answers: Answers
) -> tuple[Contraindication, ...]:
    """The items the screening leaves unanswered (for example an old combined question)."""
    return tuple(item for item in items if answers.get(item.code) is None)


def from_groups(
    items: Sequence[Contraindication], groups: Mapping[str, bool]
) -> dict[str, bool | None]:
    """Answers read from a screening that asked one question per heading (before item by item).

    A "no" to a heading answers each of its items no; a "yes" answers its only item yes, and
    leaves a heading of several items unanswered item by item (which of them is not known).
    """
    answers: dict[str, bool | None] = {}
    for item in items:
        answer = groups.get(item.group)
        several = sum(1 for other in items if other.group == item.group) > 1
        answers[item.code] = None if answer is None or (answer and several) else answer
    return answers


def contradictions(earlier: Answers, later: Mapping[str, bool]) -> tuple[str, ...]:
    """The items a later screening answers differently from an earlier one (known answers only)."""
    return tuple(
        code
        for code, answer in later.items()
        if earlier.get(code) is not None and earlier.get(code) != answer
    )
