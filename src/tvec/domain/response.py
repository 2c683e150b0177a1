"""Tumour response by bidimensional (WHO-family) criteria, one patient at a time.

Given the lesion measurements of one patient and a `ResponseCriteria` object (WHO or modified WHO,
loaded from `tvec.knowledge`), `assess_response` returns, for every assessment date, the sum of the
products of the perpendicular diameters (SPD) and its category, then the patient-level results:
best overall response, time to and duration of response, durable response and the lesion-level
summary. Every threshold and duration is read from the criteria object; none is written here.

Conventions:

- The baseline assessment is the set of measurements dated on the start date (the first dose).
  Its row has `category=None`: a baseline is not a response category.
- A lesion that disappeared is recorded as 0 x 0 at every later assessment, never left out.
- Percent changes are exact `Decimal` values; whoever displays them rounds them with
  `tvec.domain.percent.shown_pct` (towards zero, so a value never reads across a threshold).
- A response "episode" begins at a confirmed CR/PR (its onset) and lasts while the assessments stay
  CR or PR; the first SD or PD ends it.
- Every CR/PR assessment that counts carries its own confirmation state (`Confirmation`) and, while
  it awaits confirmation, the first date a confirming assessment may fall on; `assessment_label`
  turns both into the one text every screen shows ("PR (unconfirmed, confirm on or after DATE)").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tvec.domain.calendar import add_months
from tvec.domain.response_lesions import (
    LesionChange,
    LesionGroup,
    LesionGroupSummary,
    lesion_changes,
    summarise_lesions,
)
from tvec.domain.response_validation import validate_measurements
from tvec.domain.rules import (
    ConfirmationRule,
    DurableResponseRule,
    ResponseCriteria,
    Site,
)

__all__ = [
    "Assessment",
    "Category",
    "Confirmation",
    "DurableStatus",
    "LesionGroup",
    "LesionGroupSummary",
    "Measurement",
    "ResponseAssessment",
    "assess_response",
    "assessment_label",
    "category_rank",
]

ONE = Decimal(1)
HUNDRED = Decimal(100)


class Category(StrEnum):
    CR = "CR"  # complete response: every lesion has disappeared
    PR = "PR"  # partial response
    SD = "SD"  # stable disease
    PD = "PD"  # progressive disease
    NE = "NE"  # not evaluable: no assessment after baseline


_RANK = {Category.CR: 4, Category.PR: 3, Category.SD: 2, Category.PD: 1, Category.NE: 0}
RESPONSES = frozenset({Category.CR, Category.PR})


def category_rank(category: Category) -> int:
    """Higher is better: CR > PR > SD > PD > NE."""
    return _RANK[category]


class Confirmation(StrEnum):
    """Where a counted CR/PR assessment stands with its own confirmation."""

    CONFIRMED = "confirmed"  # confirmed, or a PR within a confirmed response (a CR is never
    # followed by a PR: after a CR the nadir is 0, so any regrowth is PD)
    PENDING = "pending"  # every later assessment is CR/PR but none is late enough yet
    NOT_CONFIRMED = "not-confirmed"  # an SD or PD came before any confirming assessment


class DurableStatus(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_EVALUABLE = "not-evaluable"  # a response is still running but is not yet long enough


@dataclass(frozen=True)
class Measurement:
    """One lesion measured on one day. `row` is the source line, used only in error messages."""

    day: dt.date
    lesion_id: str
    longest_cm: Decimal
    perpendicular_cm: Decimal
    site: Site
    injected: bool
    row: int | None = None

    @property
    def product_cm2(self) -> Decimal:
        return self.longest_cm * self.perpendicular_cm

    @property
    def disappeared(self) -> bool:
        return self.longest_cm == 0 and self.perpendicular_cm == 0


@dataclass(frozen=True)
class Assessment:
    """One assessment date. At baseline `category` is None and both changes are None."""

    date: dt.date
    day: int  # days since the start date
    spd_cm2: Decimal
    change_from_baseline_pct: Decimal | None
    change_from_nadir_pct: Decimal | None  # None at baseline, or when the nadir is 0
    category: Category | None
    new_lesion_ids: tuple[str, ...]  # lesions first recorded at this assessment
    confirmed: bool  # this assessment is the onset of a confirmed, counted response
    counted: bool  # counts towards the result: False at baseline, and after the first PD when
    # the criteria ignore responses after progression (WHO)
    confirmation: Confirmation | None = None  # counted CR/PR only
    confirm_on_or_after: dt.date | None = None  # while PENDING: date + the confirmation interval

    @property
    def label(self) -> str:
        """The text shown for this assessment (see `assessment_label`)."""
        return assessment_label(self)


def assessment_label(a: Assessment) -> str:
    """The one text of an assessment's category on every screen: chart, response page and CLI.

    "baseline"; "PR (confirmed onset)"; "PR (unconfirmed, confirm on or after 2026-03-02)";
    "PR (not confirmed)"; "PR (not counted: after first PD)"; "PR"; "SD".
    """
    if a.category is None:
        return "baseline"
    text = a.category.value
    if not a.counted:
        return f"{text} (not counted: after first PD)"
    if a.confirmation is Confirmation.PENDING:
        return f"{text} (unconfirmed, confirm on or after {a.confirm_on_or_after})"
    if a.confirmation is Confirmation.NOT_CONFIRMED:
        return f"{text} (not confirmed)"
    if a.confirmed:
        return f"{text} (confirmed onset)"
    return text


@dataclass(frozen=True)
class ResponseAssessment:
    criteria: str
    start: dt.date
    baseline_date: dt.date
    baseline_spd_cm2: Decimal
    assessments: tuple[Assessment, ...]
    best_overall_response: Category
    time_to_response_days: int | None  # onset of the first counted response
    duration_of_response_days: int | None  # of that first response
    response_ongoing: bool | None  # of that first response; None when there was no response
    durable_response: DurableStatus
    lesion_summary: tuple[LesionGroupSummary, ...]
    lesions: tuple[LesionChange, ...] = ()  # per-lesion best change, for waterfall plots


@dataclass(frozen=True)
class _Episode:
    onset: int  # index into the assessment dates
    end: int | None  # index of the first assessment that is neither CR nor PR; None if ongoing
    best: Category  # best confirmed category within the episode


Visit = Mapping[str, Measurement]


def assess_response(
    criteria: ResponseCriteria, start: dt.date, measurements: Sequence[Measurement]
) -> ResponseAssessment:
    """Categorise every assessment and derive the patient-level response results.

    Raises `InvalidInput` (before anything is computed) when the measurements break a rule of the
    input: see `tvec.domain.response_validation`.
    """
    visits = validate_measurements(start, measurements)
    dates = list(visits)
    by_visit = list(visits.values())  # each assessment: lesion id -> measurement
    baseline_ids = frozenset(by_visit[0])
    spds = [_spd(criteria, visit, baseline_ids) for visit in by_visit]
    categories = _categorise(criteria, spds, by_visit, baseline_ids)
    counted_end = _counted_end(criteria.confirmation, categories)
    episodes = _episodes(criteria.confirmation.min_days, dates, categories, counted_end)
    first = episodes[0] if episodes else None
    return ResponseAssessment(
        criteria=criteria.name,
        start=start,
        baseline_date=dates[0],
        baseline_spd_cm2=spds[0],
        assessments=_rows(
            start,
            dates,
            spds,
            by_visit,
            _Confirmations(criteria.confirmation.min_days, dates, categories, counted_end),
            episodes,
        ),
        best_overall_response=_best_overall(episodes, categories[1:counted_end]),
        time_to_response_days=None if first is None else (dates[first.onset] - start).days,
        duration_of_response_days=None if first is None else _duration_days(first, dates),
        response_ongoing=None if first is None else first.end is None,
        durable_response=_durable(criteria.durable_response, start, dates, episodes),
        lesion_summary=summarise_lesions(criteria.lesion_level, _trajectories(by_visit)),
        lesions=lesion_changes(_trajectories(by_visit)),
    )


def _spd(criteria: ResponseCriteria, visit: Visit, baseline_ids: frozenset[str]) -> Decimal:
    """Sum of products; new lesions join the sum only when the criteria say so."""
    with_new = criteria.progression.new_lesions_added_to_sum
    included = (m for m in visit.values() if with_new or m.lesion_id in baseline_ids)
    return sum((m.product_cm2 for m in included), Decimal(0))


def _categorise(
    criteria: ResponseCriteria,
    spds: Sequence[Decimal],
    visits: Sequence[Visit],
    baseline_ids: frozenset[str],
) -> list[Category | None]:
    """None for the baseline, then one category per later assessment."""
    categories: list[Category | None] = [None]
    for i in range(1, len(spds)):
        nadir = min(spds[:i])
        categories.append(_category(criteria, spds[i], nadir, spds[0], visits[i], baseline_ids))
    return categories


def _category(
    criteria: ResponseCriteria,
    spd: Decimal,
    nadir: Decimal,
    baseline_spd: Decimal,
    visit: Visit,
    baseline_ids: frozenset[str],
) -> Category:
    if _progressed(criteria, spd, nadir, visit, baseline_ids):
        return Category.PD
    if all(m.disappeared for m in visit.values()):
        return Category.CR
    shrink = ONE - criteria.partial_response.min_decrease_from_baseline_pct / HUNDRED
    if spd <= baseline_spd * shrink:
        return Category.PR
    return Category.SD


def _progressed(
    criteria: ResponseCriteria,
    spd: Decimal,
    nadir: Decimal,
    visit: Visit,
    baseline_ids: frozenset[str],
) -> bool:
    rule = criteria.progression
    growth = ONE + rule.min_increase_from_nadir_pct / HUNDRED
    if spd > nadir and spd >= nadir * growth:
        return True
    new_present = any(m.lesion_id not in baseline_ids and not m.disappeared for m in visit.values())
    return rule.new_lesion_is_progression and new_present


def _counted_end(rule: ConfirmationRule, categories: Sequence[Category | None]) -> int:
    """One past the last assessment that counts (all of them, or up to the first PD)."""
    if rule.response_after_progression_counts or Category.PD not in categories:
        return len(categories)
    return categories.index(Category.PD) + 1


def _confirmed_as(
    i: int,
    min_days: int,
    dates: Sequence[dt.date],
    categories: Sequence[Category | None],
    counted_end: int,
) -> Category | None:
    """The category assessment `i` is confirmed as, or None if it is not a confirmed response.

    Confirmation needs a later assessment at least `min_days` after `i` with only CR/PR from `i`
    to it; it is a confirmed CR only if all of those are CR.
    """
    category = categories[i]
    if category not in RESPONSES:
        return None
    if min_days == 0:
        return category
    only_cr = category is Category.CR
    for j in range(i + 1, counted_end):
        if categories[j] not in RESPONSES:
            return None
        only_cr = only_cr and categories[j] is Category.CR
        if (dates[j] - dates[i]).days >= min_days:
            return Category.CR if only_cr else Category.PR
    return None


def _episodes(
    min_days: int,
    dates: Sequence[dt.date],
    categories: Sequence[Category | None],
    counted_end: int,
) -> list[_Episode]:
    """Every counted response episode, in date order."""

    def confirmed_as(k: int) -> Category | None:
        return _confirmed_as(k, min_days, dates, categories, counted_end)

    episodes: list[_Episode] = []
    i = 1
    while i < counted_end:
        if confirmed_as(i) is None:
            i += 1
            continue
        end = next((j for j in range(i, counted_end) if categories[j] not in RESPONSES), None)
        stop = counted_end if end is None else end
        confirmed = (c for c in map(confirmed_as, range(i, stop)) if c is not None)
        episodes.append(_Episode(onset=i, end=end, best=max(confirmed, key=category_rank)))
        i = stop + 1
    return episodes


def _end_date(episode: _Episode, dates: Sequence[dt.date]) -> dt.date:
    """The assessment that ended the episode, or the last assessment if it is still running."""
    return dates[-1] if episode.end is None else dates[episode.end]


def _duration_days(episode: _Episode, dates: Sequence[dt.date]) -> int:
    return (_end_date(episode, dates) - dates[episode.onset]).days


def _best_overall(episodes: Sequence[_Episode], counted: Sequence[Category | None]) -> Category:
    """Best confirmed response; else SD if anything but PD was seen; else PD; NE if nothing."""
    if episodes:
        return max((e.best for e in episodes), key=category_rank)
    if not counted:
        return Category.NE
    if any(c is not Category.PD for c in counted):
        return Category.SD
    return Category.PD


def _durable(
    rule: DurableResponseRule,
    start: dt.date,
    dates: Sequence[dt.date],
    episodes: Sequence[_Episode],
) -> DurableStatus:
    """Yes if a response began in time and lasted long enough; not-evaluable if one still might."""
    eligible = [e for e in episodes if _began_in_time(rule, start, dates[e.onset])]
    for episode in eligible:
        needed = add_months(dates[episode.onset], rule.min_duration_months)
        if _end_date(episode, dates) >= needed:
            return DurableStatus.YES
    if any(e.end is None for e in eligible):
        return DurableStatus.NOT_EVALUABLE
    return DurableStatus.NO


def _began_in_time(rule: DurableResponseRule, start: dt.date, onset: dt.date) -> bool:
    """Onset before the date `onset_within_months` after the start (on it, if the rule says so)."""
    boundary = add_months(start, rule.onset_within_months)
    return onset < boundary or (rule.onset_on_boundary_date_counts and onset == boundary)


class _Confirmations:
    """What the confirmation rule says of each assessment (see `Confirmation`)."""

    def __init__(
        self,
        min_days: int,
        dates: Sequence[dt.date],
        categories: Sequence[Category | None],
        counted_end: int,
    ) -> None:
        self.min_days, self.dates, self.categories = min_days, dates, categories
        self.counted_end = counted_end
        self.found = [
            _confirmed_as(i, min_days, dates, categories, counted_end) if i < counted_end else None
            for i in range(len(categories))
        ]

    def state(self, i: int, episodes: Sequence[_Episode]) -> Confirmation | None:
        """The confirmation state of counted CR/PR assessment `i`; None for any other.

        Within a confirmed response a PR is confirmed, and so is a CR once a CR of that response
        (at or before it) is confirmed as CR.
        """
        category = self.categories[i]
        if i >= self.counted_end or category not in RESPONSES:
            return None
        episode = next((e for e in episodes if e.onset <= i and (e.end is None or i < e.end)), None)
        held = episode is not None and (
            category is Category.PR or Category.CR in self.found[episode.onset : i + 1]
        )
        if self.found[i] is not None or held:
            return Confirmation.CONFIRMED
        if all(c in RESPONSES for c in self.categories[i + 1 : self.counted_end]):
            return Confirmation.PENDING
        return Confirmation.NOT_CONFIRMED

    def due(self, i: int, state: Confirmation | None) -> dt.date | None:
        """The first date a confirming assessment may fall on, while `i` awaits one."""
        if state is not Confirmation.PENDING:
            return None
        return self.dates[i] + dt.timedelta(days=self.min_days)


def _rows(
    start: dt.date,
    dates: Sequence[dt.date],
    spds: Sequence[Decimal],
    visits: Sequence[Visit],
    confirmations: _Confirmations,
    episodes: Sequence[_Episode],
) -> tuple[Assessment, ...]:
    onsets = {e.onset for e in episodes}
    categories, counted_end = confirmations.categories, confirmations.counted_end
    rows = [_baseline_row(start, dates[0], spds[0])]
    for i in range(1, len(dates)):
        nadir = min(spds[:i])
        earlier = set().union(*visits[:i])
        state = confirmations.state(i, episodes)
        rows.append(
            Assessment(
                date=dates[i],
                day=(dates[i] - start).days,
                spd_cm2=spds[i],
                change_from_baseline_pct=_change_pct(spds[i], spds[0]),
                change_from_nadir_pct=_change_pct(spds[i], nadir) if nadir else None,
                category=categories[i],
                new_lesion_ids=tuple(lid for lid in visits[i] if lid not in earlier),
                confirmed=i in onsets,
                counted=i < counted_end,
                confirmation=state,
                confirm_on_or_after=confirmations.due(i, state),
            )
        )
    return tuple(rows)


def _baseline_row(start: dt.date, baseline: dt.date, spd: Decimal) -> Assessment:
    return Assessment(
        date=baseline,
        day=(baseline - start).days,
        spd_cm2=spd,
        change_from_baseline_pct=None,
        change_from_nadir_pct=None,
        category=None,
        new_lesion_ids=(),
        confirmed=False,
        counted=False,
    )


def _change_pct(value: Decimal, reference: Decimal) -> Decimal:
    return (value - reference) / reference * HUNDRED


def _trajectories(visits: Sequence[Visit]) -> dict[str, list[Measurement]]:
    """Each lesion's measurements in date order."""
    trajectories: dict[str, list[Measurement]] = {}
    for visit in visits:
        for lesion_id, measurement in visit.items():
            trajectories.setdefault(lesion_id, []).append(measurement)
    return trajectories
