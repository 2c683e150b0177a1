"""The report benchmark runs (its figures are not tested: timing belongs to the script).

`benchmarks/report.py` builds the whole report (tables, figures, HTML page, PDF, CSV zip) and
times the former matplotlib PdfPages renderer as its baseline; here it runs on a small cohort.
"""

from __future__ import annotations

import pytest
from benchmarks.report import BASELINE, build, lines, main

from tvec.analytics.synth import synthesize


def test_the_benchmark_times_every_section_and_the_baseline() -> None:
    cohort = synthesize(300, 2)
    run = build(cohort)
    names = [name for name, _seconds in run.sections]
    assert names[:3] == ["computing responses", "statistics", "plots"]
    assert "plots: waterfall plot" in names
    assert names[-5:] == [
        "HTML page",
        "PDF: importing WeasyPrint",
        "PDF: laying out the pages (WeasyPrint)",
        "PDF: writing the file (WeasyPrint)",
        "CSV zip",
    ]
    assert all(seconds >= 0 for _name, seconds in run.sections)
    assert run.pdf_pages >= 8
    assert run.baseline_pages >= 13  # the former renderer: a landscape page per table or figure
    assert run.baseline_seconds is not None
    text = "\n".join(lines(cohort, 0.1, run, seed=2))
    assert f"baseline, {BASELINE}" in text
    assert "goal total <= 30 s" in text
    assert "goal peak memory <= 4.00 GB" in text


def test_the_script_runs_in_its_own_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--patients", "200", "--skip-baseline"]) == 0
    out = capsys.readouterr().out
    assert "report benchmark: 200 patients" in out
    assert "peak memory of the report's process" in out
