"""`tvec excursions FILE --location freezer|fridge` as a user runs it: a separate process on the
bundled freezer export, with the rule in force, its sources, the gaps and one-line refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "freezer-logger.csv"


def make_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tvec", "excursions", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def make_json(*args: str, **env: str) -> dict[str, Any]:
    done = make_run(str(EXAMPLE), "--json", *args, **env)
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_the_example_freezer_has_one_excursion_and_one_gap_in_utc() -> None:
    data = make_json("--location", "freezer")
    (excursion,) = data["excursions"]
    assert excursion["start"] == "2026-01-05T08:20:00+00:00"  # 09:20 at +01:00 in the file
    assert excursion["end"] == "2026-01-05T08:50:00+00:00"
    assert excursion["open"] is False
    assert excursion["duration_minutes"] == 30
    assert (excursion["min_c"], excursion["max_c"], excursion["readings"]) == (-69.4, -65.9, 3)
    (gap,) = data["no_data_gaps"]
    assert (gap["after"], gap["resumed"], gap["duration_minutes"]) == (
        "2026-01-05T09:30:00+00:00",
        "2026-01-05T12:00:00+00:00",
        150,
    )
    assert data["readings"] == 22


def test_each_excursion_carries_the_rule_in_force_with_its_sources() -> None:
    data = make_json("--location", "freezer")
    rule = data["excursions"][0]["rule"]
    assert rule == data["rule"]
    assert (rule["location"], rule["min_c"], rule["max_c"]) == ("freezer", -90, -70)
    assert "Amgen" in rule["band_source"]
    assert rule["min_duration_minutes"] == 0
    assert rule["min_duration_source"].startswith("tvec's ruling")


def test_the_gap_follows_the_setting() -> None:
    data = make_json("--location", "freezer", TVEC_LOGGER_GAP_MINUTES="180")
    assert data["no_data_gaps"] == []
    assert data["gap_limit_minutes"] == 180


def test_a_gap_setting_that_is_not_a_positive_number_is_one_line() -> None:
    done = make_run(str(EXAMPLE), "--location", "freezer", TVEC_LOGGER_GAP_MINUTES="0")
    assert done.returncode == 2
    assert done.stderr == "error: TVEC_LOGGER_GAP_MINUTES: Input should be greater than 0\n"


def test_in_a_fridge_every_freezer_reading_is_one_open_excursion() -> None:
    (excursion,) = make_json("--location", "fridge")["excursions"]
    assert excursion["open"] is True
    assert excursion["end"] is None
    assert excursion["readings"] == 22


def test_the_table_names_the_band_its_source_and_the_excursion() -> None:
    done = make_run(str(EXAMPLE), "--location", "freezer")
    assert done.returncode == 0, done.stderr
    for text in (
        "freezer band −90 °C to −70 °C",
        "IMLYGIC, Amgen",
        "any reading out of band counts",
        "2026-01-05 08:20",
        "−65.9",
        "150",
        "clinical judgement",
    ):
        assert text in done.stdout


def test_a_file_in_the_wrong_format_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text("Timestamp,Temperature (°C)\n2026-01-05T08:00:00,-80\n", encoding="utf-8")
    done = make_run(str(bad), "--location", "freezer")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: export.csv, row 2, column 'Timestamp': has no UTC offset, such as +01:00 or Z "
        "(got '2026-01-05T08:00:00')"
    ]


def test_readings_out_of_order_exit_2_naming_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text(
        "Timestamp,Temperature (°C)\n2026-01-05T08:00:00Z,-80\n2026-01-05T07:59:00Z,-80\n",
        encoding="utf-8",
    )
    done = make_run(str(bad), "--location", "freezer")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: row 3: reading at 2026-01-05T07:59:00+00:00 is earlier")


def test_an_unknown_location_and_a_missing_file_exit_2(tmp_path: Path) -> None:
    done = make_run(str(EXAMPLE), "--location", "cellar")
    assert (done.returncode, len(done.stderr.splitlines())) == (2, 1)
    assert "--location" in done.stderr
    done = make_run(str(tmp_path / "absent.csv"), "--location", "fridge")
    assert (done.returncode, done.stderr) == (2, "error: absent.csv: no such file\n")
