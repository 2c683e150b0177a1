"""Data-logger CSV exports: readings in any zone become UTC; a file in the wrong format is refused
with one message naming the row and the column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tvec.analytics.logger_csv import LoggerFileError, read_logger_csv

HEADER = "Timestamp,Temperature (°C)\n"
GOOD = "2026-01-05T08:00:00+01:00,-80.2\n2026-01-05T08:01:00+01:00,-80.1\n"
T0_MS = 1_767_596_400_000  # 2026-01-05 07:00 UTC


def make_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "logger.csv"
    path.write_text(text, encoding=encoding)
    return path


def make_refusal(tmp_path: Path, text: str) -> LoggerFileError:
    with pytest.raises(LoggerFileError) as refused:
        read_logger_csv(make_file(tmp_path, text))
    assert "\n" not in str(refused.value)
    assert str(refused.value).startswith("logger.csv")
    return refused.value


def test_readings_with_offsets_are_read_as_utc(tmp_path: Path) -> None:
    readings = read_logger_csv(make_file(tmp_path, HEADER + GOOD))
    assert readings.times_ms.tolist() == [T0_MS, T0_MS + 60_000]
    assert readings.temperatures_c.tolist() == [-80.2, -80.1]
    assert readings.first_row == 2


def test_readings_from_several_zones_and_a_summer_time_change_are_one_utc_timeline(
    tmp_path: Path,
) -> None:
    text = (
        HEADER + "2025-10-26T02:59:00+02:00,-80\n2025-10-26T02:00:00+01:00,-80\n"
        "2025-10-26T01:01:00Z,-80\n2025-10-25T20:02:00.500-05:00,-80\n"
    )
    times = read_logger_csv(make_file(tmp_path, text)).times_ms
    assert np.diff(times).tolist() == [60_000, 60_000, 60_500]


def test_a_byte_order_mark_and_extra_columns_are_accepted(tmp_path: Path) -> None:
    text = "Serial,Timestamp,Temperature (°C),Humidity\nA1,2026-01-05T08:00:00+01:00,-80.2,12\n"
    readings = read_logger_csv(make_file(tmp_path, text, encoding="utf-8-sig"))
    assert readings.temperatures_c.tolist() == [-80.2]


@pytest.mark.parametrize(
    ("text", "row", "column", "problem"),
    [
        pytest.param(
            "Time,Temperature (°C)\n" + GOOD,
            1,
            None,
            "no 'Timestamp' column; the header has: Time, Temperature (°C)",
            id="a missing timestamp column",
        ),
        pytest.param(
            "Timestamp,Temperature (°F)\n" + GOOD,
            1,
            None,
            "no 'Temperature (°C)' column (tvec reads °C only)",
            id="a file in Fahrenheit",
        ),
        pytest.param(
            HEADER + GOOD + "2026-01-05T08:02:00,-80.0\n",
            4,
            "Timestamp",
            "has no UTC offset, such as +01:00 or Z (got '2026-01-05T08:02:00')",
            id="a naive timestamp",
        ),
        pytest.param(
            HEADER + GOOD + "05/01/2026 08:02,-80.0\n",
            4,
            "Timestamp",
            "not an ISO 8601 time with a UTC offset (got '05/01/2026 08:02')",
            id="an unparsable timestamp",
        ),
        pytest.param(
            HEADER + GOOD + '2026-01-05T08:02:00+01:00,"-80,1"\n',
            4,
            "Temperature (°C)",
            "not a number of °C (got '-80,1')",
            id="a decimal comma",
        ),
        pytest.param(
            HEADER + "2026-01-05T08:00:00+01:00,abc\n" + GOOD,
            2,
            "Temperature (°C)",
            "not a number of °C (got 'abc')",
            id="a non-numeric temperature",
        ),
        pytest.param(
            HEADER + GOOD + "2026-01-05T08:02:00+01:00,\n",
            4,
            "Temperature (°C)",
            "has no value",
            id="a missing temperature",
        ),
        pytest.param(
            HEADER + GOOD + ",-80\n",
            4,
            "Timestamp",
            "has no value",
            id="a missing timestamp",
        ),
        pytest.param(
            HEADER + GOOD + "2026-01-05T08:02:00+01:00,-80,12\n",
            4,
            None,
            "3 value(s) where the header has 2",
            id="a row with a value too many",
        ),
    ],
)
def test_a_file_in_the_wrong_format_is_refused_naming_row_and_column(
    tmp_path: Path, text: str, row: int, column: str | None, problem: str
) -> None:
    refused = make_refusal(tmp_path, text)
    assert (refused.row, refused.column) == (row, column)
    assert problem in refused.problem
    assert f"row {row}" in str(refused)


def test_the_first_bad_row_is_found_in_a_large_file(tmp_path: Path) -> None:
    rows = [f"2026-01-05T{h:02d}:{m:02d}:00Z,-80" for h in range(24) for m in range(60)]
    rows[1000] = "2026-01-05T16:40:00Z,x"
    rows[1200] = "not a time,-80"
    refused = make_refusal(tmp_path, HEADER + "\n".join(rows) + "\n")
    assert (refused.row, refused.column) == (1002, "Temperature (°C)")


def test_a_missing_file_and_a_file_that_is_not_text_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LoggerFileError, match="no such file"):
        read_logger_csv(tmp_path / "absent.csv")
    path = tmp_path / "logger.csv"
    path.write_bytes(b"\xff\xfe\x00T\x00i")
    with pytest.raises(LoggerFileError, match="is not a UTF-8 CSV file"):
        read_logger_csv(path)
