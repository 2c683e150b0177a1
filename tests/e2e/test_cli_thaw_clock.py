"""`tvec thaw-clock` as a pharmacist runs it: the example file, standard input, one-line refusals."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "thaw-clock.json"
KEYS = ["expired", "expires_at", "remaining_minutes", "limit_sources"]


def tvec(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "tvec", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_the_example_gives_the_syringe_time_as_the_binding_limit() -> None:
    done = tvec("thaw-clock", str(EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    clock = json.loads(done.stdout)
    assert list(clock) == KEYS
    assert clock["expired"] is False
    # drawn at 15:30 at room temperature: the 10^6 syringe's 2 h end first
    assert clock["expires_at"] == "2026-03-02T17:30:00-05:00"
    assert clock["remaining_minutes"] == 90
    assert clock["limit_sources"][0] == "syringe at up to 25 °C: 2 h [Swiss label, Table 6]"
    assert any("lot-specific limit: 18 h" in s for s in clock["limit_sources"])


def test_standard_input_and_the_table() -> None:
    text = EXAMPLE.read_text().replace("T16:00:00", "T18:00:00")
    done = tvec("thaw-clock", "-", stdin=text)
    assert done.returncode == 0, done.stderr
    assert "EXPIRED: discard" in done.stdout
    assert "binding limit" in done.stdout
    assert "(tvec ruling)" in done.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("T09:00:00-05:00", "T07:00:00-05:00"), "error: events[1]: at is earlier than events[0]"),
        (('"to_fridge"', '"to_freezer"'), "error: events[1]: event must be one of: thawed,"),
        (("T16:00:00-05:00", "T16:00:00"), "error: thaw clock: now must carry a time zone"),
        (
            ('"lot_limit_hours": 18', '"lot_limit_hours": "18"'),
            "error: input: lot_limit_hours must be a JSON number",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(change: tuple[str, str], message: str) -> None:
    done = tvec("thaw-clock", "-", "--json", stdin=EXAMPLE.read_text().replace(*change))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1
