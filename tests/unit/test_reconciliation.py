"""The pharmacy's reconciliation: every vial received is accounted for, per day and per period.

The identities (tvec.domain.reconciliation): opening held + received = closing held + discarded +
emptied, and opening thawed + thawed = closing thawed + emptied + discarded after thaw. A vial
whose record breaks the pharmacy's steps is named, with its serial number and the day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.domain.reconciliation import (
    IN_STOCK,
    QUARANTINED,
    STEPS,
    Event,
    Ledger,
    VialRecord,
    reconcile,
)

DAY = date(2026, 6, 1)
ONE = Decimal("1")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 6, 1, hour, tzinfo=UTC) + timedelta(days=day)


def make_vial(
    vial_id: int = 1,
    *events: Event,
    received: int = 0,
    received_as: str = IN_STOCK,
    status: str | None = None,
) -> VialRecord:
    return VialRecord(
        id=vial_id,
        serial=f"S{vial_id:03}",
        lot="LOT-1",
        pfu_per_ml=10**8,
        volume_ml=ONE,
        received_at=at(received, 9),
        received_as=received_as,
        status=status or _replayed(received_as, events),
        events=events,
    )


def _replayed(start: str, events: tuple[Event, ...]) -> str:
    """The status a service would keep for a valid record (the test's own small replay)."""
    state, given = start, Decimal(0)
    for e in events:
        if e.kind == "given":
            given += e.volume_ml or 0
            state = "emptied" if given >= ONE else "thawed"
        else:
            state = STEPS[e.kind][1] or state
    return state


def balanced(ledger: Ledger) -> bool:
    return ledger.stock_difference == 0 and ledger.thaw_difference == 0


def test_a_vial_thawed_and_given_in_two_doses_balances_each_day() -> None:
    vial = make_vial(
        1,
        Event("thawed", at(1, 8)),
        Event("drawn_into_syringe", at(1, 9), Decimal("0.5")),
        Event("given", at(1, 10), Decimal("0.5")),
        Event("to_fridge", at(1, 11)),
        Event("given", at(2, 10), Decimal("0.5")),
    )
    rec = reconcile([vial, make_vial(2)], DAY, DAY + timedelta(days=2), None)
    day0, day1, day2 = rec.days
    assert (day0.opening.held, day0.received, day0.closing.in_stock) == (0, 2, 2)
    assert (day1.thawed, day1.given, day1.emptied, day1.closing.thawed) == (1, 1, 0, 1)
    assert (day2.opening.thawed, day2.given, day2.emptied, day2.closing.held) == (1, 1, 1, 1)
    assert all(day.balanced for day in rec.days)
    assert rec.period.balanced
    assert (rec.period.received, rec.period.thawed, rec.period.emptied) == (2, 1, 1)


def test_a_discard_after_a_thaw_and_one_from_quarantine_are_both_accounted_for() -> None:
    thawed = make_vial(1, Event("thawed", at(0, 10)), Event("discarded", at(0, 20), ONE))
    late = make_vial(
        2,
        Event("discarded", at(1)),
        received_as=QUARANTINED,
    )
    held = make_vial(3, Event("quarantined", at(1)), Event("released", at(2)))
    rec = reconcile([thawed, late, held], DAY, DAY + timedelta(days=2), None)
    period = rec.period
    assert (period.discarded, period.discarded_after_thaw, period.quarantined) == (2, 1, 1)
    assert (period.released, period.closing.in_stock, period.closing.held) == (1, 1, 1)
    assert rec.days[1].closing.quarantined == 1
    assert rec.days[0].closing.quarantined == 1
    assert period.balanced


def test_days_are_the_centres_calendar_days() -> None:
    # 02:00 UTC on 2 June is still 1 June in New York
    vial = make_vial(1, Event("thawed", at(1, 2)))
    rec = reconcile([vial], DAY, DAY + timedelta(days=1), "America/New_York")
    assert [day.thawed for day in rec.days] == [1, 0]


def test_the_opening_is_the_close_of_the_day_before_the_period() -> None:
    vial = make_vial(1, Event("thawed", at(0)), received=0)
    rec = reconcile(
        [vial, make_vial(2, received=3)], DAY + timedelta(days=1), DAY + timedelta(1), None
    )
    assert (rec.period.opening.thawed, rec.period.received, rec.period.closing.held) == (1, 0, 1)
    assert rec.period.balanced


def test_a_dose_before_the_thaw_is_flagged_with_the_vial_and_the_day() -> None:
    vial = make_vial(7, Event("given", at(1), ONE), status="emptied")
    rec = reconcile([vial], DAY, DAY + timedelta(days=1), None)
    day1 = rec.days[1]
    assert day1.stock_difference == -1
    assert day1.thaw_difference == -1
    assert not day1.balanced
    [problem] = day1.problems
    assert (problem.vial_id, problem.serial, problem.day) == (7, "S007", DAY + timedelta(1))
    assert problem.problem == "a dose while the vial was in stock"
    # and its kept status (emptied) is not where its events leave it (in stock): now
    assert [p.problem for p in rec.period.problems if p.day is None] == [
        "its record says emptied but its events leave it in stock"
    ]
    assert rec.days[0].balanced


def test_a_second_discard_is_counted_and_flagged() -> None:
    vial = make_vial(3, Event("discarded", at(0)), Event("discarded", at(1)))
    rec = reconcile([vial], DAY, DAY + timedelta(days=1), None)
    assert rec.days[1].stock_difference == -1
    assert [p.problem for p in rec.days[1].problems] == ["a discard while the vial was discarded"]


def test_records_that_cannot_be_placed_are_named() -> None:
    vial = make_vial(
        4,
        Event("thawed", at(-1)),  # before receipt
        Event("to_freezer", at(0)),  # never a kind on the record
        Event("thawed", at(0)),
        Event("given", at(0, 13)),  # no volume
        Event("given", at(0, 14), Decimal("2")),  # more than the vial holds
        status="thawed",
    )
    rec = reconcile([vial], DAY - timedelta(days=1), DAY, None)
    assert [p.problem for p in rec.period.problems] == [
        "a thaw recorded before the vial was received",
        "an event tvec does not know (to_freezer)",
        "a dose recorded without its volume",
        "more given than the vial's 1 mL",
    ]
    assert rec.days[0].thaw_difference == 1  # the thaw before receipt moved nothing
    assert rec.days[0].problems
    assert not rec.days[1].balanced


def test_a_vial_received_after_the_period_is_not_in_it() -> None:
    rec = reconcile([make_vial(1, received=5, status="thawed")], DAY, DAY, None)
    assert rec.period.opening.held == 0
    assert rec.period.received == 0
    assert rec.period.problems == ()


# --- property: random valid histories balance; a planted inconsistency is named -------------------

NEXT = {
    IN_STOCK: ["quarantined", "thawed", "discarded"],
    QUARANTINED: ["released", "discarded"],
    "thawed": ["to_fridge", "to_room", "drawn_into_syringe", "given", "given", "discarded"],
}


@st.composite
def histories(draw: st.DrawFn, vial_id: int) -> VialRecord:
    received = draw(st.integers(0, 5))
    received_as = draw(st.sampled_from([IN_STOCK, QUARANTINED]))
    state, given, hour = received_as, Decimal(0), received * 24 + 10
    events = []
    for _ in range(draw(st.integers(0, 6))):
        if state not in NEXT:
            break
        kind = draw(st.sampled_from(NEXT[state]))
        hour += draw(st.integers(1, 30))
        volume = None
        if kind == "given":
            volume = draw(st.sampled_from([Decimal("0.5"), ONE - given]))
            given += volume
        events.append(Event(kind, at(0, 0) + timedelta(hours=hour), volume))
        state = (
            _replayed(state, (events[-1],))
            if kind != "given"
            else ("emptied" if given >= ONE else "thawed")
        )
    return make_vial(vial_id, *events, received=received, received_as=received_as)


@st.composite
def centres(draw: st.DrawFn) -> tuple[list[VialRecord], date, date]:
    vials = [draw(histories(n)) for n in range(1, draw(st.integers(1, 8)) + 1)]
    start = DAY + timedelta(days=draw(st.integers(0, 8)))
    return vials, start, start + timedelta(days=draw(st.integers(0, 6)))


@settings(max_examples=150, deadline=None)
@given(centres())
def test_valid_histories_balance_every_day_and_the_period(
    centre: tuple[list[VialRecord], date, date],
) -> None:
    vials, start, end = centre
    rec = reconcile(vials, start, end, None)
    assert rec.period.balanced
    assert all(day.balanced for day in rec.days)


@settings(max_examples=150, deadline=None)
@given(centres(), st.data())
def test_a_planted_inconsistency_is_flagged_with_its_vial(
    centre: tuple[list[VialRecord], date, date], data: st.DataObject
) -> None:
    vials, start, end = centre
    n = data.draw(st.integers(0, len(vials) - 1))
    vial = vials[n]
    last = max([vial.received_at, *(e.at for e in vial.events)])
    planted_at = last + timedelta(hours=1)
    # an event its position does not allow, of a kind the identities count
    kind = {"emptied": "discarded", "discarded": "discarded", "thawed": "thawed"}.get(
        vial.status, "given"
    )
    planted = replace(vial, events=(*vial.events, Event(kind, planted_at, ONE)))
    vials[n] = planted
    day = planted_at.date()
    rec = reconcile(vials, day, day, None)
    flagged = {(p.vial_id, p.serial) for p in rec.period.problems}
    assert flagged == {(vial.id, vial.serial)}
    assert not balanced(rec.period)
    # and on any other day that leaves the planted day out, the vial is not blamed
    other = (
        reconcile(vials, start, min(end, day - timedelta(days=1)), None) if start < day else None
    )
    assert other is None or not any(p.day for p in other.period.problems)
