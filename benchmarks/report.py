"""The whole outcomes report for a registry-size cohort: where the time goes, and peak memory.

Usage::

    .venv/bin/python benchmarks/report.py --patients 1000000 --seed 1
    .venv/bin/python benchmarks/report.py --patients 20000 --skip-baseline

What is measured
----------------
A synthetic registry (`tvec.analytics.synth.synthesize`) is made first; its time is reported but
is not part of the report. Then, in a fresh forked process that inherits the cohort, the report is
built as ``tvec report --cohort DIR --pdf --csv`` builds it: `outcomes_report` (its ``step``
callback times each section: responses, statistics, every figure drawn and written as SVG, the
content), then the HTML page (`render_html`), the PDF (WeasyPrint: laying the page out in pages,
then writing the PDF) and the CSV zip (`tables_zip`). The figures do not grow with the cohort:
the swimmer plot shows at most 40 responders (evenly spaced by follow-up), the waterfall at most
400 bars (evenly spaced by best change), the survival curves one step per distinct day.

Printed: seconds per section, the total, the PDF's pages and size, and the peak resident memory
of the report's process (``getrusage(RUSAGE_SELF).ru_maxrss`` read in the forked child at its end;
it includes the inherited cohort tables, whose size is printed too).

Baseline, measured in the same process on the same report: **the former PDF renderer**,
matplotlib's PdfPages with one landscape page per table or figure (a cover page of text, the
tables drawn as matplotlib tables, each figure, the methods), as `tvec.reports.pdf` did before
the PDF became the printed HTML page. It is kept here (`pdfpages_baseline`) only to be measured.

Sections: "plots" is building every figure with matplotlib (and what they show, such as each
patient's best change for the waterfall); "plots: <figure>" is writing that figure as SVG text.
Importing WeasyPrint is timed on its own (a process pays it once).

Goal (issue 20) on the 2-core reference machine: the whole report (all tables and figures, HTML
and PDF) for 1,000,000 patients in <= 30 s and <= 4 GB.
"""

from __future__ import annotations

import argparse
import io
import itertools
import multiprocessing
import os
import platform
import resource
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from tvec.analytics.cohort import Cohort
from tvec.analytics.synth import synthesize
from tvec.knowledge import load_criteria
from tvec.reports import (
    folder_source,
    outcomes_report,
    pdf_document,
    render_html,
    tables_zip,
)
from tvec.reports.model import Report

GOAL_SECONDS = 30.0
GOAL_BYTES = 4 * 2**30
BASELINE = "matplotlib PdfPages (the former renderer: landscape pages, one table or figure each)"


@dataclass
class Run:
    sections: list[tuple[str, float]] = field(default_factory=list)  # (name, seconds), in order
    baseline_seconds: float | None = None
    baseline_pages: int = 0
    pdf_pages: int = 0
    pdf_bytes: int = 0
    html_bytes: int = 0
    zip_bytes: int = 0
    peak_rss: int = 0
    load: float = 0.0

    @property
    def total(self) -> float:
        return sum(seconds for _name, seconds in self.sections)


def build(cohort: Cohort, *, baseline: bool = True) -> Run:
    """The report of `cohort`, every section timed (in this process)."""
    run = Run()
    marks: list[tuple[str, float]] = []

    def step(name: str) -> None:
        marks.append((name, time.perf_counter()))

    source = folder_source(cohort, "registry")
    source.synthetic = True
    report = outcomes_report(source, load_criteria("modified-who"), step=step)
    step("end")
    run.sections = [(name, later - at) for (name, at), (_next, later) in itertools.pairwise(marks)]
    started = time.perf_counter()
    html = render_html(report)
    run.sections.append(("HTML page", time.perf_counter() - started))
    started = time.perf_counter()
    import weasyprint  # noqa: F401 (once per process: a server or a command pays it once)

    run.sections.append(("PDF: importing WeasyPrint", time.perf_counter() - started))
    started = time.perf_counter()
    document = pdf_document(report)
    run.sections.append(("PDF: laying out the pages (WeasyPrint)", time.perf_counter() - started))
    started = time.perf_counter()
    pdf = document.write_pdf()
    run.sections.append(("PDF: writing the file (WeasyPrint)", time.perf_counter() - started))
    started = time.perf_counter()
    zipped = tables_zip(report)
    run.sections.append(("CSV zip", time.perf_counter() - started))
    run.pdf_pages, run.pdf_bytes = len(document.pages), len(pdf)
    run.html_bytes, run.zip_bytes = len(html.encode("utf-8")), len(zipped)
    if baseline:
        started = time.perf_counter()
        buffer = io.BytesIO()
        run.baseline_pages = pdfpages_baseline(report, buffer)
        run.baseline_seconds = time.perf_counter() - started
    return run


# --- the baseline: the former matplotlib PdfPages renderer ----------------------------------------


def _text_page(title: str, paragraphs: Sequence[str]) -> Any:
    from tvec.reports.figures.style import INK, new_figure

    fig = new_figure(11.69, 8.27)
    fig.text(0.05, 0.93, title, fontsize=15, color=INK, va="top")
    y = 0.86
    for paragraph in paragraphs:
        lines = textwrap.wrap(paragraph, 150) or [""]
        fig.text(0.05, y, "\n".join(lines), fontsize=9, color=INK, va="top", linespacing=1.4)
        y -= 0.024 * len(lines) + 0.02
    return fig


def _table_page(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Any:
    from tvec.reports.figures.style import INK, new_figure

    fig = new_figure(11.69, 8.27)
    ax = fig.add_axes((0.04, 0.1, 0.92, 0.8))
    ax.axis("off")
    fig.text(0.04, 0.94, title, fontsize=14, color=INK, va="top")
    if rows:
        cells = [list(header), *(list(row) for row in rows)]
        widths = [max(len(line) for line in cell.split("\n")) + 2 for cell in cells[0]]
        for row in cells[1:]:
            widths = [
                max(w, *(len(line) + 2 for line in cell.split("\n")))
                for w, cell in zip(widths, row, strict=True)
            ]
        total = sum(widths)
        table = ax.table(
            cellText=cells[1:],
            colLabels=cells[0],
            colWidths=[w / total for w in widths],
            loc="upper left",
            cellLoc="left",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(max(5.0, min(9.0, 0.92 * 11.69 * 72 / (0.58 * total))))
    return fig


def pdfpages_baseline(report: Report, target: io.BytesIO) -> int:
    """The report as the former renderer wrote it; the number of pages."""
    from matplotlib.backends.backend_pdf import PdfPages

    from tvec.reports.figures.export import rendering

    cover = _text_page(report.title, [report.description, report.disclaimer])
    tables = [_table_page(t.caption, t.header, t.rows) for t in report.tables.values()]
    methods = _text_page("Methods", [f"{head}. {text}" for head, text in report.methods if text])
    pages = [cover, *tables[:2], *(f.figure for f in report.figures), *tables[2:], methods]
    with rendering(), PdfPages(target) as document:
        for page in pages:
            with rendering(page):
                document.savefig(page)
    return len(pages)


# --- running and printing ---------------------------------------------------------------------


def _child(sender: Connection, cohort: Cohort, baseline: bool) -> None:
    load = os.getloadavg()[0]
    try:
        run = build(cohort, baseline=baseline)
    except BaseException as error:
        sender.send(error)
        raise
    run.load = load
    run.peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    sender.send(run)


def run_in_child(cohort: Cohort, baseline: bool) -> Run:
    """The report built in a forked process (it inherits the cohort without copying it)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, cohort, baseline))
    process.start()
    sender.close()
    result = receiver.recv()
    process.join()
    if isinstance(result, BaseException):
        raise RuntimeError("the report failed in its process") from result
    assert isinstance(result, Run)
    return result


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.2f} GB"


def lines(cohort: Cohort, synth_seconds: float, run: Run, seed: int) -> list[str]:
    """The printed lines: the cohort, seconds per section, the baseline, memory, the goals."""
    cohort_bytes = sum(
        a.nbytes for t in (cohort.patients, cohort.lesions, cohort.measurements) for a in t.values()
    )
    out = [
        f"report benchmark: {cohort.n_patients:,} patients, "
        f"{len(cohort.lesions['lesion_id']):,} lesions, {cohort.n_measurements:,} lesion "
        f"measurements, seed {seed}",
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average at the start {run.load:.2f}",
        f"synthesize: {synth_seconds:.1f} s (not part of the report); cohort tables "
        f"{_gb(cohort_bytes)}",
        "",
        f"{'section':<48}{'seconds':>9}{'share':>8}",
    ]
    total = run.total
    for name, seconds in run.sections:
        out.append(f"{name:<48}{seconds:>9.2f}{100 * seconds / total:>7.1f}%")
    out.append(f"{'total':<48}{total:>9.2f}")
    pdf = sum(s for name, s in run.sections if name.startswith("PDF"))
    out += [
        "",
        f"PDF: {run.pdf_pages} portrait pages, {run.pdf_bytes / 1024:.0f} KiB; HTML page "
        f"{run.html_bytes / 1024:.0f} KiB; CSV zip {run.zip_bytes / 1024:.1f} KiB",
    ]
    if run.baseline_seconds is not None:
        out.append(
            f"baseline, {BASELINE}: {run.baseline_seconds:.2f} s for {run.baseline_pages} pages; "
            f"WeasyPrint (layout + writing) {pdf:.2f} s, "
            f"{pdf / run.baseline_seconds:.1f}x the baseline's time"
        )
    out += [
        f"peak memory of the report's process: {_gb(run.peak_rss)} (with the inherited cohort)",
        "",
        f"goal total <= {GOAL_SECONDS:g} s: {'MET' if total <= GOAL_SECONDS else 'NOT MET'} "
        f"({total:.2f} s)",
        f"goal peak memory <= {_gb(GOAL_BYTES)}: "
        f"{'MET' if run.peak_rss <= GOAL_BYTES else 'NOT MET'} ({_gb(run.peak_rss)})",
    ]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-baseline", action="store_true", help="Do not time the former PdfPages renderer."
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cohort = synthesize(args.patients, args.seed)
    synth_seconds = time.perf_counter() - started
    run = run_in_child(cohort, baseline=not args.skip_baseline)
    print("\n".join(lines(cohort, synth_seconds, run, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
