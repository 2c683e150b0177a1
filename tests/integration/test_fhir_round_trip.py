"""Export → import into another centre → export gives the same resources apart from server ids.

A Hypothesis property over synthetic patients (built with `mcode.patient_resources`, imported
twice: the second time nothing is written), on SQLite; and the demo centre's export imported into
another centre on SQLite and PostgreSQL, disease statuses included (tvec derives them again from
the imported measurements and they come out the same)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.clinic import TESTCLIENT_WARNING, close_app, make_app, seed_staff
from tests.support.fhir_compare import comparable
from tests.support.fhir_import import row_counts

from tvec.interop.fhir import mcode as m
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.services import fhir_export, fhir_import
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

CODES = load_fhir_codes()
STATUS = "Cancer disease status"
NUMBERS = itertools.count(1)  # each example's patient has an MRN of its own
DAY0 = date(2025, 1, 6)

letters = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12)
cm = st.integers(0, 150).map(lambda tenths: Decimal(tenths) / 10)


@st.composite
def patients(draw: st.DrawFn) -> m.PatientRecords:
    number = next(NUMBERS)
    patient = m.PatientRecord(
        number,
        1,
        f"MRN-{draw(st.integers(0, 9999)):04d}-{number}",
        draw(letters).title(),
        draw(st.one_of(st.just(""), letters.map(str.title))),
        draw(st.dates(date(1930, 1, 1), date(2005, 12, 31))),
        draw(st.sampled_from(["female", "male", "other", "unknown"])),
    )
    diagnosis = draw(
        st.one_of(
            st.none(),
            st.builds(
                m.DiagnosisRecord,
                st.just(number),
                st.sampled_from(["IIIB", "IIIC", "IVM1a"]),
                st.just(DAY0 - timedelta(days=30)),
            ),
        )
    )
    names = draw(st.lists(st.sampled_from(["L1", "L2", "L3", "N1"]), max_size=3, unique=True))
    lesions = tuple(
        m.LesionRecord(
            100 * number + i,
            name,
            draw(st.sampled_from(["cutaneous", "subcutaneous", "nodal", "visceral"])),
            draw(letters),
            DAY0,
        )
        for i, name in enumerate(names)
    )
    measurements = tuple(
        m.MeasurementRecord(
            1000 * number + 10 * i + k,
            lesion.id,
            DAY0 + timedelta(days=day),
            draw(cm),
            draw(cm),
            draw(st.sampled_from(["caliper", "ruler", "ultrasound", "photo"])),
        )
        for i, lesion in enumerate(lesions)
        for k, day in enumerate(draw(st.lists(st.integers(0, 120), max_size=3, unique=True)))
    )
    ends = draw(st.lists(st.booleans(), max_size=2))
    courses = tuple(
        m.CourseRecord(
            10 * number + i,
            DAY0 + timedelta(days=200 * i),
            DAY0 + timedelta(days=200 * i + 150) if ended or i < len(ends) - 1 else None,
        )
        for i, ended in enumerate(ends)
    )
    lots = (
        m.LotRecord(1, f"LOT-A{number}", 10**6, date(2027, 1, 1)),
        m.LotRecord(2, f"LOT-B{number}", 10**8, date(2027, 1, 1)),
    )
    staff = (m.StaffRecord(9, "Nina Nurse"),)
    given = []
    if courses:
        for k in range(draw(st.integers(0, 4))):
            course = draw(st.sampled_from(courses))
            lesion = draw(st.one_of(st.none(), st.sampled_from(lesions))) if lesions else None
            at = datetime.combine(
                course.start_date + timedelta(days=21 * draw(st.integers(0, 6))),
                time(10, k),
                tzinfo=UTC,
            )
            given.append(
                m.AdministrationRecord(
                    10 * number + k,
                    course.id,
                    lesion.id if lesion else None,
                    lesion.name if lesion else "C1",
                    draw(st.integers(1, 40).map(lambda tenths: Decimal(tenths) / 10)),
                    draw(st.sampled_from(lots)).id,
                    9,
                    at,
                )
            )
    used = {a.lot_id for a in given}
    events = []
    for k in range(draw(st.integers(0, 2))):
        grade = draw(st.integers(1, 5))
        events.append(
            m.AdverseEventRecord(
                10 * number + k,
                draw(st.sampled_from(["Fatigue", "Pyrexia", "Chills", "Injection site reaction"])),
                grade,
                grade == 5 or draw(st.booleans()),
                DAY0 + timedelta(days=draw(st.integers(0, 300))),
            )
        )
    return m.PatientRecords(
        patient=patient,
        diagnosis=diagnosis,
        lesions=lesions,
        measurements=measurements,
        courses=courses,
        lots=tuple(lot for lot in lots if lot.id in used),
        staff=staff if given else (),
        administrations=tuple(given),
        adverse_events=tuple(events),
        disease_status=(),  # derived by tvec in the centre that imports
    )


def without_status(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in found if (r.get("code") or {}).get("text") != STATUS]


@pytest.fixture(scope="module")
def importing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Context, Actor]]:
    folder = tmp_path_factory.mktemp("fhir-round-trip")
    app, ctx = make_app(f"sqlite:///{folder / 'tvec.db'}")
    staff = seed_staff(ctx, "Importing centre")
    try:
        yield ctx, staff[Role.NURSE].actor
    finally:
        close_app(app)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=patients())
def test_a_synthetic_patient_comes_back_the_same(
    importing: tuple[Context, Actor], records: m.PatientRecords
) -> None:
    ctx, nurse = importing
    source = m.patient_resources(records, CODES)
    first = fhir_import.import_resources(ctx, nurse, source)
    location = first.outcomes[f"Patient/patient-{records.patient.id}"][1]
    assert location is not None
    patient_id = int(location.rsplit("-", 1)[1])
    counts = row_counts(ctx)

    again = fhir_import.import_resources(ctx, nurse, source)
    assert {what for what, _ in again.outcomes.values()} <= {"unchanged", "skipped"}
    assert row_counts(ctx) == counts

    bundle = fhir_export.patient_everything(ctx, nurse, patient_id)
    back = [entry["resource"] for entry in bundle["entry"]]
    assert comparable(without_status(back)) == comparable(source)


@pytest.fixture
def two_centres(database_url: str) -> Iterator[tuple[Context, Actor, Actor]]:
    app, ctx = make_app(database_url)
    load_demo(ctx, 3, seed=11)
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username("nurse")
    assert user is not None
    demo_nurse = Actor(user.id, user.centre_id, Role.NURSE, "nurse")
    other = seed_staff(ctx, "Importing centre", prefix="other-")
    try:
        yield ctx, demo_nurse, other[Role.ONCOLOGIST].actor
    finally:
        close_app(app)


def test_the_demo_centre_comes_back_the_same_statuses_included(
    two_centres: tuple[Context, Actor, Actor],
) -> None:
    ctx, demo_nurse, oncologist = two_centres
    source = [r for found in fhir_export.centre_export(ctx, demo_nurse).values() for r in found]
    assert any((r.get("code") or {}).get("text") == STATUS for r in source)
    result = fhir_import.import_resources(ctx, oncologist, source)
    created = result.counts()
    assert created["Patient"]["created"] == sum(r["resourceType"] == "Patient" for r in source)
    back = [r for found in fhir_export.centre_export(ctx, oncologist).values() for r in found]
    assert comparable(back) == comparable(source)


def test_a_status_tvec_does_not_derive_is_refused_and_nothing_is_written(
    two_centres: tuple[Context, Actor, Actor],
) -> None:
    ctx, demo_nurse, oncologist = two_centres
    source = [r for found in fhir_export.centre_export(ctx, demo_nurse).values() for r in found]
    status = next(r for r in source if (r.get("code") or {}).get("text") == STATUS)
    worse = (
        CODES.codes["worsened"]
        if status["valueCodeableConcept"]["coding"][0]["code"] != (CODES.codes["worsened"].code)
        else CODES.codes["improved"]
    )
    status["valueCodeableConcept"]["coding"] = [
        CODES.coding(next(k for k, c in CODES.codes.items() if c is worse))
    ]
    before = row_counts(ctx)
    with pytest.raises(fhir_import.ImportRefused) as refused:
        fhir_import.import_resources(ctx, oncologist, source)
    (line,) = refused.value.lines
    assert line.startswith(f"Observation/{status['id']}.valueCodeableConcept: says ")
    assert "tvec derives" in line
    assert row_counts(ctx) == before
