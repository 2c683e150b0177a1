"""Synthetic registry cohorts for the demo data and the benchmarks (`tvec synth`).

`synthesize` invents patients, their lesions and every lesion measurement at every tumour
assessment, and their survival, as the three tables of `tvec.analytics.cohort.Cohort`
(docs/registry-format.md). It is deterministic per seed and fully vectorised: patients are made
in chunks of `CHUNK` with one NumPy generator, so a million patients take seconds.

Every number that shapes the cohort is a named, commented field of `SynthAssumptions` below.
They are simulation assumptions chosen so that the response engine, run on the synthetic
measurements, gives figures close to the pivotal trial's (OPTiM; clinical-facts §7); they are not
clinical facts. docs/synth.md explains the model.

The model in one paragraph. Each patient gets a trajectory kind (durable or transient complete or
partial response, stable disease, progressive disease) from the arm's mixture. The kind sets a
piecewise-linear "tumour log-scale" x(t): flat or rising to a peak (progression before
response), falling to a nadir, held, then growing again. Lesion i measures
``size_i(t) = size_i(first seen) * exp(phi_i(x(t)) - phi_i(x(first seen)))`` where ``phi_i`` is
increasing (steeper for shrinking injected lesions), so every lesion moves with the patient and
the sum of products is monotone within each phase: no spurious progression from rounding. The
nadir and peak are solved per patient so that the sum of products reaches a drawn target ratio.
On top of that, a T-VEC patient's lesion may respond on its own (its product falls linearly in
time to a drawn share, or it resolves), so lesions respond more often than patients do (OPTiM's
lesion-level analysis); a non-responder keeps only the own responses that leave it one. Stage
group and line of therapy scale the chance of a responding kind (OPTiM's subgroups).

References
----------
Andtbacka RHI et al. Talimogene laherparepvec improves durable response rate in patients with
advanced melanoma. J Clin Oncol 2015;33:2780-8 (the OPTiM trial).
Andtbacka RHI et al. Patterns of clinical response with talimogene laherparepvec (T-VEC) in
patients with melanoma treated in the OPTiM phase III clinical trial. Ann Surg Oncol
2016;23:4169-77 (lesion-level responses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from functools import cache

import numpy as np
import numpy.typing as npt

from tvec.analytics.cohort import (
    ARMS,
    END_REASONS,
    LINES,
    SEXES,
    SITES,
    STAGES,
    Cohort,
    Columns,
)
from tvec.domain.rules import LabelRules, VisitKind
from tvec.knowledge import load_label

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Trajectory kinds, in the order of `SynthAssumptions.mixture` probabilities.
KINDS = ("durable-CR", "durable-PR", "transient-CR", "transient-PR", "stable", "progressive")
DURABLE_CR, DURABLE_PR, TRANSIENT_CR, TRANSIENT_PR, STABLE, PROGRESSIVE = range(6)
CHUNK = 50_000  # patients generated per vectorised step (bounds the working memory)
MAX_ASSESSMENTS = 48  # per patient, baseline included
MAX_BASELINE_LESIONS = 8
MAX_NEW_LESIONS = 2
CAP_CM = 30.0  # a growing lesion is never recorded larger than this


@dataclass(frozen=True)
class SynthAssumptions:
    """Simulation assumptions (not clinical facts); see docs/synth.md for the reasoning."""

    # --- who is enrolled -------------------------------------------------------------------------
    # Stage shares IIIB, IIIC, IVM1a, IVM1b, IVM1c: roughly OPTiM's (about 30% stage III).
    stage_probs: tuple[float, ...] = (0.08, 0.22, 0.27, 0.21, 0.22)
    first_line_prob: float = 0.47  # share treated in the first line
    age_mean: float = 63.0  # years at the first dose (normal, clipped to age_range)
    age_sd: float = 13.0
    age_range: tuple[int, int] = (22, 94)
    accrual: tuple[str, str] = ("2019-01-01", "2022-12-31")  # first doses spread uniformly
    data_cutoff: str = "2025-06-30"  # administrative censoring; all dates lie on or before it

    # --- lesions at baseline ---------------------------------------------------------------------
    # Baseline lesions = 1 + Poisson(mean), at most 8 (OPTiM's lesion analysis had about 11 per
    # T-VEC patient; more lesions let lesions respond while their patient does not).
    extra_lesions_mean: float = 2.2
    longest_median_cm: float = 1.5  # log-normal longest diameter, clipped to 0.3-6 cm
    longest_log_sd: float = 0.6
    longest_range_cm: tuple[float, float] = (0.3, 6.0)
    perpendicular_ratio: tuple[float, float] = (0.5, 1.0)  # perpendicular / longest, uniform
    # Site shares of non-visceral lesions (cutaneous, subcutaneous, nodal). Stage IVM1b/c patients
    # have a visceral lesion, and a further lesion of theirs is visceral with this probability.
    skin_node_probs: tuple[float, float, float] = (0.45, 0.30, 0.25)
    visceral_prob_m1bc: float = 0.25

    # --- how lesions respond ----------------------------------------------------------------------
    # Shrinkage exponents: an injected lesion shrinks faster than the patient's scale, a visceral
    # one slower (OPTiM's lesion-level responses ran injected > uninjected > visceral).
    shrink_injected: float = 1.25
    shrink_uninjected: float = 1.0
    shrink_visceral: float = 0.6
    shrink_log_sd: float = 0.2  # lesion-to-lesion spread of the exponents (log-normal)

    # --- which lesions are injected, and how each responds on its own ---------------------------
    # In the T-VEC arm a non-visceral lesion other than the first is left uninjected with this
    # probability (OPTiM's lesion analysis counted about one uninjected non-visceral lesion for
    # every two injected ones). Visceral lesions are never injected; nothing is injected in the
    # GM-CSF arm (GM-CSF was given under the skin, not into lesions).
    uninjected_prob: float = 0.32
    # A lesion's own response in the T-VEC arm, on top of the patient's course: with these
    # probabilities (injected, uninjected non-visceral, visceral) a lesion shrinks on its own;
    # of those, these shares resolve completely, the rest keep this product ratio (uniform).
    # Together with the patient-level course they reproduce OPTiM's lesion-level shares.
    local_response_prob: tuple[float, float, float] = (0.97, 0.2, 0.24)
    local_resolve_share: tuple[float, float, float] = (0.64, 1.0, 0.6)
    local_product_ratio: tuple[float, float] = (0.05, 0.5)
    local_resolve_ratio: float = 0.0025  # a resolving lesion's product heads for this, then 0 x 0
    local_days: tuple[float, float] = (42.0, 150.0)  # days from first seen to the full effect
    # A patient who does not respond (stable or progressive disease) keeps the baseline lesions'
    # own responses, lesion by lesion, only while the sum of products they remove leaves at least
    # this share of it at the patient's nadir (stable, progressive disease; progressive disease
    # grows from the first day, so it may lose more): lesions respond, the patient does not.
    non_responder_floor: tuple[float, float] = (0.6, 0.15)

    # --- what happens: the trajectory mixture per arm (probabilities over KINDS) ----------------
    # Tuned (with the lesions' own responses above) so the modified-WHO engine meets the
    # calibration targets (tvec.knowledge.calibration, OPTiM's published figures) on a
    # 100,000-patient registry; some drawn responses are not confirmed or not durable, and some
    # non-responders' own lesion responses add a response.
    mixture: tuple[tuple[float, ...], tuple[float, ...]] = (
        (0.065, 0.075, 0.025, 0.088, 0.24, 0.507),  # T-VEC
        (0.004, 0.015, 0.004, 0.040, 0.24, 0.697),  # GM-CSF
    )
    # The responder kinds' probabilities are scaled per patient: by stage group (IIIB-IVM1a
    # without visceral disease, IVM1b-c with it; the non-visceral scale follows so the arm's
    # mixture holds on average over stage_probs) and by line (first, later). A scaled responder
    # share above max_responder_share is cut back to it.
    visceral_response_scale: tuple[float, float] = (0.3, 1.5)  # T-VEC, GM-CSF
    line_response_scale: tuple[float, float] = (1.35, 0.69)  # first line, later lines
    max_responder_share: float = 0.95
    # Responders whose tumour grows first (peak 1.4-2.2); OPTiM saw it in 23 of 48 durable
    # responders (Andtbacka et al., Ann Surg Oncol 2016).
    progression_before_response: float = 0.4
    peak_ratio: tuple[float, float] = (1.4, 2.2)  # sum of products at the peak / baseline
    # A responder's tumour first holds (or grows, before a response) for a lag drawn uniformly
    # from this range, then shrinks; with the days to the nadir it sets the time to response
    # (OPTiM: median 4.1 months, range 1.2-16.7).
    response_lag_days: tuple[float, float] = (0.0, 160.0)
    # A few responders respond late (the trial's longest time to response was 16.7 months): their
    # lag is drawn from this longer range instead.
    late_response_prob: float = 0.06
    late_lag_days: tuple[float, float] = (270.0, 560.0)
    response_days_median: float = 150.0  # end of the lag (or the peak) to nadir, log-normal
    response_days_log_sd: float = 0.45
    response_days_range: tuple[float, float] = (35.0, 600.0)
    pr_nadir_ratio: tuple[float, float] = (0.05, 0.35)  # sum of products at nadir / baseline
    # A complete response clears every lesion at the nadir day; before it, the sum of products
    # heads for this ratio (durable, transient): a transient CR responds later and shorter.
    complete_path_ratio: tuple[float, float] = (0.03, 0.25)
    stable_nadir_ratio: tuple[float, float] = (0.6, 0.95)
    stable_nadir_days: tuple[float, float] = (56.0, 180.0)  # stable disease: day of the nadir
    durable_hold_days: tuple[float, float] = (240.0, 1500.0)  # nadir held, durable responders
    transient_hold_days: tuple[float, float] = (50.0, 100.0)
    transient_speed: float = 0.5  # transient responses reach their nadir this much sooner
    stable_hold_days: tuple[float, float] = (60.0, 540.0)
    relapse_prob: float = 0.5  # durable responders and stable disease that later grow
    # Doubling time of the sum of products (days) when growing: progressive disease, relapse.
    doubling_days_progressive: tuple[float, float] = (30.0, 150.0)
    doubling_days_relapse: tuple[float, float] = (20.0, 90.0)
    new_lesion_progressive: float = 0.35  # progressive patients with new lesions
    second_new_lesion: float = 0.3  # of those, patients with two
    new_lesion_peak: float = 0.5  # progression-before-response patients with a new lesion
    new_lesion_relapse: float = 0.4  # relapses seen as a new lesion (always after a CR)
    new_longest_cm: tuple[float, float] = (0.3, 1.5)

    # --- when assessments happen -----------------------------------------------------------------
    interval_mean_days: tuple[int, int] = (28, 60)  # per patient, uniform; gaps stay 4-12 weeks
    interval_jitter_days: int = 7  # each gap varies uniformly by up to this much
    # Measurement horizon in days by kind: progressive patients are treated (and measured) about
    # 6 months; stable and responding patients longer; nobody after death or last contact.
    horizon_progressive: tuple[float, float] = (180.0, 365.0)
    horizon_stable: tuple[float, float] = (365.0, 1000.0)
    horizon_responder: tuple[float, float] = (540.0, 1200.0)

    # --- survival --------------------------------------------------------------------------------
    # Responders are alive and measured until their response has played out: the nadir plus
    # durable_follow_up_days, or the relapse plus transient_follow_up_days.
    durable_follow_up_days: float = 270.0
    transient_follow_up_days: float = 120.0
    # Time to death: Weibull with this shape and median (days) by kind, counted from the end of
    # that guaranteed follow-up (so responders live longer). Stage multiplies the hazard.
    death_weibull_shape: float = 1.3
    death_median_progressive: float = 500.0
    death_median_stable: float = 800.0
    death_median_transient: float = 350.0
    death_median_durable: float = 1500.0
    stage_hazard: tuple[float, ...] = (0.7, 0.8, 0.9, 1.1, 1.4)
    loss_to_follow_up_median_days: float = 7300.0  # random censoring besides the data cut-off

    # --- baseline characteristics and T-VEC exposure (the optional patient columns) ---------------
    # Sex and ECOG shares are simulation assumptions (not cited trial figures). Doses follow the
    # label's schedule and volume-by-size table (`tvec.knowledge.load_label`): every visit gives
    # each injected baseline lesion its band's volume, up to the visit maximum; the first visit at
    # the first-dose strength, later ones at the later strength. Treatment runs to the last
    # lesion measurement (or death); a complete responder whose tumour comes back has one
    # re-initiated course. The GM-CSF arm gets no T-VEC: zero exposure, no end reason.
    male_share: float = 0.57
    ecog_probs: tuple[float, float] = (0.7, 0.3)  # ECOG 0, 1


ASSUMPTIONS = SynthAssumptions()


def synthesize(
    n_patients: int,
    seed: int,
    *,
    arms: tuple[float, float] = (2 / 3, 1 / 3),
    assumptions: SynthAssumptions = ASSUMPTIONS,
) -> Cohort:
    """A synthetic registry cohort, the same for the same arguments.

    Parameters
    ----------
    n_patients : int
        Number of patients (at least 1).
    seed : int
        Seed of `numpy.random.default_rng` (at least 0).
    arms : tuple of float
        Allocation weights of T-VEC and GM-CSF (the trial randomised 2:1); ``(1, 0)`` makes a
        centre's all-T-VEC cohort.
    assumptions : SynthAssumptions
        The simulation model's parameters.

    Returns
    -------
    Cohort
        Patients with ids 1..n, their lesions and measurements, sorted as the registry format says.
    """
    if n_patients < 1:
        raise ValueError(f"n_patients must be at least 1, not {n_patients}")
    if seed < 0:
        raise ValueError(f"seed must be at least 0, not {seed}")
    if min(arms) < 0 or sum(arms) <= 0:
        raise ValueError(f"arms must be two weights >= 0 with a positive sum, not {arms}")
    rng = np.random.default_rng(seed)
    tables = (_Table(n_patients), _Table(4 * n_patients), _Table(40 * n_patients))
    for first in range(0, n_patients, CHUNK):
        n = min(CHUNK, n_patients - first)
        chunk = _chunk(rng, first, n, arms[0] / sum(arms), assumptions)
        for table, part in zip(tables, chunk, strict=True):
            table.append(part)
    return Cohort(*(table.columns() for table in tables))


class _Table:
    """Columns filled chunk by chunk in place: no final concatenation doubling the memory."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.size = capacity, 0
        self.data: Columns = {}

    def append(self, chunk: Columns) -> None:
        rows = len(next(iter(chunk.values())))
        if self.size + rows > self.capacity:
            self.capacity = max(2 * self.capacity, self.size + rows)
            self.data = {
                name: _resized(column, self.capacity) for name, column in self.data.items()
            }
        for name, values in chunk.items():
            column = self.data.setdefault(name, np.empty(self.capacity, values.dtype))
            column[self.size : self.size + rows] = values
        self.size += rows

    def columns(self) -> Columns:
        return {name: column[: self.size] for name, column in self.data.items()}


def _resized(column: npt.NDArray[np.generic], capacity: int) -> npt.NDArray[np.generic]:
    bigger = np.empty(capacity, column.dtype)
    bigger[: len(column)] = column
    return bigger


@dataclass
class _Trajectory:
    """Per-patient knots of x(t): rise to x1 at t1, fall to x2 at t2, hold to t3, then slope."""

    t1: Floats
    x1: Floats
    t2: Floats
    x2: Floats
    t3: Floats
    slope: Floats
    ratio: Floats  # the sum of products at the nadir / baseline, as drawn

    def at(self, p: Ints, t: Floats) -> Floats:
        """x(t) for patients `p` (indices) at days `t`."""
        t1, t2 = self.t1[p], self.t2[p]
        x1 = self.x1[p]
        rise = np.where(t1 > 0, np.minimum(t / np.maximum(t1, 1.0), 1.0), 1.0)
        fall = np.where(t2 > t1, np.clip((t - t1) / np.maximum(t2 - t1, 1.0), 0.0, 1.0), 1.0)
        return x1 * rise + (self.x2[p] - x1) * fall + self.slope[p] * np.maximum(t - self.t3[p], 0)


@dataclass
class _Lesions:
    """Lesion attributes, one row per lesion, sorted by patient then lesion number."""

    patient: Ints  # index within the chunk
    number: Ints  # lesion id within the patient, from 1
    site: Ints  # index into SITES
    injected: Bools
    first_day: Ints
    longest: Floats  # cm when first recorded
    perpendicular: Floats
    shrink: Floats  # exponent of x when x < 0
    grow: Floats  # exponent of x when x >= 0
    first_phi: Floats  # the lesion's log-scale when first recorded
    gone_day: Floats  # recorded 0 x 0 from this day on (even if its size would not round to 0)
    local_depth: Floats  # the lesion's own log-size fall at full effect (0: none)
    local_days: Floats  # days from first seen to the full effect of its own response
    local_gone: Bools  # its own response resolves it (0 x 0 from first_day + local_days)

    def local(self, lesion: Ints, day: Ints | Floats) -> Floats:
        """The lesion's own log-size change on `day` (0 before it is first seen).

        Its product (area) falls linearly in time to exp(-2 depth) at the full effect.
        """
        ramp = np.clip((day - self.first_day[lesion]) / self.local_days[lesion], 0.0, 1.0)
        fall = -np.expm1(-2 * self.local_depth[lesion])
        return 0.5 * np.log1p(-fall * ramp)


def _chunk(
    rng: np.random.Generator, first: int, n: int, p_tvec: float, a: SynthAssumptions
) -> tuple[Columns, Columns, Columns]:
    tvec = rng.random(n) < p_tvec
    stage = rng.choice(len(STAGES), n, p=a.stage_probs)
    first_line = rng.random(n) < a.first_line_prob
    kind = _kinds(rng, tvec, stage, first_line, a)
    grid = _grid(rng, n, a)
    base = _baseline(rng, tvec, stage, a)
    traj = _trajectory(rng, kind, grid, base, a)
    _fit_own_responses(base, kind, traj, a)
    start = np.datetime64(a.accrual[0]) + rng.integers(0, _days(a.accrual) + 1, n)
    needed = _follow_up_needed(kind, traj, a)
    horizon = _horizon(rng, kind, needed, a)
    os_days, os_event = _survival(rng, kind, stage, needed, start, a)
    n_assess = (grid <= np.minimum(horizon, os_days)[:, None]).sum(axis=1)
    lesions = _with_new_lesions(rng, kind, tvec, stage, traj, grid, n_assess, base, a)
    lesions.gone_day = _gone_days(kind, traj, lesions)
    ids = np.arange(first + 1, first + n + 1, dtype=np.int64)
    patients: Columns = {
        "patient_id": ids,
        "arm": np.where(tvec, ARMS[0], ARMS[1]),
        "stage": np.asarray(STAGES)[stage],
        "line": np.where(first_line, LINES[0], LINES[1]),
        "age": _ages(rng, n, a),
        "start_date": start,
        "os_days": os_days,
        "os_event": os_event,
    }
    lesion_table: Columns = {
        "patient_id": ids[lesions.patient],
        "lesion_id": lesions.number,
        "site": np.asarray(SITES)[lesions.site],
        "injected": lesions.injected,
        "first_day": lesions.first_day,
    }
    patients |= _exposure(rng, tvec, kind, traj, base, horizon, os_days, os_event, a)
    return patients, lesion_table, _measurements(ids, grid, n_assess, traj, lesions)


def _exposure(
    rng: np.random.Generator,
    tvec: Bools,
    kind: Ints,
    traj: _Trajectory,
    base: _Lesions,
    horizon: Ints,
    os_days: Ints,
    os_event: Ints,
    a: SynthAssumptions,
) -> Columns:
    """The optional patient columns: sex, ECOG and T-VEC exposure per the label's schedule."""
    n = len(tvec)
    label = _label()
    second = label.visit_rule(VisitKind.SECOND)
    later = label.visit_rule(VisitKind.SUBSEQUENT)
    first = label.visit_rule(VisitKind.INITIAL)
    bands = sorted(label.volume_bands, key=lambda b: -1 if b.above_cm is None else b.above_cm)
    uppers = np.asarray([math.inf if b.up_to_cm is None else float(b.up_to_cm) for b in bands])
    volumes = np.asarray([float(b.max_volume_ml) for b in bands])
    band = np.minimum(np.searchsorted(uppers, base.longest, side="left"), len(bands) - 1)
    lesion_ml = np.where(base.injected, volumes[band], 0.0)
    per_visit = np.bincount(base.patient, weights=lesion_ml, minlength=n)
    per_visit = np.minimum(per_visit, float(first.max_total_volume_ml))
    days = np.where(tvec, np.minimum(horizon, os_days), 0)
    if second.interval_days is None or later.interval_days is None:
        raise ValueError("the label's second and later visits need an interval")
    visits = np.where(
        tvec,
        1
        + (days >= second.interval_days)
        + np.maximum(days - second.interval_days, 0) // later.interval_days,
        0,
    )
    treatment_days = np.where(
        visits > 1,
        second.interval_days + (visits - 2) * later.interval_days,
        0,
    )
    vial_ml = {s.pfu_per_ml: float(s.vial_volume_ml) for s in label.strengths}
    vials = np.ceil(per_visit / vial_ml[first.pfu_per_ml] - 1e-9).astype(np.int64)
    leftover = (vials * vial_ml[first.pfu_per_ml] - per_visit) > 1e-9
    complete = (kind == DURABLE_CR) | (kind == TRANSIENT_CR)
    again = tvec & complete & np.isfinite(traj.t3) & (traj.t3 < days)
    end = np.select(
        [~tvec, (os_event == 1) & (os_days <= horizon), complete, kind == PROGRESSIVE],
        ["", "death", "no-injectable-lesions", "other-treatment-required"],
        "completed",
    )
    end = np.where(tvec & (os_event == 0) & (os_days <= horizon), "", end)
    return {
        "sex": np.where(rng.random(n) < a.male_share, "male", "female").astype(
            f"<U{max(map(len, SEXES))}"
        ),
        "ecog": (rng.random(n) >= a.ecog_probs[0]).astype(np.int64),
        "courses": np.where(tvec, 1 + again, 0).astype(np.int64),
        "visits": visits.astype(np.int64),
        "volume_ml": np.round(per_visit * visits, 2),
        "pfu": np.where(
            visits > 0, per_visit * (first.pfu_per_ml + (visits - 1) * later.pfu_per_ml), 0.0
        ),
        "vials_thawed": (vials * visits).astype(np.int64),
        "vials_discarded": (leftover * visits).astype(np.int64),
        "treatment_days": treatment_days.astype(np.int64),
        "end_reason": end.astype(f"<U{max(map(len, END_REASONS))}"),
        "reinitiations": again.astype(np.int64),
    }


@cache
def _label() -> LabelRules:
    return load_label("us")


def _days(span: tuple[str, str]) -> int:
    return int((np.datetime64(span[1]) - np.datetime64(span[0])).astype(np.int64))


def _uniform(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> Floats:
    return rng.uniform(bounds[0], bounds[1], n)


def _doubling_slope(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> Floats:
    """Slope of x per day that doubles the sum of products (about exp(2x)) every D days."""
    return math.log(2) / (2 * _uniform(rng, bounds, n))


def _ages(rng: np.random.Generator, n: int, a: SynthAssumptions) -> Ints:
    ages = np.rint(rng.normal(a.age_mean, a.age_sd, n))
    return np.clip(ages, *a.age_range).astype(np.int64)


def _kinds(
    rng: np.random.Generator, tvec: Bools, stage: Ints, first_line: Bools, a: SynthAssumptions
) -> Ints:
    """Trajectory kinds: the arm's mixture, responders scaled by stage group and line."""
    mixture = np.asarray(a.mixture)
    mixture = mixture / mixture.sum(axis=1, keepdims=True)
    arm = np.where(tvec, 0, 1)
    visceral_share = float(np.sum(a.stage_probs[STAGES.index("IVM1b") :]))
    by_visceral = np.asarray(a.visceral_response_scale)
    by_other = (1 - visceral_share * by_visceral) / (1 - visceral_share)
    visceral = stage >= STAGES.index("IVM1b")
    scale = np.where(visceral, by_visceral[arm], by_other[arm])
    scale = scale * np.where(first_line, *a.line_response_scale)
    rows = mixture[arm]
    responders = rows[:, :STABLE] * scale[:, None]
    total = responders.sum(axis=1, keepdims=True)
    responders *= np.minimum(1.0, a.max_responder_share / np.maximum(total, 1e-12))
    rest = rows[:, STABLE:]
    rest = rest / rest.sum(axis=1, keepdims=True) * (1 - responders.sum(axis=1, keepdims=True))
    cumulative = np.cumsum(np.concatenate([responders, rest], axis=1), axis=1)
    kind: Ints = np.minimum(
        (rng.random(len(tvec))[:, None] >= cumulative).sum(axis=1), len(KINDS) - 1
    )
    return kind


def _grid(rng: np.random.Generator, n: int, a: SynthAssumptions) -> Ints:
    """Candidate assessment days per patient: 0, then every 4-12 weeks (strictly increasing)."""
    low, high = a.interval_mean_days
    mean = rng.integers(low, high + 1, (n, 1), dtype=np.int16)
    jitter = a.interval_jitter_days
    gaps = mean + rng.integers(-jitter, jitter + 1, (n, MAX_ASSESSMENTS - 1), dtype=np.int16)
    grid = np.zeros((n, MAX_ASSESSMENTS), dtype=np.int64)
    np.cumsum(np.clip(gaps, 28, 84), axis=1, out=grid[:, 1:])
    return grid


def _baseline(rng: np.random.Generator, tvec: Bools, stage: Ints, a: SynthAssumptions) -> _Lesions:
    m1bc = stage >= STAGES.index("IVM1b")
    count = np.minimum(1 + rng.poisson(a.extra_lesions_mean, len(tvec)), MAX_BASELINE_LESIONS)
    count = np.where(m1bc, np.maximum(count, 2), count)
    patient = np.repeat(np.arange(len(tvec)), count)
    number = np.arange(len(patient)) - np.repeat(np.cumsum(count) - count, count) + 1
    visceral = m1bc[patient] & ((number == 2) | (rng.random(len(patient)) < a.visceral_prob_m1bc))
    visceral &= number > 1  # every patient has an injectable lesion
    drawn = rng.lognormal(math.log(a.longest_median_cm), a.longest_log_sd, len(patient))
    longest = np.clip(np.rint(drawn * 10) / 10, *a.longest_range_cm)
    return _lesion_rows(rng, patient, number, visceral, tvec, longest, a)


def _lesion_rows(
    rng: np.random.Generator,
    patient: Ints,
    number: Ints,
    visceral: Bools,
    tvec: Bools,
    longest: Floats,
    a: SynthAssumptions,
) -> _Lesions:
    """Sites, second diameters, injection and response exponents of lesions first seen on day 0."""
    n = len(patient)
    skin_or_node = rng.choice(3, n, p=a.skin_node_probs)
    injected = tvec[patient] & ~visceral & ((number == 1) | (rng.random(n) >= a.uninjected_prob))
    group = np.where(visceral, 2, np.where(injected, 0, 1))
    local = tvec[patient] & (rng.random(n) < np.asarray(a.local_response_prob)[group])
    local_gone = local & (rng.random(n) < np.asarray(a.local_resolve_share)[group])
    depth = -0.5 * np.log(_uniform(rng, a.local_product_ratio, n))  # per diameter
    resolve_depth = -0.5 * math.log(a.local_resolve_ratio)
    depth = np.where(local_gone, resolve_depth, np.where(local, depth, 0.0))
    shrink = np.where(injected, a.shrink_injected, a.shrink_uninjected)
    shrink = np.where(visceral, a.shrink_visceral, shrink) * rng.lognormal(0, a.shrink_log_sd, n)
    perpendicular = np.rint(longest * _uniform(rng, a.perpendicular_ratio, n) * 10) / 10
    return _Lesions(
        patient=patient,
        number=number.astype(np.int64),
        site=np.where(visceral, SITES.index("visceral"), skin_or_node).astype(np.int64),
        injected=injected,
        first_day=np.zeros(n, dtype=np.int64),
        longest=longest,
        perpendicular=np.clip(perpendicular, 0.1, longest),
        shrink=shrink,
        grow=rng.lognormal(0.0, a.shrink_log_sd, n),
        first_phi=np.zeros(n),
        gone_day=np.full(n, np.inf),
        local_depth=depth,
        local_days=_uniform(rng, a.local_days, n),
        local_gone=local_gone,
    )


def _trajectory(
    rng: np.random.Generator, kind: Ints, grid: Ints, base: _Lesions, a: SynthAssumptions
) -> _Trajectory:
    """Each patient's x(t) knots, drawn for the patient's kind."""
    n = len(kind)
    responder, stable, progressive = kind <= TRANSIENT_PR, kind == STABLE, kind == PROGRESSIVE
    complete = (kind == DURABLE_CR) | (kind == TRANSIENT_CR)
    durable, transient = kind <= DURABLE_PR, responder & (kind >= TRANSIENT_CR)
    weights = _padded(base, n)
    peak = responder & (rng.random(n) < a.progression_before_response)
    late = rng.random(n) < a.late_response_prob
    lag = np.where(late, _uniform(rng, a.late_lag_days, n), _uniform(rng, a.response_lag_days, n))
    lag = np.where(responder, lag, 0.0)
    t1 = np.where(peak, np.maximum(grid[:, 1], lag), lag)
    x1 = _solve(weights, np.where(peak, _uniform(rng, a.peak_ratio, n), 1.0))
    to_nadir = rng.lognormal(math.log(a.response_days_median), a.response_days_log_sd, n)
    to_nadir = np.clip(to_nadir, *a.response_days_range)
    to_nadir = np.where(transient, np.maximum(to_nadir * a.transient_speed, 28.0), to_nadir)
    t2 = np.where(responder, t1 + to_nadir, 0.0)
    t2 = np.where(stable, _uniform(rng, a.stable_nadir_days, n), t2)
    ratio = np.where(responder, _uniform(rng, a.pr_nadir_ratio, n), 1.0)
    ratio = np.where(stable, _uniform(rng, a.stable_nadir_ratio, n), ratio)
    durable_path, transient_path = a.complete_path_ratio
    ratio = np.where(complete, np.where(transient, transient_path, durable_path), ratio)
    x2 = _solve(weights, ratio)
    holds = (a.durable_hold_days, a.transient_hold_days, a.stable_hold_days)
    hold = np.select([durable, transient, stable], [_uniform(rng, h, n) for h in holds], 0.0)
    relapses = transient | progressive | ((durable | stable) & (rng.random(n) < a.relapse_prob))
    slope = np.where(relapses, _doubling_slope(rng, a.doubling_days_relapse, n), 0.0)
    slope = np.where(progressive, _doubling_slope(rng, a.doubling_days_progressive, n), slope)
    t3 = np.where(relapses, t2 + hold, np.inf)
    return _Trajectory(t1, x1, t2, x2, t3, slope, ratio)


def _fit_own_responses(base: _Lesions, kind: Ints, traj: _Trajectory, a: SynthAssumptions) -> None:
    """Fit the baseline lesions' own responses to the patient's course (in place).

    A responder's lesions reach their own full effect on the patient's nadir day (so the time to
    response follows the patient's course); a non-responder drops the own responses that would
    make the patient respond.
    """
    responder = (kind <= TRANSIENT_PR)[base.patient]
    base.local_days[responder] = np.maximum(traj.t2[base.patient][responder], 28.0)
    non_responder, nadir_ratio = kind >= STABLE, traj.ratio
    weight = base.longest * base.perpendicular
    total = np.bincount(base.patient, weights=weight, minlength=len(non_responder))
    share = weight / total[base.patient]
    removed = np.where(base.local_gone, share, share * (1 - np.exp(-2 * base.local_depth)))
    cumulative = np.cumsum(removed)
    starts = np.cumsum(np.bincount(base.patient, minlength=len(non_responder))) - np.bincount(
        base.patient, minlength=len(non_responder)
    )
    within = cumulative - np.concatenate([[0.0], cumulative])[starts][base.patient]
    floor = np.where(kind == STABLE, *a.non_responder_floor)
    allowed = 1 - floor / np.maximum(nadir_ratio, floor)
    drop = non_responder[base.patient] & (within > allowed[base.patient] + 1e-12)
    base.local_depth[drop] = 0.0
    base.local_gone[drop] = False


def _phi(x: Floats, shrink: Floats, grow: Floats) -> Floats:
    """A lesion's log-size change at patient scale x: increasing in x, 0 at x = 0."""
    return x * np.where(x < 0, shrink, grow)


def _padded(base: _Lesions, n: int) -> tuple[Floats, Floats, Floats]:
    """Baseline lesions as (patients, MAX_BASELINE_LESIONS): product shares and exponents."""
    shape = (n, MAX_BASELINE_LESIONS)
    weight, shrink, grow = np.zeros(shape), np.ones(shape), np.ones(shape)
    where = (base.patient, base.number - 1)
    weight[where] = base.longest * base.perpendicular
    shrink[where], grow[where] = base.shrink, base.grow
    return weight / weight.sum(axis=1, keepdims=True), shrink, grow


def _solve(padded: tuple[Floats, Floats, Floats], ratio: Floats) -> Floats:
    """x at which the baseline sum of products is `ratio` times its value (Newton's method).

    log SPD(x) is increasing in x and convex on each side of 0 (where the roots lie), so Newton's
    iterates converge, in a few steps from the guess that every lesion has the mean exponent.
    """
    x = np.zeros(len(ratio))
    todo = np.nonzero(ratio != 1)[0]
    weight, shrink, grow = (part[todo] for part in padded)
    target = np.log(ratio[todo])
    mean_k = np.where(target < 0, (weight * shrink).sum(axis=1), (weight * grow).sum(axis=1))
    guess = target / (2 * mean_k)  # exact if every lesion had the mean exponent
    for _ in range(50):
        k = np.where(guess[:, None] < 0, shrink, grow)
        terms = weight * np.exp(2 * k * guess[:, None])
        total = terms.sum(axis=1)
        step = (np.log(total) - target) * total / (2 * (terms * k).sum(axis=1))
        guess -= step
        if not len(step) or np.abs(step).max() < 1e-9:
            break
    x[todo] = guess
    return x


def _follow_up_needed(kind: Ints, traj: _Trajectory, a: SynthAssumptions) -> Floats:
    """Days a responder is surely alive and measured: long enough to see the response out."""
    durable = traj.t2 + a.durable_follow_up_days
    transient = np.where(np.isfinite(traj.t3), traj.t3 + a.transient_follow_up_days, 0.0)
    return np.where(kind <= DURABLE_PR, durable, np.where(kind <= TRANSIENT_PR, transient, 0.0))


def _horizon(rng: np.random.Generator, kind: Ints, needed: Floats, a: SynthAssumptions) -> Ints:
    """Last day a patient's lesions are measured (unless death or censoring comes first)."""
    table = np.asarray([a.horizon_responder] * 4 + [a.horizon_stable, a.horizon_progressive])
    low, high = table[kind].T
    days: Ints = np.rint(np.maximum(rng.uniform(low, high), needed)).astype(np.int64)
    return days


def _survival(
    rng: np.random.Generator,
    kind: Ints,
    stage: Ints,
    needed: Floats,
    start: npt.NDArray[np.datetime64],
    a: SynthAssumptions,
) -> tuple[Ints, Ints]:
    """Days to death or last contact, and the death flag (Weibull times, scaled by stage)."""
    n = len(kind)
    median = np.select(
        [kind <= DURABLE_PR, kind <= TRANSIENT_PR, kind == STABLE],
        [a.death_median_durable, a.death_median_transient, a.death_median_stable],
        a.death_median_progressive,
    )
    shape = a.death_weibull_shape
    hazard = np.asarray(a.stage_hazard)[stage]
    death = needed + median * (rng.exponential(1.0, n) / hazard / math.log(2)) ** (1 / shape)
    cutoff = (np.datetime64(a.data_cutoff) - start).astype(np.int64)
    last = np.minimum(cutoff, rng.exponential(a.loss_to_follow_up_median_days / math.log(2), n))
    os_days = np.maximum(np.ceil(np.minimum(death, last)), 1).astype(np.int64)
    return os_days, (death <= last).astype(np.int64)


def _with_new_lesions(
    rng: np.random.Generator,
    kind: Ints,
    tvec: Bools,
    stage: Ints,
    traj: _Trajectory,
    grid: Ints,
    n_assess: Ints,
    base: _Lesions,
    a: SynthAssumptions,
) -> _Lesions:
    """Add new lesions at later assessments, numbered after each patient's baseline ones."""
    at = _new_lesion_assessments(rng, kind, traj, grid, n_assess, a)
    patient, slot = np.nonzero(at >= 0)
    day = grid[patient, at[patient, slot]]
    number = np.bincount(base.patient, minlength=len(kind))[patient] + slot + 1
    m1bc = stage[patient] >= STAGES.index("IVM1b")
    visceral = m1bc & (rng.random(len(patient)) < a.visceral_prob_m1bc)
    longest = np.rint(_uniform(rng, a.new_longest_cm, len(patient)) * 10) / 10
    new = _lesion_rows(rng, patient, number, visceral, tvec, longest, a)
    new = replace(new, first_day=day)
    new.first_phi = _phi(traj.at(patient, day.astype(np.float64)), new.shrink, new.grow)
    order = np.lexsort(
        (np.concatenate([base.number, new.number]), np.concatenate([base.patient, new.patient]))
    )
    merged = {
        f.name: np.concatenate([getattr(base, f.name), getattr(new, f.name)])[order]
        for f in fields(_Lesions)
    }
    return _Lesions(**merged)


def _new_lesion_assessments(
    rng: np.random.Generator,
    kind: Ints,
    traj: _Trajectory,
    grid: Ints,
    n_assess: Ints,
    a: SynthAssumptions,
) -> Ints:
    """(n, MAX_NEW_LESIONS) assessment indices at which new lesions appear, ascending; -1 none."""
    n = len(kind)
    at = np.full((n, MAX_NEW_LESIONS), -1, dtype=np.int64)
    later = n_assess >= 2
    progressive = (kind == PROGRESSIVE) & later & (rng.random(n) < a.new_lesion_progressive)
    picks = np.sort(rng.integers(1, np.maximum(n_assess, 2)[:, None], (n, MAX_NEW_LESIONS)), 1)
    at[progressive, 0] = picks[progressive, 0]
    second = progressive & (rng.random(n) < a.second_new_lesion)
    at[second, 1] = picks[second, 1]
    peak = (traj.x1 > 0) & later & (rng.random(n) < a.new_lesion_peak)
    at[peak, 0] = 1
    relapse_at = np.argmax(grid > traj.t3[:, None], axis=1)  # 0 when none
    complete = (kind == DURABLE_CR) | (kind == TRANSIENT_CR)
    relapse = (kind != PROGRESSIVE) & (relapse_at > 0) & (relapse_at < n_assess)
    relapse &= complete | (rng.random(n) < a.new_lesion_relapse)
    column = np.where(at[:, 0] >= 0, 1, 0)
    at[relapse, column[relapse]] = relapse_at[relapse]
    return at


def _gone_days(kind: Ints, traj: _Trajectory, lesions: _Lesions) -> Floats:
    """Day from which each lesion is recorded 0 x 0 whatever its size would round to.

    A complete response clears the lesions present before the nadir day. A lesion that rounds
    to 0 by the end of the hold stays 0 x 0 when the tumour grows again (it disappeared).
    """
    p = lesions.patient
    t2, t3 = traj.t2[p], traj.t3[p]
    complete = (kind[p] == DURABLE_CR) | (kind[p] == TRANSIENT_CR)
    cleared = np.where(complete & (lesions.first_day < t2), t2, np.inf)
    at = np.where(np.isfinite(t3), t3, 0.0)
    held = _phi(traj.at(p, at), lesions.shrink, lesions.grow) - lesions.first_phi
    size = lesions.longest * np.exp(held + lesions.local(np.arange(len(p)), at))
    gone = np.isfinite(t3) & (lesions.first_day <= t3) & (np.rint(size * 10) == 0)
    cleared = np.minimum(cleared, np.where(gone, np.floor(t3) + 1, np.inf))
    own = np.where(lesions.local_gone, np.ceil(lesions.first_day + lesions.local_days), np.inf)
    return np.minimum(cleared, own)


def _measurements(
    ids: Ints, grid: Ints, n_assess: Ints, traj: _Trajectory, lesions: _Lesions
) -> Columns:
    """Every known lesion at every assessment, sorted by patient, day, lesion.

    A patient's lesions are numbered in the order they were first seen, so the lesions known at
    an assessment are the first few of the patient's list.
    """
    measured = np.arange(grid.shape[1]) < n_assess[:, None]
    visit_patient, visit_day = np.nonzero(measured)[0], grid[measured]
    x_now = traj.at(visit_patient, visit_day.astype(np.float64))
    n = len(ids)
    per_patient = np.bincount(lesions.patient, minlength=n)
    first_new = np.nonzero(lesions.first_day > 0)[0]
    baseline = per_patient - np.bincount(lesions.patient[first_new], minlength=n)
    new_days = np.full((n, MAX_NEW_LESIONS), np.iinfo(np.int64).max)
    slot = lesions.number[first_new] - baseline[lesions.patient[first_new]] - 1
    new_days[lesions.patient[first_new], slot] = lesions.first_day[first_new]
    known = baseline[visit_patient] + (new_days[visit_patient] <= visit_day[:, None]).sum(axis=1)
    offset = (np.cumsum(per_patient) - per_patient)[visit_patient] - (np.cumsum(known) - known)
    lesion = np.arange(known.sum()) + np.repeat(offset, known)
    day = np.repeat(visit_day, known)
    longest, perpendicular = _sizes(lesions, lesion, day, np.repeat(x_now, known))
    return {
        "patient_id": np.repeat(ids[visit_patient], known),
        "lesion_id": lesions.number[lesion],
        "day": day,
        "longest_cm": longest,
        "perpendicular_cm": perpendicular,
    }


def _sizes(lesions: _Lesions, lesion: Ints, day: Ints, x_now: Floats) -> tuple[Floats, Floats]:
    """Diameters rounded to 0.1 cm; a lesion that has disappeared stays 0 x 0 (in place: big)."""
    scale = np.where(x_now < 0, lesions.shrink[lesion], lesions.grow[lesion])
    scale *= x_now
    scale -= lesions.first_phi[lesion]
    own = np.nonzero(lesions.local_depth[lesion] > 0)[0]  # lesions with their own response
    scale[own] += lesions.local(lesion[own], day[own])
    np.exp(scale, out=scale)
    longest = lesions.longest[lesion]
    longest *= scale
    np.minimum(longest, CAP_CM, out=longest)
    longest *= 10
    np.rint(longest, out=longest)
    gone = longest == 0
    gone |= lesions.gone_day[lesion] <= day
    longest /= 10
    longest[gone] = 0.0
    perpendicular = lesions.perpendicular[lesion]
    perpendicular *= scale
    perpendicular *= 10
    np.rint(perpendicular, out=perpendicular)
    perpendicular /= 10
    return longest, np.clip(perpendicular, 0.1, longest, out=perpendicular)  # 0 if gone
