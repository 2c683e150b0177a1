"""The pharmacist's vial demand forecast and order suggestion from the centre's own records.

The forecast and the order are `tvec.analytics.forecast` and `tvec.analytics.forecast_order`
(docs/forecast.md); this service only gathers their inputs from the database (reads only):

- **Visits due** in the horizon: for each open course not on hold today (and whose patient's death
  is not recorded: such courses are left out and counted in a note), the next visit as the
  worklist computes it (`tvec.services.worklist.next_due`: the planned visit, else the schedule's
  next); a visit already overdue is counted as due today (tvec's rule). The patient's later
  visits follow the label's intervals as the course calendar projects them
  (`tvec.domain.schedule.course_calendar`) up to the course's minimum length.
- **Lesions**: each patient's active lesions with their latest measurement, as the visit planner
  reads them (`lesions.active_with_latest_measurement`, `tvec.services.visits.plan_lesions`).
- **Stock**: the vials in stock by strength, lot and expiry (`tvec.services.pharmacy_stock`).
- **History**: each administered visit's planned vials (its stored plan) and the vials given
  (`tvec.services.vial_events.vials_used`, as billing counts them).

Patients are keyed by an internal number only; nothing identifying leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from tvec.analytics.forecast import Forecast, ForecastVisit, HistoryVisit, forecast_demand
from tvec.analytics.forecast_order import OrderSuggestion, StockLot, suggest_orders
from tvec.domain.dose_plan import plan_visit
from tvec.domain.errors import DomainError, InvalidInput
from tvec.domain.holds import hold_in_force
from tvec.domain.rules import LabelRules, VisitKind
from tvec.domain.schedule import Dose, VisitStatus, course_calendar
from tvec.domain.status import VisitRecordStatus
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services import pharmacy_stock, vial_events
from tvec.services.context import Actor, Context
from tvec.services.courses import domain_course
from tvec.services.follow_up import deaths
from tvec.services.permissions import Action
from tvec.services.shipments import LABEL_VARIANT
from tvec.services.visits import plan_lesions
from tvec.services.worklist import next_due

WHERE = "forecast"
DEFAULT_WEEKS = 4
MAX_WEEKS = 52
MAX_LEAD_TIME_DAYS = 365


@dataclass(frozen=True)
class Inputs:
    """What the forecast is computed from (patients keyed by an internal number)."""

    calendar: tuple[ForecastVisit, ...]
    history: tuple[HistoryVisit, ...]
    stock: tuple[StockLot, ...]
    notes: tuple[str, ...]  # courses left out, and why (no patient named)


@dataclass(frozen=True)
class PharmacyForecast:
    today: date
    weeks: int
    lead_time_days: int
    label: str
    forecast: Forecast
    orders: tuple[OrderSuggestion, ...]
    warnings: tuple[str, ...]
    sources: tuple[str, ...]  # the label sections the dose plans come from


def check_request(weeks: int, lead_time_days: int) -> None:
    """Refuse weeks outside 1-52 or a lead time outside 0-365 days, naming the field."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidInput(
            WHERE, "weeks", f"must be a whole number from 1 to {MAX_WEEKS}", weeks, label="Weeks"
        )
    if not 0 <= lead_time_days <= MAX_LEAD_TIME_DAYS:
        rule = f"must be a whole number of days from 0 to {MAX_LEAD_TIME_DAYS}"
        raise InvalidInput(WHERE, "lead_time_days", rule, lead_time_days, label="Lead time")


def pharmacy_forecast(
    ctx: Context, actor: Actor, weeks: int | None = None, lead_time_days: int | None = None
) -> PharmacyForecast:
    """The centre's forecast of vials per week and strength for `weeks` weeks from today, and the
    order suggestion for an order arriving `lead_time_days` from today (default: the setting
    TVEC_ORDER_LEAD_TIME_DAYS)."""
    actor.require(Action.MANAGE_VIALS)
    weeks = DEFAULT_WEEKS if weeks is None else weeks
    lead = ctx.settings.order_lead_time_days if lead_time_days is None else lead_time_days
    check_request(weeks, lead)
    today = ctx.today(actor)
    label = load_label(LABEL_VARIANT)
    inputs = gather_inputs(ctx, actor, today, weeks)
    result = forecast_demand(label, inputs.calendar, inputs.history, today, weeks)
    orders = suggest_orders(result, inputs.stock, lead)
    return PharmacyForecast(
        today=today,
        weeks=weeks,
        lead_time_days=lead,
        label=label.variant,
        forecast=result,
        orders=orders,
        warnings=inputs.notes + result.warnings,
        sources=sources(label),
    )


def sources(label: LabelRules) -> tuple[str, ...]:
    """Where the dose planner's numbers come from (the forecast's own rules are tvec's)."""
    cited = [label.visit_rule(kind).source for kind in VisitKind]
    cited += [
        label.volume_bands[0].source,
        label.strength(label.visit_rule(VisitKind.SUBSEQUENT).pfu_per_ml).source,
    ]
    return tuple(dict.fromkeys(cited))


def gather_inputs(ctx: Context, actor: Actor, today: date, weeks: int) -> Inputs:
    """The centre's visits due before `today + 7 * weeks`, history and usable stock."""
    end = today + timedelta(days=7 * weeks)
    label = load_label(LABEL_VARIANT)
    with ctx.uow(readonly=True) as uow:
        patients = {p.id: p for p in uow.patients.in_centre(actor.centre_id)}
        courses = uow.courses.for_patients(list(patients))
        visits = uow.visits.for_courses([c.id for c in courses])
        died_on = deaths(uow, list(patients))
        open_courses = [c for c in courses if c.end_date is None and c.patient_id not in died_on]
        deceased = sum(1 for c in courses if c.end_date is None and c.patient_id in died_on)
        holds = uow.course_holds.for_courses([c.id for c in open_courses])
        calendar: list[ForecastVisit] = []
        unplanned = 0
        for course in open_courses:
            if hold_in_force([h for h in holds if h.course_id == course.id], today) is not None:
                continue
            mine = [v for v in visits if v.course_id == course.id]
            try:
                due = _due_visits(uow, label, course, mine, patients[course.patient_id], today)
            except DomainError:  # a record the schedule or the planner refuses: left out, counted
                unplanned += 1
                continue
            calendar += [v for v in due if v.day < end]
        history = _history(uow, courses, visits)
    report = pharmacy_stock.stock_report(ctx, actor)
    stock = tuple(
        StockLot(line.lot, line.pfu_per_ml, line.in_stock, line.expiry_date)
        for strength in report.strengths
        for line in strength.lines
        if line.in_stock
    )
    notes: tuple[str, ...] = (
        (f"{unplanned} course(s) left out: their visits could not be planned from the records",)
        if unplanned
        else ()
    )
    if deceased:
        notes += (f"{deceased} open course(s) left out: the patient's death is recorded",)
    return Inputs(tuple(calendar), history, stock, notes)


def _key(course: r.Course) -> str:
    return f"p{course.patient_id}"


def _due_visits(
    uow: UnitOfWork,
    label: LabelRules,
    course: r.Course,
    visits: list[r.Visit],
    patient: r.Patient,
    today: date,
) -> list[ForecastVisit]:
    """The course's next visit (overdue: today) and the schedule's later ones, each with the
    patient's latest lesion sizes as the planner would take them."""
    nxt = next_due(course, visits, patient)
    if nxt is None:
        return []
    course_label = load_label(course.label_variant)
    schedule = domain_course(course_label, course, visits)
    kind, day = VisitKind(nxt.kind), max(nxt.due, today)
    previous = schedule.doses[-1].day if schedule.doses else course.reinitiation_after
    latest = uow.lesions.active_with_latest_measurement(course.patient_id)
    lesions = tuple(plan_lesions(latest, previous)[0])
    projected = replace(schedule, doses=(*schedule.doses, Dose(nxt.number, day, kind)))
    later = [
        (v.kind, v.date)
        for v in course_calendar(course_label, projected)
        if v.status is not VisitStatus.GIVEN
    ]
    due = [ForecastVisit(_key(course), d, k, lesions) for k, d in [(kind, day), *later]]
    for visit in due:
        plan_visit(label, visit.kind, visit.lesions)  # refused here, not inside the forecast
    return due


def _history(
    uow: UnitOfWork, courses: list[r.Course], visits: list[r.Visit]
) -> tuple[HistoryVisit, ...]:
    """Each administered visit: the vials its stored plan asked for, and the vials given."""
    by_id = {c.id: c for c in courses}
    given = [
        v
        for v in visits
        if v.status is VisitRecordStatus.ADMINISTERED and v.administered_on is not None
    ]
    doses: dict[int, list[r.Administration]] = {v.id: [] for v in given}
    for a in uow.administrations.for_visits([v.id for v in given]):
        doses[a.visit_id].append(a)
    history = []
    for visit in given:
        course = by_id[visit.course_id]
        strength = load_label(course.label_variant).strength(visit.plan.concentration_pfu_per_ml)
        used, _waste = vial_events.vials_used(uow, doses[visit.id], strength.vial_volume_ml)
        assert visit.administered_on is not None
        history.append(
            HistoryVisit(
                _key(course),
                visit.administered_on,
                strength.pfu_per_ml,
                visit.plan.vials,
                used,
            )
        )
    return tuple(history)
