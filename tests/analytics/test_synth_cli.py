"""`tvec synth` through the real `tvec` app: files, a summary, refusals, and the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.analytics.test_synth import assert_same
from tvec.analytics.cohort_files import read_cohort
from tvec.analytics.synth import synthesize
from tvec.cli.main import app


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def assert_refused(result: Result, option: str) -> None:
    assert result.exit_code == 2, result.output
    assert option in result.stderr
    assert result.stdout == ""


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_synth_writes_the_cohort_and_prints_a_summary(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "registry"
    result = run("synth", "--patients", "120", "--seed", "4", "--out", str(out), "--format", fmt)
    assert result.exit_code == 0, result.output
    cohort = synthesize(120, 4)
    assert_same(read_cohort(out), cohort)
    assert sorted(p.suffix for p in out.iterdir()) == [f".{fmt}"] * 3
    for fragment in ("patients", "120", "measurements", f"{cohort.n_measurements:,}", "T-VEC"):
        assert fragment in result.stdout


def test_synth_json_summary(tmp_path: Path) -> None:
    result = run("synth", "--patients", "30", "--seed", "2", "--out", str(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    cohort = synthesize(30, 2)
    assert summary["patients"] == 30
    assert summary["lesions"] == len(cohort.lesions["patient_id"])
    assert summary["measurements"] == cohort.n_measurements
    assert sum(summary["arms"].values()) == 30
    assert summary["seed"] == 2
    assert summary["seconds"] >= 0


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--patients", "0"], "--patients"),
        (["--patients", "5000001"], "--patients"),
        (["--seed", "-1"], "--seed"),
        (["--format", "xlsx"], "--format"),
        (["--database", "--patients", "2001"], "--patients"),
    ],
)
def test_bad_options_exit_2_naming_the_option_and_write_nothing(
    tmp_path: Path, args: list[str], option: str
) -> None:
    result = run("synth", "--out", str(tmp_path / "registry"), *args)
    assert_refused(result, option)
    assert files_under(tmp_path) == []


def test_an_unwritable_out_folder_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    for out in (blocker, blocker / "registry"):
        result = run("synth", "--patients", "5", "--out", str(out))
        assert_refused(result, "--out")
        assert "not a folder" in result.stderr
    assert files_under(tmp_path) == [blocker]


def test_database_loads_a_small_cohort_through_the_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVEC_DATABASE_URL", f"sqlite:///{tmp_path}/tvec.db")
    assert run("db", "upgrade").exit_code == 0
    result = run("synth", "--patients", "4", "--seed", "5", "--database")
    assert result.exit_code == 0, result.output
    assert "T-VEC 4" in result.stdout

    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.services import lesions, patients
    from tvec.services.seeding import demo_centre

    ctx = build_context(Settings())
    nurse = demo_centre(ctx).nurse
    records, total = patients.list_patients(ctx, nurse, 100, 0)
    cohort = synthesize(4, 5, arms=(1.0, 0.0))
    assert total == 4
    assert sorted(p.mrn for p in records) == [f"SYN5-{k:07d}" for k in range(1, 5)]
    measured = sum(len(lesions.list_measurements(ctx, nurse, p.id)) for p in records)
    assert measured == cohort.n_measurements

    again = run("synth", "--patients", "4", "--seed", "5", "--database")
    assert again.exit_code == 2
    assert "already in the database" in again.stderr


def test_database_without_migrations_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVEC_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    result = run("synth", "--patients", "2", "--database")
    assert result.exit_code == 1
    assert "tvec db upgrade" in result.stderr
