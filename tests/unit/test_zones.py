"""The centre's time zone (tvec.domain.zones): typed wall times, stored instants, shown times."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tvec.domain.zones import from_wall_time, is_zone, local_day, shown, wall_time_text

NY = "America/New_York"


def test_a_wall_time_is_read_in_the_centres_zone_and_kept_as_utc() -> None:
    assert from_wall_time(datetime(2026, 6, 1, 10, 0), NY) == datetime(
        2026, 6, 1, 14, 0, tzinfo=UTC
    )
    assert from_wall_time(datetime(2026, 1, 1, 10, 0), NY) == datetime(
        2026, 1, 1, 15, 0, tzinfo=UTC
    )
    explicit = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert from_wall_time(explicit, NY) == explicit  # an instant with its offset stays itself


def test_instants_are_shown_with_the_zone_named() -> None:
    summer, winter = (
        datetime(2026, 6, 1, 14, 5, tzinfo=UTC),
        datetime(2026, 1, 1, 19, 5, tzinfo=UTC),
    )
    assert shown(summer, NY) == "2026-06-01 10:05 EDT"
    assert shown(winter, NY) == "2026-01-01 14:05 EST"
    assert shown(summer, "UTC") == "2026-06-01 14:05 UTC"
    assert shown(summer, "Asia/Dubai") == "2026-06-01 18:05 (Asia/Dubai)"  # only "+04": named
    assert shown(None, NY) == "–"
    assert wall_time_text(summer, NY) == "2026-06-01T10:05"


def test_the_day_is_the_centres_day_and_unknown_zones_are_refused() -> None:
    late = datetime(2026, 6, 2, 3, 30, tzinfo=UTC)  # 23:30 on 1 June in New York
    assert local_day(late, NY) == date(2026, 6, 1)
    assert local_day(late, "UTC") == date(2026, 6, 2)
    assert is_zone(NY)
    assert is_zone("UTC")
    assert not is_zone("Mars/Olympus")
    assert shown(late, "Mars/Olympus").endswith("UTC")  # a stored unknown name falls back to UTC
