"""Survival records from CSV text: columns chosen by name, every bad cell named by line and column.

The caller reads the file (or standard input); this module only turns its text into the plain
arrays the analytics functions take, so `tvec stats` and a report built from a CSV export share
one set of checks. Conversion is vectorised; the slow row-by-row search runs only to name the
first bad cell once numpy has refused a column.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tvec.analytics.inputs import BoolArray, FloatArray


class SurvivalCsvError(ValueError):
    """The CSV cannot be used; the message names the line and column where possible."""


@dataclass(frozen=True)
class SurvivalRecords:
    """Columns of a survival CSV; ``line`` is each record's line number in the text."""

    time: FloatArray
    event: FloatArray
    line: list[int]
    labels: dict[str, list[str]] = field(default_factory=dict)
    covariates: dict[str, FloatArray] = field(default_factory=dict)


def read_survival_csv(
    text: str,
    time: str = "time",
    event: str = "event",
    labels: Sequence[str] = (),
    covariates: Sequence[str] = (),
) -> SurvivalRecords:
    """Parse `text` (a CSV with a header row) into survival columns.

    Parameters
    ----------
    text : str
        The whole CSV.
    time, event : str
        Names of the follow-up time column (a number >= 0) and the event column (0 or 1).
    labels : sequence of str
        Text columns (group, stratum); a cell must not be empty.
    covariates : sequence of str
        Numeric columns for a regression; each must vary.

    Raises
    ------
    SurvivalCsvError
    """
    header, rows, lines = _rows(text)
    where = _positions(header, [time, event, *labels, *covariates])
    times = _numbers(rows, lines, where, time)
    _check(times < 0, lines, time, times, "is negative")
    events = _numbers(rows, lines, where, event)
    _check((events != 0) & (events != 1), lines, event, events, "must be 0 or 1")
    texts = {name: _labels(rows, lines, where, name) for name in labels}
    numbers = {name: _numbers(rows, lines, where, name) for name in covariates}
    for name, column in numbers.items():
        if np.all(column == column[0]):
            raise SurvivalCsvError(f"column {name!r} is constant ({column[0]:g}): no effect to fit")
    return SurvivalRecords(times, events, lines, texts, numbers)


def _rows(text: str) -> tuple[list[str], list[list[str]], list[int]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise SurvivalCsvError("the file is empty: expected a header row of column names")
    rows: list[list[str]] = []
    lines: list[int] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.append(row)
            lines.append(reader.line_num)
    if not rows:
        raise SurvivalCsvError("the file has a header but no data rows")
    width = len(header)
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            raise SurvivalCsvError(f"line {line}: {len(row)} cells, the header has {width}")
    return [name.strip() for name in header], rows, lines


def _positions(header: list[str], wanted: list[str]) -> dict[str, int]:
    where = {}
    for name in wanted:
        if name not in header:
            known = ", ".join(header)
            raise SurvivalCsvError(f"no column {name!r} (the columns are: {known})")
        where[name] = header.index(name)
    return where


def _numbers(
    rows: list[list[str]], lines: list[int], where: dict[str, int], name: str
) -> FloatArray:
    k = where[name]
    cells = [row[k].strip() for row in rows]
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = np.full(len(cells), np.nan)
        _name_bad_number(cells, lines, name)
    _check(~np.isfinite(values), lines, name, values, "is not a finite number")
    return values


def _name_bad_number(cells: list[str], lines: list[int], name: str) -> None:
    for cell, line in zip(cells, lines, strict=True):
        try:
            float(cell)
        except ValueError:
            raise SurvivalCsvError(
                f"line {line}, column {name!r}: {cell!r} is not a number"
            ) from None


def _labels(rows: list[list[str]], lines: list[int], where: dict[str, int], name: str) -> list[str]:
    values = [row[where[name]].strip() for row in rows]
    for value, line in zip(values, lines, strict=True):
        if not value:
            raise SurvivalCsvError(f"line {line}, column {name!r}: the cell is empty")
    return values


def _check(bad: BoolArray, lines: list[int], name: str, values: FloatArray, problem: str) -> None:
    if bad.any():
        k = int(np.argmax(bad))
        value = float(values[k])
        shown = repr(value) if math.isnan(value) or math.isinf(value) else f"{value:g}"
        raise SurvivalCsvError(f"line {lines[k]}, column {name!r}: {shown} {problem}")
