"""`tvec report` through the real `tvec` app: a cohort folder and the clinic records, end to end."""

from __future__ import annotations

import csv
import math
import os
import re
import zipfile
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from tests.analytics.test_endpoints import small_cohort
from tests.support.report_pdf import A4_PT, LETTER_PT, pdf_pages
from typer.testing import CliRunner, Result

from tvec.analytics.cohort import LESION_COLUMNS, MEASUREMENT_COLUMNS, PATIENT_COLUMNS, Cohort
from tvec.cli.main import app

FIGURES = ("drr", "swimmer", "waterfall", "os", "pfs", "dor", "forest")
RESEARCHER_PASSWORD = "demo-researcher-pass"  # tvec.services.seeding.DEMO_USERS


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["report", *args], env=env)


def write_csv(cohort: Cohort, folder: Path) -> Path:
    """The registry CSV files, written by hand (docs/registry-format.md)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, table, columns in (
        ("patients", cohort.patients, PATIENT_COLUMNS),
        ("lesions", cohort.lesions, LESION_COLUMNS),
        ("measurements", cohort.measurements, MEASUREMENT_COLUMNS),
    ):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in zip(*(np.asarray(table[c]).tolist() for c in columns), strict=True):
                writer.writerow([_csv(value) for value in row])
    return folder


def _csv(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.fixture
def cohort_dir(tmp_path: Path) -> Path:
    return write_csv(small_cohort(), tmp_path / "cohort")


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- from a cohort folder -------------------------------------------------------------------------


def test_report_from_a_cohort_folder_has_every_table_and_figure(
    cohort_dir: Path, tmp_path: Path
) -> None:
    out, pdf = tmp_path / "out" / "report.html", tmp_path / "out" / "report.pdf"
    out.parent.mkdir()
    result = run("--cohort", str(cohort_dir), "--out", str(out), "--pdf", str(pdf))

    assert result.exit_code == 0, result.output
    assert "report written to" in result.stdout
    html = out.read_text(encoding="utf-8")
    for table in ("response-table", "comparison-table", "lesion-table", "subgroup-table"):
        assert f'id="{table}"' in html
    for table in ("disposition", "demographics", "baseline", "exposure", "survival"):
        assert f'id="{table}-table"' in html  # the study-report tables
    assert 'id="adverse-events-table"' in html
    assert "Hazard ratio (95% CI)" in html
    assert "not recorded" in html  # these registry files have no sex, ECOG or exposure columns
    assert "OPTiM (published)" in html
    assert "48/295 (16.3%)" in html  # the trial's DRR column
    assert "7.6 (2.4–24.1)" in html  # the trial's relative risk, as published
    assert "Andtbacka" in html  # the published figures' source is named
    for key in FIGURES:
        assert f'id="figure-{key}"' in html
    assert html.count("<svg ") == len(FIGURES)
    assert "number at risk" in html
    assert "tvec supports, and does not replace, clinical judgement." in html
    assert "Synthetic data are synthetic" in html
    assert "365.25 / 12" in html  # the months convention is in the methods
    assert "Wilson" in html
    assert "exact" in html
    # self-contained: no external stylesheet, script, image or font
    assert not re.search(r"<(link|script|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["']https?:""", html)
    assert "@import" not in html
    assert pdf.read_bytes().startswith(b"%PDF")
    assert files(out.parent) == ["report.html", "report.pdf"]  # no temporary file left


def test_the_pdf_on_letter_paper_and_the_tables_as_csv(cohort_dir: Path, tmp_path: Path) -> None:
    out, pdf, tables = tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "r.zip"
    result = run(
        "--cohort", str(cohort_dir), "--out", str(out), "--pdf", str(pdf), "--csv", str(tables),
        "--paper", "letter",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"report written to {out} and {pdf} and {tables}" in result.stdout
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) >= 8
    assert set(pages) == {LETTER_PT}  # portrait US Letter
    assert "@page { size: letter portrait; }" in out.read_text(encoding="utf-8")
    archive = zipfile.ZipFile(tables)
    assert archive.namelist() == [
        "README.txt", "response.csv", "comparison.csv", "disposition.csv", "demographics.csv",
        "baseline.csv", "baseline-sites.csv", "exposure.csv", "survival.csv", "lesions.csv",
        "subgroups.csv", "adverse-events.csv",
    ]  # fmt: skip
    assert "Data cut-off: " in archive.read("README.txt").decode("utf-8")
    assert b"48/295 (16.3%)" in archive.read("response.csv")  # OPTiM's DRR, as published


def test_the_pdf_is_a4_portrait_by_default(cohort_dir: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "r.pdf"
    assert (
        run(
            "--cohort", str(cohort_dir), "--out", str(tmp_path / "r.html"), "--pdf", str(pdf)
        ).exit_code
        == 0
    )
    assert set(pdf_pages(pdf.read_bytes())) == {A4_PT}


def test_report_from_a_synthetic_parquet_cohort_written_by_write_cohort(tmp_path: Path) -> None:
    from tvec.analytics.cohort_files import write_cohort
    from tvec.analytics.synth import synthesize

    folder = tmp_path / "synthetic"
    write_cohort(synthesize(400, seed=11), folder)
    out = tmp_path / "synthetic.html"
    result = run("--cohort", str(folder), "--out", str(out), "--max-swimmers", "10", "--synthetic")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "These patients are invented" in html
    assert "400 patients" in html
    assert "T-VEC vs GM-CSF" in html
    assert "10 of " in html  # the swimmer plot is capped, with a note
    assert "All stages, Mantel–Haenszel" in html
    assert html.count("<svg ") == len(FIGURES)


def test_the_criteria_option_changes_the_methods(cohort_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "who.html"
    result = run("--cohort", str(cohort_dir), "--out", str(out), "--criteria", "who")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "(who)" in html
    assert "confirmed by an assessment at least 28 days later" in html  # Miller et al. 1981


def test_the_durable_response_onset_boundary_is_shown_as_tvecs_ruling(
    cohort_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    assert run("--cohort", str(cohort_dir), "--out", str(out)).exit_code == 0
    text = " ".join(unescape(out.read_text(encoding="utf-8")).split())
    assert "Durable response, onset boundary: tvec's ruling" in text  # the table's footnote
    assert "strictly before the date 12 calendar months after the first dose" in text


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--cohort", "{tmp}/nowhere"], "--cohort"),
        (["--cohort", "{cohort}", "--criteria", "recist"], "--criteria"),
        (["--cohort", "{cohort}", "--out", "{tmp}/missing/report.html"], "--out"),
        (["--cohort", "{cohort}", "--pdf", "{tmp}/missing/report.pdf"], "--pdf"),
        (["--cohort", "{cohort}", "--out", "{tmp}"], "--out"),
        (["--cohort", "{cohort}", "--database"], "--cohort DIR or --database"),
        ([], "--cohort DIR or --database"),
        (["--cohort", "{cohort}", "--paper", "a5"], "--paper"),
        (["--cohort", "{cohort}", "--csv", "{tmp}/missing/tables.zip"], "--csv"),
        (
            ["--cohort", "{cohort}", "--pdf", "{tmp}/work/r.pdf", "--csv", "{tmp}/work/r.pdf"],
            "--csv",
        ),
    ],
    ids=[
        "missing-folder",
        "criteria",
        "out-folder",
        "pdf-folder",
        "out-is-folder",
        "both",
        "none",
        "paper",
        "csv-folder",
        "csv-is-pdf",
    ],
)
def test_bad_options_exit_2_naming_the_option_and_write_nothing(
    cohort_dir: Path, tmp_path: Path, args: list[str], option: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    filled = [a.format(tmp=tmp_path, cohort=cohort_dir) for a in args]
    if "--out" not in filled:
        filled += ["--out", str(work / "report.html")]
    result = run(*filled)
    assert result.exit_code == 2, result.output
    assert option in result.stderr
    assert result.stderr.startswith("error: ")
    assert files(work) == []


def test_a_bad_cohort_file_exits_2_and_writes_nothing(cohort_dir: Path, tmp_path: Path) -> None:
    (cohort_dir / "measurements.csv").write_text("patient_id,lesion_id\n1,oops\n")
    out = tmp_path / "report.html"
    result = run("--cohort", str(cohort_dir), "--out", str(out), "--pdf", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2, result.output
    assert "--cohort" in result.stderr
    assert files(tmp_path) == ["cohort"]


def test_measurements_the_response_engine_refuses_exit_2(cohort_dir: Path, tmp_path: Path) -> None:
    lines = (cohort_dir / "measurements.csv").read_text().splitlines()
    first = lines[1].split(",")
    first[3] = "-2.0"  # a negative diameter
    (cohort_dir / "measurements.csv").write_text("\n".join([lines[0], ",".join(first), *lines[2:]]))
    out = tmp_path / "report.html"
    result = run("--cohort", str(cohort_dir), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "--cohort" in result.stderr
    assert not out.exists()


# --- from the clinic records ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database holding the demo centre (users and synthetic patients)."""
    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.persistence.migrate import upgrade
    from tvec.services.seeding import load_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('report-db') / 'tvec.db'}"
    upgrade(url)
    load_demo(build_context(Settings(database_url=url)), 12, seed=3)
    return url


def db_env(url: str, password: str | None = RESEARCHER_PASSWORD) -> dict[str, str]:
    env = {"TVEC_DATABASE_URL": url}
    for name in ("TVEC_ARGON2_TIME_COST", "TVEC_ARGON2_MEMORY_KIB"):
        env[name] = os.environ[name]
    if password is not None:
        env["TVEC_REPORT_PASSWORD"] = password
    return env


def test_report_from_the_clinic_records(demo_database: str, tmp_path: Path) -> None:
    out, pdf = tmp_path / "centre.html", tmp_path / "centre.pdf"
    result = run(
        "--database",
        "--username",
        "researcher",
        "--out",
        str(out),
        "--pdf",
        str(pdf),
        env=db_env(demo_database),
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "clinic records of tvec demo centre, read by researcher (researcher)" in html
    assert "Synthetic data." in html  # the demo centre's patients are invented
    assert "record the date of death and the last date known alive" in html  # real OS
    assert "no prior systemic therapy for advanced disease is recorded" in html  # real lines
    assert "single-arm cohort" in html
    assert "OPTiM (published)" in html
    for key in FIGURES:
        if key != "dor" or 'id="figure-dor"' in html:
            assert f'id="figure-{key}"' in html
    assert "DEMO-" not in html  # no MRN
    assert pdf.read_bytes().startswith(b"%PDF")


def test_clinic_records_need_the_right_password(demo_database: str, tmp_path: Path) -> None:
    out = tmp_path / "centre.html"
    env = db_env(demo_database, password="not-the-password")
    result = run("--database", "--username", "researcher", "--out", str(out), env=env)
    assert result.exit_code == 2, result.output
    assert "--password" in result.stderr
    assert not out.exists()


def test_clinic_records_need_a_password_when_not_at_a_terminal(
    demo_database: str, tmp_path: Path
) -> None:
    out = tmp_path / "centre.html"
    env = db_env(demo_database, password=None) | {"TVEC_REPORT_PASSWORD": ""}
    result = run("--database", "--username", "researcher", "--out", str(out), env=env)
    assert result.exit_code == 2, result.output
    assert "--password" in result.stderr
    assert not out.exists()


def test_a_role_without_access_to_outcomes_is_refused(demo_database: str, tmp_path: Path) -> None:
    out = tmp_path / "centre.html"
    env = db_env(demo_database, password="demo-billing-pass")
    result = run("--database", "--username", "billing", "--out", str(out), env=env)
    assert result.exit_code == 2, result.output
    assert "--username" in result.stderr
    assert "read de-identified outcomes" in result.stderr
    assert not out.exists()


def test_a_missing_database_is_reported_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    env = db_env(f"sqlite:///{missing}")
    result = run(
        "--database", "--username", "researcher", "--out", str(tmp_path / "r.html"), env=env
    )
    assert result.exit_code == 2, result.output
    assert "--database" in result.stderr
    assert not missing.exists()
    assert files(tmp_path) == []


def test_the_records_cohort_agrees_with_each_patients_response(demo_database: str) -> None:
    """The report's responses equal those of the de-identified outcomes (the response pages)."""
    from collections import Counter

    from tvec.bootstrap import build_context
    from tvec.config import Settings
    from tvec.knowledge import load_criteria
    from tvec.services import outcomes
    from tvec.services.cohort import records_cohort
    from tvec.services.context import Actor
    from tvec.services.permissions import Role

    ctx = build_context(Settings(database_url=demo_database))
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username("researcher")
    assert user is not None
    actor = Actor(user.id, user.centre_id, Role.RESEARCHER, user.username)
    records = records_cohort(ctx, actor, load_criteria("modified-who"))
    assert records.responses is not None
    patients, _total = outcomes.deidentified_patients(ctx, actor, 1000, 0)
    expected = Counter(
        (p.best_overall_response, p.durable_response == "yes", p.time_to_response_days)
        for p in patients
        if p.best_overall_response is not None
    )
    columns = records.responses.columns
    seen = Counter(
        (str(best), bool(durable), None if math.isnan(ttr) else int(ttr))
        for best, durable, ttr in zip(
            columns["best"], columns["durable"], columns["time_to_response_days"], strict=True
        )
    )
    assert seen == expected
    assert records.cohort.n_patients == sum(expected.values())
    assert set(records.cohort.patients["arm"]) == {"T-VEC"}
    # the demo records two deaths (tests/integration/test_follow_up_cohort.py checks each patient)
    assert set(records.cohort.patients["os_event"]) == {0, 1}
