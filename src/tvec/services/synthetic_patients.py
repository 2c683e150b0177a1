"""Synthetic patients from `tvec.analytics.synth` as clinic records, entered through the services.

`synthetic_patients` turns a cohort's three tables into one plain value per patient. `enrol`
registers a patient with the diagnosis and a contraindication screening before the first dose;
a `SyntheticChart` then records the patient's lesions (each added when first measured) and one
set of caliper measurements per synthetic assessment, in date order, up to a given day, so that
a caller can interleave visits with them. Day 0 of the synthetic timeline may be any date: the
cohort's own (a registry) or one chosen so that today falls in the course (the demo).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from tvec.analytics.cohort import Cohort, Columns
from tvec.domain.rules import Site
from tvec.schemas import clinic as s
from tvec.services import lesions, patients
from tvec.services.context import Actor, Context
from tvec.services.screening import screening_items

# Invented record details (not clinical facts): the diagnosis and the screening come this many
# days before the first dose; sexes alternate; lesions sit at these places by site.
DIAGNOSED_DAYS_BEFORE = 60
SCREENED_DAYS_BEFORE = 7
SEXES = (s.Sex.FEMALE, s.Sex.MALE)
# The contraindication items a contraindicated demo patient answers yes (codes of the label's list).
PREGNANCY, IMMUNOSUPPRESSIVE_THERAPY = "pregnancy", "immunosuppressive-therapy"
# Invented names (no real person is meant): given names by sex, family names, every combination
# made up; a few go by a shorter name, and every fifth has an allergy on file.
GIVEN_NAMES = {
    s.Sex.FEMALE: ("Maren", "Ilse", "Odalys", "Perpetua", "Wrenna", "Saffi", "Thessaly", "Aurelie"),
    s.Sex.MALE: ("Tobiah", "Caspian", "Osric", "Leander", "Fitzroy", "Anselm", "Bramwell", "Ivo"),
}
FAMILY_NAMES = (
    "Quillfeather", "Ashbourne-Vale", "Marchetti-Lowe", "Okonkwo-Brandt", "Fennimore",
    "Dravenhill", "Sollberg", "Vantongeren", "Castellane", "Hollowmere", "Pennywhistle",
    "Roskilde-Tate", "Umberfield", "Zeldovich-Ray",
)  # fmt: skip
PREFERRED = {"Perpetua": "Pet", "Thessaly": "Tess", "Bramwell": "Bram", "Leander": "Lee"}
ALLERGIES = ("penicillin (rash)", "latex", "adhesive dressings (skin blistering)")
LOCATIONS = {
    Site.CUTANEOUS: ("left calf", "scalp", "chest wall", "right forearm"),
    Site.SUBCUTANEOUS: ("right thigh", "left flank", "upper back"),
    Site.NODAL: ("left axilla", "right groin", "left neck"),
    Site.VISCERAL: ("liver", "right lung"),
}


@dataclass(frozen=True)
class Staff:
    """Who enters the records: the nurse most, the oncologist diagnoses and courses, the
    pharmacist the vial lots."""

    nurse: Actor
    oncologist: Actor
    pharmacist: Actor


@dataclass(frozen=True)
class SyntheticLesion:
    number: int  # the lesion id within the patient, from 1 (its name is L<number>)
    site: Site
    injected: bool
    first_day: int  # days after the first dose


@dataclass(frozen=True)
class Assessment:
    day: int  # days after the first dose
    sizes: tuple[tuple[int, Decimal, Decimal], ...]  # lesion number, longest cm, perpendicular cm


@dataclass(frozen=True)
class SyntheticPatient:
    number: int  # the cohort's patient id, from 1
    stage: s.Stage
    age: int  # years at the first dose
    start: date  # the cohort's first-dose date
    lesions: tuple[SyntheticLesion, ...]
    assessments: tuple[Assessment, ...]  # by day; the first on day 0


def synthetic_patients(cohort: Cohort) -> Iterator[SyntheticPatient]:
    """The cohort's patients one by one (its tables are sorted by patient, as the format says)."""
    ids = cohort.patients["patient_id"]
    bounds = np.append(ids, ids[-1] + 1)
    lesion_rows = np.searchsorted(cohort.lesions["patient_id"], bounds).tolist()
    measurement_rows = np.searchsorted(cohort.measurements["patient_id"], bounds).tolist()
    for k in range(cohort.n_patients):
        yield SyntheticPatient(
            number=int(ids[k]),
            stage=s.Stage(str(cohort.patients["stage"][k])),
            age=int(cohort.patients["age"][k]),
            start=date.fromisoformat(str(cohort.patients["start_date"][k])),
            lesions=_lesions(cohort.lesions, lesion_rows[k], lesion_rows[k + 1]),
            assessments=_assessments(
                cohort.measurements, measurement_rows[k], measurement_rows[k + 1]
            ),
        )


def _lesions(table: Columns, first: int, stop: int) -> tuple[SyntheticLesion, ...]:
    rows = zip(
        *(
            table[name][first:stop].tolist()
            for name in ("lesion_id", "site", "injected", "first_day")
        ),
        strict=True,
    )
    return tuple(SyntheticLesion(n, Site(site), bool(inj), day) for n, site, inj, day in rows)


def _assessments(table: Columns, first: int, stop: int) -> tuple[Assessment, ...]:
    names = ("day", "lesion_id", "longest_cm", "perpendicular_cm")
    by_day: dict[int, list[tuple[int, Decimal, Decimal]]] = {}
    for day, number, a, b in zip(*(table[n][first:stop].tolist() for n in names), strict=True):
        by_day.setdefault(day, []).append((number, Decimal(f"{a:.1f}"), Decimal(f"{b:.1f}")))
    return tuple(Assessment(day, tuple(sizes)) for day, sizes in by_day.items())


def invented_identity(number: int, sex: s.Sex) -> dict[str, str | None]:
    """The invented names (and allergies, for some) of synthetic patient `number` (from 1)."""
    k = number - 1
    given_names = GIVEN_NAMES.get(sex, GIVEN_NAMES[s.Sex.FEMALE])
    given = given_names[(k // 2) % len(given_names)]
    return {
        "given_name": given,
        "family_name": FAMILY_NAMES[(k * 5) % len(FAMILY_NAMES)],
        "preferred_name": PREFERRED.get(given),
        "allergies": ALLERGIES[(k // 5) % len(ALLERGIES)] if k % 5 == 2 else None,
    }


def enrol(
    ctx: Context,
    staff: Staff,
    patient: SyntheticPatient,
    mrn: str,
    start: date,
    *,
    screener: str,
    contraindicated: bool = False,
) -> int:
    """Register the patient, then the diagnosis and the screening before the first dose.

    The screening answers every item of the label's list no, or, for a `contraindicated` patient,
    one item yes: pregnancy for a woman, immunosuppressive therapy for a man (never a pregnant man).
    """
    k = patient.number - 1
    birth = date(start.year - patient.age, 1 + k % 12, 1 + k % 28)
    sex = SEXES[k % len(SEXES)]
    new = s.PatientIn(mrn=mrn, birth_date=birth, sex=sex, **invented_identity(patient.number, sex))
    patient_id = patients.register_patient(ctx, staff.nurse, new).id
    diagnosis = s.DiagnosisIn(
        stage=patient.stage,
        recurrent_after_surgery=True,
        unresectable=True,
        diagnosed_on=start - timedelta(days=DIAGNOSED_DAYS_BEFORE),
    )
    patients.record_diagnosis(ctx, staff.oncologist, patient_id, diagnosis)
    screening = s.ScreeningIn(
        screened_on=start - timedelta(days=SCREENED_DAYS_BEFORE),
        answers=screening_answers(sex if contraindicated else None),
        answered_by=screener,
    )
    patients.record_screening(ctx, staff.nurse, patient_id, screening)
    return patient_id


def screening_answers(contraindicated_sex: s.Sex | None) -> dict[str, bool]:
    """Every item of the contraindication list answered no, or one answered yes (see `enrol`)."""
    answers = {item.code: False for item in screening_items()}
    if contraindicated_sex is s.Sex.FEMALE:
        answers[PREGNANCY] = True
    elif contraindicated_sex is not None:
        answers[IMMUNOSUPPRESSIVE_THERAPY] = True
    return answers


class SyntheticChart:
    """A synthetic patient's lesions and measurements, recorded in date order up to a day.

    Day 0 of the synthetic timeline is `start`. A lesion is added when first measured.
    """

    def __init__(self, patient: SyntheticPatient, patient_id: int, start: date) -> None:
        self.patient, self.patient_id, self.start = patient, patient_id, start
        self.lesion_ids: dict[int, int] = {}  # lesion number -> database id
        self.recorded = 0  # assessments recorded so far

    def record_until(self, ctx: Context, nurse: Actor, day: date) -> None:
        """Record the assessments on or before `day` that are not recorded yet."""
        pending = self.patient.assessments[self.recorded :]
        for assessment in pending:
            if self.start + timedelta(days=assessment.day) > day:
                return
            self._record(ctx, nurse, assessment)
            self.recorded += 1

    def _record(self, ctx: Context, nurse: Actor, assessment: Assessment) -> None:
        measured_on = self.start + timedelta(days=assessment.day)
        for number, _, _ in assessment.sizes:
            if number not in self.lesion_ids:
                self.lesion_ids[number] = self._add_lesion(ctx, nurse, number, measured_on)
        items = [
            s.MeasurementItem(lesion_id=self.lesion_ids[n], longest_cm=a, perpendicular_cm=b)
            for n, a, b in assessment.sizes
        ]
        lesions.record_measurements(
            ctx,
            nurse,
            self.patient_id,
            s.MeasurementsIn(measured_on=measured_on, method=s.Method.CALIPER, items=items),
        )

    def _add_lesion(self, ctx: Context, nurse: Actor, number: int, first_seen: date) -> int:
        lesion = next(les for les in self.patient.lesions if les.number == number)
        places = LOCATIONS[lesion.site]
        new = s.LesionIn(
            name=f"L{number}",
            site=lesion.site,
            location=places[(self.patient.number + number) % len(places)],
            first_seen=first_seen,
            injectable=lesion.injected,
        )
        return lesions.add_lesion(ctx, nurse, self.patient_id, new).id
