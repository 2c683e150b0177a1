"""`tvec.analytics.cohort_files`: a cohort survives a round trip; a bad file names what is wrong.

Every refusal is a `CohortError` naming the file, the column and the first bad row (1-based, the
header not counted; CSV messages add the line of the file).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.test_synth import assert_same
from tvec.analytics.cohort import OPTIONAL_PATIENT_COLUMNS, Cohort, CohortError
from tvec.analytics.cohort_files import read_cohort, write_cohort
from tvec.analytics.synth import synthesize


def make_cohort(n: int = 40, seed: int = 3) -> Cohort:
    return synthesize(n, seed)


def make_folder(tmp_path: Path, fmt: str, n: int = 40) -> Path:
    folder = tmp_path / fmt
    write_cohort(make_cohort(n), folder, fmt)
    return folder


def edit_csv_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set data row `row` (1-based, header not counted) of `column` to the raw text `value`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [name.strip('"') for name in lines[0].split(",")]
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def replace_parquet_column(path: Path, column: str, values: pa.Array) -> None:
    table = pq.read_table(path)
    table = table.set_column(table.schema.get_field_index(column), column, values)
    pq.write_table(table, path)


def assert_refused(folder: Path, file: str, column: str, row: int) -> str:
    with pytest.raises(CohortError) as caught:
        read_cohort(folder)
    message = str(caught.value)
    assert message.startswith(str(folder / file) + ":"), message
    assert f"column {column!r}" in message, message
    assert re.search(rf"\brow {row}\b", message), message
    return message


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_cohort_round_trips_exactly(tmp_path: Path, fmt: str) -> None:
    cohort = make_cohort(500, 9)
    written = write_cohort(cohort, tmp_path / "registry", fmt)
    assert [p.name for p in written] == [
        f"{t}.{fmt}" for t in ("patients", "lesions", "measurements")
    ]
    assert_same(read_cohort(tmp_path / "registry"), cohort)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(1, 30), seed=st.integers(0, 10_000), fmt=st.sampled_from(["parquet", "csv"]))
def test_any_small_cohort_round_trips(tmp_path: Path, n: int, seed: int, fmt: str) -> None:
    folder = tmp_path / f"{fmt}-{n}-{seed}"
    cohort = synthesize(n, seed)
    write_cohort(cohort, folder, fmt)
    assert_same(read_cohort(folder), cohort)


def test_writing_another_format_replaces_the_first(tmp_path: Path) -> None:
    folder = tmp_path / "registry"
    write_cohort(make_cohort(), folder, "csv")
    write_cohort(make_cohort(), folder, "parquet")
    assert sorted(p.name for p in folder.iterdir()) == [
        "lesions.parquet",
        "measurements.parquet",
        "patients.parquet",
    ]
    assert_same(read_cohort(folder), make_cohort())


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        write_cohort(make_cohort(), tmp_path, "xlsx")
    assert list(tmp_path.iterdir()) == []


def test_hand_written_csv_with_other_spellings_is_read(tmp_path: Path) -> None:
    """Booleans as 1/0 or True/False, integral floats for whole numbers, extra columns ignored."""
    folder = make_folder(tmp_path, "csv")
    edit_csv_cell(folder / "lesions.csv", 1, "injected", "True")
    edit_csv_cell(folder / "lesions.csv", 2, "injected", "0")
    cohort = read_cohort(folder)
    assert cohort.lesions["injected"][0]
    assert not cohort.lesions["injected"][1]
    path = folder / "patients.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",note", *(line + ",x" for line in lines[1:])]) + "\n")
    assert read_cohort(folder).n_patients == 40


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "problem"),
    [
        ("patients.csv", 3, "age", "sixty", "'sixty' is not a whole number"),
        ("patients.csv", 3, "age", "", "is empty"),
        ("patients.csv", 3, "age", "-4", "is not an age"),
        ("patients.csv", 4, "arm", "T-VEX", "'T-VEX' is not one of T-VEC, GM-CSF"),
        ("patients.csv", 5, "stage", "IV", "'IV' is not one of"),
        ("patients.csv", 2, "start_date", "2021-02-30", "is not an ISO date"),
        ("patients.csv", 2, "start_date", "01/02/2021", "is not an ISO date"),
        ("patients.csv", 6, "os_event", "2", "is not 0 or 1"),
        ("patients.csv", 6, "os_days", "-1", "is negative"),
        ("patients.csv", 7, "patient_id", "1", "appears twice"),
        ("lesions.csv", 2, "injected", "maybe", "is not true or false"),
        ("lesions.csv", 2, "patient_id", "999", "is not in the patients table"),
        ("lesions.csv", 3, "site", "skin", "'skin' is not one of"),
        ("lesions.csv", 2, "first_day", "-3", "is negative"),
        ("measurements.csv", 5, "longest_cm", "abc", "'abc' is not a number"),
        ("measurements.csv", 5, "longest_cm", "-1", "is negative"),
        ("measurements.csv", 5, "perpendicular_cm", "99", "is longer than longest_cm"),
        ("measurements.csv", 5, "perpendicular_cm", "0", "record 0 x 0"),
        ("measurements.csv", 5, "lesion_id", "77", "is not in the lesions table"),
        ("measurements.csv", 5, "day", "2.5", "is not a whole number"),
    ],
)
def test_a_bad_csv_value_names_the_file_column_and_row(
    tmp_path: Path, file: str, row: int, column: str, value: str, problem: str
) -> None:
    folder = make_folder(tmp_path, "csv")
    edit_csv_cell(folder / file, row, column, value)
    message = assert_refused(folder, file, column, row)
    assert f"(line {row + 1})" in message
    assert problem in message


def test_a_left_out_lesion_is_refused(tmp_path: Path) -> None:
    """Every assessment measures every known lesion: a missing row names the assessment."""
    folder = make_folder(tmp_path, "csv")
    path = folder / "measurements.csv"
    lines = path.read_text().splitlines()
    left_out = next(i for i in range(2, len(lines)) if lines[i].split(",")[2] != "0")
    path.write_text("\n".join(lines[:left_out] + lines[left_out + 1 :]) + "\n")
    message = assert_refused(folder, "measurements.csv", "lesion_id", left_out)
    assert "lesions known by then" in message


def test_rows_out_of_order_are_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "csv")
    path = folder / "measurements.csv"
    lines = path.read_text().splitlines()
    lines[2], lines[3] = lines[3], lines[2]  # two lesions of the baseline assessment swapped
    path.write_text("\n".join(lines) + "\n")
    assert "breaks the order" in assert_refused(folder, "measurements.csv", "lesion_id", 3)


@pytest.mark.parametrize(
    ("file", "column", "values", "row", "problem"),
    [
        ("patients.parquet", "start_date", ["2020-01-01", "soon"], 2, "is not an ISO date"),
        ("lesions.parquet", "site", ["nodal", "nodal", "liverish"], 3, "'liverish' is not one of"),
        ("measurements.parquet", "day", [None], 1, "is empty"),
        ("measurements.parquet", "longest_cm", [1.0, float("nan")], 2, "is not a finite number"),
    ],
)
def test_a_bad_parquet_value_names_the_file_column_and_row(
    tmp_path: Path, file: str, column: str, values: list[object], row: int, problem: str
) -> None:
    folder = make_folder(tmp_path, "parquet")
    original = pq.read_table(folder / file).column(column).to_pylist()
    replaced = values + original[len(values) :]
    if column == "start_date":
        replaced = [v if isinstance(v, str) else v.isoformat() for v in replaced]
    replace_parquet_column(folder / file, column, pa.array(replaced))
    message = assert_refused(folder, file, column, row)
    assert problem in message
    assert "line" not in message


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "parquet")
    table = pq.read_table(folder / "lesions.parquet").drop_columns(["site"])
    pq.write_table(table, folder / "lesions.parquet")
    with pytest.raises(CohortError, match=r"lesions\.parquet: missing column\(s\) site"):
        read_cohort(folder)


def test_a_missing_or_doubled_table_is_named(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "csv")
    (folder / "lesions.csv").unlink()
    with pytest.raises(CohortError, match=r"lesions\.parquet: file not found \(nor lesions\.csv\)"):
        read_cohort(folder)
    folder = make_folder(tmp_path / "two", "csv")
    write_cohort(make_cohort(), tmp_path / "other", "parquet")
    (tmp_path / "other" / "patients.parquet").rename(folder / "patients.parquet")
    with pytest.raises(CohortError, match="keep one of the two"):
        read_cohort(folder)
    with pytest.raises(CohortError, match="not a folder"):
        read_cohort(tmp_path / "nowhere")


def test_a_file_that_is_not_parquet_is_refused(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "parquet")
    (folder / "measurements.parquet").write_text("not parquet")
    with pytest.raises(CohortError, match=r"measurements\.parquet: cannot be read"):
        read_cohort(folder)


def test_types_from_other_writers_are_accepted(tmp_path: Path) -> None:
    """Parquet written by other tools: int32 ids, strings, dates as text, flags as 0/1."""
    folder = make_folder(tmp_path, "parquet")
    lesions = pq.read_table(folder / "lesions.parquet")
    replace_parquet_column(
        folder / "lesions.parquet",
        "injected",
        pa.array(np.asarray(lesions.column("injected").to_pylist(), dtype=np.int64)),
    )
    patients = pq.read_table(folder / "patients.parquet")
    replace_parquet_column(
        folder / "patients.parquet",
        "age",
        pa.array(np.asarray(patients.column("age").to_pylist(), dtype=np.int32)),
    )
    replace_parquet_column(
        folder / "patients.parquet",
        "start_date",
        pa.array([d.isoformat() for d in patients.column("start_date").to_pylist()]),
    )
    assert_same(read_cohort(folder), make_cohort())


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_the_optional_patient_columns_round_trip_and_a_file_without_them_loads(
    tmp_path: Path, fmt: str
) -> None:
    cohort = synthesize(300, 5)
    write_cohort(cohort, tmp_path / "full", fmt)
    back = read_cohort(tmp_path / "full")
    for name in OPTIONAL_PATIENT_COLUMNS:
        assert np.array_equal(back.patients[name], cohort.patients[name]), name
    gmcsf = back.patients["arm"] == "GM-CSF"
    assert (back.patients["visits"][gmcsf] == 0).all()
    bare = Cohort(
        {k: v for k, v in cohort.patients.items() if k not in OPTIONAL_PATIENT_COLUMNS},
        cohort.lesions,
        cohort.measurements,
    )
    write_cohort(bare, tmp_path / "bare", fmt)
    assert not set(OPTIONAL_PATIENT_COLUMNS) & set(read_cohort(tmp_path / "bare").patients)
