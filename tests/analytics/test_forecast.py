"""The vial demand forecast: its expected value against a hand calculation from the planner, its
intervals' coverage on data simulated from its own assumptions, and the order rules."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_lesion
from tvec.analytics.forecast import (
    ForecastVisit,
    HistoryVisit,
    estimate_model,
    forecast_demand,
    iso_week,
)
from tvec.analytics.forecast_order import StockLot, suggest_orders
from tvec.domain.dose_plan import plan_visit
from tvec.domain.rules import VisitKind
from tvec.knowledge import load_label

LABEL = load_label("us")
LOW, HIGH = (s.pfu_per_ml for s in sorted(LABEL.strengths, key=lambda s: s.pfu_per_ml))
MONDAY = date(2026, 1, 5)
BIG = (make_lesion("L1", "3.2"), make_lesion("L2", "1.2"))  # 2 + 0.5 mL
SMALL = (make_lesion("L1", "0.4"),)  # 0.1 mL


def make_history(runs: dict[str, int], planned: int = 2, given: tuple[int, ...] = (2,)) -> list:
    """Each patient's visits every 14 days from 2025-06-02, `runs[patient]` of them."""
    rows = []
    for patient, count in runs.items():
        for n in range(count):
            day = date(2025, 6, 2) + timedelta(days=14 * n)
            rows.append(HistoryVisit(patient, day, HIGH, planned, given[n % len(given)]))
    return rows


def make_calendar() -> list[ForecastVisit]:
    return [
        ForecastVisit("A", MONDAY + timedelta(days=1), VisitKind.INITIAL, BIG),
        ForecastVisit("A", MONDAY + timedelta(days=22), VisitKind.SECOND, BIG),
        ForecastVisit("B", MONDAY + timedelta(days=2), VisitKind.SUBSEQUENT, BIG),
        ForecastVisit("B", MONDAY + timedelta(days=16), VisitKind.SUBSEQUENT, SMALL),
    ]


def test_continuation_is_the_share_of_visits_followed_by_the_next_one() -> None:
    # X: 4 visits, Y: 2 visits, all long before the forecast: 6 at risk, 4 followed (3 + 1).
    model = estimate_model(LABEL, make_history({"X": 4, "Y": 2}), MONDAY)
    assert (model.continuation_visits, model.continuation) == (6, pytest.approx(4 / 6))


def test_a_visit_whose_follow_up_is_not_yet_seen_is_not_counted() -> None:
    recent = [HistoryVisit("Z", MONDAY - timedelta(days=10), HIGH, 1, 1)]
    model = estimate_model(LABEL, make_history({"X": 2}) + recent, MONDAY)
    assert model.continuation_visits == 2


def test_expected_vials_equal_the_hand_calculation_from_the_planner() -> None:
    history = make_history({"X": 4, "Y": 2}, planned=2, given=(2, 1))  # given 1 or 2, half each
    c = 4 / 6
    forecast = forecast_demand(LABEL, make_calendar(), history, MONDAY, 4)

    def vials(kind: VisitKind, lesions: tuple) -> int:
        return plan_visit(LABEL, kind, lesions).vials

    def mean_given(strength: int, planned: int) -> float:
        # the strength's own history when it has one; else the planned vials
        return 1.5 if (strength, planned) == (HIGH, 2) else planned

    a1 = vials(VisitKind.INITIAL, BIG)  # a first dose is booked: certain (h = 0)
    a2 = c * mean_given(HIGH, vials(VisitKind.SECOND, BIG))  # h = 1
    b1 = c * mean_given(HIGH, vials(VisitKind.SUBSEQUENT, BIG))
    b2 = c**2 * mean_given(HIGH, vials(VisitKind.SUBSEQUENT, SMALL))
    hand = {
        (iso_week(MONDAY), LOW): a1,
        (iso_week(MONDAY), HIGH): b1,
        (iso_week(MONDAY + timedelta(days=16)), HIGH): b2,
        (iso_week(MONDAY + timedelta(days=22)), HIGH): a2,
    }
    got = {(d.week, d.pfu_per_ml): d.expected for d in forecast.demand}
    assert got == pytest.approx(hand)
    totals = {d.pfu_per_ml: d.expected for d in forecast.totals}
    assert totals == pytest.approx({LOW: a1, HIGH: a2 + b1 + b2})


def test_without_history_every_visit_is_given_as_planned() -> None:
    forecast = forecast_demand(LABEL, make_calendar(), [], MONDAY, 4)
    for d in forecast.demand:
        assert d.expected == d.planned
        assert all((b.low, b.high) == (d.planned, d.planned) for b in d.intervals)
    assert forecast.warnings


def test_the_same_input_gives_the_same_forecast() -> None:
    history = make_history({"X": 4, "Y": 2}, given=(2, 1, 3))
    one = forecast_demand(LABEL, make_calendar(), history, MONDAY, 4)
    two = forecast_demand(LABEL, make_calendar(), history, MONDAY, 4)
    assert one.demand == two.demand


def test_visits_outside_the_horizon_are_left_out_with_a_warning() -> None:
    late = ForecastVisit("C", MONDAY + timedelta(days=7 * 4), VisitKind.SUBSEQUENT, BIG)
    forecast = forecast_demand(LABEL, [*make_calendar(), late], [], MONDAY, 4)
    assert "C" not in {v.patient for v in forecast.visits}
    assert any("outside the horizon" in w for w in forecast.warnings)


@pytest.mark.parametrize("seed", [11, 12])
def test_intervals_cover_outcomes_drawn_from_the_models_own_assumptions(seed: int) -> None:
    """Simulate 'what happened' with an independent generator from the estimated c and the
    given-vials distribution; the 80% and 95% intervals must cover at least about that share."""
    planned = plan_visit(LABEL, VisitKind.SUBSEQUENT, BIG).vials
    spread = (planned, planned - 1, planned, planned + 1)
    history = make_history({f"P{n}": 3 + n % 5 for n in range(12)}, planned, spread)
    calendar = [
        ForecastVisit(f"Q{n}", MONDAY + timedelta(days=n % 7 + 14 * k), VisitKind.SUBSEQUENT, BIG)
        for n in range(15)
        for k in range(2)
    ]
    forecast = forecast_demand(LABEL, calendar, history, MONDAY, 4)
    model = forecast.model
    rng = np.random.default_rng(seed)
    values, shares = model.given_pmf(HIGH, planned)
    runs = 2000
    first = rng.random((runs, 15)) < model.continuation
    second = first & (rng.random((runs, 15)) < model.continuation)
    given = rng.choice(values, size=(runs, 15, 2), p=shares)
    outcome = {
        iso_week(MONDAY): (given[:, :, 0] * first).sum(axis=1),
        iso_week(MONDAY + timedelta(days=14)): (given[:, :, 1] * second).sum(axis=1),
    }
    for d in forecast.demand:
        actual = outcome[d.week]
        for b in d.intervals:
            covered = np.mean((actual >= b.low) & (actual <= b.high))
            assert covered >= b.level - 0.03, (d.week, b)
        assert actual.mean() == pytest.approx(d.expected, rel=0.03)


def make_forecast(weeks: int = 4):
    calendar = [
        ForecastVisit("B", MONDAY + timedelta(days=2 + 14 * k), VisitKind.SUBSEQUENT, BIG)
        for k in range(2)
    ]
    return forecast_demand(LABEL, calendar, [], MONDAY, weeks)  # 3 vials on day 2 and day 16


def test_the_order_tops_stock_up_to_the_upper_bound_of_the_horizons_demand() -> None:
    forecast = make_forecast()
    stock = [StockLot("L-1", HIGH, 2, date(2027, 1, 1))]
    (low, high) = suggest_orders(forecast, stock, lead_time_days=7)
    assert (high.need, high.usable, high.order_vials) == (6, 2, 4)
    assert high.arrives == MONDAY + timedelta(days=7)
    assert high.short_before_arrival  # 3 vials on day 2, 2 in stock
    assert (low.need, low.order_vials) == (0, 0)


def test_enough_stock_orders_nothing() -> None:
    forecast = make_forecast()
    (_, high) = suggest_orders(forecast, [StockLot("L-1", HIGH, 9, date(2027, 1, 1))], 7)
    assert (high.order_vials, high.short_before_arrival) == (0, False)


def test_vials_expiring_before_use_do_not_count() -> None:
    forecast = make_forecast()
    stock = [
        StockLot("expired", HIGH, 5, MONDAY - timedelta(days=1)),
        StockLot("before-any-visit", HIGH, 5, MONDAY + timedelta(days=1)),
        StockLot("after-first-visit", HIGH, 5, MONDAY + timedelta(days=3)),  # 3 of 5 usable
    ]
    (_, high) = suggest_orders(forecast, stock, 0)
    assert (high.in_stock, high.usable, high.expiring_unused) == (10, 3, 7)
    assert high.order_vials == 3


def test_the_other_strengths_lots_do_not_count() -> None:
    forecast = make_forecast()
    (_, high) = suggest_orders(forecast, [StockLot("green", LOW, 20, date(2027, 1, 1))], 0)
    assert (high.usable, high.order_vials) == (0, 6)


SIZES = st.lists(st.decimals(min_value="0.1", max_value="9", places=1), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(sizes=SIZES, kind=st.sampled_from(list(VisitKind)))
def test_without_history_the_forecast_is_the_planners_vials(sizes: list, kind: VisitKind) -> None:
    lesions = tuple(make_lesion(f"L{n}", size) for n, size in enumerate(sizes))
    calendar = [ForecastVisit("A", MONDAY, kind, lesions)]
    forecast = forecast_demand(LABEL, calendar, [], MONDAY, 1, simulations=50)
    plan = plan_visit(LABEL, kind, lesions)
    totals = {d.pfu_per_ml: d.expected for d in forecast.totals}
    assert totals[plan.concentration_pfu_per_ml] == plan.vials
    assert sum(totals.values()) == plan.vials
