"""Which safety reports an adverse event needs, and when each is due.

Conventions (the days come from `ReportingRules`, knowledge data citing ICH E2A and the label):
- An expedited report is due for a serious, unexpected, suspected adverse reaction (related
  "yes" or "unknown"). It is due `expedited_days` calendar days after the day the centre became
  aware of the event; when the event is fatal or life-threatening, `fatal_days` after it, with a
  follow-up report `follow_up_days` after that first deadline.
- A suspected herpetic lesion (a herpetic CTCAE term, or the box ticked) needs a report to the
  manufacturer; the label gives no deadline, so it has none (`due_on` None: report promptly).
- Days left counts calendar days from today to the due date; 0 means due today, negative overdue.
  A report is urgent when `urgent_days` or fewer are left (tvec's rule, not a regulator's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from tvec.domain.adverse_event import Criterion, Relatedness


class ReportKind(StrEnum):
    EXPEDITED_7_DAY = "expedited-7-day"
    EXPEDITED_15_DAY = "expedited-15-day"
    FOLLOW_UP = "follow-up"
    MANUFACTURER_HERPETIC = "manufacturer-herpetic"


KIND_WORDS = {
    ReportKind.EXPEDITED_7_DAY: "expedited report (fatal or life-threatening), 7 days",
    ReportKind.EXPEDITED_15_DAY: "expedited report, 15 days",
    ReportKind.FOLLOW_UP: "follow-up report, 8 more days",
    ReportKind.MANUFACTURER_HERPETIC: "suspected herpetic lesion: report to the manufacturer",
}


@dataclass(frozen=True)
class ReportingRules:
    expedited_days: int
    fatal_days: int
    follow_up_days: int
    clock_source: str
    herpetic_source: str
    urgent_days: int  # tvec's rule: shown in red with this many days or fewer left


@dataclass(frozen=True)
class EventFacts:
    """What decides the reports: the event as recorded (derived seriousness included)."""

    serious: bool
    expected: bool
    related: Relatedness
    criteria: frozenset[Criterion]
    suspected_herpetic: bool
    aware_on: date


@dataclass(frozen=True)
class DueReport:
    kind: ReportKind
    due_on: date | None
    source: str


def reports_due(event: EventFacts, rules: ReportingRules) -> tuple[DueReport, ...]:
    """Every report the event needs, expedited ones first."""
    due: list[DueReport] = []
    if event.serious and not event.expected and event.related.suspected:
        due += _expedited(event, rules)
    if event.suspected_herpetic:
        due.append(DueReport(ReportKind.MANUFACTURER_HERPETIC, None, rules.herpetic_source))
    return tuple(due)


def _expedited(event: EventFacts, rules: ReportingRules) -> list[DueReport]:
    aware, source = event.aware_on, rules.clock_source
    if event.criteria & {Criterion.DEATH, Criterion.LIFE_THREATENING}:
        first = aware + timedelta(days=rules.fatal_days)
        follow = first + timedelta(days=rules.follow_up_days)
        return [
            DueReport(ReportKind.EXPEDITED_7_DAY, first, source),
            DueReport(ReportKind.FOLLOW_UP, follow, source),
        ]
    return [
        DueReport(ReportKind.EXPEDITED_15_DAY, aware + timedelta(days=rules.expedited_days), source)
    ]


def days_left(due_on: date | None, today: date) -> int | None:
    """Calendar days until the due date (negative when overdue); None without a deadline."""
    return None if due_on is None else (due_on - today).days


def urgent(due_on: date | None, today: date, rules: ReportingRules) -> bool:
    """Red on the worklist: no deadline (report promptly), or `urgent_days` or fewer left."""
    left = days_left(due_on, today)
    return left is None or left <= rules.urgent_days
