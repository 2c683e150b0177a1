"""Excursions found import by import are those the domain's rule finds in the whole series.

A location's readings arrive in several imports; an excursion under way at the end of one
continues into the next. Whatever the split, the stored excursions (start, end, lowest and highest
°C, readings out of band) equal `tvec.domain.cold_chain.check_readings` on all the readings at
once. Random series, several splits each, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import pairwise

import pytest
from tests.support.clinic import NOW, TESTCLIENT_WARNING, running_app, seed_staff

from tvec.domain.cold_chain import Reading, check_readings
from tvec.services import cold_chain, readings_import
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)


def series(rng: random.Random, n: int) -> list[tuple[object, float]]:
    start = NOW - timedelta(minutes=n + 1)
    out = []
    for i in range(n):
        temperature = rng.choice([-80.0, -79.0, -75.5, -69.0, -65.0, -91.5])
        out.append((start + timedelta(minutes=i), temperature))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_imports_in_pieces_store_the_excursions_of_the_whole_series(
    database_url: str, seed: int
) -> None:
    rng = random.Random(seed)
    with running_app(database_url) as (_app, ctx):
        pharmacist = seed_staff(ctx)[Role.PHARMACIST].actor
        readings = series(rng, 60)
        rule = cold_chain.rule_for("freezer")
        whole = check_readings(
            [Reading(at, c) for at, c in readings],  # type: ignore[arg-type]
            rule,
            timedelta(hours=1),
        )
        expected = [
            (x.start, x.end, x.min_c, x.max_c, x.readings) for x in reversed(whole.excursions)
        ]
        for trial in range(4):  # in one import, then in up to 4 pieces cut at random
            name = f"Freezer {seed}-{trial}"
            location = cold_chain.add_location(ctx, pharmacist, name, "freezer")
            cuts = [0, *sorted({rng.randrange(1, 60) for _ in range(trial)}), 60]
            for a, b in pairwise(cuts):
                readings_import.import_readings(ctx, pharmacist, location.id, readings[a:b])
            found = cold_chain.list_excursions(ctx, pharmacist, location.id)
            assert [
                (x.started_at, x.ended_at, x.min_c, x.max_c, x.readings) for x in found
            ] == expected, (seed, cuts)
