"""`benchmarks/study_tables.py` runs briefly and finds tvec's tables equal to pandas' (its smoke test)."""

from __future__ import annotations

from benchmarks.study_tables import run


def test_the_benchmark_runs_and_both_ways_agree() -> None:
    lines = run(3000, 4)
    assert "baseline: pandas" in lines[0]
    rows = {line.split()[0]: line for line in lines[2:] if not line.startswith(" ")}
    for table in ("demographics", "baseline", "exposure", "disposition"):
        assert rows[table].endswith("True"), rows[table]
    assert any(line.startswith("  HR T-VEC vs GM-CSF") for line in lines)
