"""The centre's time zone: every instant is stored in UTC and shown in the centre's zone.

The one place where wall time and instants meet. A centre names an IANA zone ("America/New_York",
default "UTC"); a time typed on a form (a wall time without a zone) is read in that zone, and an
instant is shown in it with the zone named ("14:05 EDT"), so a reader never has to guess. The
clinic's "now" is the app's clock (UTC) seen in the zone, never the server's local clock.
Standard library only (`zoneinfo`); an unknown zone name falls back to UTC rather than failing a
page (the name is checked when it is stored).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "UTC"


def zone(name: str | None) -> tzinfo:
    """The zone of this IANA name (UTC for none or an unknown name)."""
    if not name or name == DEFAULT_ZONE:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def is_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone name this system knows."""
    return name == DEFAULT_ZONE or name in available_timezones()


def local_now(now: datetime, zone_name: str | None) -> datetime:
    """The instant `now` as the centre's wall clock shows it, to the minute."""
    return now.astimezone(zone(zone_name)).replace(second=0, microsecond=0)


def local_day(now: datetime, zone_name: str | None) -> date:
    """The centre's calendar day at the instant `now`."""
    return now.astimezone(zone(zone_name)).date()


def from_wall_time(wall: datetime, zone_name: str | None) -> datetime:
    """A typed wall time (no zone) read in the centre's zone, as a UTC instant. A time that
    already names its offset is kept as that instant."""
    if wall.tzinfo is None:
        wall = wall.replace(tzinfo=zone(zone_name))
    return wall.astimezone(UTC)


def wall_time_text(instant: datetime, zone_name: str | None) -> str:
    """The instant as a form's datetime-local value in the centre's zone ("2026-06-01T10:00")."""
    return local_now(instant, zone_name).strftime("%Y-%m-%dT%H:%M")


def shown(instant: datetime | None, zone_name: str | None) -> str:
    """The instant in the centre's zone with the zone named: "2026-06-01 10:00 EDT"; "–" for none.

    The abbreviation is the zone's own ("EDT", "CET"); where a zone has none (only an offset
    such as "+03"), its IANA name is added so the reader knows which zone it is."""
    if instant is None:
        return "–"
    here = instant.astimezone(zone(zone_name))
    abbreviation = here.tzname() or ""
    label = abbreviation
    if not abbreviation or abbreviation[0] in "+-":
        label = f"({zone_name or DEFAULT_ZONE})"
    return f"{here:%Y-%m-%d %H:%M} {label}".strip()
