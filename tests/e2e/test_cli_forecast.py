"""`tvec forecast FILE`: the example runs as a user would run it (a subprocess), prints per week
and strength the expected vials and intervals and the order; bad input is one line naming the
field, exit code 2, nothing on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples/forecast.json"


def make_run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tvec", "forecast", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def make_request(**changes: object) -> str:
    request = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    request.update(changes)
    return json.dumps(request)


def test_the_example_forecast_as_json() -> None:
    done = make_run(str(EXAMPLE), "--weeks", "4", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["as_of"] == "2026-01-05"
    assert out["weeks"] == 4
    assert {d["pfu_per_ml"] for d in out["totals"]} == {1_000_000, 100_000_000}
    for d in out["demand"] + out["totals"]:
        low80, high80 = d["interval_80"]
        low95, high95 = d["interval_95"]
        assert low95 <= low80 <= d["expected"] <= high80 <= high95 <= d["planned"]
    for order in out["orders"]:
        assert order["order_vials"] == max(0, order["need"] - order["usable"])
    assert "Monte Carlo" in out["method"]
    assert any("USPI §2.2 Table 2" in source for source in out["sources"])


def test_the_example_forecast_as_a_table() -> None:
    done = make_run(str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "2026-W02" in done.stdout
    assert "order 10^8 PFU/mL" in done.stdout
    assert "does not replace, clinical judgement" in done.stdout


def test_standard_input_and_more_weeks() -> None:
    done = make_run("-", "--weeks", "2", "--json", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    assert {d["week"] for d in json.loads(done.stdout)["demand"]} <= {"2026-W02", "2026-W03"}


BAD = [
    ("as_of missing", {"as_of": None}, "as_of"),
    ("a visit's date", {"visits": [{"patient": "P-101", "date": "5 Jan", "visit": "initial"}]},
     "visits[0].date"),
    ("an unknown patient", {"visits": [{"patient": "X", "date": "2026-01-06", "visit": "second"}]},
     "visits[0].patient"),
    ("a strength not on the label",
     {"stock": [{"lot": "Z", "pfu_per_ml": 5, "vials": 1, "expiry": "2027-01-01"}]},
     "stock[0].pfu_per_ml"),
    ("a negative lead time", {"lead_time_days": -1}, "lead_time_days"),
    ("a lesion's size as text",
     {"patients": [{"id": "P-101", "lesions": [{"id": "L1", "longest_cm": "3", "site": "nodal"}]}]},
     "patients[0].lesions[0].longest_cm"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "change", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_the_field(name: str, change: dict, field: str) -> None:
    request = json.loads(make_request())
    for key, value in change.items():
        if value is None:
            del request[key]
        else:
            request[key] = value
    done = make_run("-", stdin=json.dumps(request))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: ")
    assert done.stderr.count("\n") == 1
    assert field in done.stderr


def test_not_json_and_zero_weeks_are_refused() -> None:
    done = make_run("-", stdin="{")
    assert (done.returncode, done.stdout) == (2, "")
    assert "not valid JSON" in done.stderr
    done = make_run(str(EXAMPLE), "--weeks", "0")
    assert (done.returncode, done.stdout) == (2, "")
    assert "--weeks" in done.stderr


def test_a_lesion_the_planner_refuses_names_the_patients_place_not_the_pseudonym() -> None:
    lesion = {"id": "H1", "longest_cm": 3, "site": "visceral", "route": "intravenous"}
    request = json.loads(make_request())
    request["patients"][1]["lesions"] = [lesion]
    done = make_run("-", stdin=json.dumps(request))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: patients[1]: lesion H1: route")
    assert "P-102" not in done.stderr
