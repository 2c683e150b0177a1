"""The statuses a clinical record can be in, as stored (the values are the database's strings).

A record is never removed: a wrong lesion, measurement or adverse event is marked entered in
error and stays on file, and only active records count in any rule. A visit is planned until what
was given is recorded against it. (The course calendar's own view of a visit, given / next /
planned, is `tvec.domain.schedule.VisitStatus`.)
"""

from __future__ import annotations

from enum import StrEnum


class RecordStatus(StrEnum):
    """A lesion, measurement or adverse-event record: counted, or kept only as history."""

    ACTIVE = "active"
    ENTERED_IN_ERROR = "entered-in-error"


class VisitRecordStatus(StrEnum):
    """A stored visit: its dose plan awaits the nurse, or what was given is on file."""

    PLANNED = "planned"
    ADMINISTERED = "administered"
