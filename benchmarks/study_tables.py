"""The study-report tables at registry scale: tvec's vectorised tables against pandas, same run.

Usage::

    .venv/bin/python benchmarks/study_tables.py --patients 1000000 --seed 1

A synthetic registry (`tvec.analytics.synth.synthesize`) is generated and given the optional
patient columns (sex, ECOG, exposure, disposition) drawn at random; neither is timed. Then each
table is computed by tvec (`tvec.analytics.baseline`, `tvec.analytics.exposure`,
`tvec.analytics.hazards.arm_hazard_ratio`) and by the baseline, "the straightforward way" with
pandas: ``groupby("arm").agg`` (count, mean, std, median, quantiles, min, max) for continuous
columns, ``groupby([arm, level]).size()`` for categorical ones, a ``merge`` of the measurements
on the lesions then ``groupby([patient, site])`` for the baseline lesions and burden. The Cox fit
has no pandas baseline here (lifelines is compared with `cox_ph` in ``benchmarks/registry.py``).

Printed: seconds per table for both, their ratio, and whether the numbers agree (every mean and
median, every level count, to 1e-9 relative).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from tvec.analytics.baseline import baseline_disease, baseline_sites, demographics
from tvec.analytics.cohort import END_REASONS, SEXES, Cohort
from tvec.analytics.describe import Categorical, Continuous
from tvec.analytics.endpoints import arm_order, months
from tvec.analytics.exposure import disposition, exposure
from tvec.analytics.hazards import arm_hazard_ratio
from tvec.analytics.synth import synthesize


def with_optional_columns(cohort: Cohort, seed: int) -> Cohort:
    """The cohort with the optional patient columns, drawn at random."""
    rng = np.random.default_rng(seed)
    n = cohort.n_patients
    extra: dict[str, Any] = {
        "sex": np.array(SEXES)[rng.integers(0, len(SEXES), n)],
        "ecog": rng.integers(-1, 3, n).astype(np.int64),
        "courses": rng.integers(1, 4, n).astype(np.int64),
        "visits": rng.integers(1, 30, n).astype(np.int64),
        "volume_ml": rng.uniform(0.5, 60.0, n),
        "pfu": rng.uniform(1e6, 5e9, n),
        "vials_thawed": rng.integers(1, 40, n).astype(np.int64),
        "vials_discarded": rng.integers(0, 5, n).astype(np.int64),
        "treatment_days": rng.integers(0, 700, n).astype(np.int64),
        "end_reason": np.array(("", *END_REASONS))[rng.integers(0, len(END_REASONS) + 1, n)],
        "reinitiations": rng.integers(0, 3, n).astype(np.int64),
    }
    return Cohort({**cohort.patients, **extra}, cohort.lesions, cohort.measurements)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def pandas_continuous(df: pd.DataFrame, column: str) -> pd.DataFrame:
    g = df.groupby("arm")[column]
    return g.agg(["count", "mean", "std", "median", "min", "max"]).join(
        g.quantile([0.25, 0.75]).unstack()
    )


def pandas_levels(df: pd.DataFrame, column: str) -> pd.Series:
    return df.groupby(["arm", column]).size()


def pandas_baseline(cohort: Cohort) -> pd.DataFrame:
    m = pd.DataFrame({k: np.asarray(v) for k, v in cohort.measurements.items()})
    lesions = pd.DataFrame(
        {k: np.asarray(cohort.lesions[k]) for k in ("patient_id", "lesion_id", "site")}
    )
    day0 = m[m["day"] == 0].assign(spd=lambda f: f["longest_cm"] * f["perpendicular_cm"])
    joined = day0.merge(lesions, on=["patient_id", "lesion_id"])
    per_lesion = joined.groupby(["patient_id", "lesion_id", "site"], sort=False)["spd"].sum()
    return per_lesion.groupby(["patient_id", "site"]).agg(["size", "sum"])


def agree_continuous(ours: Continuous, theirs: pd.Series) -> bool:
    pairs = [(ours.mean, theirs["mean"]), (ours.median, theirs["median"])]
    pairs += [(ours.q1, theirs[0.25]), (ours.q3, theirs[0.75]), (ours.sd, theirs["std"])]
    return ours.n == int(theirs["count"]) and all(
        a is not None and abs(a - b) <= 1e-9 * max(1.0, abs(b)) for a, b in pairs
    )


def agree_levels(ours: Categorical, theirs: pd.Series) -> bool:
    counts = {str(k): int(v) for k, v in theirs.items()}
    return all(counts.get(level, 0) == c for level, c in zip(ours.levels, ours.counts, strict=True))


def run(patients: int, seed: int) -> list[str]:
    start = time.perf_counter()
    cohort = with_optional_columns(synthesize(patients, seed), seed + 1)
    made = time.perf_counter() - start
    arms = arm_order(cohort.patients["arm"])
    df = pd.DataFrame({k: np.asarray(v) for k, v in cohort.patients.items()})
    lines = [
        f"{patients} patients, {cohort.lesions['lesion_id'].size} lesions, "
        f"{cohort.n_measurements} measurements (made in {made:.1f} s, not timed); "
        f"baseline: pandas {pd.__version__} in the same run",
        f"{'table':<14}{'tvec s':>9}{'pandas s':>10}{'ratio':>8}  agree",
    ]

    def row(name: str, ours: float, theirs: float | None, agree: bool | None) -> None:
        ratio = f"{theirs / ours:7.1f}x" if theirs is not None and ours > 0 else "      –"
        pandas = f"{theirs:10.3f}" if theirs is not None else "         –"
        lines.append(f"{name:<14}{ours:9.3f}{pandas}{ratio}  {'–' if agree is None else agree}")

    t_ours, demo = timed(lambda: demographics(cohort, arms))
    t_theirs, ref = timed(
        lambda: (
            pandas_continuous(df, "age"),
            {c: pandas_levels(df, c) for c in ("sex", "stage", "line", "ecog")},
        )
    )
    agree = all(
        agree_continuous(demo.variable("age").summaries[k], ref[0].loc[arm])
        and agree_levels(demo.variable("stage").summaries[k], ref[1]["stage"].loc[arm])
        for k, arm in enumerate(arms)
    )
    row("demographics", t_ours, t_theirs, agree)

    t_ours, base = timed(lambda: baseline_disease(cohort, arms))
    t_theirs, ref_base = timed(lambda: pandas_baseline(cohort))
    _, counts, burden = baseline_sites(cohort)
    agree = int(ref_base["size"].sum()) == int(counts.sum()) and bool(
        np.isclose(float(ref_base["sum"].sum()), float(burden.sum()), rtol=1e-9)
    )
    row(
        "baseline",
        t_ours,
        t_theirs,
        agree and base.patients == tuple(df["arm"].value_counts()[list(arms)]),
    )

    columns = ("courses", "visits", "volume_ml", "pfu", "vials_thawed", "vials_discarded")
    t_ours, exp = timed(lambda: exposure(cohort, arms))
    t_theirs, ref_exp = timed(lambda: {c: pandas_continuous(df, c) for c in columns})
    agree = all(
        agree_continuous(exp.variable(c).summaries[k], ref_exp[c].loc[arm])
        for c in columns
        for k, arm in enumerate(arms)
    )
    row("exposure", t_ours, t_theirs, agree)

    t_ours, disp = timed(lambda: disposition(cohort, arms))
    t_theirs, ref_disp = timed(
        lambda: pandas_levels(df.assign(end=df["end_reason"].replace("", "ongoing")), "end")
    )
    agree = all(
        agree_levels(disp.variable("end_reason").summaries[k], ref_disp.loc[arm])
        for k, arm in enumerate(arms)
    )
    row("disposition", t_ours, t_theirs, agree)

    if len(arms) >= 2:
        t_ours, model = timed(
            lambda: arm_hazard_ratio(
                months(cohort.patients["os_days"]),
                cohort.patients["os_event"],
                cohort.patients["arm"],
                arms[0],
                arms[1],
            )
        )
        row("Cox HR (OS)", t_ours, None, None)
        if model is not None:
            term = model.terms[0]
            lines.append(
                f"  HR {term.name} {term.hazard_ratio:.3f} ({term.ci.low:.3f}–{term.ci.high:.3f})"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for line in run(args.patients, args.seed):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
