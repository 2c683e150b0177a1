"""Re-initiation: when a new course may restart treatment after an earlier complete response.

What counts (the label's re-initiation condition, read from its knowledge file): the patient's
latest earlier course, assessed by the label's named response criteria over the measurements
recorded from that course's start to its end (the same engine and inputs as the response page),
has the required best overall response (a complete response), and at least one active lesion was
first seen after the first complete-response assessment. The date of that assessment is kept on
the new course: lesions first seen after it count as new at its first visit.
"""

from __future__ import annotations

from datetime import date

from tvec.domain.errors import DomainError
from tvec.domain.reinitiation import complete_response_date, refused
from tvec.domain.response import assess_response
from tvec.domain.rules import LabelRules
from tvec.domain.status import RecordStatus
from tvec.knowledge import load_criteria
from tvec.persistence.uow import UnitOfWork
from tvec.services.outcomes import domain_measurement, first_injections


def complete_response_on(uow: UnitOfWork, label: LabelRules, patient_id: int, start: date) -> date:
    """The date of the earlier course's complete response that allows a re-initiation on `start`.

    Refuses (422, field `reinitiation`) with the reason when the condition is not met.
    """
    rule = label.reinitiation
    earlier = [
        (c, c.end_date)
        for c in uow.courses.for_patient(patient_id)
        if c.end_date is not None and c.end_date <= start
    ]
    if not earlier:
        raise refused(rule, "an earlier, ended course with a complete response; there is none")
    course, ended = earlier[-1]
    criteria = load_criteria(rule.criteria)
    name = criteria.title.split(":")[0]
    lesions = {les.id: les for les in uow.lesions.for_patient(patient_id)}
    active = {i: les for i, les in lesions.items() if les.status is RecordStatus.ACTIVE}
    visits = uow.visits.for_course(course.id)
    injected_on = first_injections(uow.administrations.for_visits([v.id for v in visits]))
    measurements = [
        domain_measurement(m, active[m.lesion_id], active[m.lesion_id].name, injected_on)
        for m in uow.measurements.for_lesions(list(active))
        if m.status is RecordStatus.ACTIVE and course.start_date <= m.measured_on <= ended
    ]
    period = f"the course from {course.start_date} to {ended}"
    try:
        assessed = assess_response(criteria, course.start_date, measurements)
    except DomainError as exc:
        raise refused(
            rule, f"a complete response on record; {period} cannot be assessed ({exc})"
        ) from None
    first_seen = [les.first_seen for les in active.values()]
    return complete_response_date(rule, assessed, first_seen, f"{period} ({name})")
