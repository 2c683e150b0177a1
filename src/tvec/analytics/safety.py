"""Safety tables: adverse events by term, counted once per patient at the patient's worst grade.

`safety_table` counts, per arm (or cohort) and per term, the patients with the term at any grade,
at grade 3 or worse, serious, and related to treatment, with the share of the arm's patients.
`with_published` counts the same way the patients with a reaction a trial published a rate for,
so the two can be read side by side.

Conventions
-----------
- A patient is counted once per term, whatever the number of events with that term; the grade
  counted is the patient's worst grade for the term (the usual convention of trial safety tables,
  for example the "patients with any adverse event" tables of Andtbacka et al., J Clin Oncol
  2015). A patient is "serious" for a term when any of their events with the term is serious,
  and "related" when any is related (an unanswered relatedness does not count as related).
- The denominator of an arm is the number of its patients exposed to treatment, given by the
  caller: patients without any adverse event count in it.
- Terms are matched by `term_key` (case, hyphens, underscores and repeated spaces ignored), and
  shown in the spelling of their first event.
- The first row, "any adverse event", counts each patient once over all terms.

Rates from a centre's own records are not comparable one-to-one with a trial's: the trial's
population, its schedule of assessments and its way of eliciting and coding events differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ANY_TERM = "any adverse event"
SEVERE_GRADE = 3  # "grade 3 or worse", the CTCAE v5.0 grades of severe and worse


@dataclass(frozen=True)
class EventRecord:
    """One adverse event of one patient, without identifiers (`patient` is a pseudonym)."""

    patient: str
    arm: str
    term: str
    grade: int  # CTCAE grade, 1..5
    serious: bool
    related: bool | None  # None: not yet assessed


@dataclass(frozen=True)
class Count:
    """Patients counted in one cell, and their share of the arm's patients (``None`` if empty)."""

    patients: int
    of: int

    @property
    def pct(self) -> float | None:
        return 100.0 * self.patients / self.of if self.of else None


@dataclass(frozen=True)
class ArmCounts:
    """One term in one arm: patients with it at any grade, grade >= 3, serious, related, and
    their number by worst grade (index 0 is grade 1)."""

    any_grade: Count
    grade_3_or_worse: Count
    serious: Count
    related: Count
    by_worst_grade: tuple[int, int, int, int, int]


@dataclass(frozen=True)
class TermRow:
    term: str
    arms: Mapping[str, ArmCounts]


@dataclass(frozen=True)
class SafetyTable:
    """Rows (the "any adverse event" row first, then terms by patients affected, most first)."""

    arms: tuple[str, ...]
    patients: Mapping[str, int]  # the denominators
    rows: tuple[TermRow, ...]


@dataclass(frozen=True)
class PublishedRate:
    """A trial's published rate of a reaction; `matches` are the recorded terms it covers."""

    reaction: str
    matches: tuple[str, ...]
    rates: Mapping[str, str]  # arm -> percentage, as published


@dataclass(frozen=True)
class ComparedRow:
    """A published reaction and the centre's patients with a term it covers."""

    published: PublishedRate
    row: TermRow


def term_key(term: str) -> str:
    """The form in which terms are compared: lower case, hyphens and underscores as spaces."""
    return re.sub(r"[\s_-]+", " ", term).strip().casefold()


def _counts(events: Sequence[EventRecord], of: int) -> ArmCounts:
    worst: dict[str, int] = {}
    serious: set[str] = set()
    related: set[str] = set()
    for e in events:
        worst[e.patient] = max(e.grade, worst.get(e.patient, e.grade))
        if e.serious:
            serious.add(e.patient)
        if e.related is True:
            related.add(e.patient)
    by_grade = [0, 0, 0, 0, 0]
    for grade in worst.values():
        by_grade[grade - 1] += 1
    return ArmCounts(
        any_grade=Count(len(worst), of),
        grade_3_or_worse=Count(sum(by_grade[SEVERE_GRADE - 1 :]), of),
        serious=Count(len(serious), of),
        related=Count(len(related), of),
        by_worst_grade=(by_grade[0], by_grade[1], by_grade[2], by_grade[3], by_grade[4]),
    )


def _checked(events: Iterable[EventRecord], patients: Mapping[str, int]) -> list[EventRecord]:
    kept = list(events)
    for e in kept:
        if e.arm not in patients:
            raise ValueError(f"an event of arm {e.arm!r}, which has no patient count")
        if not 1 <= e.grade <= 5:
            raise ValueError(f"grade {e.grade} is not a CTCAE grade (1 to 5)")
    return kept


def _row(term: str, events: Sequence[EventRecord], patients: Mapping[str, int]) -> TermRow:
    return TermRow(
        term, {arm: _counts([e for e in events if e.arm == arm], n) for arm, n in patients.items()}
    )


def safety_table(events: Iterable[EventRecord], patients: Mapping[str, int]) -> SafetyTable:
    """Patients with each term per arm, at their worst grade (see the module notes).

    Parameters
    ----------
    events
        Every adverse event to count (entered-in-error records already left out).
    patients
        The patients exposed in each arm (the denominators), in the order the arms are shown.

    Raises
    ------
    ValueError
        An event of an arm not in `patients`, a grade outside 1..5, or more patients with events
        in an arm than the arm has.
    """
    kept = _checked(events, patients)
    by_term: dict[str, list[EventRecord]] = {}
    shown: dict[str, str] = {}
    for e in kept:
        key = term_key(e.term)
        by_term.setdefault(key, []).append(e)
        shown.setdefault(key, e.term)
    first = _row(ANY_TERM, kept, patients)
    for arm, counts in first.arms.items():
        if counts.any_grade.patients > patients[arm]:
            raise ValueError(f"more patients with events in arm {arm!r} than the arm has")
    rows = [_row(shown[key], group, patients) for key, group in by_term.items()]
    rows.sort(key=lambda r: (-sum(c.any_grade.patients for c in r.arms.values()), term_key(r.term)))
    return SafetyTable(tuple(patients), dict(patients), (first, *rows))


def with_published(
    events: Iterable[EventRecord], patients: Mapping[str, int], published: Iterable[PublishedRate]
) -> list[ComparedRow]:
    """Each published reaction next to the centre's patients with any term it covers (its own
    name or one of its `matches`), each patient counted once at their worst grade."""
    kept = _checked(events, patients)
    compared = []
    for rate in published:
        keys = {term_key(t) for t in (rate.reaction, *rate.matches)}
        matching = [e for e in kept if term_key(e.term) in keys]
        compared.append(ComparedRow(rate, _row(rate.reaction, matching, patients)))
    return compared


__all__ = [
    "ANY_TERM",
    "ArmCounts",
    "ComparedRow",
    "Count",
    "EventRecord",
    "PublishedRate",
    "SafetyTable",
    "TermRow",
    "safety_table",
    "term_key",
    "with_published",
]
