"""Cold-chain import and excursion detection: tvec against pandas, measured in the same run.

Usage::

    .venv/bin/python benchmarks/coldchain.py            # a year, 20 locations (about 10.5M rows)
    .venv/bin/python benchmarks/coldchain.py --small    # a quick look (3 locations, 7 days)

What is measured
----------------
A year of one-minute readings for 20 storage locations (14 freezers, 6 fridges) is written first,
one data-logger CSV per location (`tvec.analytics.logger_csv` layout: ``Timestamp`` in ISO 8601
with the logger's local UTC offset, some with a change to summer time, and ``Temperature (°C)``),
into a temporary directory, from a fixed seed, with planted excursions (a door left open, a
fridge freezing) and planted gaps (the logger stopped). Writing them is timed but belongs to
neither side. Then both sides read every file and find every excursion and "no data" gap:

- **tvec**: `read_logger_csv` (pyarrow's CSV reader, timestamps converted to UTC by it) and
  `detect_excursions` (NumPy) per file, each location's band and rule from the label data;
- **pandas** (the straightforward way): ``pandas.read_csv`` per file, ``pandas.to_datetime(...,
  utc=True, format="ISO8601")``, the files concatenated with a location column, then the same rule
  with ``groupby("location")`` + ``shift``/``diff``/``cumsum``: out-of-band runs, their first and
  next-in-band reading, minimum and maximum, open runs, gaps, and the same refusals of readings out
  of order or duplicated.

Both results are compared exactly (every excursion: location, start, end or open, duration,
lowest and highest °C, readings; every gap), and the times, their ratio and a verdict are
printed. Goal (issue 16) on the 2-core reference machine: tvec <= 5 s and >= 5x faster than pandas.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from tvec.analytics.excursions import detect_excursions
from tvec.analytics.logger_csv import TEMPERATURE, TIMESTAMP, read_logger_csv
from tvec.domain.cold_chain import ExcursionRule, excursion_rule
from tvec.domain.rules import StorageLocation
from tvec.knowledge import load_label

GOAL_SECONDS = 5.0
GOAL_RATIO = 5.0
GAP = timedelta(minutes=60)
YEAR_START = np.datetime64("2025-01-01T00:00", "m")
# (local offset in minutes, summer-time offset or None) per logger; summer time as in the EU:
# last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
ZONES = [(60, 120), (0, 60), (-300, None), (330, None), (-480, None)]
SUMMER = (np.datetime64("2025-03-30T01:00", "m"), np.datetime64("2025-10-26T01:00", "m"))
Result = list[tuple[Any, ...]]


def locations(count: int) -> list[StorageLocation]:
    """Seven of every ten locations are freezers, the rest fridges."""
    return [StorageLocation.FREEZER if i % 10 < 7 else StorageLocation.FRIDGE for i in range(count)]


def _readings(
    rng: np.random.Generator, kind: StorageLocation, minutes: int, still_open: bool
) -> Any:
    """One logger's UTC minutes and °C: noise around the set point, planted excursions and gaps,
    and with `still_open` an excursion still going on at the last reading."""
    at = YEAR_START + np.arange(minutes)
    base, swing, excursion = (-80.0, 0.8, 12.0) if kind is StorageLocation.FREEZER else (5, 0.5, 5)
    temps = base + swing * rng.standard_normal(minutes)
    for _ in range(max(1, minutes // 100_000)):  # planted excursions: 2 to 180 minutes
        start, length = int(rng.integers(0, minutes - 200)), int(rng.integers(2, 180))
        sign = 1 if kind is StorageLocation.FREEZER or rng.random() < 0.5 else -1
        temps[start : start + length] += sign * (excursion + rng.random() * 3)
    if still_open:
        temps[-25:] += excursion
    keep = np.ones(minutes, dtype=bool)
    for _ in range(max(1, minutes // 200_000)):  # planted gaps: 61 to 600 minutes
        start = int(rng.integers(0, minutes - 700))
        keep[start : start + int(rng.integers(61, 600))] = False
    keep[0] = keep[-1] = True
    return at[keep], np.round(temps[keep], 1)


def _local_text(at: Any, zone: tuple[int, int | None]) -> Any:
    """ISO 8601 local times with their UTC offset, as a logger set to that zone exports them."""
    standard, summer = zone
    offset = np.full(len(at), standard, dtype=np.int64)
    if summer is not None:
        offset[(at >= SUMMER[0]) & (at < SUMMER[1])] = summer
    local = np.datetime_as_string(at + offset.astype("timedelta64[m]"), unit="s")
    sign = np.where(offset < 0, "-", "+")
    hours, mins = np.divmod(np.abs(offset), 60)
    suffix = np.char.add(
        np.char.add(sign, np.char.zfill(hours.astype(str), 2)),
        np.char.add(":", np.char.zfill(mins.astype(str), 2)),
    )
    return np.char.add(local, suffix)


def write_files(folder: Path, count: int, days: int, seed: int) -> tuple[list[Path], int]:
    """One CSV per location in `folder`, and the number of readings written."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    paths, rows = [], 0
    for i, kind in enumerate(locations(count)):
        at, temps = _readings(rng, kind, days * 24 * 60, still_open=i == 1)
        table = pa.table({TIMESTAMP: _local_text(at, ZONES[i % len(ZONES)]), TEMPERATURE: temps})
        path = folder / f"logger-{i:02d}-{kind.value}.csv"
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
        paths.append(path)
        rows += len(at)
    return paths, rows


def rules(count: int) -> list[ExcursionRule]:
    label = load_label("us")
    return [excursion_rule(label, kind) for kind in locations(count)]


def tvec_side(paths: list[Path], rule_of: list[ExcursionRule]) -> tuple[Result, Result]:
    excursions: Result = []
    gaps: Result = []
    for i, (path, rule) in enumerate(zip(paths, rule_of, strict=True)):
        r = read_logger_csv(path)
        found = detect_excursions(r.times_ms, r.temperatures_c, rule, GAP, r.first_row)
        excursions += zip(
            [i] * len(found.start_ms),
            found.start_ms.tolist(),
            found.end_ms.tolist(),
            found.duration_ms.tolist(),
            found.min_c.tolist(),
            found.max_c.tolist(),
            found.readings.tolist(),
            strict=True,
        )
        gaps += zip(
            [i] * len(found.gap_after_ms),
            found.gap_after_ms.tolist(),
            found.gap_resumed_ms.tolist(),
            strict=True,
        )
    return excursions, gaps


def pandas_side(paths: list[Path], rule_of: list[ExcursionRule]) -> tuple[Result, Result]:
    import pandas as pd

    frames = []
    for i, path in enumerate(paths):
        raw = pd.read_csv(path)
        at = pd.to_datetime(raw[TIMESTAMP], utc=True, format="ISO8601")
        frames.append(pd.DataFrame({"location": i, "at": at, "t": raw[TEMPERATURE]}))
    df = pd.concat(frames, ignore_index=True)
    df["ms"] = df["at"].astype("datetime64[ms, UTC]").astype("int64")
    by = df.groupby("location", sort=False)
    step = by["ms"].diff()
    if (step <= 0).any():
        raise ValueError(f"readings out of order or duplicated at row {int((step <= 0).idxmax())}")
    low = df["location"].map({i: r.min_c for i, r in enumerate(rule_of)})
    high = df["location"].map({i: r.max_c for i, r in enumerate(rule_of)})
    df["out"] = (df["t"] < low) | (df["t"] > high)
    previous = by["out"].shift(fill_value=False)
    df["run"] = (df["out"] & ~previous).cumsum()
    df["next_ms"] = by["ms"].shift(-1, fill_value=-1)  # -1: no reading after it
    df["last_ms"] = by["ms"].transform("max")
    runs = (
        df[df["out"]]
        .groupby("run", sort=True)
        .agg(
            location=("location", "first"),
            start=("ms", "first"),
            after=("next_ms", "last"),
            low=("t", "min"),
            high=("t", "max"),
            n=("t", "size"),
            last_ms=("last_ms", "first"),
        )
    )
    is_open = runs["after"] == -1
    until = runs["after"].where(~is_open, runs["last_ms"]).astype("int64")
    runs["end"] = until.where(~is_open, -1)
    runs["duration"] = until - runs["start"]
    minimum = {i: r.min_duration / timedelta(milliseconds=1) for i, r in enumerate(rule_of)}
    kept = runs[is_open | (runs["duration"] >= runs["location"].map(minimum))]
    excursions = list(
        kept[["location", "start", "end", "duration", "low", "high", "n"]].itertuples(
            index=False, name=None
        )
    )
    gap_rows = df[step > GAP / timedelta(milliseconds=1)]
    gaps = list(
        zip(
            gap_rows["location"].tolist(),
            (gap_rows["ms"] - step[gap_rows.index]).astype("int64").tolist(),
            gap_rows["ms"].tolist(),
            strict=True,
        )
    )
    return [tuple(_plain(v) for v in row) for row in excursions], gaps


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


@contextmanager
def timed(into: dict[str, float], name: str) -> Iterator[None]:
    gc.collect()
    began = time.perf_counter()
    yield
    into[name] = time.perf_counter() - began


def run(count: int, days: int, seed: int) -> dict[str, Any]:
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tvec-coldchain-") as folder:
        with timed(seconds, "write"):
            paths, rows = write_files(Path(folder), count, days, seed)
        size = sum(p.stat().st_size for p in paths)
        rule_of = rules(count)
        with timed(seconds, "tvec"):
            ours = tvec_side(paths, rule_of)
        with timed(seconds, "pandas"):
            theirs = pandas_side(paths, rule_of)
    return {"seconds": seconds, "tvec": ours, "pandas": theirs, "bytes": size, "rows": rows}


def report(result: dict[str, Any], count: int, days: int, seed: int) -> list[str]:
    s = result["seconds"]
    ours, theirs = result["tvec"], result["pandas"]
    same = ours == theirs
    ratio = s["pandas"] / s["tvec"]
    verdict = s["tvec"] <= GOAL_SECONDS and ratio >= GOAL_RATIO and same
    return [
        f"cold chain: {count} locations x {days} days of one-minute readings, seed {seed}: "
        f"{result['rows']:,} rows in {count} CSV files ({result['bytes'] / 1e6:,.0f} MB), "
        f"written in {s['write']:.1f} s",
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}; pyarrow {version('pyarrow')}, numpy {version('numpy')}, "
        f"reference: pandas {version('pandas')}",
        f"tvec (pyarrow CSV + NumPy)      {s['tvec']:8.2f} s",
        f"pandas (read_csv + groupby)     {s['pandas']:8.2f} s",
        f"ratio pandas / tvec             {ratio:8.1f} x",
        f"excursions: {len(ours[0])} (tvec) vs {len(theirs[0])} (pandas), open "
        f"{sum(1 for e in ours[0] if e[2] == -1)}; no-data gaps: {len(ours[1])} vs "
        f"{len(theirs[1])}; identical: {'yes' if same else 'NO'}",
        f"verdict: tvec {s['tvec']:.2f} s (goal <= {GOAL_SECONDS:g} s), {ratio:.1f}x pandas "
        f"(goal >= {GOAL_RATIO:g}x), identical results -> {'MET' if verdict else 'NOT MET'}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--small", action="store_true", help="3 locations, 7 days")
    args = parser.parse_args(argv)
    count, days = (3, 7) if args.small else (args.locations, args.days)
    result = run(count, days, args.seed)
    print("\n".join(report(result, count, days, args.seed)))
    return 0 if result["tvec"] == result["pandas"] else 1


if __name__ == "__main__":
    sys.exit(main())
