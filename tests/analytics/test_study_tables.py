"""The study-report tables against independent counts, and the hazard ratio on the survival plots.

Every cell is recomputed here the plain way, on small Hypothesis-generated cohorts: pandas
``groupby`` for the continuous summaries (pandas' default quantiles are the same linear
interpolation), Python loops over the rows for the categorical counts, the lesions at baseline
and the burden by site, and the adverse events. The Cox hazard ratio printed on the overall
survival plot is checked against `cox_ph` and against lifelines' ``CoxPHFitter``.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.test_cox import make_lifelines
from tests.analytics.test_endpoints import small_cohort
from tvec.analytics.baseline import baseline_disease, baseline_sites, demographics
from tvec.analytics.cohort import (
    END_REASONS,
    SEXES,
    SITES,
    STAGES,
    Cohort,
)
from tvec.analytics.cohort_lesions import measurement_index
from tvec.analytics.cox import cox_ph
from tvec.analytics.describe import NOT_RECORDED, Categorical, Continuous
from tvec.analytics.endpoints import DAYS_PER_MONTH, months
from tvec.analytics.exposure import disposition, exposure
from tvec.analytics.safety import EventRecord, safety_table
from tvec.knowledge.loader import load_criteria
from tvec.reports import Source, outcomes_report, render_html
from tvec.reports.model import Table
from tvec.reports.safety import SafetyData
from tvec.reports.study_tables import (
    INDENT,
    adverse_events_table,
    baseline_sites_table,
    demographics_table,
    disposition_table,
    exposure_table,
)

ARMS = ("T-VEC", "GM-CSF")
EXPOSURE_INTS = ("courses", "visits", "vials_thawed", "vials_discarded", "treatment_days")


@st.composite
def cohorts(draw: st.DrawFn, optional: bool = True) -> Cohort:
    """1-25 patients in one or two arms, 0-3 lesions each, measured on some of days 0, 42, 84;
    with the optional patient columns when `optional`."""
    n = draw(st.integers(1, 25))
    arms = draw(st.sampled_from([ARMS, ARMS[:1]]))
    arm = [draw(st.sampled_from(arms)) for _ in range(n)]
    patients: dict[str, np.ndarray] = {
        "patient_id": np.arange(100, 100 + n, dtype=np.int64),
        "arm": np.array(arm),
        "stage": np.array([draw(st.sampled_from(STAGES)) for _ in range(n)]),
        "line": np.array([draw(st.sampled_from(("first", "later"))) for _ in range(n)]),
        "age": np.array([draw(st.integers(18, 95)) for _ in range(n)], np.int64),
        "start_date": np.full(n, np.datetime64("2020-01-01", "D")),
        "os_days": np.array([draw(st.integers(1, 900)) for _ in range(n)], np.int64),
        "os_event": np.array([draw(st.integers(0, 1)) for _ in range(n)], np.int64),
    }
    if optional:
        patients["sex"] = np.array([draw(st.sampled_from(SEXES)) for _ in range(n)])
        patients["ecog"] = np.array([draw(st.integers(-1, 4)) for _ in range(n)], np.int64)
        for name in (*EXPOSURE_INTS, "reinitiations"):
            patients[name] = np.array([draw(st.integers(0, 12)) for _ in range(n)], np.int64)
        patients["volume_ml"] = np.array(
            [draw(st.floats(0, 40, allow_nan=False)) for _ in range(n)]
        )
        patients["pfu"] = np.array([draw(st.floats(0, 4e9, allow_nan=False)) for _ in range(n)])
        patients["end_reason"] = np.array(
            [draw(st.sampled_from(("", *END_REASONS))) for _ in range(n)]
        )
    lesions: dict[str, list[object]] = {c: [] for c in ("patient_id", "lesion_id", "site")}
    lesions |= {"injected": [], "first_day": []}
    measured: dict[str, list[object]] = {
        c: [] for c in ("patient_id", "lesion_id", "day", "longest_cm", "perpendicular_cm")
    }
    for pid in patients["patient_id"].tolist():
        for lid in range(draw(st.integers(0, 3))):
            days = sorted(draw(st.sets(st.sampled_from((0, 42, 84)), min_size=1)))
            lesions["patient_id"].append(pid)
            lesions["lesion_id"].append(lid)
            lesions["site"].append(draw(st.sampled_from(SITES)))
            lesions["injected"].append(draw(st.booleans()))
            lesions["first_day"].append(days[0])
            for day in days:
                longest = draw(st.integers(0, 60)) / 10
                measured["patient_id"].append(pid)
                measured["lesion_id"].append(lid)
                measured["day"].append(day)
                measured["longest_cm"].append(longest)
                measured["perpendicular_cm"].append(draw(st.integers(0, 60)) / 10)
    return Cohort(
        patients,
        {
            "patient_id": np.array(lesions["patient_id"], np.int64),
            "lesion_id": np.array(lesions["lesion_id"], np.int64),
            "site": np.array(lesions["site"], dtype="<U12"),
            "injected": np.array(lesions["injected"], bool),
            "first_day": np.array(lesions["first_day"], np.int64),
        },
        {
            "patient_id": np.array(measured["patient_id"], np.int64),
            "lesion_id": np.array(measured["lesion_id"], np.int64),
            "day": np.array(measured["day"], np.int64),
            "longest_cm": np.array(measured["longest_cm"], np.float64),
            "perpendicular_cm": np.array(measured["perpendicular_cm"], np.float64),
        },
    )


def arms_of(cohort: Cohort) -> tuple[str, ...]:
    present = set(cohort.patients["arm"].tolist())
    return tuple(a for a in ARMS if a in present)


def check_continuous(got: Continuous, values: pd.Series) -> None:
    """`got` against pandas on the same values."""
    values = values.dropna().astype(float)
    assert got.n == len(values)
    if got.n == 0:
        assert got.mean is None
        assert got.median is None
        return
    assert got.mean == pytest.approx(values.mean(), rel=1e-12, abs=1e-9)
    if got.n > 1:
        assert got.sd == pytest.approx(values.std(ddof=1), rel=1e-9, abs=1e-9)
    else:
        assert got.sd is None
    assert got.median == pytest.approx(values.median(), rel=1e-12, abs=1e-9)
    assert got.q1 == pytest.approx(values.quantile(0.25), rel=1e-12, abs=1e-9)
    assert got.q3 == pytest.approx(values.quantile(0.75), rel=1e-12, abs=1e-9)
    assert got.minimum == pytest.approx(values.min(), rel=1e-12, abs=1e-12)
    assert got.maximum == pytest.approx(values.max(), rel=1e-12, abs=1e-12)


def check_levels(got: Categorical, labels: list[str]) -> None:
    """`got` against a plain count of `labels` (the arm's patients)."""
    counted = Counter(labels)
    assert got.of == len(labels)
    assert dict(zip(got.levels, got.counts, strict=True)) == {
        level: counted.get(level, 0) for level in got.levels
    }
    assert set(counted) <= set(got.levels)


def frame(cohort: Cohort) -> pd.DataFrame:
    return pd.DataFrame({k: np.asarray(v) for k, v in cohort.patients.items()})


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- demographics ---------------------------------------------------------------------------------


@SETTINGS
@given(cohorts())
def test_demographics_equal_pandas_and_plain_counts(cohort: Cohort) -> None:
    arms = arms_of(cohort)
    table = demographics(cohort, arms)
    df = frame(cohort)
    for k, arm in enumerate(arms):
        mine = df[df["arm"] == arm]
        assert table.patients[k] == len(mine)
        check_continuous(table.variable("age").summaries[k], mine["age"])  # type: ignore[index,arg-type]
        for name in ("sex", "stage", "line"):
            check_levels(table.variable(name).summaries[k], mine[name].tolist())  # type: ignore[index,arg-type]
        ecog = [NOT_RECORDED if e == -1 else str(e) for e in mine["ecog"].tolist()]
        check_levels(table.variable("ecog").summaries[k], ecog)  # type: ignore[index,arg-type]


@SETTINGS
@given(cohorts())
def test_the_demographics_table_reads_the_counts_as_n_and_percent(cohort: Cohort) -> None:
    arms = arms_of(cohort)
    table = demographics_table(demographics(cohort, arms))
    df = frame(cohort)
    assert table.header == ["", *(f"{a}\nN = {(df['arm'] == a).sum()}" for a in arms)]
    rows = {r[0]: r[1:] for r in table.rows}
    for k, arm in enumerate(arms):
        mine = df[df["arm"] == arm]
        n = len(mine)
        for stage in STAGES:
            count = int((mine["stage"] == stage).sum())
            assert rows[f"{INDENT}{stage}"][k] == f"{count} ({100 * count / n:.1f}%)"
        female = int((mine["sex"] == "female").sum())
        assert rows[f"{INDENT}Female"][k] == f"{female} ({100 * female / n:.1f}%)"
        ages = mine["age"].astype(float)
        sd = f"{ages.std(ddof=1):.1f}" if n > 1 else "–"
        assert rows[f"{INDENT}Mean (SD)"][k] == f"{ages.mean():.1f} ({sd})"
        assert rows[f"{INDENT}Min–max"][k] == f"{ages.min():.0f}–{ages.max():.0f}"


# --- baseline lesions and burden ------------------------------------------------------------------


def baseline_by_loop(cohort: Cohort) -> dict[int, dict[str, tuple[int, float]]]:
    """patient -> site -> (lesions measured on day 0, their sum of longest × perpendicular)."""
    site = {
        (p, lid): s
        for p, lid, s in zip(
            cohort.lesions["patient_id"].tolist(),
            cohort.lesions["lesion_id"].tolist(),
            cohort.lesions["site"].tolist(),
            strict=True,
        )
    }
    out: dict[int, dict[str, tuple[int, float]]] = {
        p: {} for p in cohort.patients["patient_id"].tolist()
    }
    m = cohort.measurements
    for p, lid, day, a, b in zip(
        *(
            m[c].tolist()
            for c in ("patient_id", "lesion_id", "day", "longest_cm", "perpendicular_cm")
        ),
        strict=True,
    ):
        if day != 0:
            continue
        lesions, burden = out[p].get(site[(p, lid)], (0, 0.0))
        out[p][site[(p, lid)]] = (lesions + 1, burden + a * b)
    return out


@SETTINGS
@given(cohorts())
def test_baseline_lesions_and_burden_by_site_equal_a_loop(cohort: Cohort) -> None:
    arms = arms_of(cohort)
    table = baseline_disease(cohort, arms)
    rendered = baseline_sites_table(table)
    by_patient = baseline_by_loop(cohort)
    arm_of = dict(
        zip(cohort.patients["patient_id"].tolist(), cohort.patients["arm"].tolist(), strict=True)
    )
    for k, arm in enumerate(arms):
        mine = [p for p, a in arm_of.items() if a == arm]
        totals = pd.Series([sum(n for n, _ in by_patient[p].values()) for p in mine])
        burdens = pd.Series([sum(b for _, b in by_patient[p].values()) for p in mine])
        check_continuous(table.variable("lesions").summaries[k], totals)  # type: ignore[index,arg-type]
        check_continuous(table.variable("burden").summaries[k], burdens)  # type: ignore[index,arg-type]
        sites = table.variable("sites").summaries[k]  # type: ignore[index]
        assert isinstance(sites, Categorical)
        for site in SITES:
            having = [p for p in mine if site in by_patient[p]]
            assert sites.counts[sites.levels.index(site)] == len(having)
            check_continuous(
                table.variable(f"lesions:{site}").summaries[k],  # type: ignore[index,arg-type]
                pd.Series([by_patient[p][site][0] for p in having], dtype=float),
            )
            check_continuous(
                table.variable(f"burden:{site}").summaries[k],  # type: ignore[index,arg-type]
                pd.Series([by_patient[p][site][1] for p in having], dtype=float),
            )
            (shown,) = [r for r in rendered.rows if r[:2] == [site.capitalize(), arm]]
            n = len(mine)
            assert shown[2] == f"{len(having)} ({100 * len(having) / n:.1f}%)"
            burden = pd.Series([by_patient[p][site][1] for p in having], dtype=float)
            if len(having) > 1:
                assert shown[6] == f"{burden.mean():.1f} ({burden.std(ddof=1):.1f})"


# --- exposure and disposition ---------------------------------------------------------------------


@SETTINGS
@given(cohorts())
def test_exposure_equals_pandas(cohort: Cohort) -> None:
    arms = arms_of(cohort)
    table = exposure(cohort, arms)
    df = frame(cohort)
    for k, arm in enumerate(arms):
        mine = df[df["arm"] == arm]
        for name in ("courses", "visits", "volume_ml", "pfu", "vials_thawed", "vials_discarded"):
            check_continuous(table.variable(name).summaries[k], mine[name])  # type: ignore[index,arg-type]
        check_continuous(
            table.variable("treatment_days").summaries[k],  # type: ignore[index,arg-type]
            mine["treatment_days"] / DAYS_PER_MONTH,
        )
        rendered = exposure_table(table).rows
        (visits,) = [r for r in rendered if r[:2] == ["Injection visits", arm]]
        values = mine["visits"].astype(float)
        assert visits[2] == str(len(values))
        q1, median, q3 = values.quantile([0.25, 0.5, 0.75])
        assert visits[4] == f"{median:.1f} ({q1:.1f}–{q3:.1f})"
        assert visits[5] == f"{values.min():.0f}–{values.max():.0f}"
        (pfu,) = [r for r in rendered if r[0].startswith("Plaque-forming units") and r[1] == arm]
        if len(mine) > 1:
            scaled = mine["pfu"] / 1e8
            assert pfu[3] == f"{scaled.mean():.2f} ({scaled.std(ddof=1):.2f})"


@SETTINGS
@given(cohorts())
def test_disposition_equals_a_count(cohort: Cohort) -> None:
    arms = arms_of(cohort)
    summary = disposition(cohort, arms)
    rendered = {r[0]: r[1:] for r in disposition_table(summary).rows}
    for k, arm in enumerate(arms):
        reasons = [
            r or "ongoing"
            for r, a in zip(
                cohort.patients["end_reason"].tolist(), cohort.patients["arm"].tolist(), strict=True
            )
            if a == arm
        ]
        check_levels(summary.variable("end_reason").summaries[k], reasons)  # type: ignore[index,arg-type]
        again = [
            t
            for t, a in zip(
                cohort.patients["reinitiations"].tolist(),
                cohort.patients["arm"].tolist(),
                strict=True,
            )
            if a == arm
        ]
        n = len(again)
        assert rendered["Patients analysed"][k] == str(n)
        died = reasons.count("death")
        assert rendered[f"{INDENT}Died on treatment"][k] == f"{died} ({100 * died / n:.1f}%)"
        twice = sum(1 for t in again if t > 0)
        assert (
            rendered[f"{INDENT}Re-initiated at least once"][k]
            == f"{twice} ({100 * twice / n:.1f}%)"
        )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(optional=False))
def test_a_source_without_the_optional_columns_reads_not_recorded(cohort: Cohort) -> None:
    arms = arms_of(cohort)
    demo = {r[0]: r[1:] for r in demographics_table(demographics(cohort, arms)).rows}
    assert demo["Sex"] == [NOT_RECORDED] * len(arms)
    assert demo["ECOG performance status"] == [NOT_RECORDED] * len(arms)
    assert demo["Age, years"] == [""] * len(arms)  # age is a required column
    exposed = exposure_table(exposure(cohort, arms)).rows
    assert len(exposed) == 7 * len(arms)
    for row in exposed:
        assert row[2] == NOT_RECORDED
    for row in disposition_table(disposition(cohort, arms)).rows[1:]:
        assert row[1:] == [NOT_RECORDED] * len(arms)


# --- adverse events -------------------------------------------------------------------------------

EVENT = st.builds(
    EventRecord,
    patient=st.sampled_from([f"p{i}" for i in range(6)]),
    arm=st.sampled_from(ARMS),
    term=st.sampled_from(("fatigue", "chills", "pyrexia")),
    grade=st.integers(1, 5),
    serious=st.booleans(),
    related=st.sampled_from([True, False, None]),
)


def cell(patients: int, of: int) -> str:
    return "0" if patients == 0 else f"{patients} ({100 * patients / of:.1f}%)"


@settings(max_examples=60, deadline=None)
@given(st.lists(EVENT, max_size=30))
def test_adverse_events_by_term_and_worst_grade_equal_a_loop(events: list[EventRecord]) -> None:
    of = {"T-VEC": 8, "GM-CSF": 7}
    data = SafetyData(safety_table(events, of), (), "OPTiM", "a source", "a note")
    table = adverse_events_table(data, ARMS)
    for row in table.rows:
        term = row[0]
        for k, arm in enumerate(ARMS):
            mine = [
                e
                for e in events
                if e.arm == arm and (term == "any adverse event" or e.term == term)
            ]
            worst: dict[str, int] = {}
            for e in mine:
                worst[e.patient] = max(worst.get(e.patient, 0), e.grade)
            what = row[1]
            if what == "Any grade":
                expected = len(worst)
            elif what.startswith("Worst grade "):
                expected = sum(1 for g in worst.values() if g == int(what[-1]))
            elif what == "Grade ≥ 3":
                expected = sum(1 for g in worst.values() if g >= 3)
            elif what == "Serious":
                expected = len({e.patient for e in mine if e.serious})
            else:
                assert what == "Related"
                expected = len({e.patient for e in mine if e.related is True})
            assert row[2 + k] == cell(expected, of[arm]), (term, what, arm)


def test_adverse_events_not_recorded_without_records() -> None:
    table = adverse_events_table(None, ARMS)
    assert table.rows == [["Adverse events", NOT_RECORDED, NOT_RECORDED]]


# --- survival: the Cox hazard ratio on the plot and in the table ----------------------------------


def plot_texts(figure: object) -> list[str]:
    return [t.get_text() for ax in figure.axes for t in ax.texts if t.get_gid() == "hazard-ratio"]  # type: ignore[attr-defined]


def test_the_hazard_ratio_on_the_os_plot_is_cox_ph_and_lifelines() -> None:
    cohort = small_cohort()
    report = outcomes_report(Source(cohort, "a test cohort", True), load_criteria())
    p = cohort.patients
    both = np.isin(p["arm"], ARMS)
    model = cox_ph(
        months(p["os_days"][both]), p["os_event"][both], (p["arm"][both] == "T-VEC").astype(float)
    )
    term = model.terms[0]
    (text,) = plot_texts(report.figure["os"].figure)
    hr, low, high = (float(v) for v in re.findall(r"\d+\.\d\d", text.split("\n")[0]))
    assert (hr, low, high) == (
        round(term.hazard_ratio, 2),
        round(term.ci.low, 2),
        round(term.ci.high, 2),
    )
    assert text.startswith("HR T-VEC vs GM-CSF ")
    assert f"log-rank p {report.tables['survival'].rows[4][-1]}" in text

    fitted = make_lifelines(
        months(p["os_days"]), p["os_event"], (p["arm"] == "T-VEC").astype(float)[:, None]
    )
    assert math.isclose(float(fitted.hazard_ratios_["x1"]), term.hazard_ratio, rel_tol=1e-8)
    rows = report.tables["survival"].rows
    assert rows[0][0] == "Overall survival"
    os_hazard = next(r for r in rows if r[0] == f"{INDENT}Hazard ratio (95% CI)")
    assert os_hazard[-1] == (f"{term.hazard_ratio:.2f} ({term.ci.low:.2f}–{term.ci.high:.2f})")
    (pfs,) = plot_texts(report.figure["pfs"].figure)
    assert pfs.startswith("HR T-VEC vs GM-CSF ")


def test_a_single_arm_cohort_has_no_hazard_ratio() -> None:
    cohort = small_cohort()
    keep = cohort.patients["arm"] == "T-VEC"
    ids = set(cohort.patients["patient_id"][keep].tolist())
    only = Cohort(
        {k: np.asarray(v)[keep] for k, v in cohort.patients.items()},
        {
            k: np.asarray(v)[np.isin(cohort.lesions["patient_id"], list(ids))]
            for k, v in cohort.lesions.items()
        },
        {
            k: np.asarray(v)[np.isin(cohort.measurements["patient_id"], list(ids))]
            for k, v in cohort.measurements.items()
        },
    )
    report = outcomes_report(Source(only, "one arm", True), load_criteria())
    assert plot_texts(report.figure["os"].figure) == []
    assert report.tables["survival"].header == ["", f"T-VEC\nN = {len(ids)}"]


def test_the_report_page_shows_every_study_table_in_study_order() -> None:
    report = outcomes_report(Source(small_cohort(), "a test cohort", True), load_criteria())
    html = render_html(report)
    ids = [
        "disposition-table",
        "demographics-table",
        "baseline-table",
        "baseline-sites-table",
        "exposure-table",
        "response-table",
        "survival-table",
        "adverse-events-table",
    ]
    positions = [html.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)
    assert html.index('id="survival-table"') < html.index('<section id="methods">')
    for key in (
        "disposition",
        "demographics",
        "baseline",
        "exposure",
        "survival",
        "adverse_events",
    ):
        assert isinstance(report.tables[key], Table)
    methods = dict(report.methods)
    for name in (
        "Kaplan and Meier",
        "Greenwood",
        "Brookmeyer–Crowley",
        "Cox, JRSS B 1972",
        "Efron",
        "Mantel, Cancer Chemother Rep 1966",
        "Clopper and Pearson",
        "Newcombe",
    ):
        assert name in " ".join(methods.values()), name


@SETTINGS
@given(cohorts())
def test_baseline_burden_is_the_same_with_the_shared_measurement_index(cohort: Cohort) -> None:
    """The report passes the join of measurements to lesions it built once; the baseline lesion
    counts and burdens equal those the tables give alone."""
    sites, counts, burden = baseline_sites(cohort)
    shared_sites, shared_counts, shared_burden = baseline_sites(cohort, measurement_index(cohort))
    assert shared_sites == sites
    assert np.array_equal(shared_counts, counts)
    assert np.array_equal(shared_burden, burden)
