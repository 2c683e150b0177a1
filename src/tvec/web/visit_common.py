"""What the visit steps share: finding a visit of a patient, and where a refusal is shown."""

from __future__ import annotations

import re
from typing import Any

from tvec.domain.errors import DomainError, NotFound
from tvec.http.session import Ctx
from tvec.services import courses, lesions, patients, visits
from tvec.services.context import Actor

ITEM = re.compile(r"items\[(\d+)\]")
LOCATOR = re.compile(r"^items\[\d+\](?: \([^)]*\))?: ")  # "items[0] (lesion L1): "


def in_row(exc: DomainError) -> str:
    """A refusal shown in its lesion's row, without the "items[0] (lesion L1): " that says where."""
    return LOCATOR.sub("", str(exc))


def visit_of(ctx: Ctx, user: Actor, patient_id: int, visit_id: int) -> tuple[Any, Any]:
    """The visit and its patient, or NotFound when the visit is not one of this patient's."""
    visit = visits.get_visit(ctx, user, visit_id)
    patient = patients.get_patient(ctx, user, patient_id)
    if all(course.id != visit.course_id for course in courses.list_courses(ctx, user, patient_id)):
        raise NotFound("visit", visit_id)
    return visit, patient


def lesion_locations(ctx: Ctx, user: Actor, patient_id: int) -> dict[str, str]:
    """Each lesion's body location by its id ("L1" → "right thigh"), for the visit steps that
    name lesions (a cluster's id has none)."""
    return {les.name: les.location for les in lesions.list_lesions(ctx, user, patient_id)}
