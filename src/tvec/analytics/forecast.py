"""Vial demand forecast per ISO week and strength, with intervals, and an order suggestion.

The calendar of scheduled visits is planned with the domain's dose planner (`plan_visit`): the
strength and the vials of a visit are the label's, never recomputed here. Two uncertainties are
estimated from the history of earlier visits and simulated:

(a) continuation: after a visit, the patient's next scheduled visit happens with probability
    ``c`` (the course may end at a review, for lack of injectable lesions, or the patient stops);
    the h-th scheduled visit of a patient in the window happens with probability ``c**h``, and a
    course that stops stops for good (later visits of that patient do not happen either). A
    first (initial) dose follows no visit: it is booked and counted as certain (h = 0);
(b) given versus planned: the vials given at a visit planned for ``p`` vials follow the empirical
    distribution of vials given at earlier visits of the same strength planned for ``p`` (none:
    of either strength; no history for ``p`` at all: ``p``).

The expected vials are computed exactly, ``sum_i c**h_i * E[given | planned_i]``; the intervals are
the quantiles of a Monte Carlo simulation of (a) and (b) with a seeded NumPy generator, so the same
input gives the same forecast. docs/forecast.md states every threshold and the backtest's error.

References
----------
Hyndman RJ, Athanasopoulos G. Forecasting: principles and practice, 3rd ed. OTexts, 2021,
ch. 5.5 (prediction intervals from simulated future sample paths).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from tvec.domain.dose_plan import PlanLesion, plan_visit
from tvec.domain.rules import LabelRules, VisitKind

LEVELS = (0.80, 0.95)  # the two central intervals reported (tvec's choice)
SAFETY_LEVEL = 0.95  # the order covers the upper bound of this interval of the horizon's demand
GAP_INTERVALS = 2  # a course continued if the next visit came within 2 subsequent-visit intervals
N_SIMULATIONS = 4000
SEED = 20260105


@dataclass(frozen=True)
class ForecastVisit:
    """A scheduled visit: the patient's pseudonym, the date, the visit kind, the latest sizes."""

    patient: str
    day: date
    kind: VisitKind
    lesions: tuple[PlanLesion, ...]


@dataclass(frozen=True)
class HistoryVisit:
    """A visit that took place: the vials planned when it was booked, and the vials given."""

    patient: str
    day: date
    pfu_per_ml: int
    planned_vials: int
    given_vials: int


@dataclass(frozen=True)
class DemandModel:
    """What the history says: continuation probability and given-versus-planned distributions."""

    continuation: float
    continuation_visits: int  # visits whose follow-up was observed (0: no history, c = 1)
    # (strength, planned vials) -> ((vials given, share), ...); strength 0: both strengths pooled
    given_by_planned: dict[tuple[int, int], tuple[tuple[int, float], ...]]
    history_visits: int
    gap_days: int

    def given_pmf(
        self, strength: int, planned: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The strength's own history for `planned`, else both strengths', else `planned`."""
        pooled = self.given_by_planned.get((0, planned), ((planned, 1.0),))
        pairs = self.given_by_planned.get((strength, planned), pooled)
        values = np.array([g for g, _ in pairs], dtype=np.int64)
        return values, np.array([p for _, p in pairs], dtype=np.float64)


@dataclass(frozen=True)
class PlannedVisit:
    patient: str
    day: date
    week: str  # ISO week, e.g. "2026-W03"
    pfu_per_ml: int
    planned_vials: int
    position: int  # h: the patient's visits in the window up to this one (a first dose: 0)
    probability: float  # that the visit happens, c**h
    expected_vials: float


@dataclass(frozen=True)
class Band:
    level: float
    low: int
    high: int


@dataclass(frozen=True)
class Demand:
    """Vials of one strength in one ISO week (or, with week "total", the whole horizon)."""

    week: str
    pfu_per_ml: int
    expected: float
    planned: int  # the planner's vials if every visit happened as planned
    intervals: tuple[Band, ...]


@dataclass(frozen=True)
class Forecast:
    as_of: date
    weeks: int
    visits: tuple[PlannedVisit, ...]
    demand: tuple[Demand, ...]  # per week and strength, sorted
    totals: tuple[Demand, ...]  # per strength over the horizon
    model: DemandModel
    method: str
    simulations: int
    seed: int
    warnings: tuple[str, ...]
    samples: dict[int, npt.NDArray[np.int64]]  # strength -> (simulations, visits) vials given

    @property
    def end(self) -> date:
        """The last day of the horizon."""
        return self.as_of + timedelta(days=7 * self.weeks - 1)


METHOD = (
    "visits planned with the label's dose planner; a patient's h-th visit in the window happens "
    "with probability c^h (a first dose: 1; c: share of past visits followed by the patient's "
    "next visit within {gap} days; a stopped course stays stopped); vials given drawn from the "
    "vials given at past visits of the same strength planned for as many vials; expected value "
    "exact, intervals from {n} seeded Monte Carlo paths (central quantiles)"
)


def estimate_model(label: LabelRules, history: Sequence[HistoryVisit], as_of: date) -> DemandModel:
    """Estimate continuation and given-versus-planned from visits before `as_of`."""
    gap = GAP_INTERVALS * (label.visit_rule(VisitKind.SUBSEQUENT).interval_days or 0)
    past = sorted((v for v in history if v.day < as_of), key=lambda v: (v.patient, v.day))
    at_risk = continued = 0
    for n, visit in enumerate(past):
        if visit.day + timedelta(days=gap) >= as_of:
            continue  # its follow-up is not yet observed
        at_risk += 1
        later = past[n + 1] if n + 1 < len(past) else None
        if later is not None and later.patient == visit.patient:
            continued += (later.day - visit.day).days <= gap
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for visit in past:
        for strength in (visit.pfu_per_ml, 0):
            counts[(strength, visit.planned_vials)][visit.given_vials] += 1
    pmf = {
        planned: tuple((g, k / sum(given.values())) for g, k in sorted(given.items()))
        for planned, given in sorted(counts.items())
    }
    return DemandModel(
        continuation=continued / at_risk if at_risk else 1.0,
        continuation_visits=at_risk,
        given_by_planned=pmf,
        history_visits=len(past),
        gap_days=gap,
    )


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def plan_calendar(
    label: LabelRules, calendar: Sequence[ForecastVisit], model: DemandModel
) -> tuple[PlannedVisit, ...]:
    """Each visit planned by the domain planner, with its probability and expected vials."""
    position: dict[str, int] = defaultdict(int)
    planned: list[PlannedVisit] = []
    for visit in sorted(calendar, key=lambda v: (v.patient, v.day)):
        plan = plan_visit(label, visit.kind, visit.lesions)
        if visit.kind is not VisitKind.INITIAL:  # a first dose follows no visit: it is booked
            position[visit.patient] += 1
        h = position[visit.patient]
        probability = model.continuation**h
        values, shares = model.given_pmf(plan.concentration_pfu_per_ml, plan.vials)
        mean_given = float(values @ shares)
        planned.append(
            PlannedVisit(
                visit.patient,
                visit.day,
                iso_week(visit.day),
                plan.concentration_pfu_per_ml,
                plan.vials,
                h,
                probability,
                probability * mean_given,
            )
        )
    return tuple(planned)


def forecast_demand(
    label: LabelRules,
    calendar: Sequence[ForecastVisit],
    history: Sequence[HistoryVisit],
    as_of: date,
    weeks: int,
    *,
    simulations: int = N_SIMULATIONS,
    seed: int = SEED,
) -> Forecast:
    """Forecast vials per ISO week and strength for visits in ``[as_of, as_of + 7*weeks)``.

    Parameters
    ----------
    label : LabelRules
        The label whose dose planner and schedule apply.
    calendar : sequence of ForecastVisit
        Scheduled visits with each patient's latest lesion sizes; visits outside the horizon are
        left out (and counted in a warning).
    history : sequence of HistoryVisit
        Earlier visits; only those before `as_of` are used.
    as_of, weeks : date, int
        First day and length of the horizon.
    simulations, seed : int
        Monte Carlo paths and the seed of `numpy.random.default_rng`.
    """
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, not {weeks}")
    end = as_of + timedelta(days=7 * weeks)
    inside = [v for v in calendar if as_of <= v.day < end]
    model = estimate_model(label, history, as_of)
    visits = plan_calendar(label, inside, model)
    samples = _simulate(visits, model, simulations, np.random.default_rng(seed))
    demand, totals = _summarise(label, visits, samples)
    return Forecast(
        as_of=as_of,
        weeks=weeks,
        visits=visits,
        demand=demand,
        totals=totals,
        model=model,
        method=METHOD.format(gap=model.gap_days, n=simulations),
        simulations=simulations,
        seed=seed,
        warnings=_warnings(model, len(calendar) - len(inside)),
        samples=samples,
    )


def _warnings(model: DemandModel, outside: int) -> tuple[str, ...]:
    notes = []
    if model.continuation_visits == 0:
        notes.append(
            "no history with an observed follow-up: every scheduled visit assumed to happen"
        )
    if model.history_visits == 0:
        notes.append("no history of vials given: the planned vials assumed to be given")
    if outside:
        notes.append(f"{outside} scheduled visit(s) outside the horizon left out")
    return tuple(notes)


def _simulate(
    visits: Sequence[PlannedVisit], model: DemandModel, n: int, rng: np.random.Generator
) -> dict[int, npt.NDArray[np.int64]]:
    """Vials given per path and visit, as one (n, visits) array per strength (visits in order)."""
    v = len(visits)
    stops = rng.random((n, v)) >= model.continuation
    stops &= np.array([visit.position > 0 for visit in visits], dtype=bool)  # a first dose: booked
    stopped = np.cumsum(stops, axis=1)
    first = np.zeros(v, dtype=np.int64)  # column of each visit's patient's first visit
    for i in range(1, v):
        same = visits[i].patient == visits[i - 1].patient
        first[i] = first[i - 1] if same else i
    before = np.where(first > 0, stopped[:, np.maximum(first - 1, 0)], 0)
    happens: npt.NDArray[np.bool_] = (stopped - before) == 0
    given = np.zeros((n, v), dtype=np.int64)
    planned = np.array([visit.planned_vials for visit in visits], dtype=np.int64)
    strengths = np.array([visit.pfu_per_ml for visit in visits], dtype=np.int64)
    for s, p in sorted({(int(s), int(p)) for s, p in zip(strengths, planned, strict=True)}):
        columns = np.nonzero((planned == p) & (strengths == s))[0]
        values, shares = model.given_pmf(s, p)
        given[:, columns] = rng.choice(values, size=(n, len(columns)), p=shares)
    given *= happens
    return {int(s): given[:, strengths == s] for s in np.unique(strengths)}


def _summarise(
    label: LabelRules,
    visits: Sequence[PlannedVisit],
    samples: dict[int, npt.NDArray[np.int64]],
) -> tuple[tuple[Demand, ...], tuple[Demand, ...]]:
    demand: list[Demand] = []
    totals: list[Demand] = []
    for strength in sorted(s.pfu_per_ml for s in label.strengths):
        mine = [v for v in visits if v.pfu_per_ml == strength]
        paths = samples.get(strength, np.zeros((1, 0), dtype=np.int64))
        for week in sorted({v.week for v in mine}):
            columns = [n for n, v in enumerate(mine) if v.week == week]
            demand.append(_demand(week, strength, [mine[n] for n in columns], paths[:, columns]))
        totals.append(_demand("total", strength, mine, paths))
    return tuple(demand), tuple(totals)


def _demand(
    week: str, strength: int, visits: Sequence[PlannedVisit], paths: npt.NDArray[np.int64]
) -> Demand:
    summed = paths.sum(axis=1)
    return Demand(
        week=week,
        pfu_per_ml=strength,
        expected=sum((v.expected_vials for v in visits), 0.0),
        planned=sum(v.planned_vials for v in visits),
        intervals=tuple(band(summed, level) for level in LEVELS),
    )


def band(summed: npt.NDArray[np.int64], level: float) -> Band:
    """The central `level` interval of simulated totals (values that occurred in the paths)."""
    tail = (1 - level) / 2
    low, high = np.quantile(summed, [tail, 1 - tail], method="inverted_cdf")
    return Band(level, int(low), int(high))
