"""The content model of an outcomes report: its cohort (`Source`), tables, figures and the report.

A report is built from plain values (`tvec.reports.content`) and rendered as one HTML page
(`tvec.reports.html`) or as PDF pages (`tvec.reports.pdf`); nothing here reads a database or a
file. Whoever gathers the cohort (a registry folder, the centre's clinic records) describes it
in a `Source`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge.trials import Trial

if TYPE_CHECKING:
    from tvec.reports.safety import SafetyData

DISCLAIMER = "tvec supports, and does not replace, clinical judgement."


@dataclass
class Source:
    """A cohort read for the report, and how to describe it."""

    cohort: Cohort
    description: str
    synthetic: bool | None  # None: not known
    responses: CohortResponses | None = None  # already computed (clinic records)
    engine: str = ""
    excluded: tuple[tuple[str, int], ...] = ()
    os_note: str = ""  # added to the overall-survival caption
    notes: tuple[str, ...] = ()  # about the cohort's data, shown under its description
    deaths_recorded: bool = True  # False: os_event is 0 by construction (clinic records)
    safety: SafetyData | None = None  # adverse events, when the source holds them
    cutoff: dt.date | None = (
        None  # the data cut-off the source states; None: the cohort's last date
    )


@dataclass
class Table:
    """A table for the page and the PDF. A cell's lines after the first are its fine print."""

    caption: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""
    numeric_from: int = 1  # columns from this one on are right-aligned


@dataclass
class Figure:
    """A figure of the report: the matplotlib figure (for the PDF) and its SVG (for the page)."""

    key: str
    title: str
    caption: str
    figure: Any
    svg: str = ""


@dataclass
class Report:
    """Everything the page and the PDF show, ready to render."""

    title: str
    generated: str
    description: str
    synthetic: bool | None
    disclaimer: str
    criteria: ResponseCriteria
    trial: Trial
    trial_name: str
    tables: dict[str, Table]
    figures: list[Figure]
    notes: list[str]
    methods: list[tuple[str, str]]
    excluded: tuple[tuple[str, int], ...]
    cohort_notes: tuple[str, ...]
    engine: str
    arms: tuple[str, ...]
    n_patients: int
    extra: dict[str, Any] = field(default_factory=dict)
    cutoff: str = ""  # the data cut-off date (ISO), "" when the cohort holds no date
    cutoff_basis: str = ""  # where the cut-off comes from, in words
    population: tuple[tuple[str, int], ...] = ()  # patients per arm, in the report's arm order

    @property
    def figure(self) -> dict[str, Figure]:
        """The figures by key (drr, swimmer, waterfall, os, pfs, dor, forest)."""
        return {f.key: f for f in self.figures}


__all__ = ["DISCLAIMER", "Figure", "Report", "Source", "Table"]
