"""The pharmacy's reconciliation: every vial received is accounted for, per day and per period.

Conventions (tvec's rulings; docs/clinical-choices.md, docs/pharmacy.md):

- Days are the centre's calendar days (its time zone); a period is `start` to `end`, both
  included. A vial is *held* while it is in stock, quarantined or thawed; it leaves the holding
  when it is emptied (given until nothing is left) or discarded.
- Each vial's record is replayed in the order of its events' times through the steps a vial may
  take (`STEPS`: the vial's own rule, `tvec.domain.vial_life.STEPS`, the same table that refuses
  an event when it is recorded): received in stock or quarantined (the shipment's container
  hours); quarantined ↔ released; thawed from stock only; moves, the draw and doses only while
  thawed; a dose that brings what was given to the vial's volume empties it; discarded from any
  held state. The replay checks only these steps, not the finer rules of recording (places, the
  syringe), so a record kept before those rules still reconciles. The replay gives the vial's
  *position* (in stock, quarantined, thawed, emptied, discarded) at the end of each day.
- The *counts* of a day are the recorded events of that day: receipts, quarantines, releases,
  thaws, doses (and those that empty their vial by the recorded volumes), discards (and those
  after the vial's thaw).
- Two identities must hold for every day and every period:

      stock: opening held + received = closing held + discarded + emptied
      thaw:  opening thawed + thawed = closing thawed + emptied + discarded after thaw

  "Held" is in stock + quarantined + thawed. Over a day whose thawed vials are all used, the thaw
  identity is the issue's "thawed = given + discarded".
- An event the steps do not allow (a dose before a thaw, a second discard, a thaw of a quarantined
  vial, anything dated before the vial was received, a dose without a volume or beyond what the
  vial holds) is a *problem* of that vial on that day. It is counted (it is on the record) but moves
  nothing, so a problem is what makes an identity differ; and a vial whose kept status (the summary
  beside its events) is not where its events put it is a problem of the record as it stands now.
  With no problem both identities hold exactly; every difference names its vials.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from tvec.domain import vial_life
from tvec.domain.vial_life import VialEventKind, VialStatus
from tvec.domain.zones import local_day

# The positions are the vial's statuses, and the steps between them are the vial's own rule (one
# table, `tvec.domain.vial_life.STEPS`): each event kind, the positions it may happen in and the
# position it leaves (None: unchanged; a dose that brings what was given to the vial's volume
# empties it).
IN_STOCK, QUARANTINED, THAWED, EMPTIED, DISCARDED = (
    VialStatus.IN_STOCK,
    VialStatus.QUARANTINED,
    VialStatus.THAWED,
    VialStatus.EMPTIED,
    VialStatus.DISCARDED,
)
HELD = vial_life.HELD
STEPS = vial_life.STEPS
SHOWN: dict[str | None, str] = {
    IN_STOCK: "in stock",
    QUARANTINED: "quarantined",
    THAWED: "thawed",
    EMPTIED: "emptied",
    DISCARDED: "discarded",
    None: "not yet received",
}
COUNTED = frozenset({"received", "quarantined", "released", "thawed", "given", "discarded"})
WORDS = {
    "quarantined": "quarantine",
    "released": "release from quarantine",
    "thawed": "thaw",
    "to_fridge": "move to the fridge",
    "to_room": "move to room temperature",
    "drawn_into_syringe": "draw into a syringe",
    "given": "dose",
    "discarded": "discard",
}


@dataclass(frozen=True)
class Event:
    """One recorded event of a vial (a `vial_events` row)."""

    kind: str
    at: datetime
    volume_ml: Decimal | None = None


@dataclass(frozen=True)
class VialRecord:
    """A vial with its record: receipt, the status kept beside its events, and its events."""

    id: int
    serial: str
    lot: str
    pfu_per_ml: int
    volume_ml: Decimal  # what the vial holds (label data, per strength)
    received_at: datetime
    received_as: str  # IN_STOCK, or QUARANTINED when its shipment came too late
    status: str
    events: Sequence[Event] = ()


@dataclass(frozen=True)
class Problem:
    """Why a vial does not reconcile; `day` None: the record as it stands now."""

    vial_id: int
    serial: str
    lot: str
    day: date | None
    problem: str


@dataclass(frozen=True)
class Position:
    in_stock: int = 0
    quarantined: int = 0
    thawed: int = 0

    @property
    def held(self) -> int:
        return self.in_stock + self.quarantined + self.thawed


@dataclass(frozen=True)
class Ledger:
    """One day's or one period's reconciliation."""

    start: date
    end: date
    opening: Position
    closing: Position
    received: int = 0
    quarantined: int = 0
    released: int = 0
    thawed: int = 0
    given: int = 0
    emptied: int = 0
    discarded: int = 0
    discarded_after_thaw: int = 0
    problems: tuple[Problem, ...] = ()

    @property
    def stock_difference(self) -> int:
        """opening held + received − (closing held + discarded + emptied); 0 when it balances."""
        out = self.closing.held + self.discarded + self.emptied
        return self.opening.held + self.received - out

    @property
    def thaw_difference(self) -> int:
        """opening thawed + thawed − (closing thawed + emptied + discarded after thaw)."""
        out = self.closing.thawed + self.emptied + self.discarded_after_thaw
        return self.opening.thawed + self.thawed - out

    @property
    def balanced(self) -> bool:
        return not self.problems and self.stock_difference == 0 and self.thaw_difference == 0


@dataclass(frozen=True)
class Reconciliation:
    period: Ledger
    days: tuple[Ledger, ...]


@dataclass
class _Count:
    """One recorded event as counted on its day."""

    day: date
    kind: str
    empties: bool = False
    after_thaw: bool = False


@dataclass
class _Replay:
    """A vial's record replayed: its position after each day that moved it, counts, problems."""

    received_on: date
    moves: list[tuple[date, str]] = field(default_factory=list)
    move_days: list[date] = field(default_factory=list)
    counts: list[_Count] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def position_after(self, day: date) -> str | None:
        """Where the vial is at the end of `day` (None: not yet received)."""
        at = bisect_right(self.move_days, day)
        return self.moves[at - 1][1] if at else None

    def move(self, day: date, position: str) -> None:
        self.moves.append((day, position))
        self.move_days.append(day)


def reconcile(
    vials: Sequence[VialRecord], start: date, end: date, zone_name: str | None
) -> Reconciliation:
    """The reconciliation of `start`..`end` (both included; `start` ≤ `end`, the caller checks)."""
    replays = [(vial, _replay(vial, zone_name)) for vial in vials]
    days = []
    day = start
    while day <= end:
        days.append(_ledger(replays, day, day, now=False))
        day += timedelta(days=1)
    return Reconciliation(_ledger(replays, start, end, now=True), tuple(days))


def _replay(vial: VialRecord, zone_name: str | None) -> _Replay:
    received_on = local_day(vial.received_at, zone_name)
    replay = _Replay(received_on)
    replay.move(received_on, vial.received_as)
    replay.counts.append(_Count(received_on, "received"))
    position, given, thawed = vial.received_as, Decimal(0), False
    recorded_given = Decimal(0)
    for event in sorted(vial.events, key=lambda e: e.at):
        day = local_day(event.at, zone_name)
        count = _Count(day, event.kind, after_thaw=thawed)
        thawed = thawed or event.kind == "thawed"
        if event.kind == "given":
            recorded_given += event.volume_ml or Decimal(0)
            count.empties = event.volume_ml is not None and recorded_given >= vial.volume_ml
        replay.counts.append(count)
        problem = _refused(vial, event, position, given)
        if problem is not None:
            replay.problems.append(_problem(vial, day, problem))
            continue
        position, given = _step(vial, event, position, given)
        replay.move(day, position)
    if position != vial.status:
        kept, found = SHOWN.get(vial.status, vial.status), SHOWN[position]
        text = f"its record says {kept} but its events leave it {found}"
        replay.problems.append(_problem(vial, None, text))
    return replay


def _refused(vial: VialRecord, event: Event, position: str, given: Decimal) -> str | None:
    """Why this event cannot happen where the vial is (None: it can)."""
    what = WORDS.get(event.kind)
    if what is None:
        return f"an event tvec does not know ({event.kind[:24]})"
    if event.at < vial.received_at:
        return f"a {what} recorded before the vial was received"
    allowed, _ = STEPS[VialEventKind(event.kind)]
    if position not in allowed:
        return f"a {what} while the vial was {SHOWN[position]}"
    if event.kind == "given":
        if event.volume_ml is None:
            return "a dose recorded without its volume"
        if given + event.volume_ml > vial.volume_ml:
            return f"more given than the vial's {vial.volume_ml} mL"
    return None


def _step(vial: VialRecord, event: Event, position: str, given: Decimal) -> tuple[str, Decimal]:
    _, after = STEPS[VialEventKind(event.kind)]
    if event.kind == "given":
        given += event.volume_ml or Decimal(0)
        return (EMPTIED if given >= vial.volume_ml else THAWED), given
    return after or position, given


def _problem(vial: VialRecord, day: date | None, text: str) -> Problem:
    return Problem(vial.id, vial.serial, vial.lot, day, text)


def _ledger(
    replays: Sequence[tuple[VialRecord, _Replay]], start: date, end: date, *, now: bool
) -> Ledger:
    """The ledger of `start`..`end`; `now`: with the problems of the records as they stand."""
    before = start - timedelta(days=1)
    opening, closing = [], []
    counts: dict[str, int] = {}
    problems: list[Problem] = []
    for _, replay in replays:
        opening.append(replay.position_after(before))
        closing.append(replay.position_after(end))
        for count in replay.counts:
            if start <= count.day <= end:
                _add(counts, count)
        problems.extend(p for p in replay.problems if _in_period(p, replay, start, end, now))
    return Ledger(
        start,
        end,
        _position(opening),
        _position(closing),
        problems=tuple(problems),
        **counts,
    )


def _add(counts: dict[str, int], count: _Count) -> None:
    if count.kind not in COUNTED:
        return
    counts[count.kind] = counts.get(count.kind, 0) + 1
    if count.kind == "given" and count.empties:
        counts["emptied"] = counts.get("emptied", 0) + 1
    if count.kind == "discarded" and count.after_thaw:
        counts["discarded_after_thaw"] = counts.get("discarded_after_thaw", 0) + 1


def _in_period(problem: Problem, replay: _Replay, start: date, end: date, now: bool) -> bool:
    """A dated problem belongs to its day; the record's own (undated) to any period from the
    vial's receipt on (not to its days: it has none)."""
    if problem.day is None:
        return now and replay.received_on <= end
    return start <= problem.day <= end


def _position(positions: Sequence[str | None]) -> Position:
    return Position(
        in_stock=positions.count(IN_STOCK),
        quarantined=positions.count(QUARANTINED),
        thawed=positions.count(THAWED),
    )
