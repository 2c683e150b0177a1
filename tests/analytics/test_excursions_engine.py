"""The vectorised excursion detection (tvec.analytics.excursions) gives exactly what the domain
rule (tvec.domain.cold_chain) gives: the same excursions, gaps and refusals, on any readings."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tvec.analytics.excursions import detect_excursions, to_report
from tvec.domain.cold_chain import (
    ColdChainReport,
    ExcursionRule,
    Reading,
    check_readings,
    excursion_rule,
)
from tvec.domain.errors import DomainError
from tvec.domain.rules import StorageLocation
from tvec.knowledge import load_label

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T0_MS = 1_767_600_000_000  # 2026-01-05 08:00 UTC


def make_rule(location: StorageLocation, min_duration_minutes: int) -> ExcursionRule:
    rule = excursion_rule(load_label("us"), location)
    return replace(rule, min_duration_minutes=min_duration_minutes)


def domain_report(
    times_ms: list[int], temps: list[float], rule: ExcursionRule, gap: timedelta, first_row: int
) -> ColdChainReport | str:
    readings = [
        Reading(EPOCH + timedelta(milliseconds=t), c) for t, c in zip(times_ms, temps, strict=True)
    ]
    try:
        return check_readings(readings, rule, gap, first_row)
    except DomainError as refused:
        return f"{type(refused).__name__}: {refused}"


def array_report(
    times_ms: list[int], temps: list[float], rule: ExcursionRule, gap: timedelta, first_row: int
) -> ColdChainReport | str:
    times = np.array(times_ms, dtype=np.int64)
    temperatures = np.array(temps, dtype=np.float64)
    try:
        return to_report(detect_excursions(times, temperatures, rule, gap, first_row), rule, gap)
    except DomainError as refused:
        return f"{type(refused).__name__}: {refused}"


# Temperatures near and on both ends of each band, so that runs start and end often.
TEMPERATURES = {
    StorageLocation.FREEZER: st.sampled_from([-95.0, -90.0, -89.9, -80.0, -70.0, -69.9, -60.5]),
    StorageLocation.FRIDGE: st.sampled_from([0.0, 1.9, 2.0, 5.0, 8.0, 8.1, 12.25]),
}


Case = tuple[list[int], list[float], ExcursionRule, timedelta, int]


@st.composite
def make_case(draw: st.DrawFn, ordered: bool = True) -> Case:
    location = draw(st.sampled_from(list(StorageLocation)))
    n = draw(st.integers(0, 40))
    steps = draw(st.lists(st.integers(1, 90 * 60_000), min_size=n, max_size=n))
    times = [T0_MS + s for s in np.cumsum(steps).tolist()]
    if not ordered and n >= 2:
        i = draw(st.integers(1, n - 1))
        times[i] = times[i - 1] - draw(st.integers(0, 10 * 60_000))  # equal or earlier
    temps = draw(st.lists(TEMPERATURES[location], min_size=n, max_size=n))
    if not ordered and n and draw(st.booleans()):
        temps[draw(st.integers(0, n - 1))] = float("nan")
    rule = make_rule(location, draw(st.sampled_from([0, 1, 15, 60])))
    gap = timedelta(minutes=draw(st.sampled_from([1, 30, 60])))
    return times, temps, rule, gap, draw(st.sampled_from([1, 2]))


@settings(max_examples=300, deadline=None)
@given(make_case())
def test_the_arrays_give_the_domains_excursions_and_gaps(case: Case) -> None:
    domain = domain_report(*case)
    assert not isinstance(domain, str)
    assert array_report(*case) == domain


@settings(max_examples=200, deadline=None)
@given(make_case(ordered=False))
def test_the_arrays_refuse_what_the_domain_refuses_naming_the_same_row(
    case: Case,
) -> None:
    assert array_report(*case) == domain_report(*case)


def test_an_excursion_open_at_the_last_reading_and_one_closed() -> None:
    rule = make_rule(StorageLocation.FRIDGE, 0)
    times = [T0_MS + i * 60_000 for i in range(6)]
    temps = [5.0, 9.0, 5.0, 5.0, 1.0, 0.5]
    found = detect_excursions(np.array(times), np.array(temps), rule, timedelta(hours=1))
    assert found.open.tolist() == [False, True]
    assert found.end_ms.tolist() == [times[2], -1]
    assert found.duration_ms.tolist() == [60_000, 60_000]
    assert (found.min_c.tolist(), found.max_c.tolist()) == ([9.0, 0.5], [9.0, 1.0])


def test_the_refusal_names_the_file_row() -> None:
    rule = make_rule(StorageLocation.FREEZER, 0)
    with pytest.raises(DomainError, match="row 3"):
        detect_excursions(
            np.array([T0_MS, T0_MS + 1, T0_MS + 1]), np.array([-80.0] * 3), rule, timedelta(1), 1
        )
