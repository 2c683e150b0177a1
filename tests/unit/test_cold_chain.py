"""Cold-chain excursions (tvec.domain.cold_chain): when readings out of band are an excursion,
when it ends, what is carried with it, the "no data" gaps, and the readings that are refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tvec.domain.cold_chain import (
    ExcursionRule,
    Reading,
    check_readings,
    excursion_rule,
)
from tvec.domain.errors import DuplicateReading, InvalidInput, ReadingsOutOfOrder
from tvec.domain.rules import StorageLocation
from tvec.knowledge import load_label

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def make_rule(min_duration_minutes: int = 0) -> ExcursionRule:
    rule = excursion_rule(load_label("us"), StorageLocation.FREEZER)
    return replace(rule, min_duration_minutes=min_duration_minutes)


def make_readings(*temperatures: float, every_minutes: int = 10) -> list[Reading]:
    step = timedelta(minutes=every_minutes)
    return [Reading(T0 + i * step, t) for i, t in enumerate(temperatures)]


def test_the_freezer_band_is_the_labels_frozen_storage_range() -> None:
    rule = excursion_rule(load_label("us"), StorageLocation.FREEZER)
    assert (rule.min_c, rule.max_c) == (-90.0, -70.0)
    assert "Amgen" in rule.band_source
    assert rule.min_duration_minutes == 0
    assert rule.duration_source.startswith("tvec's ruling")


def test_the_fridge_band_is_the_thawed_products_refrigerated_band() -> None:
    rule = excursion_rule(load_label("eu"), StorageLocation.FRIDGE)
    assert (rule.min_c, rule.max_c) == (2.0, 8.0)
    assert "NHS SPS" in rule.band_source


def test_a_label_without_storage_bands_names_the_location() -> None:
    label = replace(load_label("us"), storage_bands=())
    with pytest.raises(InvalidInput, match="freezer"):
        excursion_rule(label, StorageLocation.FREEZER)


def test_an_excursion_runs_from_the_first_reading_out_to_the_first_back_in_band() -> None:
    report = check_readings(make_readings(-80, -69.5, -65, -70.5, -80), make_rule(), HOUR)
    (excursion,) = report.excursions
    assert excursion.start == T0 + timedelta(minutes=10)
    assert excursion.end == T0 + timedelta(minutes=30)
    assert excursion.duration == timedelta(minutes=20)
    assert (excursion.min_c, excursion.max_c, excursion.readings) == (-69.5, -65, 2)
    assert not excursion.open


def test_both_ends_of_the_band_are_in_band() -> None:
    report = check_readings(make_readings(-90, -70, -90.1, -69.9, -80), make_rule(), HOUR)
    assert [e.readings for e in report.excursions] == [2]
    assert [e.min_c for e in report.excursions] == [-90.1]


def test_a_single_reading_out_of_band_is_an_excursion_under_tvecs_ruling() -> None:
    report = check_readings(make_readings(-80, -60, -80), make_rule(), HOUR)
    assert [e.duration for e in report.excursions] == [timedelta(minutes=10)]


def test_an_excursion_shorter_than_the_minimum_duration_is_not_one() -> None:
    readings = make_readings(-80, -60, -80, -60, -60, -80)  # 10 min, then 20 min out
    report = check_readings(readings, make_rule(min_duration_minutes=15), HOUR)
    assert [e.duration for e in report.excursions] == [timedelta(minutes=20)]


def test_an_excursion_as_long_as_the_minimum_duration_counts() -> None:
    report = check_readings(make_readings(-80, -60, -80), make_rule(10), HOUR)
    assert len(report.excursions) == 1


def test_an_excursion_with_no_reading_back_in_band_is_still_open() -> None:
    report = check_readings(make_readings(-80, -60, -50), make_rule(min_duration_minutes=60), HOUR)
    (excursion,) = report.excursions
    assert excursion.open
    assert excursion.end is None
    assert excursion.duration == timedelta(minutes=10)  # to the last reading


def test_every_excursion_carries_the_rule_in_force_when_it_was_found() -> None:
    rule = make_rule()
    report = check_readings(make_readings(-60, -80, -60), rule, HOUR)
    assert [e.rule for e in report.excursions] == [rule, rule]
    assert report.excursions[0].rule.band_source == rule.band_source


def test_a_silence_longer_than_the_gap_setting_is_a_no_data_gap() -> None:
    readings = [Reading(T0, -80), Reading(T0 + HOUR, -80), Reading(T0 + 3 * HOUR, -80)]
    report = check_readings(readings, make_rule(), HOUR)
    assert [(g.after, g.resumed, g.duration) for g in report.gaps] == [
        (T0 + HOUR, T0 + 3 * HOUR, 2 * HOUR)
    ]
    assert report.excursions == ()


def test_an_excursion_spans_a_gap_until_a_reading_back_in_band() -> None:
    readings = [Reading(T0, -60), Reading(T0 + 5 * HOUR, -60), Reading(T0 + 6 * HOUR, -80)]
    report = check_readings(readings, make_rule(), HOUR)
    assert [e.duration for e in report.excursions] == [6 * HOUR]
    assert len(report.gaps) == 1


def test_readings_in_other_zones_are_compared_as_instants() -> None:
    plus_one = timezone(timedelta(hours=1))
    readings = [Reading(T0, -80), Reading((T0 + HOUR).astimezone(plus_one), -60)]
    report = check_readings(readings, make_rule(), HOUR)
    assert report.excursions[0].start == T0 + HOUR


def test_no_readings_no_excursions() -> None:
    report = check_readings([], make_rule(), HOUR)
    assert (report.readings, report.excursions, report.gaps) == (0, (), ())


def test_a_reading_earlier_than_the_one_before_is_refused_naming_its_row() -> None:
    readings = make_readings(-80, -80, -80)
    readings[2] = Reading(T0, -80)
    with pytest.raises(ReadingsOutOfOrder) as refused:
        check_readings(readings, make_rule(), HOUR, first_row=2)
    assert refused.value.row == 4
    assert refused.value.code == "readings-out-of-order"
    assert "row 4" in str(refused.value)


def test_a_duplicated_time_is_refused_naming_its_row() -> None:
    readings = [Reading(T0, -80), Reading(T0, -79)]
    with pytest.raises(DuplicateReading) as refused:
        check_readings(readings, make_rule(), HOUR)
    assert (refused.value.row, refused.value.fields["at"]) == (2, T0.isoformat())


def test_a_reading_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="row 1"):
        check_readings([Reading(datetime(2026, 1, 5), -80)], make_rule(), HOUR)


def test_a_temperature_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(InvalidInput, match="row 2"):
        check_readings([Reading(T0, -80), Reading(T0 + HOUR, float("nan"))], make_rule(), HOUR)
