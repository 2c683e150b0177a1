"""`benchmarks/fhir_export.py` runs (tiny) and tvec's streamed NDJSON says what the fhir.resources
models say, line by line; `tvec.interop.fhir.ndjson` writes what `json.dumps` would.

Correctness only: no timing is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks.fhir_export import main, parse_all, run, synthetic_patients
from fhir.resources.R4B import get_fhir_model_class

from tvec.interop.fhir import mcode as m
from tvec.interop.fhir import ndjson
from tvec.knowledge.fhir_codes import load_fhir_codes


def test_tvec_and_the_r4b_models_write_the_same_resources(tmp_path: Path) -> None:
    result = run(patients=50, sample=20, seed=3, out=tmp_path)
    assert result["differ"] == []
    assert result["compared"] == sum(result["model_counts"].values()) > 20 * 20
    total = sum(result["counts"].values())
    assert parse_all(tmp_path / "tvec") == total
    assert parse_all(tmp_path / "fhir-resources") == result["compared"]
    assert 20 <= total / 50 <= 40  # about 30 resources a patient
    assert {
        "Patient",
        "Condition",
        "Observation",
        "BodyStructure",
        "MedicationAdministration",
        "AdverseEvent",
        "EpisodeOfCare",
        "Medication",
        "Practitioner",
    } == set(result["counts"])
    for path in (tmp_path / "tvec").glob("*.ndjson"):
        for line in path.read_text(encoding="utf-8").splitlines():
            get_fhir_model_class(path.stem).model_validate_json(line)


def test_the_script_prints_both_ways_the_ratio_memory_and_equality(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--patients", "30", "--sample", "10", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for text in ("tvec (dicts, streamed NDJSON)", "fhir.resources (model_validate", "ratio"):
        assert text in out
    assert "peak memory" in out
    assert "same output on the sample (canonical JSON, line by line): yes" in out
    assert "verdict" in out


def test_the_writer_writes_json_dumps_lines_per_type_and_shared_ones_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ndjson, "BATCH", 7)  # several full batches and a last part one
    codes = load_fhir_codes()
    resources = [
        res for rec in synthetic_patients(12, 5) for res in m.patient_resources(rec, codes)
    ]
    counts = ndjson.write_ndjson(iter(resources), tmp_path, once=m.SHARED_TYPES)

    expected: dict[str, list[str]] = {}
    seen = set()
    for res in resources:
        key = (res["resourceType"], res["id"])
        if res["resourceType"] in m.SHARED_TYPES and key in seen:
            continue
        seen.add(key)
        expected.setdefault(res["resourceType"], []).append(
            json.dumps(res, separators=(",", ":")) + "\n"
        )
    assert counts == {kind: len(lines) for kind, lines in expected.items()}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.ndjson" for k in expected)
    for kind, lines in expected.items():
        assert (tmp_path / f"{kind}.ndjson").read_text(encoding="utf-8") == "".join(lines)
    assert counts["Medication"] < sum(len(rec.lots) for rec in synthetic_patients(12, 5))


def test_a_value_json_cannot_hold_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="object"):
        ndjson.write_ndjson([{"resourceType": "Patient", "id": "p", "x": object()}], tmp_path)
