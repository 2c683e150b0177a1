"""How a report describes its cohort: a registry folder or a centre's clinic records.

Whoever reads the cohort (the CLI from a folder, a service from the clinic records) describes it
with these functions, so the command line, the web app and the API say the same things about the
same records.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from tvec.analytics.cohort import Cohort, CohortResponses
from tvec.analytics.cohort_lesions import MeasurementIndex
from tvec.reports.model import Source

DEMO_CENTRE = "tvec demo centre"  # tvec.services.seeding.CENTRE: its patients are invented

RECORDS_ENGINE = (
    "patient by patient with the domain response engine, from the exact recorded sizes "
    "(as each patient's response page)"
)
RECORDS_NOTES = (
    "Every patient is T-VEC-treated; stage is the recorded diagnosis; the line of therapy is "
    "'first' when no prior systemic therapy for advanced disease is recorded, else 'later' "
    "(tvec's rule).",
    "Overall survival: a recorded death is an event at its date; every other patient is "
    "censored at the last contact (the last measurement, dose or date known alive).",
    "Patients are numbered 1..n in a keyed-hash order; no name, MRN or birth date is used.",
)
RECORDS_OS_NOTE = (
    " From clinic records, which record the date of death and the last date known alive: "
    "patients not known to have died are censored at their last contact."
)


def composition(cohort: Cohort) -> str:
    """Patients per arm, lesions and measurements ("T-VEC 8; 20 lesions, 90 measurements")."""
    arms, counts = np.unique(np.asarray(cohort.patients["arm"]).astype(str), return_counts=True)
    parts = ", ".join(f"{arm} {count}" for arm, count in zip(arms, counts, strict=True))
    lesions = len(cohort.lesions["patient_id"])
    return f"{parts}; {lesions} lesions, {cohort.n_measurements} measurements"


COHORT_CUTOFF = "the latest date recorded in the cohort: a measurement, a last contact or a death"
STATED_CUTOFF = "as stated by the source"
CHUNK = 4_000_000  # measurements read at a time for the cut-off (bounds the temporary arrays)


def data_cutoff(cohort: Cohort, index: MeasurementIndex | None = None) -> dt.date | None:
    """The latest date the cohort records (first dose + a measurement's day or the follow-up);
    None for a cohort without patients. `index` (the cohort's `measurement_index`) supplies each
    measurement's patient row, when already built."""
    ids = np.asarray(cohort.patients["patient_id"])
    if len(ids) == 0:
        return None
    start = np.asarray(cohort.patients["start_date"]).astype("datetime64[D]")
    days = np.asarray(cohort.patients["os_days"]).astype(np.int64)
    latest = (start + days.astype("timedelta64[D]")).max()
    measured = np.asarray(cohort.measurements["patient_id"])
    days_measured = np.asarray(cohort.measurements["day"])
    order = np.argsort(ids, kind="stable")
    for at in range(0, len(measured), CHUNK):  # a registry's measurements, a slice at a time
        pid = measured[at : at + CHUNK]
        if index is None:
            rows = order[np.clip(np.searchsorted(ids, pid, sorter=order), 0, len(ids) - 1)]
        else:
            rows = index.row[at : at + CHUNK]
        day = days_measured[at : at + CHUNK].astype(np.int64).astype("timedelta64[D]")
        latest = max(latest, (start[rows] + day).max())
    value: dt.date = latest.astype(object)
    return value


def folder_source(cohort: Cohort, folder_name: str) -> Source:
    """A registry folder's cohort (docs/registry-format.md); whether it is invented is unknown."""
    return Source(
        cohort=cohort,
        description=f"registry folder {folder_name}/ ({composition(cohort)})",
        synthetic=None,
    )


def records_source(
    cohort: Cohort,
    responses: CohortResponses | None,
    excluded: tuple[tuple[str, int], ...],
    centre_name: str,
    centre_patients: int,
    reader: str,
) -> Source:
    """A centre's de-identified clinic records, read by `reader` ("name (role)")."""
    left_out = sum(count for _reason, count in excluded)
    description = (
        f"clinic records of {centre_name}, read by {reader}: "
        f"{cohort.n_patients} treated patients assessed of {centre_patients} registered"
        f"{f', {left_out} left out' if left_out else ''} ({composition(cohort)})"
    )
    return Source(
        cohort=cohort,
        description=description,
        synthetic=True if centre_name == DEMO_CENTRE else None,
        responses=responses,
        engine=RECORDS_ENGINE,
        excluded=excluded,
        deaths_recorded=True,
        os_note=RECORDS_OS_NOTE,
        notes=RECORDS_NOTES,
    )


__all__ = [
    "COHORT_CUTOFF",
    "DEMO_CENTRE",
    "STATED_CUTOFF",
    "composition",
    "data_cutoff",
    "folder_source",
    "records_source",
]
