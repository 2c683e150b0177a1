"""Backtest of the vial demand forecast on a synthetic registry (`tvec.analytics.synth`).

The synthetic registry records lesion measurements at tumour assessments, not administrations.
`registry_dosing` derives the visits each T-VEC patient had, with the domain's schedule and dose
planner: visits fall on the label's schedule from the first dose (the earliest date each interval
allows) for as long as the patient is measured, and stop earlier when a visit would have nothing
injectable. At a visit the sizes are those of the latest assessment on or before it. The vials
*given* are planned from the sizes at the visit; the vials *planned when the visit was booked*
(at the visit before) from the sizes known then. The registry has no missed visits: every visit
that does not happen is a course that ended.

`backtest` rolls forward week by week: at each origin (a Monday) it forecasts the next weeks from
what was known the day before (visits given, latest assessments, new patients booked to start in
the window with their screening sizes) and compares with the vials the derived history gave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

import numpy as np

from tvec.analytics.cohort import ARMS, Cohort
from tvec.analytics.forecast import (
    ForecastVisit,
    HistoryVisit,
    forecast_demand,
    iso_week,
)
from tvec.domain.dose_plan import PlanLesion, plan_visit
from tvec.domain.rules import LabelRules, Site, VisitKind
from tvec.domain.schedule import Course, Dose, earliest_date, next_kind

Sizes = tuple[PlanLesion, ...]


@dataclass(frozen=True)
class PatientDosing:
    patient: str
    start: date
    assessments: tuple[tuple[date, Sizes], ...]  # in date order; lesions still measurable
    course: Course  # every dose given


@dataclass(frozen=True)
class RegistryDosing:
    patients: tuple[PatientDosing, ...]
    history: tuple[HistoryVisit, ...]


def registry_dosing(cohort: Cohort, label: LabelRules) -> RegistryDosing:
    """The visits and vials of every T-VEC patient of `cohort` (see the module docstring)."""
    assessments = _assessments(cohort)
    p = cohort.patients
    patients: list[PatientDosing] = []
    history: list[HistoryVisit] = []
    for pid, arm, start in zip(p["patient_id"], p["arm"], p["start_date"], strict=True):
        if str(arm) != ARMS[0] or int(pid) not in assessments:
            continue
        first = start.astype(date)
        dated = tuple((first + timedelta(days=d), s) for d, s in assessments[int(pid)])
        dosing = PatientDosing(str(pid), first, dated, Course(first))
        course, rows = _doses(label, dosing)
        patients.append(replace(dosing, course=course))
        history += rows
    return RegistryDosing(tuple(patients), tuple(history))


def _assessments(cohort: Cohort) -> dict[int, list[tuple[int, Sizes]]]:
    """Per patient, (day, measurable lesions) at each assessment; new = first seen that day."""
    les = cohort.lesions
    meta = {
        (int(a), int(b)): (str(s), int(f))
        for a, b, s, f in zip(
            les["patient_id"], les["lesion_id"], les["site"], les["first_day"], strict=True
        )
    }
    m = cohort.measurements
    grouped: dict[tuple[int, int], list[PlanLesion]] = defaultdict(list)
    for pid, lid, day, longest in zip(
        m["patient_id"], m["lesion_id"], m["day"], m["longest_cm"], strict=True
    ):
        key = (int(pid), int(day))
        grouped.setdefault(key, [])
        if longest <= 0:
            continue
        site, first_day = meta[(int(pid), int(lid))]
        new = 0 < first_day == int(day)
        longest_cm = Decimal(str(round(float(longest), 1)))
        grouped[key].append(PlanLesion(f"L{int(lid)}", longest_cm, Site(site), new=new))
    out: dict[int, list[tuple[int, Sizes]]] = defaultdict(list)
    for (pid, day), lesions in sorted(grouped.items()):
        out[pid].append((day, tuple(lesions)))
    return out


def sizes_on(dosing: PatientDosing, day: date) -> Sizes | None:
    """The sizes of the latest assessment on or before `day` (None before the first)."""
    latest = None
    for when, sizes in dosing.assessments:
        if when > day:
            break
        latest = sizes
    return latest


@lru_cache(maxsize=100_000)
def vials(label: LabelRules, kind: VisitKind, sizes: Sizes) -> int:
    """The planner's vials (cached: the backtest plans the same sizes many times)."""
    return plan_visit(label, kind, sizes).vials


def _doses(label: LabelRules, dosing: PatientDosing) -> tuple[Course, list[HistoryVisit]]:
    course = dosing.course
    last_seen = dosing.assessments[-1][0]
    rows: list[HistoryVisit] = []
    booked_on = dosing.start
    while True:
        kind = next_kind(course)
        day = earliest_date(label, course, kind)
        sizes = sizes_on(dosing, day)
        if day > last_seen or sizes is None:
            return course, rows
        given = vials(label, kind, sizes)
        if given == 0:
            return course, rows
        planned = vials(label, kind, sizes_on(dosing, booked_on) or sizes)
        pfu = label.visit_rule(kind).pfu_per_ml
        rows.append(HistoryVisit(dosing.patient, day, pfu, planned, given))
        course = replace(course, doses=(*course.doses, Dose(len(course.doses) + 1, day, kind)))
        booked_on = day


def calendar_at(
    label: LabelRules, dosing: RegistryDosing, origin: date, weeks: int
) -> list[ForecastVisit]:
    """The visits a centre would have scheduled at `origin` for the next `weeks` weeks."""
    end = origin + timedelta(days=7 * weeks)
    calendar: list[ForecastVisit] = []
    for patient in dosing.patients:
        if patient.start >= end:
            continue
        given = tuple(d for d in patient.course.doses if d.day < origin)
        if patient.start < origin and not given:
            continue
        known = sizes_on(patient, max(patient.start, origin - timedelta(days=1)))
        course = replace(patient.course, doses=given)
        calendar += _projected(label, patient.patient, course, known or (), origin, end)
    return calendar


def _projected(
    label: LabelRules, patient: str, course: Course, sizes: Sizes, origin: date, end: date
) -> list[ForecastVisit]:
    visits: list[ForecastVisit] = []
    while True:
        kind = next_kind(course)
        day = earliest_date(label, course, kind)
        if day < origin or day >= end:  # overdue at the origin: the course has ended
            return visits
        visits.append(ForecastVisit(patient, day, kind, sizes))
        course = replace(course, doses=(*course.doses, Dose(len(course.doses) + 1, day, kind)))


@dataclass(frozen=True)
class BacktestCell:
    origin: date
    lead: int  # weeks ahead, 1 = the origin's week
    week: str
    pfu_per_ml: int
    actual: int
    expected: float
    planned: int  # the plain plan: every scheduled visit given as planned
    low80: int
    high80: int
    low95: int
    high95: int


def backtest(
    label: LabelRules,
    dosing: RegistryDosing,
    origins: Sequence[date],
    weeks: int,
    *,
    simulations: int = 1000,
    seed: int = 1,
) -> tuple[BacktestCell, ...]:
    """Forecast from each origin (a Monday) and compare week by week with the vials given."""
    actual: dict[tuple[str, int], int] = defaultdict(int)
    for row in dosing.history:
        actual[(iso_week(row.day), row.pfu_per_ml)] += row.given_vials
    strengths = sorted(s.pfu_per_ml for s in label.strengths)
    cells: list[BacktestCell] = []
    for origin in origins:
        calendar = calendar_at(label, dosing, origin, weeks)
        forecast = forecast_demand(
            label, calendar, dosing.history, origin, weeks, simulations=simulations, seed=seed
        )
        found = {(d.week, d.pfu_per_ml): d for d in forecast.demand}
        for lead in range(1, weeks + 1):
            week = iso_week(origin + timedelta(days=7 * (lead - 1)))
            for strength in strengths:
                d = found.get((week, strength))
                b80, b95 = d.intervals if d else (None, None)
                cells.append(
                    BacktestCell(
                        origin, lead, week, strength, actual[(week, strength)],
                        d.expected if d else 0.0, d.planned if d else 0,
                        b80.low if b80 else 0, b80.high if b80 else 0,
                        b95.low if b95 else 0, b95.high if b95 else 0,
                    )
                )  # fmt: skip
    return tuple(cells)


@dataclass(frozen=True)
class BacktestSummary:
    pfu_per_ml: int
    lead: int | None  # None: every lead
    cells: int
    mean_actual: float
    mae: float  # mean absolute error of the expected vials
    wape: float  # sum |error| / sum actual
    rmse: float
    bias: float  # mean (expected - actual)
    plan_mae: float  # the plain plan's errors, for comparison
    plan_rmse: float
    plan_bias: float
    coverage80: float
    coverage95: float


def summarise(cells: Sequence[BacktestCell], by_lead: bool = False) -> tuple[BacktestSummary, ...]:
    """Error and interval coverage per strength (and per lead week when `by_lead`)."""
    groups: dict[tuple[int, int | None], list[BacktestCell]] = defaultdict(list)
    for cell in cells:
        groups[(cell.pfu_per_ml, cell.lead if by_lead else None)].append(cell)
    return tuple(_summary(key, group) for key, group in sorted(groups.items(), key=_order))


def _order(item: tuple[tuple[int, int | None], list[BacktestCell]]) -> tuple[int, int]:
    (strength, lead), _ = item
    return strength, lead or 0


def _summary(key: tuple[int, int | None], cells: list[BacktestCell]) -> BacktestSummary:
    actual = np.array([c.actual for c in cells], dtype=np.float64)
    expected = np.array([c.expected for c in cells])
    planned = np.array([c.planned for c in cells], dtype=np.float64)
    error = np.abs(expected - actual)
    return BacktestSummary(
        pfu_per_ml=key[0],
        lead=key[1],
        cells=len(cells),
        mean_actual=float(actual.mean()),
        mae=float(error.mean()),
        wape=float(error.sum() / actual.sum()) if actual.sum() else float("nan"),
        rmse=float(np.sqrt(((expected - actual) ** 2).mean())),
        bias=float((expected - actual).mean()),
        plan_mae=float(np.abs(planned - actual).mean()),
        plan_rmse=float(np.sqrt(((planned - actual) ** 2).mean())),
        plan_bias=float((planned - actual).mean()),
        coverage80=float(np.mean([c.low80 <= c.actual <= c.high80 for c in cells])),
        coverage95=float(np.mean([c.low95 <= c.actual <= c.high95 for c in cells])),
    )
