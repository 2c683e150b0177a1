"""`benchmarks/coldchain.py` runs (small) and both sides find the same excursions and gaps.

Its correctness guarantee only: no timing is asserted. The planted excursions, the one still open
at the end and the gaps are all found, identically, by tvec and by the pandas reference.
"""

from __future__ import annotations

from benchmarks.coldchain import main, run


def test_tvec_and_the_pandas_reference_find_the_same_excursions_and_gaps() -> None:
    result = run(count=3, days=7, seed=3)
    excursions, gaps = result["tvec"]
    assert (excursions, gaps) == result["pandas"]
    assert any(e[2] == -1 for e in excursions)  # the excursion still open at the last reading
    assert {e[0] for e in excursions} == {0, 1, 2}
    assert len(gaps) >= 3
    assert result["rows"] > 3 * 6 * 24 * 60


def test_the_script_prints_both_times_the_ratio_and_the_verdict(capsys: object) -> None:
    assert main(["--small"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    for text in ("tvec (pyarrow CSV + NumPy)", "pandas (read_csv + groupby)", "ratio", "verdict"):
        assert text in out
    assert "identical: yes" in out
