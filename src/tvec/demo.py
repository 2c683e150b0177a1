"""Demo data for `make run`: one centre, one user per role, about 20 synthetic patients.

Every record goes through the real services, so the demo obeys the same rules as real use. The
patients are invented (seeded random numbers), spread over different points of a course: just
screened, mid-course responders, a durable complete response, progression, a contraindicated
patient who cannot start. Dates are relative to today so the worklist always has something due:
a few patients (`HELD_VISITS`) have not had their latest due visit yet, so the nurse can start a
visit from the worklist (planned, due today or overdue).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from tvec.domain.rules import CourseEndReason, Site
from tvec.persistence import records as r
from tvec.schemas import clinic as s
from tvec.services import adverse_events, auth, courses, lesions, patients, vials, visits
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role

CENTRE = "tvec demo centre"
# Documented in the README: demo only, never use these anywhere real.
DEMO_USERS = {
    "admin": (Role.ADMIN, "Ada Admin", "demo-admin-pass"),
    "oncologist": (Role.ONCOLOGIST, "Dr Olu Oncologist", "demo-oncologist-pass"),
    "nurse": (Role.NURSE, "Nia Nurse", "demo-nurse-pass"),
    "pharmacist": (Role.PHARMACIST, "Pat Pharmacist", "demo-pharmacist-pass"),
    "billing": (Role.BILLING, "Bill Billing", "demo-billing-pass"),
    "researcher": (Role.RESEARCHER, "Rae Researcher", "demo-researcher-pass"),
}
SITES = [Site.CUTANEOUS, Site.CUTANEOUS, Site.SUBCUTANEOUS, Site.NODAL, Site.VISCERAL]
STAGES = list(s.Stage)
# Patient number (0-based) → how many of the visits due by today are not given yet: that many
# doses are missed, and the next visit is planned, due today or overdue, on the worklist.
HELD_VISITS = {6: 1, 9: 1, 11: 2, 16: 1}
AE_TERMS = [
    ("fatigue", 1),
    ("chills", 1),
    ("pyrexia", 2),
    ("influenza-like illness", 2),
    ("injection-site pain", 1),
    ("nausea", 1),
]


@dataclass
class Staff:
    nurse: Actor
    oncologist: Actor
    pharmacist: Actor


def load_demo(ctx: Context, patients_wanted: int = 20, seed: int = 7) -> int:
    """Create the demo centre, users and patients; does nothing if they already exist."""
    staff = _users(ctx)
    if patients.list_patients(ctx, staff.nurse, 1, 0)[1] > 0:
        return 0
    today = ctx.today()
    _lots(ctx, staff.pharmacist, today)
    rng = random.Random(seed)
    for n in range(patients_wanted):
        _patient(ctx, staff, rng, n, today)
    return patients_wanted


def _users(ctx: Context) -> Staff:
    admin_role, admin_name, admin_pass = DEMO_USERS["admin"]
    admin = auth.bootstrap_centre(
        ctx,
        CENTRE,
        s.UserIn(username="admin", full_name=admin_name, role=admin_role, password=admin_pass),
    )
    admin_actor = Actor(admin.id, admin.centre_id, Role.ADMIN, "admin")
    existing = {u.username: u for u in auth.list_users(ctx, admin_actor)}
    actors = {}
    for username, (role, name, password) in DEMO_USERS.items():
        user = existing.get(username) or auth.create_user(
            ctx,
            admin_actor,
            s.UserIn(username=username, full_name=name, role=role, password=password),
        )
        actors[username] = Actor(user.id, user.centre_id, role, username)
    return Staff(actors["nurse"], actors["oncologist"], actors["pharmacist"])


def _lots(ctx: Context, pharmacist: Actor, today: date) -> None:
    for lot, pfu in (("DEMO6-A01", 10**6), ("DEMO8-B01", 10**8), ("DEMO8-B02", 10**8)):
        vials.add_lot(
            ctx,
            pharmacist,
            s.VialLotIn(lot=lot, pfu_per_ml=pfu, expiry_date=today + timedelta(days=365)),
        )


def _patient(ctx: Context, staff: Staff, rng: random.Random, n: int, today: date) -> None:
    birth = date(rng.randint(1940, 1985), rng.randint(1, 12), rng.randint(1, 28))
    sex = rng.choice([s.Sex.FEMALE, s.Sex.MALE])
    patient = patients.register_patient(
        ctx, staff.nurse, s.PatientIn(mrn=f"DEMO-{1001 + n}", birth_date=birth, sex=sex)
    )
    start = today - timedelta(days=rng.choice([0, 14, 35, 63, 91, 120, 160, 200, 240, 300]))
    patients.record_diagnosis(
        ctx,
        staff.oncologist,
        patient.id,
        s.DiagnosisIn(
            stage=rng.choice(STAGES),
            recurrent_after_surgery=True,
            unresectable=True,
            diagnosed_on=start - timedelta(days=rng.randint(30, 400)),
        ),
    )
    contraindicated = n == 3
    patients.record_screening(
        ctx,
        staff.nurse,
        patient.id,
        s.ScreeningIn(
            screened_on=start - timedelta(days=7),
            immunocompromised=False,
            pregnant=contraindicated,
            answered_by="patient, confirmed by the nurse",
        ),
    )
    if contraindicated or n == 5:
        return  # one cannot start (pregnant); one is screened and waiting for the first dose
    course = courses.start_course(ctx, staff.oncologist, patient.id, s.CourseIn(start_date=start))
    trajectory = rng.choice(["responder", "responder", "complete", "stable", "progressor"])
    _treat(ctx, staff, rng, patient, course, trajectory, today, HELD_VISITS.get(n, 0))


def _treat(
    ctx: Context,
    staff: Staff,
    rng: random.Random,
    patient: r.Patient,
    course: r.Course,
    trajectory: str,
    today: date,
    held: int = 0,
) -> None:
    """Visits on their due dates up to today: measure, plan, give; the next one is left planned.

    The last `held` visits due by today are not given: the planned one is then due or overdue.
    """
    sizes = _lesions(ctx, staff, rng, patient, course.start_date)
    due_dates = _due_dates(course.start_date, today)
    number = 0
    for due in due_dates[: max(0, len(due_dates) - held)]:
        if number > 0:
            sizes = _evolve(sizes, _growth(trajectory))
            _measure(ctx, staff.nurse, patient.id, due, sizes)
        visit = visits.plan_next_visit(ctx, staff.nurse, course.id)
        if not visit.plan["injections"]:
            courses.end_treatment(
                ctx,
                staff.oncologist,
                course.id,
                s.CourseEnd(
                    version=course.version,
                    end_date=due,
                    end_reason=CourseEndReason.NO_INJECTABLE_LESIONS,
                ),
            )
            _follow_up(ctx, staff.nurse, patient.id, due, today, sizes)
            return
        _give(ctx, staff.nurse, visit, due)
        if rng.random() < 0.15:
            term, grade = rng.choice(AE_TERMS)
            adverse_events.record_adverse_event(
                ctx,
                staff.nurse,
                patient.id,
                s.AdverseEventIn(
                    term=term,
                    grade=grade,
                    serious=False,
                    related=True,
                    onset=due,
                    resolved_on=min(today, due + timedelta(days=3)),
                    action_taken="none",
                    course_id=course.id,
                ),
            )
        number += 1
    visits.plan_next_visit(ctx, staff.nurse, course.id)
    if trajectory == "progressor" and number > 3:
        adverse_events.record_adverse_event(
            ctx,
            staff.nurse,
            patient.id,
            s.AdverseEventIn(
                term="cellulitis",
                grade=3,
                serious=True,
                related=True,
                onset=today - timedelta(days=2),
                action_taken="antibiotics; next dose held",
                course_id=course.id,
            ),
        )


def _due_dates(start: date, today: date) -> list[date]:
    """The course's visit days up to today: the first dose, 3 weeks later, then every 2 weeks."""
    days, due = [], start
    while due <= today:
        days.append(due)
        due += timedelta(days=21 if len(days) == 1 else 14)
    return days


def _follow_up(
    ctx: Context,
    nurse: Actor,
    patient_id: int,
    ended: date,
    today: date,
    sizes: dict[int, tuple[Decimal, Decimal]],
) -> None:
    """After a complete response the lesions are still measured every 4 weeks (all 0 × 0)."""
    day = ended + timedelta(days=28)
    while day <= today:
        _measure(ctx, nurse, patient_id, day, sizes)
        day += timedelta(days=28)


def _evolve(
    sizes: dict[int, tuple[Decimal, Decimal]], factor: Decimal
) -> dict[int, tuple[Decimal, Decimal]]:
    """Scale every lesion; one below 0.3 cm is recorded as gone (0 × 0) and stays gone."""
    tenth = Decimal("0.1")
    out = {}
    for lesion_id, (longest, perpendicular) in sizes.items():
        a, b = (longest * factor).quantize(tenth), (perpendicular * factor).quantize(tenth)
        out[lesion_id] = (
            (a, min(a, b)) if a >= Decimal("0.3") and b > 0 else (Decimal(0), Decimal(0))
        )
    return out


def _growth(trajectory: str) -> Decimal:
    return {
        "responder": Decimal("0.85"),
        "complete": Decimal("0.7"),
        "stable": Decimal("0.98"),
        "progressor": Decimal("1.08"),
    }[trajectory]


def _lesions(
    ctx: Context, staff: Staff, rng: random.Random, patient: r.Patient, start: date
) -> dict[int, tuple[Decimal, Decimal]]:
    sizes = {}
    for k in range(rng.randint(1, 5)):
        site = rng.choice(SITES)
        lesion = lesions.add_lesion(
            ctx,
            staff.nurse,
            patient.id,
            s.LesionIn(
                name=f"L{k + 1}",
                site=site,
                location=rng.choice(
                    ["left calf", "right thigh", "scalp", "left axilla", "chest wall"]
                ),
                first_seen=start - timedelta(days=rng.randint(0, 60)),
            ),
        )
        longest = Decimal(rng.randint(5, 45)) / 10
        sizes[lesion.id] = (
            longest,
            (longest * Decimal(rng.randint(5, 10)) / 10).quantize(Decimal("0.1")),
        )
    _measure(ctx, staff.nurse, patient.id, start, sizes)
    return sizes


def _measure(
    ctx: Context,
    nurse: Actor,
    patient_id: int,
    day: date,
    sizes: dict[int, tuple[Decimal, Decimal]],
) -> None:
    items = [
        s.MeasurementItem(lesion_id=lid, longest_cm=a, perpendicular_cm=b)
        for lid, (a, b) in sizes.items()
    ]
    lesions.record_measurements(
        ctx,
        nurse,
        patient_id,
        s.MeasurementsIn(measured_on=day, method=s.Method.CALIPER, items=items),
    )


def _give(ctx: Context, nurse: Actor, visit: r.Visit, day: date) -> None:
    lot = "DEMO6-A01" if visit.plan["concentration_pfu_per_ml"] == 10**6 else "DEMO8-B01"
    items = [
        s.AdministrationItem(
            target=i["lesion_id"], volume_ml=Decimal(str(i["volume_ml"])), vial_lot=lot
        )
        for i in visit.plan["injections"]
    ]
    at = datetime.combine(day, time(10, 0), tzinfo=UTC)
    visits.record_administration(
        ctx,
        nurse,
        visit.id,
        s.AdministrationIn(version=visit.version, administered_at=at, items=items),
    )
