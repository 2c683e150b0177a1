"""The safety section of a report: adverse events by term and worst grade, next to OPTiM's rates.

Two tables from the counts of `tvec.analytics.safety`: the centre's terms (patients with any
grade, grade 3 or worse, serious, related, and by worst grade), and the trial's most common
reactions beside the centre's patients with the same reaction. The web app's safety page shows
the same tables (`tvec.reports.safety.safety_tables`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tvec.analytics.safety import ArmCounts, ComparedRow, Count, SafetyTable, term_key
from tvec.reports.model import Table
from tvec.reports.shaping import DASH

GRADE_NOTE = (
    "Grades are CTCAE v5.0 (NCI). Each patient is counted once per term, at their worst grade; "
    "'related' counts patients with an event assessed as related to IMLYGIC (answered yes; "
    "'unknown' is not counted). "
    "Percentages are of the patients given at least one dose."
)


@dataclass(frozen=True)
class SafetyData:
    """What a report's safety section shows (gathered by whoever reads the records)."""

    table: SafetyTable
    compared: tuple[ComparedRow, ...]
    trial_name: str  # "OPTiM"
    trial_source: str
    note: str  # why the centre's rates are not comparable one-to-one with the trial's


def share(c: Count) -> str:
    """'3 (37.5%)'; a dash for an empty arm."""
    if c.pct is None:
        return DASH
    return f"{c.patients} ({c.pct:.1f}%)" if c.patients else "0"


def worst_grades(counts: ArmCounts) -> str:
    """Patients by worst grade, '1: 2 · 2: 1', grades with nobody left out."""
    parts = [f"{g}: {n}" for g, n in enumerate(counts.by_worst_grade, start=1) if n]
    return " · ".join(parts) or DASH


def term_table(data: SafetyData) -> Table:
    """The centre's adverse events, one row per term, per arm."""
    table = data.table
    several = len(table.arms) > 1
    header = ["Term"]
    for arm in table.arms:
        label = f"\n{arm}" if several else ""
        header += [
            f"Any grade{label}",
            f"Grade ≥ 3{label}",
            f"Serious{label}",
            f"Related{label}",
            f"By worst grade{label}",
        ]
    rows = []
    for row in table.rows:
        cells = [row.term]
        for arm in table.arms:
            c = row.arms[arm]
            cells += [
                share(c.any_grade),
                share(c.grade_3_or_worse),
                share(c.serious),
                share(c.related),
                worst_grades(c),
            ]
        rows.append(cells)
    arms = "; ".join(f"{arm}: {n} patients" for arm, n in table.patients.items())
    return Table(
        caption=f"Adverse events by term and worst grade per patient ({arms})",
        header=header,
        rows=rows,
        note=GRADE_NOTE,
    )


def published_table(data: SafetyData) -> Table:
    """The trial's most common reactions, its arms' rates beside the centre's patients."""
    arms = data.table.arms
    trial_arms = list(data.compared[0].published.rates) if data.compared else []
    header = [
        "Reaction",
        *(f"{data.trial_name}\n{arm} (published)" for arm in trial_arms),
        *(f"{arm}\nany grade" for arm in arms),
        *(f"{arm}\ngrade ≥ 3" for arm in arms),
    ]
    rows = [
        [
            f"{c.published.reaction}\ncounted here: {', '.join(_terms(c))}",
            *(f"{c.published.rates[a]}%" for a in trial_arms),
            *(share(c.row.arms[a].any_grade) for a in arms),
            *(share(c.row.arms[a].grade_3_or_worse) for a in arms),
        ]
        for c in data.compared
    ]
    return Table(
        caption=f"{data.trial_name}'s most common reactions (published) and the same here",
        header=header,
        rows=rows,
        note=f"Published rates: {data.trial_source}. {data.note}",
    )


def _terms(c: ComparedRow) -> list[str]:
    """The reaction's own name and the CTCAE terms it is recorded as, each once."""
    terms = {term_key(t): t for t in reversed([c.published.reaction, *c.published.matches])}
    return list(reversed(terms.values()))


def safety_tables(data: SafetyData) -> dict[str, Table]:
    return {"safety": term_table(data), "safety_published": published_table(data)}


__all__ = ["GRADE_NOTE", "SafetyData", "published_table", "safety_tables", "share", "term_table"]
