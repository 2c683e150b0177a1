"""`tvec claim` as the billing office runs it: the example file, and one-line refusals."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "claim.json"


def tvec(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tvec", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        check=False,
    )


def test_the_example_visit_bills_110_units_90_jw_96405_and_76942() -> None:
    done = tvec("claim", str(EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    lines = json.loads(done.stdout)["lines"]
    assert [(ln["code"], ln["modifiers"], ln["units"]) for ln in lines] == [
        ("J9325", [], 110),
        ("J9325", ["JW"], 90),
        ("96405", [], 1),
        ("76942", [], 1),
    ]
    assert (lines[1]["ndc11"], lines[1]["ndc_unit"], lines[1]["ndc_quantity"]) == (
        "55513007901",
        "ML",
        0.9,
    )
    assert "ndc11" not in lines[2]


def test_the_table() -> None:
    done = tvec("claim", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    assert "N4 55513007901" in done.stdout
    assert "JW" in done.stdout


VISIT = json.loads(EXAMPLE.read_text())


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"surplus": 1}, "surplus is not a known field"),
        ({"vials_thawed": "2"}, "vials_thawed must be a whole JSON number"),
        ({"administrations": []}, "administrations needs at least one administration"),
        ({"diagnosis_codes": ["C43.71", "C43.7"]}, "diagnosis_codes[1] is not an ICD-10-CM code"),
        ({"service_date": "6/12/2026"}, "service_date must be a date"),
        ({"pfu_per_ml": 5}, "pfu_per_ml must be one of"),
    ],
)
def test_bad_input_is_one_line_naming_the_field(change: dict[str, object], named: str) -> None:
    done = tvec("claim", "-", "--json", stdin=json.dumps({**VISIT, **change}))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert named in done.stderr, done.stderr


def test_a_volume_given_as_text_is_refused() -> None:
    bad = {**VISIT, "administrations": [{"lesion_id": "L1", "volume_ml": "1.0"}]}
    done = tvec("claim", "-", stdin=json.dumps(bad))
    assert done.returncode == 2
    assert "administrations[0].volume_ml must be a JSON number" in done.stderr
