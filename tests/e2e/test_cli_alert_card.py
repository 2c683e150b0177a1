"""`tvec alert-card`: a specimen card for a centre to review, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.alert_card import A4_PT, WALLET_PT, pdf_pages

ROOT = Path(__file__).parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tvec", "alert-card", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_specimen_card_is_a_wallet_or_a4_pdf(tmp_path: Path) -> None:
    for size, pages in (("wallet", [WALLET_PT, WALLET_PT]), ("a4", [A4_PT])):
        target = tmp_path / f"{size}.pdf"
        done = run(
            "--centre", "Test centre", "--phone", "+1 555 0100", "--size", size, "-o", str(target)
        )
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert pdf_pages(target.read_bytes()) == pages


def test_the_specimens_texts_as_json() -> None:
    done = run("--centre", "Test centre", "--json")
    assert done.returncode == 0, done.stderr
    card = json.loads(done.stdout)
    assert card["patient_name"].startswith("SPECIMEN")
    assert card["product"] == "IMLYGIC"
    assert "SmPC §4.2" in card["sources"]


def test_a_bad_size_or_no_output_is_one_line_and_exit_2() -> None:
    for args, message in (
        (("--size", "letter", "-o", "x.pdf"), "error: --size must be one of wallet, a4\n"),
        ((), "error: --output is needed for the PDF (or ask for --json)\n"),
    ):
        done = run("--centre", "Test centre", *args)
        assert (done.returncode, done.stdout, done.stderr) == (2, "", message)
