"""A vial's life after receipt: what its events say of it, and which next event the rules refuse.

Conventions (tvec's rulings are stated in docs/clinical-choices.md):

- A vial is received in stock or quarantined (the shipment's container hours); its events follow
  in order of `at`: `quarantined`, `released` (back to stock), `thawed`, moves (`to_fridge`,
  `to_room`), `drawn_into_syringe`, `given`, `discarded`.
- Only a vial in stock is thawed. A thawed vial is never refrozen (the label's handling rule):
  `to_freezer` is refused, whatever the vial's state.
- The volume left is the vial's nominal volume (label data, per strength) less what was given
  and discarded. A draw puts up to what is left into the syringe (once: the thaw clock counts one
  syringe); what is given comes out of the syringe. When nothing is left the vial is `emptied`.
- A discard names one reason from `DISCARD_REASONS` and takes all that is left (its volume, when
  given, must be that). A vial whose thaw clock has run out is discarded as `expired`.
- Every event is at or after the receipt, at or after the vial's last event, and not in the
  future; moves, draws and gifts only happen to a thawed vial before its thaw clock runs out.

The thaw clock itself is `tvec.domain.stability.thaw_clock`; `thaw_events` gives its input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from tvec.domain.errors import InvalidInput
from tvec.domain.rules import LabelRules
from tvec.domain.stability import ThawEvent


class VialEventKind(StrEnum):
    QUARANTINED = "quarantined"
    RELEASED = "released"
    THAWED = "thawed"
    TO_FRIDGE = "to_fridge"
    TO_ROOM = "to_room"
    DRAWN_INTO_SYRINGE = "drawn_into_syringe"
    GIVEN = "given"
    DISCARDED = "discarded"


class VialStatus(StrEnum):
    IN_STOCK = "in_stock"
    QUARANTINED = "quarantined"
    THAWED = "thawed"
    EMPTIED = "emptied"
    DISCARDED = "discarded"


HELD = frozenset({VialStatus.IN_STOCK, VialStatus.QUARANTINED, VialStatus.THAWED})
# The one table of a vial's steps (the reconciliation replays records through it too): each event
# kind, the statuses it may happen in and the status it leaves (None: unchanged; a dose that takes
# what is left empties the vial). The finer rules of recording (places, the syringe, volumes,
# times) are `apply`'s.
STEPS: dict[VialEventKind, tuple[frozenset[VialStatus], VialStatus | None]] = {
    VialEventKind.QUARANTINED: (frozenset({VialStatus.IN_STOCK}), VialStatus.QUARANTINED),
    VialEventKind.RELEASED: (frozenset({VialStatus.QUARANTINED}), VialStatus.IN_STOCK),
    VialEventKind.THAWED: (frozenset({VialStatus.IN_STOCK}), VialStatus.THAWED),
    VialEventKind.TO_FRIDGE: (frozenset({VialStatus.THAWED}), None),
    VialEventKind.TO_ROOM: (frozenset({VialStatus.THAWED}), None),
    VialEventKind.DRAWN_INTO_SYRINGE: (frozenset({VialStatus.THAWED}), None),
    VialEventKind.GIVEN: (frozenset({VialStatus.THAWED}), None),
    VialEventKind.DISCARDED: (HELD, VialStatus.DISCARDED),
}
TO_FREEZER = "to_freezer"  # asked for only to be refused: a thawed vial is never refrozen
DISCARD_REASONS = ("unused", "expired", "excursion", "breakage", "contamination")
_CLOCK_KINDS = {
    VialEventKind.THAWED,
    VialEventKind.TO_FRIDGE,
    VialEventKind.TO_ROOM,
    VialEventKind.DRAWN_INTO_SYRINGE,
}
_AFTER_THAW = {
    VialEventKind.TO_FRIDGE,
    VialEventKind.TO_ROOM,
    VialEventKind.DRAWN_INTO_SYRINGE,
    VialEventKind.GIVEN,
}
_PLACE = {VialEventKind.TO_FRIDGE: "fridge", VialEventKind.TO_ROOM: "room"}
_LABELS = {"kind": "the event", "at": "its time", "volume_ml": "the volume", "reason": "the reason"}
_SHOWN = {"room": "at room temperature", "fridge": "in the fridge (2–8 °C)"}


@dataclass(frozen=True)
class VialEvent:
    kind: str  # a VialEventKind value (or TO_FREEZER, always refused)
    at: datetime
    volume_ml: Decimal | None = None
    reason: str | None = None


@dataclass(frozen=True)
class VialState:
    """What a vial's events say of it: `place` is freezer, room or fridge; `in_syringe_ml` is what
    was drawn and not yet given; `thaw_events` the thaw clock's input (empty before the thaw)."""

    status: VialStatus
    volume_left_ml: Decimal
    in_syringe_ml: Decimal
    place: str
    drawn: bool
    thawed_at: datetime | None
    received_at: datetime
    last_at: datetime
    thaw_events: tuple[ThawEvent, ...]
    discarded_ml: Decimal


class VialEventRefused(InvalidInput):
    """An event the rules refuse; `field` names what is wrong (kind, at, volume_ml, reason)."""

    def __init__(self, field: str, rule: str, value: object = None) -> None:
        super().__init__("vial event", field, rule, value, label=_LABELS[field])


def received(status: str, received_at: datetime, nominal_ml: Decimal) -> VialState:
    """A vial as received: in stock or quarantined, in the freezer, full."""
    return VialState(
        status=VialStatus(status),
        volume_left_ml=nominal_ml,
        in_syringe_ml=Decimal(0),
        place="freezer",
        drawn=False,
        thawed_at=None,
        received_at=received_at,
        last_at=received_at,
        thaw_events=(),
        discarded_ml=Decimal(0),
    )


def nominal_volume_ml(label: LabelRules, pfu_per_ml: int) -> Decimal:
    """The vial's volume for its strength (label data)."""
    for strength in label.strengths:
        if strength.pfu_per_ml == pfu_per_ml:
            return strength.vial_volume_ml
    raise InvalidInput("vial", "pfu_per_ml", "is not a strength on the label", pfu_per_ml)


def summarise(start: VialState, events: Sequence[VialEvent], label: LabelRules) -> VialState:
    """The vial's state after its recorded events, each checked as it was when recorded (a
    recorded reason is taken as written: the rules of reasons apply when recording)."""
    state = start
    for event in events:
        state = apply(state, event, label, now=event.at, recorded=True)
    return state


def apply(
    state: VialState,
    event: VialEvent,
    label: LabelRules,
    *,
    now: datetime,
    clock_ends_at: datetime | None = None,
    expiry_date: date | None = None,
    day: date | None = None,
    recorded: bool = False,
) -> VialState:
    """The vial's state after `event`, or `VialEventRefused` naming the field.

    `clock_ends_at` is when the thaw clock runs out (None: not thawed); `expiry_date` and `day`
    (the event's day at the centre) refuse the thaw of a carton past its expiry.
    """
    _check_time(state, event, now)
    kind = _kind(state, event, label)
    if clock_ends_at is not None and event.at >= clock_ends_at:
        _check_expired_use(kind, event, clock_ends_at)
    if kind is VialEventKind.THAWED:
        _check_thaw(state, expiry_date, day)
    return _step(state, kind, event, recorded)


def thaw_events(state: VialState, event: VialEvent) -> tuple[ThawEvent, ...]:
    """The thaw clock's input once `event` is added (the same when the event does not count)."""
    if VialEventKind(event.kind) in _CLOCK_KINDS:
        return (*state.thaw_events, ThawEvent(event.at, event.kind))
    return state.thaw_events


def where(state: VialState) -> str:
    """Where the product is, in words."""
    if state.place == "freezer":
        return "in the freezer"
    shown = _SHOWN[state.place]
    return f"in a syringe {shown}" if state.drawn else f"vial {shown}"


def _kind(state: VialState, event: VialEvent, label: LabelRules) -> VialEventKind:
    if event.kind == TO_FREEZER:
        source = label.storage.thaw_source if label.storage else label.title
        rule = f"is refused: once thawed, a vial is never refrozen [{source}]"
        raise VialEventRefused("kind", rule, TO_FREEZER)
    try:
        kind = VialEventKind(event.kind)
    except ValueError:
        known = ", ".join(k.value for k in VialEventKind)
        raise VialEventRefused("kind", f"must be one of: {known}", event.kind) from None
    _check_state(state, kind)
    return kind


def _check_state(state: VialState, kind: VialEventKind) -> None:
    status = state.status
    if status in (VialStatus.EMPTIED, VialStatus.DISCARDED):
        raise VialEventRefused("kind", f"is refused: the vial is already {status.value}", kind)
    needs, _ = STEPS[kind]
    if status not in needs:
        rule = f"is refused: the vial is {status.value.replace('_', ' ')}" + (
            ", not thawed" if kind in _AFTER_THAW else ""
        )
        raise VialEventRefused("kind", rule, kind)
    if _PLACE.get(kind) == state.place:
        raise VialEventRefused("kind", f"moves it where it already is ({where(state)})", kind)
    if kind is VialEventKind.DRAWN_INTO_SYRINGE and state.drawn:
        raise VialEventRefused("kind", "a second draw: a vial is drawn into a syringe once", kind)
    if kind is VialEventKind.GIVEN and not state.drawn:
        raise VialEventRefused("kind", "is refused: draw the vial into a syringe first", kind)


def _check_time(state: VialState, event: VialEvent, now: datetime) -> None:
    at = event.at
    if at.tzinfo is None or at.utcoffset() is None:
        raise VialEventRefused("at", "must carry a time zone", at.isoformat())
    if at > now:
        raise VialEventRefused("at", f"must not be in the future (now is {now.isoformat()})")
    if at < state.received_at:
        rule = f"is before the vial was received ({state.received_at.isoformat()})"
        raise VialEventRefused("at", rule, at.isoformat())
    if at < state.last_at:
        last = state.last_at.isoformat()
        rule = f"is earlier than the vial's last event ({last}): events go in order"
        raise VialEventRefused("at", rule, at.isoformat())


def _check_expired_use(kind: VialEventKind, event: VialEvent, ends_at: datetime) -> None:
    ran_out = f"the thaw clock ran out at {ends_at.isoformat()}"
    if kind is not VialEventKind.DISCARDED:
        raise VialEventRefused("kind", f"is refused: {ran_out}; discard the vial", kind)
    if event.reason != "expired":
        raise VialEventRefused("reason", f"must be expired: {ran_out}", event.reason)


def _check_thaw(state: VialState, expiry_date: date | None, day: date | None) -> None:
    if expiry_date is not None and day is not None and day > expiry_date:
        rule = f"is after the carton's expiry date ({expiry_date.isoformat()}): do not thaw it"
        raise VialEventRefused("at", rule, day.isoformat())


def _volume(event: VialEvent, most: Decimal, what: str) -> Decimal:
    volume = event.volume_ml
    if volume is None:
        raise VialEventRefused("volume_ml", f"is required for {what}")
    if not (volume.is_finite() and volume > 0):
        raise VialEventRefused("volume_ml", "must be a number of mL above 0", volume)
    if volume > most:
        raise VialEventRefused("volume_ml", f"is more than the {most} mL {what} can take", volume)
    return volume


def _step(state: VialState, kind: VialEventKind, event: VialEvent, recorded: bool) -> VialState:
    moved = replace(
        state,
        status=STEPS[kind][1] or state.status,
        last_at=event.at,
        thaw_events=thaw_events(state, event),
    )
    if kind is VialEventKind.RELEASED and not recorded and not (event.reason or "").strip():
        raise VialEventRefused("reason", "is required to release a quarantined vial")
    if kind in (VialEventKind.QUARANTINED, VialEventKind.RELEASED):
        return moved
    if kind is VialEventKind.THAWED:
        return replace(moved, place="room", thawed_at=event.at)
    if kind in _PLACE:
        return replace(moved, place=_PLACE[kind])
    if kind is VialEventKind.DRAWN_INTO_SYRINGE:
        volume = _volume(event, state.volume_left_ml, "the draw (what is left in the vial)")
        return replace(moved, drawn=True, in_syringe_ml=volume)
    if kind is VialEventKind.GIVEN:
        volume = _volume(event, state.in_syringe_ml, "the dose (what is in the syringe)")
        left = state.volume_left_ml - volume
        status = VialStatus.EMPTIED if left == 0 else VialStatus.THAWED
        return replace(
            moved, status=status, volume_left_ml=left, in_syringe_ml=state.in_syringe_ml - volume
        )
    return _discard(moved, event, recorded)


def _discard(state: VialState, event: VialEvent, recorded: bool) -> VialState:
    if not recorded and event.reason not in DISCARD_REASONS:
        known = ", ".join(DISCARD_REASONS)
        raise VialEventRefused("reason", f"must be one of: {known}", event.reason)
    left = state.volume_left_ml
    if not recorded and event.volume_ml is not None and event.volume_ml != left:
        rule = f"must be what is left ({left} mL): a discard takes all of it"
        raise VialEventRefused("volume_ml", rule, event.volume_ml)
    return replace(
        state,
        volume_left_ml=Decimal(0),
        in_syringe_ml=Decimal(0),
        discarded_ml=left,
    )
