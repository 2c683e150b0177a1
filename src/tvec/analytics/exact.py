"""Exact integer arithmetic on registry sizes, shared by every vectorised response rule.

The domain engine (`tvec.domain.response`, `tvec.domain.response_lesions`) compares exact
decimals. The registry records diameters to 0.1 cm (docs/registry-format.md), so a size becomes a
whole number of millimetres and every product or sum of products is an exact integer (mm²).
A percentage threshold ``t`` from the criteria, itself a decimal ``t = a/b``, then turns a rule
such as "``value <= reference · (1 - t/100)``" into the integer comparison
``100·b·value <= (100·b - a)·reference``: no float, no slack, a value exactly at the threshold
lands where the domain puts it.

Percent changes are kept as integer pairs (value, reference) and converted once, at the edge, to
the float a report shows: ``100·(value - reference) / reference`` divided in IEEE double
precision is the correctly rounded value of that fraction when both integers are below 2**53
(``float(Fraction(n, d))`` gives the same float); larger integers go through `Fraction`.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import CohortError
from tvec.analytics.inputs import BoolArray, FloatArray, IntArray

MM_PER_CM = 10  # the registry's resolution is 0.1 cm (a format fact, not a response threshold)
GRID_SLACK = 1e-6  # mm: how far a float may sit from a whole millimetre (representation error)
PERCENT = 100
EXACT_IN_FLOAT = 2**53  # integers below this are exact doubles


def where(pid: IntArray, lid: IntArray, day: IntArray, i: int) -> str:
    """The start of an error message naming measurement row `i`."""
    return f"measurements: patient {pid[i]}, lesion {lid[i]}, day {day[i]}: "


def millimetres(
    cm: npt.ArrayLike, name: str, pid: IntArray, lid: IntArray, day: IntArray
) -> IntArray:
    """Whole millimetres (int32), refusing sizes off the 0.1 cm grid, negative or not finite.

    Raises
    ------
    CohortError
        Naming the first offending measurement (`pid`, `lid`, `day` locate it).
    """
    values = np.asarray(cm, dtype=np.float64)
    scaled = values * MM_PER_CM
    mm = np.rint(scaled)
    np.subtract(scaled, mm, out=scaled)
    np.abs(scaled, out=scaled)  # NaN where the size is not finite
    if values.size and not (
        scaled.max() <= GRID_SLACK and mm.min() >= 0 and mm.max() <= np.iinfo(np.int32).max
    ):
        bad = ~(scaled <= GRID_SLACK) | (mm < 0) | (mm > np.iinfo(np.int32).max)
        i = int(np.argmax(bad))
        rule = f"{name} = {values[i]!r} is not a size in whole millimetres (0.1 cm) >= 0"
        raise CohortError(where(pid, lid, day, i) + rule)
    result: IntArray = mm.astype(np.int32)
    return result


def times(values: IntArray, factor: int) -> IntArray:
    """``values * factor`` in int64, refusing a product that could overflow."""
    if values.size and factor:
        largest = max(int(values.max()), -int(values.min()))
        if largest > np.iinfo(np.int64).max // abs(factor):
            raise ValueError("a criteria threshold is too fine for exact integer comparison")
    result: IntArray = np.asarray(values, np.int64) * factor
    return result


def decreased_by(values: IntArray, reference: IntArray, pct: Decimal) -> BoolArray:
    """``values <= reference · (1 - pct/100)``, exactly (a fall of at least `pct` percent)."""
    t = Fraction(pct)
    result: BoolArray = times(values, PERCENT * t.denominator) <= times(
        reference, PERCENT * t.denominator - t.numerator
    )
    return result


def increased_by(values: IntArray, reference: IntArray, pct: Decimal) -> BoolArray:
    """``values >= reference · (1 + pct/100)``, exactly (a rise of at least `pct` percent)."""
    t = Fraction(pct)
    result: BoolArray = times(values, PERCENT * t.denominator) >= times(
        reference, PERCENT * t.denominator + t.numerator
    )
    return result


def percent_change(values: IntArray, reference: IntArray, known: BoolArray) -> FloatArray:
    """``100 · (values - reference) / reference`` as correctly rounded floats; NaN where not
    `known` or where the reference is not positive (see the module notes)."""
    ok = np.asarray(known, np.bool_) & (np.asarray(reference) > 0)
    base = np.where(ok, reference, 1).astype(np.int64)
    difference = np.where(ok, values, 1).astype(np.int64) - base
    result = np.full(ok.shape, np.nan)
    small = PERCENT * int(np.abs(difference).max(initial=0)) < EXACT_IN_FLOAT
    if small and int(base.max(initial=0)) < EXACT_IN_FLOAT:
        result[ok] = (difference[ok] * PERCENT) / base[ok]
    else:
        result[ok] = [
            float(Fraction(PERCENT * int(d), int(r)))
            for d, r in zip(difference[ok], base[ok], strict=True)
        ]
    return result
