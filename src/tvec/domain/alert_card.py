"""The patient alert card and accidental-exposure rules, pure.

- A card is *missing* when the course's label asks for one (EU: SmPC §4.2), its first dose has
  been given, and no card was issued for it.
- The patient acknowledges a card after it was issued, never before, and not in the future.
- An exposure happened (not in the future); its follow-up is due a number of days after it (the
  number comes from the knowledge data: tvec's ruling, the label gives none).
- Education names at least one topic, each one known.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

from tvec.domain.errors import InvalidInput


def card_missing(needs_card: bool, first_dose_on: date | None, issued: bool) -> bool:
    """Whether the chart must show the card as missing."""
    return needs_card and first_dose_on is not None and not issued


def check_acknowledged_at(issued_at: datetime, acknowledged_at: datetime, now: datetime) -> None:
    """The patient's acknowledgement comes after the card's issue and is not in the future."""
    if acknowledged_at < issued_at:
        raise InvalidInput(
            "alert card", "acknowledged_at", "must not be before the card was issued"
        )
    if acknowledged_at > now:
        raise InvalidInput("alert card", "acknowledged_at", "must not be in the future")


def check_occurred_at(occurred_at: datetime, now: datetime) -> None:
    if occurred_at > now:
        raise InvalidInput("exposure", "occurred_at", "must not be in the future")


def follow_up_due(occurred_on: date, days: int) -> date:
    """The day the exposed person's follow-up is due."""
    return occurred_on + timedelta(days=days)


def check_codes(where: str, field: str, chosen: Sequence[str], known: Collection[str]) -> None:
    """At least one code, each one known, none twice."""
    if not chosen:
        raise InvalidInput(where, field, "must name at least one")
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise InvalidInput(
            where, field, f"has unknown {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    if len(set(chosen)) != len(chosen):
        raise InvalidInput(where, field, "names one twice")


def check_code(where: str, field: str, chosen: str, known: Collection[str]) -> None:
    if chosen not in known:
        raise InvalidInput(where, field, f"must be one of {', '.join(sorted(known))}")
