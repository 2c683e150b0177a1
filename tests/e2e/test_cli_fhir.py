"""`tvec fhir export --out DIR` on the demo database: one NDJSON file per resource type, every
line an R4B resource that passes tvec's mCODE checks; the researcher gets the de-identified form
and is told so; a wrong login or a role that may not export is refused in one line, writing
nothing."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from typer.testing import CliRunner, Result

from tvec.cli.main import app
from tvec.interop.fhir.mcode import validate_resources
from tvec.knowledge.fhir_codes import load_fhir_codes


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("fhir-demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TVEC_DATABASE_URL", f"sqlite:///{folder / 'tvec.db'}")
        for args in (["db", "upgrade"], ["db", "demo", "--patients", "4"]):
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 0, result.output
        yield folder


def export(demo: Path, out: Path, user: str, password: str) -> Result:
    env = {"TVEC_DATABASE_URL": f"sqlite:///{demo / 'tvec.db'}"}
    args = ["fhir", "export", "--out", str(out), "--username", user, "--password", password]
    return CliRunner().invoke(app, args, env=env)


def test_the_nurse_exports_ndjson_that_validates(demo: Path, tmp_path: Path) -> None:
    result = export(demo, tmp_path, "nurse", "demo-nurse-pass")
    assert result.exit_code == 0, result.output
    assert "mCODE checks: no problem(s)" in result.output
    files = {p.name for p in tmp_path.glob("*.ndjson")}
    assert {"Patient.ndjson", "Observation.ndjson", "BodyStructure.ndjson"} <= files
    assert "MedicationAdministration.ndjson" in files
    everything = []
    for path in tmp_path.glob("*.ndjson"):
        kind = path.name.removesuffix(".ndjson")
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            assert resource["resourceType"] == kind
            get_fhir_model_class(kind).model_validate(resource)
            everything.append(resource)
    assert validate_resources(everything, load_fhir_codes()) == []
    patients = (tmp_path / "Patient.ndjson").read_text(encoding="utf-8").splitlines()
    with sqlite3.connect(demo / "tvec.db") as db:  # the demo's one centre: every patient
        (registered,) = db.execute("SELECT count(*) FROM patients").fetchone()
    assert registered >= 4  # the 4 asked for, and the demo's own (e.g. the alert-card patients)
    assert len(patients) == registered
    shown = f"{tmp_path / 'Patient.ndjson'}: {registered} resources"
    assert shown in " ".join(result.output.split())


def test_the_researcher_gets_the_de_identified_form(demo: Path, tmp_path: Path) -> None:
    result = export(demo, tmp_path, "researcher", "demo-researcher-pass")
    assert result.exit_code == 0, result.output
    assert "De-identified export (researcher)" in " ".join(result.output.split())
    assert "mCODE checks: no problem(s)" in result.output
    assert not (tmp_path / "Practitioner.ndjson").exists()
    with sqlite3.connect(demo / "tvec.db") as db:
        mrns = [mrn for (mrn,) in db.execute("SELECT mrn FROM patients")]
    text = "".join(p.read_text(encoding="utf-8") for p in tmp_path.glob("*.ndjson"))
    assert mrns
    assert not [mrn for mrn in mrns if mrn in text]
    for line in (tmp_path / "Patient.ndjson").read_text(encoding="utf-8").splitlines():
        patient = json.loads(line)
        assert patient["id"].startswith("P-")
        assert len(patient["birthDate"]) == 4
        assert "PSEUDED" in {s["code"] for s in patient["meta"]["security"]}


@pytest.mark.parametrize(
    ("user", "password", "message"),
    [
        ("nurse", "wrong-password", "--username/--password: wrong username or password"),
        ("pharmacist", "demo-pharmacist-pass", "may not export patient records as FHIR"),
    ],
    ids=["wrong password", "pharmacist"],
)
def test_a_refused_export_says_why_and_writes_nothing(
    demo: Path, tmp_path: Path, user: str, password: str, message: str
) -> None:
    result = export(demo, tmp_path / "out", user, password)
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()
