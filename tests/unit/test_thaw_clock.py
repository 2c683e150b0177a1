"""The thaw clock of one vial: how time at each temperature, the syringe and a lot's limit add up,
and the inputs it refuses (each naming the event's place and field)."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.domain.errors import BeyondCalendar, InvalidInput
from tvec.domain.stability import Binding, ThawEvent, ThawEventRefused, thaw_clock
from tvec.knowledge import load_label

US = load_label("us")
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def events(*steps: tuple[float, str]) -> list[ThawEvent]:
    return [ThawEvent(at(minutes), kind) for minutes, kind in steps]


def test_time_in_the_fridge_uses_its_own_fraction() -> None:
    # 10^6: 3 h of 12 h at room (1/4), then the fridge's 24 h: 3/4 of it is 18 h more
    clock = thaw_clock(US, 10**6, events((0, "thawed"), (180, "to_fridge")), at(240))
    assert clock.expires_at == at(180 + 18 * 60)
    assert (clock.expired, clock.remaining_minutes) == (False, 18 * 60 - 60)
    assert clock.binding is Binding.VIAL
    assert [s.split(":")[0] for s in clock.limit_sources] == [
        "thawed vial at 2–8 °C",
        "thawed vial at 8–25 °C",
    ]


def test_back_to_room_temperature_spends_what_is_left_at_the_room_rate() -> None:
    # 10^8: 12 h room (1/2), 84 h fridge (1/2): nothing left on return to the room
    steps = events((0, "thawed"), (720, "to_fridge"), (720 + 84 * 60, "to_room"))
    clock = thaw_clock(US, 10**8, steps, at(720 + 84 * 60))
    assert clock.expires_at == at(720 + 84 * 60)
    assert clock.expired


def test_the_syringe_runs_from_the_draw_and_the_vial_limit_still_holds() -> None:
    # 10^6 at room: 11 h in the vial (11/12), drawn: the syringe's 2 h would end later than
    # the vial's last hour, so the vial's limit binds
    steps = events((0, "thawed"), (660, "drawn_into_syringe"))
    clock = thaw_clock(US, 10**6, steps, at(660))
    assert clock.expires_at == at(720)
    assert clock.binding is Binding.VIAL
    # drawn after 1 h: the syringe's 2 h at room temperature bind
    early = thaw_clock(US, 10**6, events((0, "thawed"), (60, "drawn_into_syringe")), at(60))
    assert early.expires_at == at(180)
    assert early.binding is Binding.SYRINGE
    assert early.limit_sources[0].startswith("syringe at up to 25 °C: 2 h")


def test_a_syringe_moved_to_the_fridge_uses_the_fridge_syringe_limit() -> None:
    # 10^8 syringe: 2 h at room (1/2 of 4 h), then 1/2 of 8 h in the fridge = 4 h
    steps = events((0, "thawed"), (0, "drawn_into_syringe"), (120, "to_fridge"))
    clock = thaw_clock(US, 10**8, steps, at(130))
    assert clock.expires_at == at(120 + 240)
    assert clock.binding is Binding.SYRINGE


def test_exact_arithmetic_rounds_a_fraction_of_a_microsecond_down() -> None:
    # 10^8 vial: 1 µs at room temperature (1 µs / 24 h used), then the fridge's 168 h × what is
    # left: 7 µs less than 168 h, so 6 µs short of 168 h after the thaw, with no float drift
    steps = [ThawEvent(T0, "thawed"), ThawEvent(T0 + timedelta(microseconds=1), "to_fridge")]
    clock = thaw_clock(US, 10**8, steps, T0 + timedelta(microseconds=1))
    exact = Fraction(1) + (1 - Fraction(1, 24 * 3_600_000_000)) * 168 * 3_600_000_000
    assert clock.expires_at == T0 + timedelta(microseconds=int(exact))
    assert int(exact) == 168 * 3_600_000_000 - 6


def test_the_answer_is_in_the_time_zone_of_now() -> None:
    paris = timezone(timedelta(hours=1))
    clock = thaw_clock(US, 10**8, events((0, "thawed")), at(0).astimezone(paris))
    assert clock.expires_at.utcoffset() == timedelta(hours=1)
    assert clock.expires_at == at(24 * 60)


def test_a_lot_limit_is_a_ceiling_on_the_time_since_thawing_whatever_the_temperature() -> None:
    steps = events((0, "thawed"), (30, "to_fridge"))
    clock = thaw_clock(US, 10**6, steps, at(60), lot_limit_hours=Decimal("18"))
    assert clock.expires_at == at(18 * 60)
    assert clock.binding is Binding.LOT
    assert clock.limit_sources[0].startswith("lot-specific limit: 18 h after thawing")


# --- refusals: each names the event's place (events[i]) and its field --------------------------


def refused(steps: list[ThawEvent], now: datetime, **kw: object) -> ThawEventRefused:
    with pytest.raises(ThawEventRefused) as caught:
        thaw_clock(US, kw.pop("pfu", 10**6), steps, now, **kw)  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidInput)
    return caught.value


@pytest.mark.parametrize(
    ("steps", "now_minutes", "index", "field", "words"),
    [
        (((0, "to_fridge"),), 10, 0, "event", "must be thawed"),
        (((0, "thawed"), (30, "to_fridge"), (20, "to_room")), 40, 2, "at", "is earlier than"),
        (((0, "thawed"), (10, "thawed")), 20, 1, "event", "thawed again"),
        (
            ((0, "thawed"), (5, "drawn_into_syringe"), (6, "drawn_into_syringe")),
            10,
            2,
            "event",
            "a second draw",
        ),
        (((0, "thawed"), (5, "drawn_into_syringe"), (6, "thawed")), 10, 2, "event", "thawed"),
        (((0, "thawed"), (5, "to_room")), 10, 1, "event", "where it already is"),
        (((0, "thawed"), (5, "to_fridge"), (6, "to_fridge")), 10, 2, "event", "already"),
        (((0, "thawed"), (5, "frozen_again")), 10, 1, "event", "must be one of"),
        (((0, "thawed"), (50, "to_fridge")), 40, 1, "at", "is later than now"),
        (((0, "thawed"), (50, "to_fridge"), (60, "to_room")), 40, 1, "at", "is later than now"),
    ],
)
def test_refused_events_name_their_place_and_field(
    steps: tuple[tuple[int, str], ...], now_minutes: int, index: int, field: str, words: str
) -> None:
    error = refused(events(*steps), at(now_minutes))
    assert (error.index, error.field) == (index, field)
    assert (error.fields["index"], error.fields["field"]) == (index, field)
    assert words in error.message
    assert error.message.startswith(f"events[{index}]: {field} ")


def test_naive_times_are_refused() -> None:
    naive = datetime(2026, 3, 2, 8, 0)
    error = refused([ThawEvent(T0, "thawed"), ThawEvent(naive, "to_fridge")], at(60))
    assert (error.index, error.field) == (1, "at")
    assert "must carry a time zone" in error.message
    error = refused(events((0, "thawed")), naive)
    assert (error.index, error.field) == (None, "now")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"pfu": 10**7}, "pfu_per_ml"),
        ({"lot_limit_hours": Decimal(0)}, "lot_limit_hours"),
        ({"lot_limit_hours": Decimal(-1)}, "lot_limit_hours"),
        ({"lot_limit_hours": Decimal("NaN")}, "lot_limit_hours"),
        ({"lot_limit_hours": Decimal("Infinity")}, "lot_limit_hours"),
    ],
)
def test_a_strength_off_the_label_and_a_lot_limit_of_no_time_are_refused(
    kw: dict[str, object], field: str
) -> None:
    error = refused(events((0, "thawed")), at(1), **kw)
    assert (error.index, error.field) == (None, field)


def test_a_clock_ending_past_the_calendar_is_refused() -> None:
    late = datetime(9999, 12, 31, 12, 0, tzinfo=UTC)
    with pytest.raises(BeyondCalendar, match="after the calendar's last day"):
        thaw_clock(US, 10**8, [ThawEvent(late, "thawed")], late)


def test_no_events_is_refused() -> None:
    error = refused([], at(0))
    assert error.field == "events"


# --- against an independent, minute-by-minute count -------------------------------------------

# hours, from the fact sheet's table, written out again here (not read from the knowledge data)
HOURS = {
    (10**6, "vial", "room"): 12,
    (10**6, "vial", "fridge"): 24,
    (10**8, "vial", "room"): 24,
    (10**8, "vial", "fridge"): 168,
    (10**6, "syringe", "room"): 2,
    (10**6, "syringe", "fridge"): 8,
    (10**8, "syringe", "room"): 4,
    (10**8, "syringe", "fridge"): 8,
}


def first_expired_minute(
    pfu: int, moves: list[tuple[int, str]], drawn_at: int | None, lot_hours: Decimal | None
) -> int:
    """Step one minute at a time from the thaw: the first whole minute by which a sum of
    fractions has reached 1 (or the lot's ceiling has passed)."""
    vial = syringe = Fraction(0)
    minute = 0
    while True:
        place = "room"
        for when, kind in moves:
            if when <= minute:
                place = "fridge" if kind == "to_fridge" else "room"
        vial += Fraction(1, HOURS[(pfu, "vial", place)] * 60)
        if drawn_at is not None and drawn_at <= minute:
            syringe += Fraction(1, HOURS[(pfu, "syringe", place)] * 60)
        minute += 1
        if vial >= 1 or syringe >= 1 or (lot_hours is not None and minute >= lot_hours * 60):
            return minute


History = tuple[int, list[ThawEvent], int, Decimal | None, tuple[list[tuple[int, str]], int | None]]


@st.composite
def histories(draw: st.DrawFn) -> History:
    pfu = draw(st.sampled_from([10**6, 10**8]))
    gaps = draw(st.lists(st.integers(0, 900), max_size=5))
    moves, minute, place = [], 0, "room"
    for gap in gaps:
        minute += gap
        place = "fridge" if place == "room" else "room"
        moves.append((minute, f"to_{place}"))
    drawn_at = draw(st.none() | st.integers(0, minute + 600))
    now = draw(st.integers(max(minute, drawn_at or 0), 12_000))
    lot = draw(st.none() | st.decimals(min_value="0.5", max_value="200", places=1))
    steps = [(0, "thawed"), *moves] + (
        [] if drawn_at is None else [(drawn_at, "drawn_into_syringe")]
    )
    steps.sort(key=lambda step: step[0])  # stable: a draw at a move's minute comes after it
    return pfu, events(*steps), now, lot, (moves, drawn_at)


@settings(max_examples=200, deadline=None)
@given(histories())
def test_the_clock_agrees_with_a_minute_by_minute_count(
    history: History,
) -> None:
    pfu, steps, now, lot, (moves, drawn_at) = history
    clock = thaw_clock(US, pfu, steps, at(now), lot_limit_hours=lot)
    m = first_expired_minute(pfu, moves, drawn_at, lot)
    assert at(m - 1) < clock.expires_at <= at(m)  # the exact instant lies within that minute
    assert clock.expired == (now >= m)
    if not clock.expired:
        assert m - 1 - now <= clock.remaining_minutes <= m - now
    else:
        assert clock.remaining_minutes == 0
