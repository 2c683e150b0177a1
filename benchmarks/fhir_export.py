"""FHIR (mCODE) bulk export: tvec's streaming NDJSON export against the fhir.resources models.

Usage::

    .venv/bin/python benchmarks/fhir_export.py                    # 100,000 patients, sample 1,000
    .venv/bin/python benchmarks/fhir_export.py --patients 2000 --sample 200

What is measured
----------------
Synthetic patients (`synthetic_patients`: a fixed seed, plain `PatientRecords` values made in
memory, about 30 resources each: diagnosis and stage, 1 to 5 lesions measured at 2 to 5
assessments, an injection into most lesions at each of 1 to 4 visits, adverse events, the
disease status at each assessment after baseline, a course; vial lots and nurses shared by the
centre) are exported two ways, in the same run:

- **tvec**: every patient, `tvec.interop.fhir.mcode.patient_resources` (plain dicts) streamed
  into `tvec.interop.fhir.ndjson.NdjsonWriter` (one NDJSON file per resource type, one `write`
  per batch of lines, the shared lots and nurses once);
- **fhir.resources** (the straightforward way), on the first `--sample` patients: the same
  dicts, each turned into its R4B model (`get_fhir_model_class(type).model_validate`) and
  serialised with `model_dump_json()`, one NDJSON file per type, the shared ones once.

The records are made in chunks of 1,000 patients outside the timed part; only building and
writing are timed. Both ways' files for the sample are compared line by line after putting each
line in canonical form (`json.loads`, then `json.dumps(sort_keys=True, separators=(",", ":"))`):
the tvec lines for the sample are the first lines of each of its files, since the patients come
in the same order. Peak memory is the process's largest resident size (`getrusage`), read after
the tvec export and at the end. Goals (issue 19, the 2-core reference machine): at least 50,000
resources/s, at least 10x the straightforward way, at most 2 GB, identical output.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from itertools import islice
from pathlib import Path
from typing import Any

from tvec.interop.fhir import mcode as m
from tvec.interop.fhir.mcode.build import SHARED_TYPES
from tvec.interop.fhir.ndjson import NdjsonWriter
from tvec.knowledge.fhir_codes import FhirCodes, load_fhir_codes

GOAL_RATE = 50_000.0
GOAL_RATIO = 10.0
GOAL_MEMORY_MB = 2048.0
CHUNK = 1000
LOTS = 24  # vial lots of the centre
NURSES = 12
GIVEN = ("Ada", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grete", "Hugo", "Ines", "Jonas")
FAMILY = ("Alder", "Brook", "Castell", "Dunmore", "Eskola", "Fournier", "Galli", "Hartmann")
STAGES = ("IIIB", "IIIC", "IIID", "IVM1a", "IVM1b")
SITES = ("cutaneous", "cutaneous", "subcutaneous", "nodal")
PLACES = ("left forearm", "right thigh", "scalp", "upper back", "left groin", "right axilla")
METHODS = ("caliper", "caliper", "ruler", "ultrasound", "photo")
VOLUMES = tuple(Decimal(v) for v in ("0.1", "0.5", "1.0", "2.0", "4.0"))
TERMS = ("Fatigue", "Chills", "Pyrexia", "Nausea", "Influenza like illness", "Injection site pain")
STATUS = {"CR": "CR", "PR": "PR (unconfirmed)", "SD": "SD", "PD": "PD (confirmed)"}
CRITERIA = "Modified WHO"


def synthetic_patients(count: int, seed: int) -> Iterator[m.PatientRecords]:
    """`count` patients of one centre, from `seed`; ids are unique per kind of record."""
    rng = random.Random(seed)
    ids = dict.fromkeys(("lesion", "measurement", "administration", "adverse_event"), 0)

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    lots = [
        m.LotRecord(i, f"LOT-{i:04d}", 10**6 if i % 3 == 0 else 10**8, date(2027, 1 + i % 12, 28))
        for i in range(1, LOTS + 1)
    ]
    nurses = [
        m.StaffRecord(i, f"Nurse {FAMILY[i % len(FAMILY)]} {i}") for i in range(1, NURSES + 1)
    ]
    for pid in range(1, count + 1):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
        patient = m.PatientRecord(
            pid,
            1,
            f"MRN-{pid:07d}",
            rng.choice(GIVEN),
            rng.choice(FAMILY),
            date(1940 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)),
            rng.choice(("female", "male")),
        )
        lesions = tuple(
            m.LesionRecord(
                next_id("lesion"), f"L{n + 1}", rng.choice(SITES), rng.choice(PLACES), start
            )
            for n in range(rng.randint(1, 5))
        )
        assessed = [start + timedelta(weeks=6 * k) for k in range(rng.randint(2, 5))]
        measurements = tuple(
            m.MeasurementRecord(
                next_id("measurement"),
                les.id,
                on,
                Decimal(rng.randint(3, 60)) / 10,
                Decimal(rng.randint(2, 50)) / 10,
                rng.choice(METHODS),
            )
            for on in assessed
            for les in lesions
        )
        ended = rng.random() < 0.4
        course = m.CourseRecord(pid, start, assessed[-1] if ended else None)
        given = []
        for v in range(rng.randint(1, 4)):
            at = datetime.combine(start + timedelta(weeks=3 * v), datetime.min.time(), UTC)
            lot, nurse = rng.choice(lots), rng.choice(nurses)
            for les in lesions:
                if rng.random() < 0.9:
                    at += timedelta(minutes=rng.randint(2, 9))
                    given.append(
                        m.AdministrationRecord(
                            next_id("administration"),
                            course.id,
                            les.id,
                            les.name,
                            rng.choice(VOLUMES),
                            lot.id,
                            nurse.id,
                            at,
                        )
                    )
            if rng.random() < 0.1:  # an injection into a cluster that is not one lesion
                given.append(
                    m.AdministrationRecord(
                        next_id("administration"),
                        course.id,
                        None,
                        "satellite cluster",
                        Decimal("0.5"),
                        lot.id,
                        nurse.id,
                        at + timedelta(minutes=5),
                    )
                )
        used_lots = {a.lot_id for a in given}
        used_staff = {a.performer_id for a in given}
        events = tuple(
            m.AdverseEventRecord(
                next_id("adverse_event"),
                rng.choice(TERMS),
                rng.choice((1, 1, 2, 3)),
                rng.random() < 0.05,
                start + timedelta(days=rng.randrange(1, 60)),
            )
            for _ in range(rng.choice((0, 1, 1, 2, 3)))
        )
        status = tuple(
            m.DiseaseStatusRecord(on, cat, STATUS[cat], CRITERIA)
            for on in assessed[1:]
            for cat in [rng.choice(tuple(STATUS))]
        )
        yield m.PatientRecords(
            patient=patient,
            diagnosis=m.DiagnosisRecord(pid, rng.choice(STAGES), start - timedelta(days=20)),
            lesions=lesions,
            measurements=measurements,
            courses=(course,),
            lots=tuple(lot for lot in lots if lot.id in used_lots),
            staff=tuple(n for n in nurses if n.id in used_staff),
            administrations=tuple(given),
            adverse_events=events,
            disease_status=status,
        )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


class _Clock:
    """Wall-clock and CPU seconds of the `with` blocks it times, added up."""

    def __init__(self) -> None:
        self.seconds = (0.0, 0.0)

    def __enter__(self) -> None:
        self._began = (time.perf_counter(), time.process_time())

    def __exit__(self, *_: object) -> None:
        wall, cpu = self.seconds
        self.seconds = (
            wall + time.perf_counter() - self._began[0],
            cpu + time.process_time() - self._began[1],
        )


def tvec_export(
    count: int, seed: int, out: Path, codes: FhirCodes
) -> tuple[dict[str, int], tuple[float, float]]:
    """Every patient through tvec's streaming export; the counts per type and the seconds spent
    building and writing (making the records, chunk by chunk, is not timed)."""
    patients = synthetic_patients(count, seed)
    clock = _Clock()
    with clock:
        writer = NdjsonWriter(out, once=SHARED_TYPES)
    while chunk := list(islice(patients, CHUNK)):
        with clock:
            for records in chunk:
                writer.write(m.patient_resources(records, codes))
    with clock:
        writer.close()
    return writer.counts, clock.seconds


def model_export(
    count: int, seed: int, out: Path, codes: FhirCodes
) -> tuple[dict[str, int], tuple[float, float]]:
    """The first `count` patients the straightforward way: each resource as its fhir.resources
    R4B model, serialised by the model, one file per type, shared resources once."""
    from fhir.resources.R4B import get_fhir_model_class

    records = list(synthetic_patients(count, seed))
    for kind in {
        r["resourceType"] for rec in records[:50] for r in m.patient_resources(rec, codes)
    }:
        get_fhir_model_class(kind)  # imported before the clock starts
    clock = _Clock()
    clock.__enter__()
    lines: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for rec in records:
        for res in m.patient_resources(rec, codes):
            kind = res["resourceType"]
            if kind in SHARED_TYPES:
                if (kind, res["id"]) in seen:
                    continue
                seen.add((kind, res["id"]))
            model = get_fhir_model_class(kind).model_validate(res)
            lines.setdefault(kind, []).append(model.model_dump_json() + "\n")
    for kind, found in lines.items():
        (out / f"{kind}.ndjson").write_text("".join(found), encoding="utf-8")
    clock.__exit__()
    return {kind: len(found) for kind, found in lines.items()}, clock.seconds


def canonical(line: str) -> str:
    return json.dumps(json.loads(line), sort_keys=True, separators=(",", ":"))


def compare(ours: Path, theirs: Path, counts: dict[str, int]) -> tuple[int, list[str]]:
    """Lines compared, and where the canonical forms differ (type and line number)."""
    compared, differ = 0, []
    for kind, n in counts.items():
        with (
            (ours / f"{kind}.ndjson").open(encoding="utf-8") as a,
            (theirs / f"{kind}.ndjson").open(encoding="utf-8") as b,
        ):
            for i, (x, y) in enumerate(zip(islice(a, n), b, strict=True)):
                compared += 1
                if canonical(x) != canonical(y):
                    differ.append(f"{kind}.ndjson line {i + 1}")
    return compared, differ


def parse_all(folder: Path) -> int:
    """Every line of every file parses as JSON with a resourceType; how many lines."""
    lines = 0
    for path in sorted(folder.glob("*.ndjson")):
        with path.open(encoding="utf-8") as f:
            for line in f:
                assert json.loads(line)["resourceType"] == path.stem
                lines += 1
    return lines


def run(patients: int, sample: int, seed: int, out: Path) -> dict[str, Any]:
    codes = load_fhir_codes()
    fast, slow = out / "tvec", out / "fhir-resources"
    for folder in (fast, slow):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    before, load = _peak_mb(), [os.getloadavg()[0]]
    counts, seconds = tvec_export(patients, seed, fast, codes)
    after_tvec = _peak_mb()
    sample = min(sample, patients)
    load.append(os.getloadavg()[0])
    model_counts, model_seconds = model_export(sample, seed, slow, codes)
    load.append(os.getloadavg()[0])
    compared, differ = compare(fast, slow, model_counts)
    return {
        "counts": counts,
        "seconds": seconds,
        "model_counts": model_counts,
        "model_seconds": model_seconds,
        "compared": compared,
        "differ": differ,
        "bytes": sum(p.stat().st_size for p in fast.glob("*.ndjson")),
        "memory_mb": (before, after_tvec, _peak_mb()),
        "patients": patients,
        "sample": sample,
        "load": load,
    }


def report(result: dict[str, Any], seed: int) -> list[str]:
    n, (s, cpu) = sum(result["counts"].values()), result["seconds"]
    mn, (ms, model_cpu) = sum(result["model_counts"].values()), result["model_seconds"]
    rate, model_rate = n / s, mn / ms
    ratio = rate / model_rate
    before, after_tvec, peak = result["memory_mb"]
    same = not result["differ"] and result["compared"] == mn
    met = rate >= GOAL_RATE and ratio >= GOAL_RATIO and peak <= GOAL_MEMORY_MB and same
    types = ", ".join(f"{k} {v:,}" for k, v in sorted(result["counts"].items()))
    loads = " / ".join(f"{x:.2f}" for x in result["load"])
    return [
        f"FHIR mCODE export: {result['patients']:,} synthetic patients (seed {seed}), "
        f"{n:,} resources, {result['bytes'] / 1e6:,.0f} MB of NDJSON; sample "
        f"{result['sample']:,} patients for the models",
        f"  {types}",
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {loads} "
        f"(start / after tvec / end); reference: fhir.resources {version('fhir.resources')} "
        f"(R4B), pydantic {version('pydantic')}",
        f"{'way':<44}{'resources':>11}{'seconds':>9}{'resources/s':>13}{'CPU s':>8}"
        f"{'per CPU s':>11}",
        f"{'tvec (dicts, streamed NDJSON)':<44}{n:>11,}{s:>9.2f}{rate:>13,.0f}{cpu:>8.2f}"
        f"{n / cpu:>11,.0f}",
        f"{'fhir.resources (model_validate + dump_json)':<44}{mn:>11,}{ms:>9.2f}"
        f"{model_rate:>13,.0f}{model_cpu:>8.2f}{mn / model_cpu:>11,.0f}",
        f"ratio tvec / fhir.resources: {ratio:.1f}x (by CPU time "
        f"{(n / cpu) / (mn / model_cpu):.1f}x)",
        f"peak memory (max RSS): {before:,.0f} MB before, {after_tvec:,.0f} MB after the tvec "
        f"export, {peak:,.0f} MB at the end",
        f"same output on the sample (canonical JSON, line by line): "
        f"{'yes' if same else 'NO'}, {result['compared']:,} of {mn:,} lines compared"
        + (f"; first differences: {', '.join(result['differ'][:5])}" if result["differ"] else ""),
        f"verdict: {rate:,.0f} resources/s (goal >= {GOAL_RATE:,.0f}), {ratio:.1f}x "
        f"(goal >= {GOAL_RATIO:g}x), {peak:,.0f} MB (goal <= {GOAL_MEMORY_MB:,.0f}), "
        f"identical -> {'MET' if met else 'NOT MET'}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000, help="patients for the models")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="folder for the files (default: temporary)")
    args = parser.parse_args(argv)
    if args.out is not None:
        result = run(args.patients, args.sample, args.seed, args.out)
    else:
        with tempfile.TemporaryDirectory(prefix="tvec-fhir-") as folder:
            result = run(args.patients, args.sample, args.seed, Path(folder))
    print("\n".join(report(result, args.seed)))
    return 0 if not result["differ"] else 1


if __name__ == "__main__":
    sys.exit(main())
