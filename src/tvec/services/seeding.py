"""Seeding: the demo centre and synthetic patients, loaded through the clinic services.

One synthetic world. Every invented patient comes from `tvec.analytics.synth` (its model and
assumptions: docs/synth.md) and enters the database through the service functions a nurse, an
oncologist and a pharmacist use, so every rule is applied and every write is audited. Two loads
share the same enrolment (registration, diagnosis, screening, course) and the same chart (lesions
added when first seen, one set of measurements per synthetic assessment, in date order):

- `load_registry` (`tvec synth --database`): registry patients on the cohort's own dates, each
  with a course from day 0 and every assessment. No visits: a registry records no doses.
- `load_demo` (`tvec db demo`, `make run`): the demo centre, one user per role, vial lots, and
  patients whose synthetic timeline is moved so that today falls in their course. Their visits
  fall on the days the domain schedule makes them due; each is planned from the measurements on
  file that day and given as planned (`tvec.services.visits`, so the domain's administration
  check applies). A few patients have their latest due visits held back, so the worklist has
  visits due today and overdue; one patient is contraindicated, one awaits the first dose; one
  course is on hold, held by an open serious adverse event (grade 3 cellulitis, next dose held).

Which patient is where in its course (`COURSE_POINTS`), and which doses are followed by an
adverse event, is fixed by the patient's number: the only randomness is the synthetic cohort's,
so the same seed (and the same today) gives the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from tvec.analytics.cohort import Cohort
from tvec.analytics.synth import ASSUMPTIONS, synthesize
from tvec.domain.adverse_event import Criterion, Relatedness
from tvec.domain.dose_plan import DosePlan
from tvec.domain.rules import Container, CourseEndReason, LabelRules, VisitKind
from tvec.domain.schedule import Course, earliest_date, next_kind, record_dose
from tvec.domain.stability import stability_limit
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.schemas import clinic as s
from tvec.services import (
    adverse_events,
    auth,
    cold_chain,
    courses,
    patients,
    readings_import,
    second_check,
    shipments,
    vial_events,
    vials,
    visits,
)
from tvec.services.adverse_event_seed import seed_adverse_events
from tvec.services.alert_card_seeding import seed_alert_cards
from tvec.services.claims_demo import seed_claims
from tvec.services.context import Actor, Context
from tvec.services.coverage import seed_coverage
from tvec.services.follow_up_seed import seed_follow_up
from tvec.services.permissions import Role
from tvec.services.prior_auth_seed import seed_prior_auth
from tvec.services.programme_seed import seed_programme
from tvec.services.synthetic_patients import (
    Staff,
    SyntheticChart,
    SyntheticPatient,
    enrol,
    synthetic_patients,
)

CENTRE = "tvec demo centre"
DEMO_TIME_ZONE = "America/New_York"
# Documented in the README: demo only, never use these anywhere real.
DEMO_USERS = {
    "admin": (Role.ADMIN, "Ada Admin", "demo-admin-pass"),
    "oncologist": (Role.ONCOLOGIST, "Dr Olu Oncologist", "demo-oncologist-pass"),
    "nurse": (Role.NURSE, "Nia Nurse", "demo-nurse-pass"),
    "pharmacist": (Role.PHARMACIST, "Pat Pharmacist", "demo-pharmacist-pass"),
    "billing": (Role.BILLING, "Bill Billing", "demo-billing-pass"),
    "researcher": (Role.RESEARCHER, "Rae Researcher", "demo-researcher-pass"),
}
DEMO_LABEL = "us"  # the courses' label variant (CourseIn's default)
# The demo's stock: lot number, and the visit kind whose strength (from the label) it holds.
DEMO_LOTS = (
    ("DEMO6-A01", VisitKind.INITIAL),
    ("DEMO8-B01", VisitKind.SECOND),
    ("DEMO8-B02", VisitKind.SUBSEQUENT),
)
LOT_SHELF_DAYS = 365  # demo stock expires a year from the day it is loaded

# The demo pharmacy: shipments received by barcode, as (days before today it was received, hours
# its container had been sealed, and its cartons: lot, strength, days from today to expiry,
# serial numbers). The first 10^6 lot expires within the stock page's window (so it is picked, and
# offered at the bedside, first); the last shipment came after its container's 96 hours (label
# data) and is quarantined. The 10^8 lots expire after the hand-registered ones above, so the
# bedside still offers those first for 10^8 visits.
DEMO_SHIPMENTS: tuple[tuple[int, int, tuple[tuple[str, int, int, tuple[str, ...]], ...]], ...] = (
    (
        5,
        30,
        (
            ("DEMO8-S01", 100_000_000, 400, ("D8S0101", "D8S0102", "D8S0103", "D8S0104")),
            ("DEMO6-S01", 1_000_000, 40, ("D6S0101", "D6S0102", "D6S0103")),
        ),
    ),
    (2, 20, (("DEMO6-S02", 1_000_000, 420, ("D6S0201", "D6S0202", "D6S0203", "D6S0204")),)),
    (0, 110, (("DEMO8-Q01", 100_000_000, 430, ("D8Q0101", "D8Q0102")),)),
)

# The demo's storage: a freezer that holds its band, and a second freezer whose logger shows an
# excursion that is still going on (its readings climbed out of band two hours ago), holding a
# shipment of its own whose vials the excursion quarantined. Readings every 10 minutes for a day;
# the temperatures are illustrative, compared with the band from the label data.
DEMO_FREEZERS = ("Freezer A (pharmacy)", "Freezer B (clinic)")
DEMO_READING_MINUTES = 10
DEMO_EXCURSION_MINUTES = 120
DEMO_IN_BAND_C = -80.0
DEMO_WARM_C = -62.5
DEMO_FREEZER_B_SHIPMENT = (1, 24, (("DEMO8-X01", 100_000_000, 400, ("D8X0101", "D8X0102")),))

# Two vials thawed at the start of the demo, stored in freezer A until then: a 10^6 vial at room
# temperature thawed so that DEMO_RED_MINUTES of its room-temperature limit (label data) are left
# when the demo is loaded (the board shows it red), and a 10^8 vial thawed an hour before and
# moved to the fridge ten minutes later.
DEMO_THAW_SHIPMENT = (
    1,
    20,
    (
        ("DEMO6-T01", 1_000_000, 400, ("D6T0101",)),
        ("DEMO8-T01", 100_000_000, 400, ("D8T0101",)),
    ),
)
DEMO_RED_MINUTES = 25
DEMO_FRIDGE_THAWED_MINUTES = 60
DEMO_TO_FRIDGE_AFTER_MINUTES = 10

REGISTRY_SCREENER = "synthetic registry (tvec synth)"  # who answered the screening
DEMO_SCREENER = "patient, confirmed by the nurse"

# The demo's simulation assumptions: every kind of course side by side, so its T-VEC mixture
# has more responders than the trial-shaped default (a demo choice, not a clinical figure).
DEMO_ASSUMPTIONS = replace(
    ASSUMPTIONS, mixture=((0.2, 0.2, 0.1, 0.15, 0.15, 0.2), ASSUMPTIONS.mixture[1])
)


@dataclass(frozen=True)
class CoursePoint:
    """Where today falls in a demo patient's course, counted in visits given on their due days.

    Today is the due day of visit `visits` plus `late_days`; the last `held` of those visits are
    not given, so the planned one is due today (late 0, one held) or overdue.
    """

    visits: int
    held: int = 0
    late_days: int = 0


# Patient number (0-based) modulo 10 -> course point; numbers 3 and 5 have no course.
COURSE_POINTS = (
    CoursePoint(1),  # first dose today
    CoursePoint(5, late_days=4),
    CoursePoint(9, late_days=9),
    CoursePoint(3, late_days=2),
    CoursePoint(13, late_days=2),
    CoursePoint(11, held=2),  # overdue by one interval
    CoursePoint(4, held=1),  # due today
    CoursePoint(17, late_days=7),
    CoursePoint(7, late_days=12),
    CoursePoint(8, held=1, late_days=5),  # overdue 5 days
)
CONTRAINDICATED, AWAITING_FIRST_DOSE = 3, 5  # screened (a contraindication / clear), no course
# These patients (due today) have an open serious adverse event; the first of them's course is
# held by it ("next dose held"), so the worklist shows one held course.
SERIOUS_EVENT_POINT = 6
# Reactions among the label's most common (USPI §6.1), with an invented grade, recorded after
# one dose in `REACTION_EVERY` and resolved `REACTION_DAYS` later: demo records, not incidences.
REACTIONS = (  # CTCAE v5.0 terms (pyrexia: Fever; injection-site pain: Injection site reaction)
    ("Fatigue", 1),
    ("Chills", 1),
    ("Fever", 2),
    ("Flu like symptoms", 2),
    ("Injection site reaction", 2),
    ("Nausea", 1),
)
REACTION_EVERY = 7
REACTION_DAYS = 3


# --- the demo centre ------------------------------------------------------------------------------


def demo_centre(ctx: Context) -> Staff:
    """The demo centre and one user per role (`DEMO_USERS`), each created if missing."""
    _role, name, password = DEMO_USERS["admin"]
    admin = auth.bootstrap_centre(
        ctx,
        CENTRE,
        s.UserIn(username="admin", full_name=name, role=Role.ADMIN, password=password),
        published=True,  # the demo's passwords are in the README: no rule makes them secret
    )
    admin_actor = Actor(admin.id, admin.centre_id, Role.ADMIN, "admin")
    if second_check.centre_settings(ctx, admin_actor).time_zone == "UTC":
        # a real zone, so the demo shows times as a clinic sees them; the second check of every
        # dose stays off (one person can try the whole visit); an admin turns it on
        second_check.set_centre_settings(
            ctx, admin_actor, time_zone=DEMO_TIME_ZONE, require_second_check=False
        )
    zone = second_check.centre_settings(ctx, admin_actor).time_zone  # their "today"
    admin_actor = Actor(admin.id, admin.centre_id, Role.ADMIN, "admin", zone)
    existing = {u.username: u for u in auth.list_users(ctx, admin_actor)}
    actors = {}
    for username, (role, name, password) in DEMO_USERS.items():
        user = existing.get(username) or auth.create_user(
            ctx,
            admin_actor,
            s.UserIn(username=username, full_name=name, role=role, password=password),
            published=True,
        )
        actors[username] = Actor(user.id, user.centre_id, role, username, zone)
    seed_programme(ctx, admin_actor, [actors["nurse"], actors["oncologist"], actors["pharmacist"]])
    return Staff(actors["nurse"], actors["oncologist"], actors["pharmacist"])


# --- `tvec synth --database` ----------------------------------------------------------------------


def registry_mrn(seed: int, number: int) -> str:
    """The MRN of the cohort's patient `number` made with `seed` (loading it twice is refused)."""
    return f"SYN{seed}-{number:07d}"


def load_registry(ctx: Context, staff: Staff, cohort: Cohort, seed: int) -> Iterator[int]:
    """Load the cohort's patients on their own dates, yielding each one's id once it is stored.

    Each: enrolled, a course from day 0, every assessment; no visits (a registry records no
    doses) and no survival (the clinic records have no death record). A patient whose MRN is
    already on file stops the load with `Conflict`; those loaded before it stay.
    """
    # a registry's courses are history: their start dates may be longer ago than the course
    # window (TVEC_COURSE_WINDOW_DAYS) lets a new course start
    span = (ctx.today(staff.nurse) - ctx.settings.earliest_date).days
    ctx = replace(ctx, settings=ctx.settings.model_copy(update={"course_window_days": span}))
    for patient in synthetic_patients(cohort):
        mrn = registry_mrn(seed, patient.number)
        patient_id = enrol(ctx, staff, patient, mrn, patient.start, screener=REGISTRY_SCREENER)
        course = s.CourseIn(start_date=patient.start)
        courses.start_course(ctx, staff.oncologist, patient_id, course)
        SyntheticChart(patient, patient_id, patient.start).record_until(ctx, staff.nurse, date.max)
        yield patient_id


# --- `tvec db demo` -------------------------------------------------------------------------------


def load_demo(ctx: Context, patients_wanted: int = 20, seed: int = 7) -> int:
    """Create the demo centre, users, lots and patients; no patients if the centre has some.

    Returns the number of patients created.
    """
    staff = demo_centre(ctx)
    label = load_label(DEMO_LABEL)
    today = ctx.today(staff.nurse)
    _add_lots(ctx, staff.pharmacist, label, today)
    _add_pharmacy(ctx, staff.pharmacist, label)
    _add_storage(ctx, staff.pharmacist, label)
    if patients_wanted < 1 or patients.list_patients(ctx, staff.nurse, 1, 0)[1] > 0:
        return 0
    cohort = synthesize(patients_wanted, seed, arms=(1.0, 0.0), assumptions=DEMO_ASSUMPTIONS)
    for k, patient in enumerate(synthetic_patients(cohort)):
        _demo_patient(ctx, staff, label, patient, k, today)
    seed_prior_auth(ctx, staff.nurse)  # payer office, approved / pended / warned requests
    seed_alert_cards(ctx, staff, DEMO_LOTS[0][0])  # EU alert cards, education, an exposure
    seed_coverage(ctx, _billing_actor(ctx, staff))
    seed_claims(ctx, staff.nurse.centre_id)
    seed_adverse_events(ctx, staff.nurse)
    seed_follow_up(ctx, staff)  # ECOG, prior therapies, deaths, last known alive
    return patients_wanted


def _billing_actor(ctx: Context, staff: Staff) -> Actor:
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username("billing")
    assert user is not None  # demo_centre made it
    return Actor(user.id, user.centre_id, Role.BILLING, "billing", staff.nurse.time_zone)


def _add_lots(ctx: Context, pharmacist: Actor, label: LabelRules, today: date) -> None:
    stocked = {lot.lot for lot in vials.list_lots(ctx, pharmacist)}
    for name, kind in DEMO_LOTS:
        if name not in stocked:
            new = s.VialLotIn(
                lot=name,
                pfu_per_ml=label.visit_rule(kind).pfu_per_ml,
                expiry_date=today + timedelta(days=LOT_SHELF_DAYS),
            )
            vials.add_lot(ctx, pharmacist, new)


def _add_pharmacy(ctx: Context, pharmacist: Actor, label: LabelRules) -> None:
    """Receive the demo's shipments by their cartons' barcodes, on their days (once)."""
    if shipments.list_shipments(ctx, pharmacist):
        return
    now = ctx.clock()
    for shipment in DEMO_SHIPMENTS:
        _receive(ctx, pharmacist, label, now, shipment)


def _add_storage(ctx: Context, pharmacist: Actor, label: LabelRules) -> None:
    """Two freezers with a day of logger readings (once): A in band; B out of band for the last two
    hours, so its excursion is open and the shipment stored in it is quarantined."""
    if cold_chain.list_locations(ctx, pharmacist):
        return
    a, b = (cold_chain.add_location(ctx, pharmacist, name, "freezer") for name in DEMO_FREEZERS)
    now = ctx.clock()
    _receive(ctx, pharmacist, label, now, DEMO_FREEZER_B_SHIPMENT, b.id)
    steps = 24 * 60 // DEMO_READING_MINUTES
    times = [now - timedelta(minutes=DEMO_READING_MINUTES * k) for k in range(steps, 0, -1)]
    warm_from = now - timedelta(minutes=DEMO_EXCURSION_MINUTES)
    readings_import.import_readings(ctx, pharmacist, a.id, [(t, DEMO_IN_BAND_C) for t in times])
    _receive(ctx, pharmacist, label, now, DEMO_THAW_SHIPMENT, a.id)
    _thaw_two(ctx, pharmacist, label, now)
    readings_import.import_readings(
        ctx,
        pharmacist,
        b.id,
        [(t, DEMO_WARM_C if t >= warm_from else DEMO_IN_BAND_C) for t in times],
    )


def _thaw_two(ctx: Context, pharmacist: Actor, label: LabelRules, now: datetime) -> None:
    """Thaw the demo's two vials (see DEMO_THAW_SHIPMENT) through the vial events service."""
    lots = {lot for lot, _strength, _days, _serials in DEMO_THAW_SHIPMENT[2]}
    by_strength = {
        v.pfu_per_ml: v.id for v in shipments.list_vials(ctx, pharmacist) if v.lot in lots
    }
    room = stability_limit(label, 1_000_000, Container.VIAL, "room").max_hours
    low_at = now - timedelta(hours=float(room)) + timedelta(minutes=DEMO_RED_MINUTES)
    _vial_event(ctx, pharmacist, by_strength[1_000_000], "thawed", low_at)
    high_at = now - timedelta(minutes=DEMO_FRIDGE_THAWED_MINUTES)
    _vial_event(ctx, pharmacist, by_strength[100_000_000], "thawed", high_at)
    fridge_at = high_at + timedelta(minutes=DEMO_TO_FRIDGE_AFTER_MINUTES)
    _vial_event(ctx, pharmacist, by_strength[100_000_000], "to_fridge", fridge_at)


def _vial_event(ctx: Context, actor: Actor, vial_id: int, kind: str, at: datetime) -> None:
    version = vial_events.vial_detail(ctx, actor, vial_id).version
    vial_events.record_event(ctx, actor, vial_id, kind=kind, at=at, version=version)


def _receive(
    ctx: Context,
    pharmacist: Actor,
    label: LabelRules,
    now: datetime,
    shipment: tuple[int, int, tuple[tuple[str, int, int, tuple[str, ...]], ...]],
    location_id: int | None = None,
) -> None:
    """Receive one demo shipment by its cartons' barcodes, `days_ago` before `now`."""
    days_ago, sealed_hours, cartons = shipment
    gtins = {strength.pfu_per_ml: strength.gtin for strength in label.strengths}
    received = now - timedelta(days=days_ago)
    then = replace(ctx, clock=_stopped(received))
    today = then.today(pharmacist)
    scans = [
        f"01{gtins[strength]}17{(today + timedelta(days=expires)):%y%m%d}10{lot}\x1d21{serial}"
        for lot, strength, expires, serials in cartons
        for serial in serials
    ]
    shipments.receive_shipment(
        then, pharmacist, scans, received - timedelta(hours=sealed_hours), location_id
    )


def _stopped(instant: datetime) -> Callable[[], datetime]:
    """A clock that always reads `instant` (the demo's earlier receipts)."""
    return lambda: instant


# The demo's history is written today, from synthetic assessments on earlier days: its plans say
# so, as tvec's rule asks of any plan made from sizes not measured that day.
DEMO_STALE_REASON = "demo history: sizes from the synthetic assessment on file"


def _demo_patient(
    ctx: Context,
    staff: Staff,
    label: LabelRules,
    patient: SyntheticPatient,
    k: int,
    today: date,
) -> None:
    mrn = f"DEMO-{1001 + k}"
    if k in (CONTRAINDICATED, AWAITING_FIRST_DOSE):
        barred = k == CONTRAINDICATED
        enrol(ctx, staff, patient, mrn, today, screener=DEMO_SCREENER, contraindicated=barred)
        return
    point = _fitted(label, COURSE_POINTS[k % len(COURSE_POINTS)], patient.assessments[-1].day)
    start = today - timedelta(days=due_days(label, point.visits)[-1] + point.late_days)
    patient_id = enrol(ctx, staff, patient, mrn, start, screener=DEMO_SCREENER)
    course = courses.start_course(ctx, staff.oncologist, patient_id, s.CourseIn(start_date=start))
    chart = SyntheticChart(patient, patient_id, start)
    doses, ended = _treat(ctx, staff, label, chart, course, point.visits - point.held)
    chart.record_until(ctx, staff.nurse, today)
    if not ended:
        visits.plan_next_visit(ctx, staff.nurse, course.id, stale_reason=DEMO_STALE_REASON)
    if k % len(COURSE_POINTS) == SERIOUS_EVENT_POINT and doses > 0:
        # the first of them also holds the course's next dose: the demo's one held course
        hold = k == SERIOUS_EVENT_POINT and not ended
        _serious_event(ctx, staff.nurse, patient_id, course.id, today, hold=hold)


def due_days(label: LabelRules, visits: int) -> list[int]:
    """Days after the first dose on which visits 1..`visits` fall due, each given when due."""
    first = date(2000, 1, 1)  # any day: the schedule's intervals do not depend on it
    schedule, days = Course(first), []
    for _ in range(visits):
        day = earliest_date(label, schedule, next_kind(schedule))
        schedule = record_dose(label, schedule, day)
        days.append((day - first).days)
    return days


def _fitted(label: LabelRules, point: CoursePoint, last_day: int) -> CoursePoint:
    """The point moved earlier, if needed, so that today is within the synthetic follow-up."""
    days = due_days(label, point.visits)
    visits = max(1, sum(1 for day in days if day + point.late_days <= last_day))
    return CoursePoint(visits, min(point.held, visits), point.late_days)


def _treat(
    ctx: Context,
    staff: Staff,
    label: LabelRules,
    chart: SyntheticChart,
    course: r.Course,
    doses: int,
) -> tuple[int, bool]:
    """Give `doses` visits on their due days, each planned from the measurements on file then.

    When nothing is left to inject the course ends (no injectable lesions). Returns the doses
    given and whether the course ended.
    """
    schedule = Course(course.start_date)
    for _ in range(doses):
        day = earliest_date(label, schedule, next_kind(schedule))
        chart.record_until(ctx, staff.nurse, day)
        visit = visits.plan_next_visit(ctx, staff.nurse, course.id, stale_reason=DEMO_STALE_REASON)
        plan = visit.plan
        if not plan.injections:
            end = s.CourseEnd(
                version=course.version,
                end_date=day,
                end_reason=CourseEndReason.NO_INJECTABLE_LESIONS,
            )
            courses.end_treatment(ctx, staff.oncologist, course.id, end)
            return len(schedule.doses), True
        _give(ctx, staff.nurse, label, visit, plan, day)
        schedule = record_dose(label, schedule, day)
        _reaction(ctx, staff.nurse, chart, course.id, len(schedule.doses), day)
    return len(schedule.doses), False


def _give(
    ctx: Context, nurse: Actor, label: LabelRules, visit: r.Visit, plan: DosePlan, day: date
) -> None:
    """Record the plan as given, from the first demo lot of the plan's strength, at 10:00."""
    lot = next(
        name
        for name, kind in DEMO_LOTS
        if label.visit_rule(kind).pfu_per_ml == plan.concentration_pfu_per_ml
    )
    items = [
        s.AdministrationItem(target=i.lesion_id, volume_ml=i.volume_ml, vial_lot=lot)
        for i in plan.injections
    ]
    at = datetime.combine(day, time(10, 0), tzinfo=UTC)
    given = s.AdministrationIn(version=visit.version, administered_at=at, items=items)
    visits.record_administration(ctx, nurse, visit.id, given)


def _reaction(
    ctx: Context, nurse: Actor, chart: SyntheticChart, course_id: int, dose: int, day: date
) -> None:
    """After one dose in `REACTION_EVERY` (by patient and dose number), a mild reaction."""
    turn = chart.patient.number + dose
    if turn % REACTION_EVERY:
        return
    term, grade = REACTIONS[(turn // REACTION_EVERY) % len(REACTIONS)]
    event = s.AdverseEventIn(
        term=term,
        grade=grade,
        related=Relatedness.YES,
        onset=day,
        resolved_on=min(ctx.today(nurse), day + timedelta(days=REACTION_DAYS)),
        action_taken="none",
        course_id=course_id,
    )
    adverse_events.record_adverse_event(ctx, nurse, chart.patient_id, event)


def _serious_event(
    ctx: Context,
    nurse: Actor,
    patient_id: int,
    course_id: int,
    today: date,
    *,
    hold: bool = False,
) -> None:
    """An open serious event two days ago: the worklist lists it until it is resolved. With
    `hold`, recorded with "hold the next dose": the course is on hold until an oncologist
    releases it (the worklist shows it held, not "Start visit")."""
    event = s.AdverseEventIn(
        term="Skin infection",  # cellulitis, graded as CTCAE v5.0 grades it
        grade=3,
        criteria=[Criterion.HOSPITALISATION],
        related=Relatedness.YES,
        onset=today - timedelta(days=2),
        action_taken="antibiotics; next dose held",
        course_id=course_id,
        hold_next_dose=hold,
    )
    adverse_events.record_adverse_event(ctx, nurse, patient_id, event)
