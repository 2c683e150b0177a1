"""The demo's follow-up (`tvec db demo`), made through the follow-up service, the same on every
load (it depends only on the demo's patients, in the order registered):

- a baseline ECOG status for every patient with a diagnosis (0, 1, 0, 1, 2, ... in turn),
  assessed on the course's start date (today for a patient not yet treated);
- prior systemic therapies for every third patient (an anti-PD-1 antibody in line 1) and, for
  every sixth, a BRAF/MEK inhibitor in line 2 too: their T-VEC is a later line;
- two deaths, of the treated patients whose last record is oldest (a course that has ended
  first), half way between that record and today: one of melanoma, one of another cause. The
  patients whose prior authorizations or holds the demo shows are spared (their due visits
  carry the payer's warnings or the hold, and a death takes a patient's visits off the
  worklist);
- a last known alive date for everyone else (today, or one to three weeks ago).
"""

from __future__ import annotations

from datetime import date, timedelta

from tvec.domain.follow_up import ChartDates
from tvec.persistence import records as r
from tvec.schemas.follow_up import FollowUpIn, PriorTherapyIn
from tvec.services.context import Context
from tvec.services.follow_up import add_prior_therapy, chart_dates, record_follow_up
from tvec.services.synthetic_patients import Staff

ECOG_TURN = (0, 1, 0, 1, 2)
DEATHS = ("melanoma", "other")
MIN_DAYS_AFTER_LAST_RECORD = 8  # a death at least four days after the last record


def seed_follow_up(ctx: Context, staff: Staff) -> None:
    actor = staff.oncologist
    today = ctx.today(actor)
    with ctx.uow(readonly=True) as uow:
        requested = {q.course_id for q in uow.prior_auth_requests.in_centre(actor.centre_id)}
        spared: set[int] = set()
        found = []
        for p in sorted(uow.patients.in_centre(actor.centre_id), key=lambda p: p.id):
            if uow.diagnoses.for_patient(p.id) is None:
                continue
            courses = uow.courses.for_patient(p.id)
            held = uow.course_holds.for_courses([c.id for c in courses])
            if held or any(c.id in requested for c in courses):
                spared.add(p.id)
            course = max(courses, key=lambda c: c.start_date, default=None)
            found.append((p, course, chart_dates(uow, p.id, p.birth_date)))
    deaths = _who_dies(found, spared, today)
    for k, (patient, course, dates) in enumerate(found):
        base = today if course is None else course.start_date
        for therapy in _prior(k, base):
            add_prior_therapy(ctx, actor, patient.id, therapy)
        died_on, cause = deaths.get(patient.id, (None, None))
        alive = dates.latest[1] if died_on else today - timedelta(days=7 * (k % 4))
        body = FollowUpIn(
            died_on=died_on,
            death_cause=cause,
            last_known_alive_on=max(alive, dates.latest[1]),
            ecog=ECOG_TURN[k % len(ECOG_TURN)],
            ecog_assessed_on=min(base, today),
        )
        record_follow_up(ctx, actor, patient.id, body)


def _who_dies(
    found: list[tuple[r.Patient, r.Course | None, ChartDates]], spared: set[int], today: date
) -> dict[int, tuple[date, str]]:
    treated = [
        (course.end_date is None, dates.latest[1], patient.id)
        for patient, course, dates in found
        if course is not None and dates.first_dose is not None and patient.id not in spared
        if (today - dates.latest[1]).days >= MIN_DAYS_AFTER_LAST_RECORD
    ]
    chosen = sorted(treated)[: len(DEATHS)]
    return {
        pid: (latest + timedelta(days=(today - latest).days // 2), cause)
        for (_open, latest, pid), cause in zip(chosen, DEATHS, strict=False)
    }


def _prior(k: int, base: date) -> list[PriorTherapyIn]:
    found = []
    if k % 3 == 1:
        found.append(
            PriorTherapyIn(
                category="anti-pd-1",
                agent="pembrolizumab",
                line=1,
                started_on=base - timedelta(days=400),
                ended_on=base - timedelta(days=130),
            )
        )
    if k % 6 == 4:
        found.append(
            PriorTherapyIn(
                category="braf-mek",
                agent="dabrafenib with trametinib",
                line=2,
                started_on=base - timedelta(days=120),
                ended_on=base - timedelta(days=30),
            )
        )
    return found
