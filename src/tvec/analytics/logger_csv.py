"""Data-logger CSV exports of temperature readings, read with pyarrow into NumPy arrays.

The layout (one logger, one file), as exported by common data-logger software:

    Timestamp,Temperature (°C)
    2026-01-05T08:00:00+01:00,-80.2
    2026-01-05T08:01:00+01:00,-80.1

- ``Timestamp``: ISO 8601 with a UTC offset (``+01:00``, ``-05:00`` or ``Z``), seconds optional
  fractions to the millisecond; readings in any zone, or in several (a change to summer time), are
  converted to UTC. A time without an offset is refused: which instant it means is not known.
- ``Temperature (°C)``: a number in degrees Celsius.
- Other columns (serial number, humidity, ...) are ignored. A UTF-8 byte-order mark is allowed.

Rows are numbered as in the file, the header being row 1 (blank lines are not counted). A file in
another layout is refused with `LoggerFileError`, naming the row and the column where it can.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tvec.domain.errors import DomainError

TIMESTAMP = "Timestamp"
TEMPERATURE = "Temperature (°C)"
FIRST_ROW = 2  # the first reading's row: the header is row 1


class LoggerFileError(DomainError):
    """A logger file tvec cannot read: names the file, and the row and column when known."""

    code = "logger-file"

    def __init__(self, file: str, problem: str, row: int | None = None, column: str | None = None):
        where = file + (f", row {row}" if row is not None else "")
        where += f", column {column!r}" if column is not None else ""
        super().__init__(f"{where}: {problem}", file=file, row=row, column=column)
        self.file, self.row, self.column, self.problem = file, row, column, problem


@dataclass(frozen=True)
class LoggerReadings:
    """One logger's readings: UTC times (ms since 1970-01-01) and °C, in file order."""

    times_ms: npt.NDArray[np.int64]
    temperatures_c: npt.NDArray[np.float64]
    first_row: int = FIRST_ROW


def read_logger_csv(path: Path | str) -> LoggerReadings:
    """The readings in the logger export at `path` (see the module docstring for the layout)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = Path(path)
    _check_header(path)
    options = pacsv.ConvertOptions(
        column_types={TIMESTAMP: pa.timestamp("ms", tz="UTC"), TEMPERATURE: pa.float64()},
        include_columns=[TIMESTAMP, TEMPERATURE],
        null_values=[""],
        strings_can_be_null=True,
    )
    try:
        table = pacsv.read_csv(path, convert_options=options)
    except pa.ArrowInvalid as exc:
        raise _locate(path, exc) from None
    times = table.column(TIMESTAMP)
    temperatures = table.column(TEMPERATURE)
    for column, name in ((times, TIMESTAMP), (temperatures, TEMPERATURE)):
        if column.null_count:
            row = FIRST_ROW + int(np.argmax(column.is_null().to_numpy(zero_copy_only=False)))
            raise LoggerFileError(path.name, "has no value", row, name)
    return LoggerReadings(
        times.to_numpy().view(np.int64),
        temperatures.to_numpy(),
    )


def _check_header(path: Path) -> None:
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            header = next(csv.reader(file), [])
    except FileNotFoundError:
        raise LoggerFileError(path.name, "no such file") from None
    except (UnicodeDecodeError, csv.Error):
        raise LoggerFileError(path.name, "is not a UTF-8 CSV file", 1) from None
    for column in (TIMESTAMP, TEMPERATURE):
        if column not in header:
            fahrenheit = " (tvec reads °C only)" if "Temperature (°F)" in header else ""
            raise LoggerFileError(
                path.name,
                f"no {column!r} column{fahrenheit}; the header has: {', '.join(header) or '–'}",
                1,
            )


def _locate(path: Path, exc: Any) -> LoggerFileError:
    """The first row and column whose value pyarrow could not read, found with pyarrow's own
    conversions on the text of each column (halving, so a large file is read about twice)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    misshapen: list[Any] = []

    def note(row: Any) -> str:
        misshapen.append(row)
        return "skip"

    text = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False),
        parse_options=pacsv.ParseOptions(invalid_row_handler=note),
        convert_options=pacsv.ConvertOptions(
            column_types={TIMESTAMP: pa.string(), TEMPERATURE: pa.string()},
            include_columns=[TIMESTAMP, TEMPERATURE],
            null_values=[""],
            strings_can_be_null=True,
        ),
    )
    if misshapen:  # not a value but the file's shape (columns per row)
        bad = misshapen[0]
        problem = f"{bad.actual_columns} value(s) where the header has {bad.expected_columns}"
        return LoggerFileError(path.name, problem, bad.number)
    found = [
        _first_unreadable(text.column(TIMESTAMP).combine_chunks(), pa.timestamp("ms", tz="UTC")),
        _first_unreadable(text.column(TEMPERATURE).combine_chunks(), pa.float64()),
    ]
    hits = [(hit, name) for hit, name in zip(found, (TIMESTAMP, TEMPERATURE), strict=True) if hit]
    if not hits:  # pragma: no cover - pyarrow refused what it reads as text; say what it said
        return LoggerFileError(path.name, " ".join(str(exc).split()))
    (index, value), column = min(hits)
    if column == TEMPERATURE:
        problem = f"not a number of °C (got {value!r})"
    elif _is_naive(value):
        problem = f"has no UTC offset, such as +01:00 or Z (got {value!r})"
    else:
        problem = f"not an ISO 8601 time with a UTC offset (got {value!r})"
    return LoggerFileError(path.name, problem, FIRST_ROW + index, column)


def _first_unreadable(values: Any, to: Any) -> tuple[int, str] | None:
    """The index and text of the first value pyarrow cannot convert to type `to`, or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def readable(chunk: Any) -> bool:
        try:
            pc.cast(chunk, to)
        except pa.ArrowInvalid:
            return False
        return True

    if readable(values):
        return None
    offset = 0
    while len(values) > 1:
        half = len(values) // 2
        left = values.slice(0, half)
        if readable(left):
            offset, values = offset + half, values.slice(half)
        else:
            values = left
    return offset, str(values[0].as_py())


def _is_naive(value: str) -> bool:
    from datetime import datetime

    try:
        return datetime.fromisoformat(value).tzinfo is None
    except ValueError:
        return False
