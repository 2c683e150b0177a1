"""A vial's life after receipt: its status, volume left and thaw-clock input from its events, and
every event the rules refuse (naming the field)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvec.domain import vial_life as life
from tvec.domain.errors import InvalidInput
from tvec.domain.stability import ThawEvent, thaw_clock
from tvec.domain.vial_life import VialEvent, VialEventRefused, VialStatus
from tvec.knowledge import load_label

US = load_label("us")
RECEIVED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return RECEIVED + timedelta(minutes=minutes)


def fresh(status: str = "in_stock") -> life.VialState:
    return life.received(status, RECEIVED, life.nominal_volume_ml(US, 10**8))


def after(*events: VialEvent, start: life.VialState | None = None) -> life.VialState:
    return life.summarise(start or fresh(), list(events), US)


def ev(kind: str, minutes: int, volume: str | None = None, reason: str | None = None) -> VialEvent:
    return VialEvent(kind, at(minutes), None if volume is None else Decimal(volume), reason)


THAWED = ev("thawed", 60)


def refused(state: life.VialState, event: VialEvent, **more: object) -> VialEventRefused:
    with pytest.raises(VialEventRefused) as caught:
        life.apply(state, event, US, now=more.pop("now", at(10_000)), **more)  # type: ignore[arg-type]
    return caught.value


def test_the_nominal_volume_comes_from_the_label_strength() -> None:
    assert life.nominal_volume_ml(US, 10**6) == Decimal("1")
    with pytest.raises(InvalidInput) as caught:
        life.nominal_volume_ml(US, 5)
    assert caught.value.field == "pfu_per_ml"


def test_a_full_life_thaw_fridge_draw_give_discard() -> None:
    state = after(
        THAWED,
        ev("to_fridge", 120),
        ev("to_room", 180),
        ev("drawn_into_syringe", 200, "0.8"),
        ev("given", 210, "0.5"),
    )
    assert (state.status, state.volume_left_ml, state.in_syringe_ml) == (
        VialStatus.THAWED,
        Decimal("0.5"),
        Decimal("0.3"),
    )
    assert (state.thawed_at, state.last_at, life.where(state)) == (
        at(60),
        at(210),
        "in a syringe at room temperature",
    )
    # the thaw clock's input: the given dose is not a clock event
    assert [e.event for e in state.thaw_events] == [
        "thawed",
        "to_fridge",
        "to_room",
        "drawn_into_syringe",
    ]
    assert thaw_clock(US, 10**8, state.thaw_events, at(211)).expired is False
    done = life.apply(state, ev("discarded", 220, reason="unused"), US, now=at(220))
    assert (done.status, done.volume_left_ml, done.discarded_ml) == (
        VialStatus.DISCARDED,
        Decimal(0),
        Decimal("0.5"),
    )


def test_where_the_product_is_in_words() -> None:
    assert life.where(fresh()) == "in the freezer"
    assert life.where(after(THAWED)) == "vial at room temperature"
    assert life.where(after(THAWED, ev("to_fridge", 70))) == "vial in the fridge (2–8 °C)"


def test_a_vial_given_whole_is_emptied() -> None:
    state = after(THAWED, ev("drawn_into_syringe", 70, "1"), ev("given", 80, "1"))
    assert (state.status, state.volume_left_ml) == (VialStatus.EMPTIED, Decimal(0))
    assert "already emptied" in str(refused(state, ev("discarded", 90, reason="unused")))


def test_quarantine_and_release_by_a_pharmacist() -> None:
    held = after(ev("quarantined", 10))
    assert (held.status, life.where(held)) == (VialStatus.QUARANTINED, "in the freezer")
    assert refused(held, ev("thawed", 20)).field == "kind"
    assert refused(held, ev("released", 20)).field == "reason"
    back = life.apply(held, ev("released", 20, reason="logger checked"), US, now=at(20))
    assert back.status is VialStatus.IN_STOCK
    assert refused(after(THAWED), ev("quarantined", 70)).field == "kind"
    assert refused(fresh(), ev("released", 70)).field == "kind"


def test_a_quarantined_vial_may_be_discarded_for_an_excursion() -> None:
    state = after(ev("discarded", 10, reason="excursion"), start=fresh("quarantined"))
    assert (state.status, state.discarded_ml) == (VialStatus.DISCARDED, Decimal(1))


@pytest.mark.parametrize(
    ("before", "event", "field", "words"),
    [
        ([], ev("to_fridge", 10), "kind", "in stock, not thawed"),
        ([], ev("given", 10, "0.1"), "kind", "not thawed"),
        ([], ev("thawed", -1), "at", "before the vial was received"),
        ([THAWED], ev("to_room", 30), "at", "earlier than the vial's last event"),
        ([THAWED], ev("thawed", 70), "kind", "the vial is thawed"),
        ([THAWED], ev("to_room", 70), "kind", "where it already is (vial at room temperature)"),
        ([THAWED], ev("to_freezer", 70), "kind", "once thawed, a vial is never refrozen"),
        ([], ev("to_freezer", 70), "kind", "never refrozen"),
        ([THAWED], ev("boiled", 70), "kind", "must be one of: quarantined"),
        ([THAWED], ev("drawn_into_syringe", 70), "volume_ml", "is required"),
        ([THAWED], ev("drawn_into_syringe", 70, "0"), "volume_ml", "above 0"),
        ([THAWED], ev("drawn_into_syringe", 70, "NaN"), "volume_ml", "above 0"),
        ([THAWED], ev("drawn_into_syringe", 70, "1.1"), "volume_ml", "more than the 1 mL"),
        ([THAWED], ev("given", 70, "0.1"), "kind", "draw the vial into a syringe first"),
        (
            [THAWED, ev("drawn_into_syringe", 70, "0.5")],
            ev("drawn_into_syringe", 80, "0.5"),
            "kind",
            "a second draw",
        ),
        (
            [THAWED, ev("drawn_into_syringe", 70, "0.5")],
            ev("given", 80, "0.6"),
            "volume_ml",
            "more than the 0.5 mL",
        ),
        ([THAWED], ev("discarded", 70), "reason", "unused, expired, excursion, breakage"),
        ([THAWED], ev("discarded", 70, reason="spilt"), "reason", "must be one of"),
        ([THAWED], ev("discarded", 70, "0.5", "unused"), "volume_ml", "what is left (1 mL)"),
        ([THAWED], ev("to_fridge", 20_000), "at", "must not be in the future"),
    ],
)
def test_each_refusal_names_the_field(
    before: list[VialEvent], event: VialEvent, field: str, words: str
) -> None:
    error = refused(after(*before), event)
    assert error.field == field
    assert words in str(error)


def test_refreezing_cites_the_label_handling_rule() -> None:
    assert US.storage is not None
    assert US.storage.refreeze is False
    assert US.storage.thaw_source in str(refused(after(THAWED), ev("to_freezer", 70)))
    bare = replace(US, storage=None)
    with pytest.raises(VialEventRefused) as caught:
        life.apply(after(THAWED), ev("to_freezer", 70), bare, now=at(100))
    assert US.title in str(caught.value)


def test_a_time_without_a_zone_is_refused() -> None:
    naive = VialEvent("thawed", datetime(2026, 3, 2, 9, 0))
    assert refused(fresh(), naive).field == "at"


def test_a_carton_past_its_expiry_date_is_not_thawed() -> None:
    error = refused(fresh(), THAWED, expiry_date=date(2026, 3, 1), day=date(2026, 3, 2))
    assert (error.field, "after the carton's expiry date (2026-03-01)" in str(error)) == (
        "at",
        True,
    )
    ok = life.apply(
        fresh(), THAWED, US, now=at(60), expiry_date=date(2026, 3, 2), day=at(60).date()
    )
    assert ok.status is VialStatus.THAWED


def test_after_the_thaw_clock_runs_out_only_an_expired_discard() -> None:
    state = after(THAWED)
    ends = at(600)
    assert "thaw clock ran out" in str(refused(state, ev("to_fridge", 600), clock_ends_at=ends))
    assert refused(state, ev("discarded", 700, reason="unused"), clock_ends_at=ends).field == (
        "reason"
    )
    done = life.apply(
        state, ev("discarded", 700, reason="expired"), US, now=at(700), clock_ends_at=ends
    )
    assert done.status is VialStatus.DISCARDED
    before_end = life.apply(state, ev("to_fridge", 599), US, now=at(700), clock_ends_at=ends)
    assert before_end.place == "fridge"


def test_a_discarded_vial_takes_no_more_events() -> None:
    state = after(THAWED, ev("discarded", 70, "1", "breakage"))
    assert "already discarded" in str(refused(state, ev("to_fridge", 80)))


def test_thaw_events_only_count_clock_events() -> None:
    assert life.thaw_events(fresh(), ev("quarantined", 10)) == ()
    assert life.thaw_events(fresh(), THAWED) == (ThawEvent(at(60), "thawed"),)


@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=4))
def test_what_is_left_given_and_discarded_always_add_up_to_the_vial(tenths: list[int]) -> None:
    """However a vial's draw is given out, left + given + discarded is the vial's volume."""
    drawn = Decimal(min(sum(tenths), 10)) / 10
    state = after(THAWED, ev("drawn_into_syringe", 70, str(drawn)))
    given_ml = Decimal(0)
    for n, tenth in enumerate(tenths):
        dose = Decimal(tenth) / 10
        if dose > state.in_syringe_ml:
            break
        state = life.apply(state, ev("given", 80 + n, str(dose)), US, now=at(200))
        given_ml += dose
    if state.status is VialStatus.THAWED:
        state = life.apply(state, ev("discarded", 300, reason="unused"), US, now=at(300))
    assert state.volume_left_ml == 0
    assert given_ml + state.discarded_ml == Decimal(1)
    assert state.status in (VialStatus.EMPTIED, VialStatus.DISCARDED)


def test_recorded_history_is_read_as_written() -> None:
    """A release or discard on file without a reason (or with another volume) still reads."""
    held = after(ev("quarantined", 10))
    back = life.summarise(held, [ev("released", 20)], US)
    assert back.status is VialStatus.IN_STOCK
    gone = life.summarise(fresh(), [ev("discarded", 30, "0.4")], US)
    assert (gone.status, gone.discarded_ml) == (VialStatus.DISCARDED, Decimal(1))
