"""Contraindication screening item by item: the label's list, old two-question rows, corrections."""

from __future__ import annotations

from functools import cache

from tvec.domain.errors import CourseRuleBroken, InvalidInput
from tvec.domain.rules import Contraindication, LabelRules
from tvec.domain.screening import (
    Answers,
    answered_yes,
    check_answers,
    contradictions,
    from_groups,
    not_answered,
)
from tvec.knowledge import available_labels, load_label
from tvec.persistence import records as r
from tvec.schemas.clinic import ScreeningIn

# The two answers a screening recorded before item-by-item screening, by the label heading each
# stood for (its column name in the screening table).
OLD_QUESTIONS = {"immunocompromised": "immunocompromised", "pregnancy": "pregnant"}


@cache
def screening_items() -> tuple[Contraindication, ...]:
    """The contraindication list a screening answers: every label's items, each code once."""
    items: dict[str, Contraindication] = {}
    for variant in available_labels():
        for item in load_label(variant).contraindications:
            items.setdefault(item.code, item)
    return tuple(items.values())


def answers_of(items: tuple[Contraindication, ...], screening: r.Screening) -> Answers:
    """A screening's answers item by item; an older screening's two answers stand for its items."""
    if screening.answers is not None:
        return screening.answers
    groups = {group: bool(getattr(screening, column)) for group, column in OLD_QUESTIONS.items()}
    return from_groups(items, groups)


def summary(items: tuple[Contraindication, ...], answers: Answers) -> dict[str, bool]:
    """The two summary columns (immunocompromised, pregnant): yes when any item under it is."""
    yes = {item.group for item in answered_yes(items, answers)}
    return {column: group in yes for group, column in OLD_QUESTIONS.items()}


def check_new_screening(sex: str, earlier: list[r.Screening], new: ScreeningIn) -> None:
    """Refuse a screening with a missing, unknown or impossible answer, or an unexplained change.

    A screening of the same day as an earlier one that answers an item differently is a
    correction: it needs `correction_reason`.
    """
    items = screening_items()
    check_answers(items, new.answers, sex)
    if new.correction_reason is not None:
        return
    for before in earlier:
        if before.screened_on != new.screened_on:
            continue
        changed = contradictions(answers_of(items, before), new.answers)
        if changed:
            raise InvalidInput(
                "screening",
                "correction_reason",
                f"is required: the answers to {', '.join(changed)} differ from the screening "
                f"recorded earlier on {new.screened_on.isoformat()} (a correction needs a reason)",
            )


def check_screened(label: LabelRules, screenings: list[r.Screening]) -> None:
    """Refuse a course the label does not allow: no screening, an item yes, or not answered."""
    items = label.contraindications
    if not screenings:
        raise CourseRuleBroken(
            "no contraindication screening on or before the start date: screen for each item "
            "of the label's list first (" + ", ".join(c.code for c in items) + ")",
            field="screening",
        )
    latest = screenings[-1]
    if latest.answers is None:  # recorded before item by item: its two answers stand
        for group, column in OLD_QUESTIONS.items():
            heading = [item for item in items if item.group == group]
            if getattr(latest, column) and heading:
                raise CourseRuleBroken(
                    f"contraindicated: {group} ("
                    + ", ".join(item.description.lower() for item in heading)
                    + f") [{heading[0].source}]",
                    field="screening",
                    contraindication=group,
                )
    answers = answers_of(items, latest)
    for item in answered_yes(items, answers):
        raise CourseRuleBroken(
            f"contraindicated: {item.description} [{item.source}]",
            field="screening",
            contraindication=item.code,
        )
    missing = not_answered(items, answers)
    if missing:
        raise CourseRuleBroken(
            f"the screening of {latest.screened_on.isoformat()} does not answer "
            + ", ".join(item.code for item in missing)
            + " item by item: screen again",
            field="screening",
        )
