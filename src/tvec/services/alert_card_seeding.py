"""The demo's safety programme records (`tvec db demo`), made through the clinic's services:

- an EU-label patient whose first dose was given three days ago with no patient alert card
  issued (the chart and the banner show the card missing);
- an EU-label patient whose card was issued at the first dose and acknowledged, taught with a
  named caregiver;
- an accidental needle-stick of the nurse, washed and reported, its follow-up task open.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tvec.domain.rules import Site
from tvec.knowledge.alert_card import load_alert_card
from tvec.schemas import clinic as s
from tvec.schemas.safety import AcknowledgementIn, CentreContactIn, EducationIn, ExposureIn
from tvec.services import alert_cards, courses, education, exposures, lesions, patients, visits
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.synthetic_patients import Staff, screening_answers

DEMO_CONTACT = CentreContactIn(
    contact_phone="+1 555 0100 (demo)",
    contact_address="Oncology day unit, 1 Demo Avenue, New York (demo)",
)
FIRST_DOSE_DAYS_AGO = 3
# (MRN, given name, family name, sex, issue the card?)
EU_PATIENTS = (
    ("EUCARD-01", "Liesel", "Vandermeer", s.Sex.FEMALE, False),
    ("EUCARD-02", "Anton", "Kowalczyk", s.Sex.MALE, True),
)
# (name, site, longest cm, perpendicular cm): no visceral lesion (EU indication, SmPC §4.1)
LESIONS = (("L1", Site.CUTANEOUS, "2.4", "1.6"), ("L2", Site.SUBCUTANEOUS, "1.2", "0.8"))


def seed_alert_cards(ctx: Context, staff: Staff, lot_10e6: str) -> None:
    """The demo's alert cards, education and exposure (see the module docstring); the first
    doses come from the 10^6 lot `lot_10e6`."""
    alert_cards.set_centre_contact(ctx, centre_admin(ctx, staff.nurse), DEMO_CONTACT)
    start = ctx.today(staff.nurse) - timedelta(days=FIRST_DOSE_DAYS_AGO)
    for mrn, given, family, sex, issue in EU_PATIENTS:
        patient_id, course_id = first_dose_patient(
            ctx, staff, mrn, given, family, sex, start, lot_10e6
        )
        if issue:
            card = alert_cards.issue_card(ctx, staff.nurse, course_id)
            alert_cards.acknowledge_card(ctx, staff.nurse, card.id, AcknowledgementIn(version=1))
            _educate(ctx, staff.nurse, patient_id, course_id)
    _exposure(ctx, staff)


def centre_admin(ctx: Context, someone: Actor) -> Actor:
    """The demo centre's administrator (who sets the contact printed on the card)."""
    with ctx.uow(readonly=True) as uow:
        admin = next(
            u for u in uow.users.in_centre(someone.centre_id) if u.role == Role.ADMIN.value
        )
    return Actor(admin.id, admin.centre_id, Role.ADMIN, admin.username, someone.time_zone)


def first_dose_patient(
    ctx: Context,
    staff: Staff,
    mrn: str,
    given: str,
    family: str,
    sex: s.Sex,
    start: date,
    lot: str,
) -> tuple[int, int]:
    """A patient of an EU-label course started on `start`, its first dose given that day from
    the 10^6 lot `lot`, and no alert card yet: (patient id, course id)."""
    nurse = staff.nurse
    new = s.PatientIn(
        mrn=mrn, given_name=given, family_name=family, birth_date=date(1958, 3, 14), sex=sex
    )
    pid = patients.register_patient(ctx, nurse, new).id
    dx = s.DiagnosisIn(
        stage=s.Stage.IIIC,
        recurrent_after_surgery=True,
        unresectable=True,
        diagnosed_on=start - timedelta(days=60),
        distant_sites=[],
    )
    patients.record_diagnosis(ctx, staff.oncologist, pid, dx)
    screening = s.ScreeningIn(
        screened_on=start - timedelta(days=2),
        answers=screening_answers(None),
        answered_by="patient, confirmed by the nurse",
    )
    patients.record_screening(ctx, nurse, pid, screening)
    items = []
    for name, site, longest, perpendicular in LESIONS:
        lesion = lesions.add_lesion(
            ctx,
            nurse,
            pid,
            s.LesionIn(name=name, site=site, location=f"left forearm, {name}", first_seen=start),
        )
        items.append(
            s.MeasurementItem(
                lesion_id=lesion.id, longest_cm=longest, perpendicular_cm=perpendicular
            )
        )
    measured = s.MeasurementsIn(measured_on=start, method=s.Method.CALIPER, items=items)
    lesions.record_measurements(ctx, nurse, pid, measured)
    course = courses.start_course(
        ctx, staff.oncologist, pid, s.CourseIn(label_variant="eu", start_date=start)
    )
    visit = visits.plan_next_visit(ctx, nurse, course.id, stale_reason="demo: sizes on file")
    doses = [
        s.AdministrationItem(target=i.lesion_id, volume_ml=i.volume_ml, vial_lot=lot)
        for i in visit.plan.injections
    ]
    at = datetime.combine(start, time(15, 0), tzinfo=UTC)
    given_in = s.AdministrationIn(version=visit.version, administered_at=at, items=doses)
    visits.record_administration(ctx, nurse, visit.id, given_in)
    return pid, course.id


def _educate(ctx: Context, nurse: Actor, patient_id: int, course_id: int) -> None:
    topics = [t.code for t in load_alert_card().education_topics]
    education.record_education(
        ctx, nurse, patient_id, EducationIn(recipient="patient", topics=topics, course_id=course_id)
    )
    caregiver = EducationIn(
        recipient="caregiver",
        caregiver_name="Marta Kowalczyk",
        caregiver_relation="wife",
        topics=["dressing-care", "disposal"],
        course_id=course_id,
    )
    education.record_education(ctx, nurse, patient_id, caregiver)


def _exposure(ctx: Context, staff: Staff) -> None:
    when = ctx.clock() - timedelta(days=2)
    exposures.record_exposure(
        ctx,
        staff.nurse,
        ExposureIn(
            exposed="staff",
            staff_user_id=staff.nurse.user_id,
            kind="needle-stick",
            occurred_at=when,
            actions=["washed", "occupational-health"],
            action_note="demo: needle stick after drawing up the 10^6 dose",
        ),
    )
