"""The load benchmark still runs end to end: a real server, real clients, every request answered.

A small, slow run (20 requests/s, 2 clients, 1 s per scenario) on SQLite. Nothing about speed is
asserted here (that is what the benchmark itself reports); only that the script works and that
the server answers every planning and recording request with a 2xx, with the CPU each took.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_api_load_benchmark_runs_and_every_request_is_answered() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVEC_")}
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "api_load.py"),
            "--backend",
            "sqlite",
            "--seconds",
            "1",
            "--rate",
            "20",
            "--clients",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=env,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {
        name: line
        for line in run.stdout.splitlines()
        for name in ("health (baseline)", "plan next visit", "record administration")
        if line.startswith(name)
    }
    assert set(rows) == {"health (baseline)", "plan next visit", "record administration"}
    server_total = 0.0
    for name, line in rows.items():
        requests, errors = map(int, re.findall(r"\d+", line[len(name) :])[:2])
        assert requests == 20, line
        assert errors == 0, line
        # The last three columns: CPU ms per request of the server, the database and the client
        # (/proc counts CPU in 10 ms ticks: one small scenario may show none, the three do)
        server_ms, database_ms, _client_ms = map(float, line.split()[-3:])
        assert database_ms == 0, line  # SQLite: no database server
        server_total += server_ms
    assert server_total > 0
    assert re.search(r"CPU during the scenarios: benchmark \d+%, .* \(steal\) \d+%", run.stdout)
    # Every client connection is held by some server worker: 2 clients, 2 in all
    spread = re.search(
        r"client connections per server worker: health \(baseline\) ([\d/]+)", run.stdout
    )
    assert spread, run.stdout
    assert sum(map(int, spread.group(1).split("/"))) == 2, run.stdout
    assert re.search(r"verdict \(sqlite\): planning p99 [\d.]+ ms", run.stdout)
