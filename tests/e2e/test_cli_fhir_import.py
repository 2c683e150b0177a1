"""`tvec fhir import DIR|FILE`: the demo centre's export (a folder of NDJSON files) loads into an
empty database's centre; a second import writes nothing; the export of what was imported is the
same as the source's apart from server ids. A refused import lists every problem with its
resource and path, exits non-zero and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.support.clinic import close_app, make_app, seed_staff
from tests.support.fhir_compare import comparable
from tests.support.fhir_import import row_counts, transaction
from typer.testing import CliRunner, Result

from tvec.cli.main import app
from tvec.services.context import Context
from tvec.services.permissions import Role


@dataclass(frozen=True)
class Setup:
    exported: Path  # the demo centre's NDJSON folder
    target: Path  # an empty database's file, with one centre's staff
    nurse: tuple[str, str]
    pharmacist: tuple[str, str]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    folder = tmp_path_factory.mktemp("fhir-import")
    demo = {"TVEC_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}"}
    for args in (["db", "upgrade"], ["db", "demo", "--patients", "3"]):
        result = CliRunner().invoke(app, args, env=demo)
        assert result.exit_code == 0, result.output
    out = folder / "export"
    args = ["fhir", "export", "--out", str(out), "--username", "nurse"]
    result = CliRunner().invoke(app, [*args, "--password", "demo-nurse-pass"], env=demo)
    assert result.exit_code == 0, result.output
    web, ctx = make_app(f"sqlite:///{folder / 'target.db'}")
    staff = seed_staff(ctx, "Importing centre", prefix="im-")
    close_app(web)
    nurse, pharmacist = staff[Role.NURSE], staff[Role.PHARMACIST]
    return Setup(
        out,
        folder / "target.db",
        (nurse.username, nurse.password),
        (pharmacist.username, pharmacist.password),
    )


@pytest.fixture
def target(setup: Setup, tmp_path: Path) -> Iterator[tuple[Path, Context]]:
    """A fresh copy of the empty target database, and a context on it to count rows."""
    copy = tmp_path / "target.db"
    copy.write_bytes(setup.target.read_bytes())
    web, ctx = make_app(f"sqlite:///{copy}")
    try:
        yield copy, ctx
    finally:
        close_app(web)


def run(db: Path, source: Path, login: tuple[str, str], *more: str) -> Result:
    env = {"TVEC_DATABASE_URL": f"sqlite:///{db}"}
    args = ["fhir", "import", str(source), "--username", login[0], "--password", login[1]]
    return CliRunner().invoke(app, [*args, *more], env=env)


def exported(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.ndjson"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]


def words(result: Result) -> str:
    return " ".join(result.output.split())


def test_the_folder_imports_once_and_the_round_trip_gives_the_same_resources(
    setup: Setup, target: tuple[Path, Context], tmp_path: Path
) -> None:
    db, ctx = target
    source = exported(setup.exported)
    patients = sum(r["resourceType"] == "Patient" for r in source)
    first = run(db, setup.exported, setup.nurse)
    assert first.exit_code == 0, first.output
    assert f"Patient: {patients} created, 0 unchanged" in words(first)
    after = row_counts(ctx)
    assert after["patients"] == patients

    second = run(db, setup.exported, setup.nurse)
    assert second.exit_code == 0, second.output
    assert f"Patient: 0 created, {patients} unchanged" in words(second)
    assert "created, 0 unchanged" not in words(second)
    assert row_counts(ctx) == after

    back = tmp_path / "back"
    env = {"TVEC_DATABASE_URL": f"sqlite:///{db}"}
    args = ["fhir", "export", "--out", str(back), "--username", setup.nurse[0]]
    result = CliRunner().invoke(app, [*args, "--password", setup.nurse[1]], env=env)
    assert result.exit_code == 0, result.output
    assert comparable(exported(back)) == comparable(source)


def test_a_bundle_file_with_problems_lists_each_and_writes_nothing(
    setup: Setup, target: tuple[Path, Context], tmp_path: Path
) -> None:
    db, ctx = target
    before = row_counts(ctx)
    source = exported(setup.exported)
    size = next(r for r in source if r["id"].startswith("tumor-size-"))
    size["component"][0]["valueQuantity"].update(unit="[in_i]", code="[in_i]")
    dose = next(r for r in source if r["resourceType"] == "MedicationAdministration")
    del dose["medicationReference"]
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(transaction(source)), encoding="utf-8")
    result = run(db, bundle, setup.nurse)
    assert result.exit_code == 2
    text = words(result)
    assert "Import refused, nothing written: 2 problem(s)" in text
    assert f"Observation/{size['id']}.component[0].valueQuantity.unit: '[in_i]'" in text
    assert f"MedicationAdministration/{dose['id']}.medicationReference: a dose names" in text
    assert row_counts(ctx) == before


def test_a_line_that_is_not_json_is_named_by_file_and_line(
    setup: Setup, target: tuple[Path, Context], tmp_path: Path
) -> None:
    db, ctx = target
    before = row_counts(ctx)
    folder = tmp_path / "broken"
    folder.mkdir()
    for path in setup.exported.glob("*.ndjson"):
        (folder / path.name).write_bytes(path.read_bytes())
    with (folder / "AdverseEvent.ndjson").open("a", encoding="utf-8") as f:
        f.write('{"resourceType": "AdverseEvent", \n')
    lines = len((folder / "AdverseEvent.ndjson").read_text(encoding="utf-8").splitlines())
    result = run(db, folder, setup.nurse, "--json")
    assert result.exit_code == 2
    answer = json.loads(result.output)
    assert answer["refused"] is True
    (problem,) = answer["problems"]
    assert problem.startswith(f"AdverseEvent.ndjson.line {lines}: not JSON")
    assert row_counts(ctx) == before


def test_a_bundle_that_is_not_json_is_refused(
    setup: Setup, target: tuple[Path, Context], tmp_path: Path
) -> None:
    db, ctx = target
    before = row_counts(ctx)
    bundle = tmp_path / "bundle.json"
    bundle.write_text("this is not JSON", encoding="utf-8")
    result = run(db, bundle, setup.nurse)
    assert result.exit_code == 2
    assert "bundle.json: not JSON" in words(result)
    assert row_counts(ctx) == before


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("pharmacist", "may not import patient records from FHIR"),
        ("wrong", "wrong username or password"),
    ],
)
def test_a_refused_login_or_role_writes_nothing(
    setup: Setup, target: tuple[Path, Context], who: str, message: str
) -> None:
    db, ctx = target
    before = row_counts(ctx)
    login = setup.pharmacist if who == "pharmacist" else (setup.nurse[0], "not-the-password")
    result = run(db, setup.exported, login)
    assert result.exit_code != 0
    assert message in words(result)
    assert row_counts(ctx) == before
