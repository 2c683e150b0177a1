"""Exact integer arithmetic of the vectorised rules (`tvec.analytics.exact`)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tvec.analytics.cohort import CohortError
from tvec.analytics.exact import decreased_by, increased_by, millimetres, percent_change


def ints(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


def test_a_value_exactly_at_a_non_terminating_threshold_counts() -> None:
    # 33.3% of 1000 is 333: 667 is exactly a 33.3% fall and 1333 exactly a 33.3% rise
    reference = ints(1000, 1000, 1000)
    assert decreased_by(ints(666, 667, 668), reference, Decimal("33.3")).tolist() == [
        True,
        True,
        False,
    ]
    assert increased_by(ints(1332, 1333, 1334), reference, Decimal("33.3")).tolist() == [
        False,
        True,
        True,
    ]


def test_a_threshold_too_fine_for_int64_is_refused() -> None:
    with pytest.raises(ValueError, match="too fine"):
        decreased_by(ints(2**62), ints(2**62), Decimal("0.001"))


@given(
    st.lists(st.tuples(st.integers(0, 2**60), st.integers(1, 2**60)), min_size=1, max_size=20),
    st.booleans(),
)
@example([(2**60, 1), (3, 7)], False)
@settings(deadline=None)
def test_percent_change_is_the_exact_fraction_rounded_once(
    pairs: list[tuple[int, int]], small: bool
) -> None:
    if small:
        pairs = [(value % 10**6, reference % 10**6 + 1) for value, reference in pairs]
    values, references = ints(*(p[0] for p in pairs)), ints(*(p[1] for p in pairs))
    result = percent_change(values, references, np.ones(len(pairs), np.bool_))
    expected = [float(Fraction(100 * (v - r), r)) for v, r in pairs]
    assert result.tolist() == expected


def test_percent_change_is_nan_where_unknown_or_without_a_reference() -> None:
    result = percent_change(ints(5, 5, 5), ints(10, 0, 10), np.array([True, True, False]))
    assert result[0] == -50.0
    assert np.isnan(result[1:]).all()


def test_a_size_off_the_millimetre_grid_is_refused_naming_the_patient() -> None:
    pid, lid, day = ints(7, 7), ints(1, 2), ints(0, 28)
    assert millimetres([1.2, 0.0], "longest_cm", pid, lid, day).tolist() == [12, 0]
    with pytest.raises(CohortError, match="patient 7, lesion 2, day 28"):
        millimetres([1.2, 1.25], "longest_cm", pid, lid, day)
