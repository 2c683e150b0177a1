"""Validation of the plain arrays the survival functions take (times, event flags, labels)."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
ArrayT = TypeVar("ArrayT", bound=npt.NDArray[Any])


def survival_data(times: npt.ArrayLike, events: npt.ArrayLike) -> tuple[FloatArray, BoolArray]:
    """Follow-up times (finite, >= 0) and event flags (0/1 or bool) of equal length >= 1.

    Raises
    ------
    ValueError
        Naming the first offending position.
    """
    time = np.asarray(times, dtype=np.float64).ravel()
    raw = np.asarray(events).ravel()
    if time.size == 0:
        raise ValueError("no patients: times is empty")
    if raw.shape != time.shape:
        raise ValueError(f"times has {time.size} values but events has {raw.size}")
    _first_bad("times", ~np.isfinite(time), "is not a finite number", time)
    _first_bad("times", time < 0, "is negative", time)
    return time, _event_flags(raw)


def _event_flags(raw: npt.NDArray[np.generic]) -> BoolArray:
    if raw.dtype == np.bool_:
        return np.asarray(raw, dtype=np.bool_)
    try:
        numeric = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError("events must be 0 or 1") from None
    _first_bad("events", (numeric != 0) & (numeric != 1), "is not 0 or 1", numeric)
    flags: BoolArray = numeric == 1
    return flags


def _first_bad(name: str, bad: BoolArray, problem: str, values: FloatArray) -> None:
    if bad.any():
        where = int(np.argmax(bad))
        raise ValueError(f"{name}[{where}] = {float(values[where]):g} {problem}")


def labels(values: npt.ArrayLike, n: int, name: str) -> tuple[list[str], IntArray]:
    """Distinct labels (as text, sorted) and each row's index into them."""
    raw = np.asarray(values).ravel()
    if raw.size != n:
        raise ValueError(f"{name} has {raw.size} values but times has {n}")
    distinct, codes = np.unique(raw, return_inverse=True)
    return [str(label) for label in distinct.tolist()], codes.astype(np.intp)


def readonly(array: ArrayT) -> ArrayT:
    """`array` marked read-only, so a frozen result cannot be changed through its arrays."""
    array.flags.writeable = False
    return array
