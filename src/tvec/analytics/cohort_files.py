"""A cohort's three tables as files: one folder with patients, lesions and measurements.

Each table is ``<name>.parquet`` or ``<name>.csv`` (docs/registry-format.md). `write_cohort`
writes them; `read_cohort` reads them back into a `Cohort` and checks every column: its type,
its values and the rules that tie the tables together. A bad file raises `CohortError` naming the
file, the column, the first bad row (1-based, header not counted) and what is wrong with it.

pyarrow does the file work; it is imported inside the functions that need it (DESIGN.md §2).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import (
    ARMS,
    END_REASONS,
    LESION_COLUMNS,
    LINES,
    MEASUREMENT_COLUMNS,
    OPTIONAL_PATIENT_COLUMNS,
    PATIENT_COLUMNS,
    SEXES,
    SITES,
    STAGES,
    Cohort,
    CohortError,
    Columns,
)

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

Table = dict[str, npt.NDArray[Any]]  # a table as read, before it becomes part of a Cohort
FORMATS = ("parquet", "csv")
TABLES = {
    "patients": PATIENT_COLUMNS,
    "lesions": LESION_COLUMNS,
    "measurements": MEASUREMENT_COLUMNS,
}
# The type of every column: int, text (one of a fixed set), date, bool or float.
KINDS = {
    "patient_id": "int",
    "lesion_id": "int",
    "age": "int",
    "os_days": "int",
    "os_event": "int",
    "first_day": "int",
    "day": "int",
    "arm": "text",
    "stage": "text",
    "line": "text",
    "site": "text",
    "start_date": "date",
    "injected": "bool",
    "longest_cm": "float",
    "perpendicular_cm": "float",
    # optional patient columns (a file without them still loads)
    **dict.fromkeys(("ecog", "courses", "visits", "vials_thawed", "vials_discarded"), "int"),
    **dict.fromkeys(("treatment_days", "reinitiations"), "int"),
    **dict.fromkeys(("volume_ml", "pfu"), "float"),
    **dict.fromkeys(("sex", "end_reason"), "text"),
}
OPTIONAL = {"patients": OPTIONAL_PATIENT_COLUMNS, "lesions": (), "measurements": ()}
CHOICES = {
    "arm": ARMS,
    "stage": STAGES,
    "line": LINES,
    "site": SITES,
    "sex": SEXES,
    "end_reason": ("", *END_REASONS),
}
WHAT = {
    "int": "a whole number",
    "date": "an ISO date (YYYY-MM-DD)",
    "bool": "true or false",
    "float": "a number",
}
PATTERNS = {
    "int": r"^\s*[+-]?[0-9]+\s*$",
    "float": r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    "bool": r"^(true|false|True|False|TRUE|FALSE|1|0)$",
}


def write_cohort(cohort: Cohort, folder: Path | str, fmt: str = "parquet") -> list[Path]:
    """Write the three tables to `folder` (created if needed) as Parquet or CSV.

    Each file is written to a temporary name and then moved into place, and a copy of the same
    table in the other format is removed, so the folder always holds one readable cohort.

    Returns
    -------
    list of Path
        The files written: patients, lesions, measurements.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    tables = (cohort.patients, cohort.lesions, cohort.measurements)
    for name, table in zip(TABLES, tables, strict=True):
        path = folder / f"{name}.{fmt}"
        temporary = folder / f".{name}.{fmt}.partial"
        try:
            present = tuple(c for c in OPTIONAL[name] if c in table)
            _write(_to_arrow(table, TABLES[name] + present), temporary, fmt)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        for other in FORMATS:
            if other != fmt:
                (folder / f"{name}.{other}").unlink(missing_ok=True)
        written.append(path)
    return written


def read_cohort(folder: Path | str) -> Cohort:
    """Read and check the cohort in `folder` (each table as .parquet or .csv).

    Raises
    ------
    CohortError
        A file is missing or unreadable, a column is missing, or a value breaks the registry
        format: the message names the file, the column and the first bad row.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CohortError(f"{folder}: not a folder with a cohort")
    paths = {name: _table_path(folder, name) for name in TABLES}
    tables = {name: _read_table(path, TABLES[name], OPTIONAL[name]) for name, path in paths.items()}
    _check_patients(paths["patients"], tables["patients"])
    _check_lesions(paths["lesions"], tables["lesions"], tables["patients"])
    _check_measurements(
        paths["measurements"], tables["measurements"], tables["lesions"], tables["patients"]
    )
    return Cohort(tables["patients"], tables["lesions"], tables["measurements"])


# --- writing ------------------------------------------------------------------------------------


def _to_arrow(table: Columns, columns: tuple[str, ...]) -> pa.Table:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    return pa.table({name: _arrow_column(name, np.asarray(table[name])) for name in columns})


def _arrow_column(name: str, values: npt.NDArray[Any]) -> pa.Array:
    """Text columns go out dictionary-encoded (fast for a few distinct values)."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    if name not in CHOICES:
        return pa.array(values)
    codes = np.full(len(values), -1, dtype=np.int32)
    for i, choice in enumerate(CHOICES[name]):
        codes[values == choice] = i
    if (codes < 0).any():
        return pa.array(values.astype(str))
    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(list(CHOICES[name])))


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

        pq.write_table(table, path)
    else:
        import pyarrow.csv as pcsv  # type: ignore[import-untyped, unused-ignore]

        pcsv.write_csv(table, path)


# --- reading ------------------------------------------------------------------------------------


def _table_path(folder: Path, name: str) -> Path:
    found = [folder / f"{name}.{fmt}" for fmt in FORMATS if (folder / f"{name}.{fmt}").is_file()]
    if not found:
        raise CohortError(f"{folder / name}.parquet: file not found (nor {name}.csv)")
    if len(found) > 1:
        raise CohortError(f"{found[1]}: {found[0].name} is also there; keep one of the two")
    return found[0]


def _read_table(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> Table:
    """The table's required `columns` and those of the `optional` ones the file has."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    try:
        columns += tuple(c for c in optional if c in _header(path))
        table = _read_csv(path, columns) if path.suffix == ".csv" else _read_parquet(path, columns)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as exc:
        raise CohortError(f"{path}: cannot be read: {exc}") from exc
    converted: Table = {}
    for name in columns:  # each Arrow column is released as soon as it is converted
        column = table.column(name)
        table = table.drop_columns([name])
        converted[name] = _to_numpy(path, name, column)
        del column
    return converted


def _header(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig") as handle:
            line = handle.readline().rstrip("\r\n")
        return [name.strip().strip('"') for name in line.split(",")]
    import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

    names: list[str] = pq.read_schema(path).names
    return names


def _read_parquet(path: Path, columns: tuple[str, ...]) -> pa.Table:
    import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

    _require_columns(path, pq.read_schema(path).names, columns)
    return pq.read_table(path, columns=list(columns))


def _read_csv(path: Path, columns: tuple[str, ...]) -> pa.Table:
    """Typed in one fast pass; if a value does not parse, read it again as text to find it."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    with path.open(encoding="utf-8-sig") as handle:
        header = [name.strip().strip('"') for name in handle.readline().rstrip("\r\n").split(",")]
    _require_columns(path, header, columns)
    types = {name: _arrow_type(KINDS[name]) for name in columns}
    try:
        return _csv(path, columns, types)
    except pa.ArrowInvalid:
        return _csv(path, columns, dict.fromkeys(columns, pa.string()))


def _csv(path: Path, columns: tuple[str, ...], types: dict[str, pa.DataType]) -> pa.Table:
    import pyarrow.csv as pcsv  # type: ignore[import-untyped, unused-ignore]

    convert = pcsv.ConvertOptions(column_types=types, include_columns=list(columns))
    return pcsv.read_csv(path, convert_options=convert)


def _require_columns(path: Path, present: list[str], wanted: tuple[str, ...]) -> None:
    missing = [name for name in wanted if name not in present]
    if missing:
        raise CohortError(f"{path}: missing column(s) {', '.join(missing)}")


def _arrow_type(kind: str) -> pa.DataType:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    types = {
        "int": pa.int64(),
        "text": pa.string(),
        "date": pa.date32(),
        "bool": pa.bool_(),
        "float": pa.float64(),
    }
    return types[kind]


def _to_numpy(path: Path, name: str, column: pa.ChunkedArray) -> npt.NDArray[Any]:
    """The column as the Cohort's NumPy type, or a CohortError at its first bad value."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    kind = KINDS[name]
    if kind == "text":
        return _text(path, name, column.combine_chunks())
    array = column
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        array = _parse(path, name, column.combine_chunks(), kind)
    if array.null_count:
        _fail(path, name, int(np.argmax(np.asarray(array.is_null()))), "is empty")
    converters: dict[str, Callable[[pa.Array], npt.NDArray[Any]]] = {
        "int": lambda a: _whole(path, name, a),
        "float": lambda a: _numbers(path, name, a),
        "date": lambda a: _dates(path, name, a),
        "bool": lambda a: _flags(path, name, a),
    }
    return converters[kind](array)


def _parse(path: Path, name: str, array: pa.Array, kind: str) -> pa.Array:
    """Text cells to `kind`; the first cell that does not parse is the error."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
    import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

    text = pc.utf8_trim_whitespace(array)
    if kind == "bool":
        text = pc.utf8_lower(text)
    try:
        return pc.cast(text, _arrow_type(kind))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        ok = np.asarray(pc.match_substring_regex(text, PATTERNS[kind]).fill_null(False))
        bad = np.nonzero(~ok)[0]
        row = int(bad[0]) if bad.size else _first_unparsable(text, kind)
        _fail(path, name, row, f"{_show(array[row].as_py())} is not {WHAT[kind]}")


def _first_unparsable(text: pa.Array, kind: str) -> int:
    """Cells that look right can still fail (2021-02-30): try them one by one."""
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
    import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

    for row in range(len(text)):
        try:
            pc.cast(text.slice(row, 1), _arrow_type(kind))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return row
    return 0


def _text(path: Path, name: str, array: pa.Array) -> npt.NDArray[np.str_]:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    if not pa.types.is_dictionary(array.type):
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            _fail(path, name, 0, f"has type {array.type}; it must be text")
        array = array.dictionary_encode()
    if array.null_count:
        _fail(path, name, int(np.argmax(np.asarray(array.is_null()))), "is empty")
    choices = np.asarray([str(v) for v in array.dictionary.to_pylist()] or [""])
    values = choices[array.indices.to_numpy(zero_copy_only=False)]
    allowed = np.isin(values, CHOICES[name])
    if not allowed.all():
        row = int(np.argmin(allowed))
        _fail(path, name, row, f"{str(values[row])!r} is not one of {', '.join(CHOICES[name])}")
    text: npt.NDArray[np.str_] = values.astype(f"<U{max(map(len, CHOICES[name]))}")
    return text


def _whole(path: Path, name: str, array: pa.Array) -> npt.NDArray[np.int64]:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    if pa.types.is_integer(array.type):
        return np.asarray(array, dtype=np.int64)
    values = _numbers(path, name, array)
    fractional = values != np.floor(values)
    if fractional.any():
        row = int(np.argmax(fractional))
        _fail(path, name, row, f"{_show(values[row])} is not {WHAT['int']}")
    return values.astype(np.int64)


def _numbers(path: Path, name: str, array: pa.Array) -> npt.NDArray[np.float64]:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        _fail(path, name, 0, f"has type {array.type}; it must be numbers")
    values = np.asarray(array, dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        row = int(np.argmin(finite))
        _fail(path, name, row, f"{_show(values[row])} is not a finite number")
    return values


def _dates(path: Path, name: str, array: pa.Array) -> npt.NDArray[np.datetime64]:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
    import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]

    if not (pa.types.is_date(array.type) or pa.types.is_timestamp(array.type)):
        _fail(path, name, 0, f"has type {array.type}; it must be dates")
    return np.asarray(pc.cast(array, pa.date32()), dtype="datetime64[D]")


def _flags(path: Path, name: str, array: pa.Array) -> npt.NDArray[np.bool_]:
    import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

    if pa.types.is_boolean(array.type):
        return np.asarray(array, dtype=np.bool_)
    values = _whole(path, name, array)
    bad = (values != 0) & (values != 1)
    if bad.any():
        row = int(np.argmax(bad))
        _fail(path, name, row, f"{values[row]} is not {WHAT['bool']}")
    return values.astype(np.bool_)


# --- value rules --------------------------------------------------------------------------------


def _check_patients(path: Path, patients: Table) -> None:
    ids = patients["patient_id"]
    _first_bad(path, "patient_id", _repeated(ids), "appears twice (patient ids are unique)", ids)
    age = patients["age"]
    _first_bad(path, "age", (age < 0) | (age > 130), "is not an age in years (0-130)", age)
    os_days = patients["os_days"]
    _first_bad(path, "os_days", os_days < 0, "is negative", os_days)
    event = patients["os_event"]
    _first_bad(path, "os_event", (event != 0) & (event != 1), "is not 0 or 1", event)


def _check_lesions(path: Path, lesions: Table, patients: Table) -> None:
    patient, lesion = lesions["patient_id"], lesions["lesion_id"]
    rank = np.searchsorted(np.sort(patients["patient_id"]), patient)
    known = np.isin(patient, patients["patient_id"])
    _first_bad(path, "patient_id", ~known, "is not in the patients table", patient)
    twice = _repeated(_Keys(lesions, patients).of(rank, lesion))
    _first_bad(path, "lesion_id", twice, "appears twice for this patient", lesion)
    first_day = lesions["first_day"]
    _first_bad(path, "first_day", first_day < 0, "is negative", first_day)


def _check_measurements(path: Path, rows: Table, lesions: Table, patients: Table) -> None:
    patient, lesion, day = rows["patient_id"], rows["lesion_id"], rows["day"]
    _first_bad(path, "day", day < 0, "is negative", day)
    longest, perpendicular = rows["longest_cm"], rows["perpendicular_cm"]
    _first_bad(path, "longest_cm", longest < 0, "is negative", longest)
    _first_bad(path, "perpendicular_cm", perpendicular < 0, "is negative", perpendicular)
    wider = perpendicular > longest
    _first_bad(path, "perpendicular_cm", wider, "is longer than longest_cm", perpendicular)
    half_gone = (longest == 0) != (perpendicular == 0)
    if half_gone.any():
        row = int(np.argmax(half_gone))
        name = "longest_cm" if longest[row] == 0 else "perpendicular_cm"
        rule = "is 0 but the other diameter is not (record 0 x 0 for a lesion that has disappeared)"
        _fail(path, name, row, f"0 {rule}")
    backwards = patient[1:] < patient[:-1]
    _first_bad(
        path, "patient_id", np.r_[False, backwards], "breaks the order of patient_id", patient
    )
    rank = _patient_ranks(path, patient, patients)
    where = _lesion_rows(path, rank, lesion, lesions, patients)
    _check_order(path, patient, day, lesion)
    early = day < lesions["first_day"][where]
    _first_bad(path, "day", early, "is before the lesion's first_day", day)
    _check_complete(path, rows, rank, lesions, patients)


def _check_order(path: Path, patient: npt.NDArray[Any], day: npt.NDArray[Any], lesion: Any) -> None:
    """Within a patient, rows sorted by day, then lesion_id, each lesion once per assessment."""
    same_patient = patient[1:] == patient[:-1]
    same_day = same_patient & (day[1:] == day[:-1])
    backwards = (same_patient & (day[1:] < day[:-1])) | (same_day & (lesion[1:] <= lesion[:-1]))
    if backwards.any():
        row = int(np.argmax(backwards)) + 1
        rule = "breaks the order: rows are sorted by patient_id, day, lesion_id, each lesion once"
        _fail(path, "lesion_id", row, f"{lesion[row]} {rule} per assessment")


def _patient_ranks(path: Path, patient: npt.NDArray[Any], patients: Table) -> npt.NDArray[Any]:
    """Each row's patient as its rank among the patient ids (rows are grouped by patient)."""
    starts = np.nonzero(np.r_[True, patient[1:] != patient[:-1]])[0]
    ids = np.sort(patients["patient_id"])
    rank = np.minimum(np.searchsorted(ids, patient[starts]), max(len(ids) - 1, 0))
    unknown = np.ones(len(starts), np.bool_) if not len(ids) else ids[rank] != patient[starts]
    if unknown.any():
        row = int(starts[np.argmax(unknown)])
        _fail(path, "patient_id", row, f"{_show(patient[row])} is not in the patients table")
    return np.repeat(rank, np.diff(np.r_[starts, len(patient)]))


def _lesion_rows(
    path: Path, rank: npt.NDArray[Any], lesion: npt.NDArray[Any], lesions: Table, patients: Table
) -> npt.NDArray[np.intp]:
    """Index into the lesions table of each measurement (an unknown lesion is an error)."""
    keys = _Keys(lesions, patients)
    own = keys.of(np.searchsorted(np.sort(patients["patient_id"]), lesions["patient_id"]))
    wanted = keys.of(rank, lesion)
    order = np.argsort(own, kind="stable")
    position = np.minimum(np.searchsorted(own[order], wanted), max(len(own) - 1, 0))
    unknown = (own[order][position] != wanted) if len(own) else np.ones(len(wanted), np.bool_)
    _first_bad(path, "lesion_id", unknown, "is not in the lesions table for this patient", lesion)
    found: npt.NDArray[np.intp] = order[position]
    return found


class _Keys:
    """One int64 per (patient rank, lesion_id) pair; -1 for a lesion id no lesion has."""

    def __init__(self, lesions: Table, patients: Table) -> None:
        ids = lesions["lesion_id"]
        self.low = int(ids.min(initial=0))
        span = int(ids.max(initial=0)) - self.low + 1
        self.ids = np.unique(ids) if span * (len(patients["patient_id"]) + 1) > 2**62 else None
        self.span = span if self.ids is None else len(self.ids) + 1
        self.lesion_ids = ids

    def of(self, rank: npt.NDArray[Any], lesion: npt.NDArray[Any] | None = None) -> Any:
        lesion = self.lesion_ids if lesion is None else lesion
        if self.ids is None:
            offset = lesion - self.low
            inside = (offset >= 0) & (offset < self.span)
        else:
            offset = np.minimum(np.searchsorted(self.ids, lesion), len(self.ids) - 1)
            inside = self.ids[offset] == lesion
        return np.where(inside, rank.astype(np.int64) * self.span + offset, -1)


def _check_complete(
    path: Path, rows: Table, rank: npt.NDArray[Any], lesions: Table, patients: Table
) -> None:
    """Every assessment measures every lesion of the patient known by its day."""
    patient, day = rows["patient_id"], rows["day"]
    if len(day) == 0:
        return
    starts = np.nonzero(np.r_[True, (patient[1:] != patient[:-1]) | (day[1:] != day[:-1])])[0]
    measured = np.diff(np.r_[starts, len(day)])
    span = int(max(day.max(), lesions["first_day"].max(initial=0))) + 2
    lesion_rank = np.searchsorted(np.sort(patients["patient_id"]), lesions["patient_id"])
    known = np.sort(lesion_rank * span + lesions["first_day"])
    visit = rank[starts] * span
    expected = np.searchsorted(known, visit + day[starts], "right")
    expected -= np.searchsorted(known, visit, "left")
    short = measured != expected
    if short.any():
        k = int(np.argmax(short))
        row = int(starts[k])
        rule = (
            f"(patient {patient[row]}, day {day[row]}) measures {measured[k]} of the "
            f"{expected[k]} lesions known by then; record 0 x 0 for a lesion that has disappeared"
        )
        _fail(path, "lesion_id", row, rule)


def _repeated(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """True at every row whose value already appeared on an earlier row."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    again = np.zeros(len(values), np.bool_)
    again[order[1:]] = sorted_values[1:] == sorted_values[:-1]
    return again


def _first_bad(path: Path, name: str, bad: npt.NDArray[np.bool_], rule: str, values: Any) -> None:
    if bad.any():
        row = int(np.argmax(bad))
        _fail(path, name, row, f"{_show(values[row])} {rule}")


def _show(value: object) -> str:
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


def _fail(path: Path, name: str, row: int, problem: str) -> NoReturn:
    line = f" (line {row + 2})" if path.suffix == ".csv" else ""
    raise CohortError(f"{path}: column {name!r}, row {row + 1}{line}: {problem}")
