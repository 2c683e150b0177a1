"""`tvec gs1 parse`: the pharmacist's check of one carton scan from the command line.

Run as a real process: the scan as an argument or on standard input (`-`); JSON with exactly the
carton's fields; a bad scan is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SCAN = "(01)00355513078016(17)270600(10)UX8-C11(21)ABC123"


def make_run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tvec", "gs1", "parse", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_scan_prints_the_cartons_fields_as_json() -> None:
    done = make_run(SCAN, "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == {
        "gtin": "00355513078016",
        "ndc": "55513-078-01",
        "ndc11": "55513-0078-01",
        "strength_pfu_per_ml": 1_000_000,
        "lot": "UX8-C11",
        "expiry": "2027-06-30",
        "serial": "ABC123",
    }


def test_a_scan_with_the_group_separator_is_read_from_standard_input() -> None:
    done = make_run("-", "--json", stdin="01003555130790131728031510ux8-c11\x1d211001\n")
    assert done.returncode == 0, done.stderr
    carton = json.loads(done.stdout)
    assert (carton["strength_pfu_per_ml"], carton["lot"], carton["expiry"]) == (
        100_000_000,
        "ux8-c11",
        "2028-03-15",
    )


def test_without_json_the_carton_is_a_table_in_the_pharmacys_words() -> None:
    done = make_run("01003555130790131728031510UX8{GS}211001")
    assert done.returncode == 0, done.stderr
    assert "55513-0079-01" in done.stdout
    assert "100,000,000 PFU/mL" in done.stdout


@pytest.mark.parametrize(
    ("scan", "line"),
    [
        (
            "(01)00355513078017(17)270600(10)L(21)S",
            "error: product code 00355513078017 fails its GS1 check digit: a misread, scan the "
            "carton again\n",
        ),
        ("(01)04006381333931(17)270600(10)L(21)S", "error: product code 04006381333931 is not "),
        ("not a barcode", "error: not a GS1 carton barcode ("),
    ],
)
def test_a_bad_scan_exits_2_with_one_line(scan: str, line: str) -> None:
    done = make_run(scan, "--json")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(line)
    assert done.stderr.count("\n") == 1
