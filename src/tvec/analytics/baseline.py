"""Demographics and baseline disease by arm, for a study report, from the cohort's columns.

`demographics`: age, sex, stage, ECOG performance status and line of therapy. `baseline_disease`:
lesions and tumour burden at baseline, over all sites and per site. Sex and ECOG are optional
patient columns (`tvec.analytics.cohort.OPTIONAL_PATIENT_COLUMNS`); a cohort without one gets a
variable whose summaries are `None` ("not recorded").

Baseline and burden
-------------------
Baseline is day 0, the first dose: a lesion is present at baseline when it has a measurement on
day 0. The burden of a site is the sum of the products of the perpendicular diameters
(longest × perpendicular, cm²) of the patient's lesions at that site on day 0 — the same sum of
products the response criteria and the waterfall plot use. Per site, the lesion count and burden
are summarised among the patients with at least one lesion at that site; the all-site count and
burden among all patients (a patient without a baseline measurement counts with 0).

Everything is vectorised: lesions are placed in a (patient, site) grid by ``bincount``.
"""

from __future__ import annotations

import numpy as np

from tvec.analytics.cohort import ECOG_NOT_RECORDED, LINES, SEXES, SITES, STAGES, Cohort
from tvec.analytics.cohort_lesions import MeasurementIndex, measurement_lesions, patient_rows
from tvec.analytics.describe import (
    NOT_RECORDED,
    Categorical,
    Summary,
    Variable,
    arm_codes,
    arm_sizes,
    categorical,
    categorical_codes,
    continuous,
    level_codes,
)
from tvec.analytics.inputs import FloatArray, IntArray

ECOG_LEVELS = ("0", "1", "2", "3", "4", NOT_RECORDED)


def demographics(cohort: Cohort, arms: tuple[str, ...]) -> Summary:
    """Age, sex, stage, ECOG and line of therapy, per arm (arms in the order given)."""
    p = cohort.patients
    codes = arm_codes(p["arm"], arms)
    k = len(arms)
    sex = None
    if "sex" in p:
        sex = categorical(p["sex"], SEXES, codes, k)
    ecog = None
    if "ecog" in p:
        score = np.asarray(p["ecog"]).astype(np.int64)
        usual = (score >= 0) & (score <= 4)
        if np.all(usual | (score == ECOG_NOT_RECORDED)):  # no strings for a million patients
            level = np.where(usual, score, len(ECOG_LEVELS) - 1)
            ecog = categorical_codes(level, ECOG_LEVELS, codes, k)
        else:
            labels = np.where(score == ECOG_NOT_RECORDED, NOT_RECORDED, score.astype(str))
            ecog = categorical(labels, ECOG_LEVELS, codes, k)
    return Summary(
        arms,
        arm_sizes(codes, k),
        (
            Variable("age", continuous(p["age"], codes, k)),
            Variable("sex", sex),
            Variable("stage", categorical(p["stage"], STAGES, codes, k)),
            Variable("ecog", ecog),
            Variable("line", categorical(p["line"], LINES, codes, k)),
        ),
    )


def baseline_sites(
    cohort: Cohort, index: MeasurementIndex | None = None
) -> tuple[tuple[str, ...], IntArray, FloatArray]:
    """The sites (`SITES` first, then any other, sorted), and per patient row and site the number
    of lesions at baseline and their sum of products (cm²): two (patients, sites) arrays.

    With the cohort's `tvec.analytics.cohort_lesions.measurement_index` (`index`), its join of
    measurements to lesions is reused instead of joining the day-0 measurements again."""
    n = cohort.n_patients
    site_code, sites = level_codes(cohort.lesions["site"], SITES)
    s = len(sites)
    n_lesions = site_code.size
    counts: IntArray = np.zeros((n, s), np.int64)
    burden: FloatArray = np.zeros((n, s), np.float64)
    if n_lesions == 0 or n == 0:
        return sites, counts, burden
    m = cohort.measurements
    at_zero = np.flatnonzero(np.asarray(m["day"]) == 0)
    day_zero = {c: np.asarray(m[c])[at_zero] for c in ("longest_cm", "perpendicular_cm")}
    if index is None:
        lesion = measurement_lesions(  # only day 0 counts: join the fewest rows
            Cohort(cohort.patients, cohort.lesions, {c: np.asarray(m[c])[at_zero] for c in m})
        )
        row = patient_rows(cohort, cohort.lesions["patient_id"], "lesions")
    else:
        lesion = index.lesion[at_zero].astype(np.intp)
        row = index.lesion_row
    product = np.asarray(day_zero["longest_cm"], np.float64) * np.asarray(
        day_zero["perpendicular_cm"], np.float64
    )
    present = np.bincount(lesion, minlength=n_lesions) > 0
    lesion_product = np.bincount(lesion, weights=product, minlength=n_lesions)
    cell = (row * s + site_code)[present]
    counts = np.bincount(cell, minlength=n * s).reshape(n, s).astype(np.int64)
    burden = (
        np.bincount(cell, weights=lesion_product[present], minlength=n * s)
        .reshape(n, s)
        .astype(np.float64)
    )
    return sites, counts, burden


def baseline_disease(
    cohort: Cohort, arms: tuple[str, ...], index: MeasurementIndex | None = None
) -> Summary:
    """Lesions and burden at baseline, all sites and per site, per arm (module notes).

    Variables: ``lesions`` and ``burden`` (all sites, every patient), ``sites`` (patients with a
    lesion at each site, categorical, not exclusive), then ``lesions:SITE`` and ``burden:SITE``
    among the patients with a lesion at SITE. `index`: as for `baseline_sites`.
    """
    codes = arm_codes(cohort.patients["arm"], arms)
    k = len(arms)
    sites, counts, burden = baseline_sites(cohort, index)
    has = counts > 0
    patients_with = [
        tuple(int(c) for c in np.bincount(codes[(codes >= 0) & has[:, j]], minlength=k))
        for j in range(len(sites))
    ]
    sizes = arm_sizes(codes, k)
    per_site = tuple(
        Categorical(sites, tuple(patients_with[j][a] for j in range(len(sites))), sizes[a])
        for a in range(k)
    )
    variables = [
        Variable("lesions", continuous(counts.sum(axis=1), codes, k)),
        Variable("burden", continuous(burden.sum(axis=1), codes, k)),
        Variable("sites", per_site),
    ]
    for j, site in enumerate(sites):
        site_codes = np.where(has[:, j], codes, -1)  # patients without the site left out
        variables.append(Variable(f"lesions:{site}", continuous(counts[:, j], site_codes, k)))
        variables.append(Variable(f"burden:{site}", continuous(burden[:, j], site_codes, k)))
    return Summary(arms, sizes, tuple(variables))


__all__ = ["ECOG_LEVELS", "baseline_disease", "baseline_sites", "demographics"]
