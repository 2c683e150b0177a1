"""Start-up time of the `tvec` command line, beside `python -c pass` measured in the same run.

Usage::

    .venv/bin/python benchmarks/cli_startup.py [--runs 21]

Each command runs ``--runs`` times, every run a fresh process started the way a user starts it
(the ``tvec`` script of the environment running this benchmark). The commands take turns, one run
of each per round after one untimed warm-up round (which compiles and caches the modules), so a
busy moment slows all of them alike. Printed: the median and the fastest run of each command, its
median minus the median of ``python -c pass`` (the interpreter's own start, the baseline), and the
median CPU time (user + system) of its process, which other work on the machine changes least.

The commands import lazily (`tvec.cli.main`): ``tvec --help`` lists the commands without importing
them, and a command imports only what it needs, so neither pays for NumPy, SciPy, SQLAlchemy,
FastAPI or Matplotlib.

Goal (issue 13): ``tvec --help`` and ``tvec dose-plan examples/visit-initial.json`` each take at
most 0.3 s (median). The exit status is 0 whatever the verdict (this is a measurement) and 1 if a
command fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "examples/visit-initial.json"
GOAL_SECONDS = 0.3


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]
    goal: bool  # held to GOAL_SECONDS (the baseline is not)


def tvec_script() -> str:
    """The `tvec` script beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).with_name("tvec")
    if beside.exists():
        return str(beside)
    found = shutil.which("tvec")
    if found is None:
        raise SystemExit("error: no `tvec` script beside this Python or on PATH; run `make run`")
    return found


def commands() -> list[Command]:
    tvec = tvec_script()
    return [
        Command("python -c pass", [sys.executable, "-c", "pass"], goal=False),
        Command("tvec --help", [tvec, "--help"], goal=True),
        Command(f"tvec dose-plan {EXAMPLE}", [tvec, "dose-plan", EXAMPLE], goal=True),
    ]


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds from start to exit
    cpu: float  # user + system CPU seconds of the process: what a busy machine changes least


def run_once(command: Command) -> Timing:
    """One fresh process of `command`; a failure stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command.argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(f"error: `{command.name}` exited {done.returncode}\n")
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise SystemExit(1)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu)


def measure(cmds: Sequence[Command], runs: int) -> dict[str, list[Timing]]:
    """Every command's timings, the commands taking turns round by round."""
    for command in cmds:
        run_once(command)  # warm-up: bytecode and file caches
    times: dict[str, list[Timing]] = {command.name: [] for command in cmds}
    for _ in range(runs):
        for command in cmds:
            times[command.name].append(run_once(command))
    return times


def report(cmds: Sequence[Command], times: dict[str, list[Timing]], load: float) -> list[str]:
    """The printed lines: header, one row per command, the goals."""

    def median(name: str, part: str = "wall") -> float:
        return statistics.median(getattr(t, part) for t in times[name])

    baseline = median(cmds[0].name)
    width = max(len(command.name) for command in cmds) + 2
    lines = [
        f"CLI start-up: {len(times[cmds[0].name])} runs of each command, in seconds",
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"load average before {load:.2f}",
        "",
        f"{'command':<{width}}{'median':>9}{'fastest':>9}{'minus baseline':>16}{'median CPU':>12}",
    ]
    for command in cmds:
        name = command.name
        extra = f"{median(name) - baseline:+.3f}" if command.goal else "baseline"
        fastest = min(t.wall for t in times[name])
        lines.append(
            f"{name:<{width}}{median(name):>9.3f}{fastest:>9.3f}{extra:>16}"
            f"{median(name, 'cpu'):>12.3f}"
        )
    lines.append("")
    for command in cmds:
        if command.goal:
            wall = median(command.name)
            verdict = "MET" if wall <= GOAL_SECONDS else "NOT MET"
            lines.append(f"goal {command.name} <= {GOAL_SECONDS:g} s: {verdict} ({wall:.3f} s)")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs of each command")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    cmds = commands()
    load = os.getloadavg()[0]
    print("\n".join(report(cmds, measure(cmds, args.runs), load)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
