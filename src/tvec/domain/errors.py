"""Typed errors for commands the rules cannot carry out.

Each error carries structured fields (which lesion, which field, the limit, what was asked) and a
one-line message that names them. Entry points map these to an HTTP status, a form message or a CLI
exit code; the domain never decides how they are shown.
"""

from __future__ import annotations

from typing import Any

from tvec.domain.labels import label_of


class DomainError(Exception):
    """Base class: a request the clinical rules refuse. `code` is a stable machine-readable key."""

    code = "domain-error"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """A value breaks a rule of the input itself (a diameter, an id, a kind, a date).

    The message names the field by its label ("Vial lot"), `label` when the call site knows a
    better one; `field` keeps the field's name for programs.
    """

    code = "invalid-input"

    def __init__(
        self, where: str, field: str, rule: str, value: Any = None, *, label: str | None = None
    ) -> None:
        shown = "" if value is None else f" (got {value})"
        named = label or label_of(field)  # the clinic's label (tvec.domain.labels), not the field
        super().__init__(f"{where}: {named} {rule}{shown}", where=where, field=field, value=value)
        self.where = where
        self.field = field
        self.rule = rule
        self.value = value


class RouteNotPermitted(DomainError):
    """A route of administration the label excludes, for example transcutaneous intrahepatic."""

    code = "route-not-permitted"

    def __init__(self, lesion_id: str, route: str, reason: str, source: str) -> None:
        super().__init__(
            f"lesion {lesion_id}: route {route} is refused: {reason} [{source}]",
            lesion_id=lesion_id,
            route=route,
            source=source,
        )


class DoseTooEarly(DomainError):
    """A dose before its minimum interval, without an override reason."""

    code = "dose-too-early"

    def __init__(self, visit_number: int, requested: str, earliest: str, source: str) -> None:
        super().__init__(
            f"visit {visit_number}: dose on {requested} is earlier than its interval allows "
            f"(earliest {earliest}) [{source}]; give an override reason to proceed",
            visit_number=visit_number,
            requested=requested,
            earliest=earliest,
        )


class CourseRuleBroken(DomainError):
    """A course-level rule refused the request (ending too soon, dosing an ended course)."""

    code = "course-rule"


class CourseHeld(DomainError):
    """The course is on hold: no dose may be planned or given while the hold is in force.

    `reason` is the hold's reason; `until` the last day held (ISO date), or None until released.
    """

    code = "course-held"

    def __init__(self, doing: str, reason: str, until: str | None) -> None:
        ends = f"until {until} (or until released)" if until else "until an oncologist releases it"
        super().__init__(
            f"The course is on hold {ends}: {reason}. No dose can be {doing} while it is held.",
            field="course",
            reason=reason,
            until=until,
        )
        self.reason = reason
        self.until = until


class BeyondCalendar(DomainError):
    """A date the rules work out lies past the calendar's last day (9999-12-31): the record it
    comes from has an implausible date (such as a course starting in the year 9999)."""

    code = "beyond-calendar"


class NotFound(DomainError):
    """The record does not exist (or is not visible to the user's centre)."""

    code = "not-found"

    def __init__(self, entity: str, entity_id: object) -> None:
        super().__init__(f"{entity} {entity_id} not found", entity=entity, entity_id=entity_id)


class Conflict(DomainError):
    """The request collides with the record's current state (stale version, duplicate, replay)."""

    code = "conflict"


class PermissionDenied(DomainError):
    """The user's role may not do this."""

    code = "permission-denied"


class PasswordChangeRequired(PermissionDenied):
    """The account's password was reset by an admin: until its owner changes it, the login may
    only change the password or log out."""

    code = "password-change-required"


class NotAuthenticated(DomainError):
    """No valid login (missing, wrong, expired or revoked credentials)."""

    code = "not-authenticated"


class TooManyAttempts(DomainError):
    """Too many failed logins for an account or from an address: refused until `retry_after`
    seconds have passed, whatever the password (the answer never says which limit, nor whether
    the account exists)."""

    code = "too-many-attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed logins; try again in {retry_after} seconds",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class ReadingsOutOfOrder(DomainError):
    """A temperature reading earlier than the one before it: readings must be in time order.

    `row` is the reading's row (as counted by the caller: a file's row, or 1 for the first reading).
    """

    code = "readings-out-of-order"

    def __init__(self, row: int, at: str, previous: str) -> None:
        super().__init__(
            f"row {row}: reading at {at} is earlier than the reading before it ({previous}); "
            "readings must be in time order",
            row=row,
            at=at,
            previous=previous,
        )
        self.row = row


class DuplicateReading(DomainError):
    """Two temperature readings with the same time: which one holds cannot be known."""

    code = "duplicate-reading"

    def __init__(self, row: int, at: str) -> None:
        super().__init__(
            f"row {row}: a reading at {at} is already on the row before; each time may appear once",
            row=row,
            at=at,
        )
        self.row = row
