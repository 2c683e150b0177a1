"""Who may do what: the one permission table, enforced by every service through `require`."""

from __future__ import annotations

from enum import StrEnum

from tvec.domain.errors import PermissionDenied
from tvec.domain.roles import Role as Role  # re-exported: callers name roles with their actions


class Action(StrEnum):
    READ_CLINICAL = "read clinical records"
    REGISTER_PATIENT = "register patients"
    CORRECT_PATIENT = "correct patient details"
    RECORD_DIAGNOSIS = "record diagnoses and screening"
    RECORD_LESIONS = "add lesions and record measurements"
    START_COURSE = "start or end a treatment course"
    PLAN_VISIT = "plan a visit's dose"
    RECORD_ADMINISTRATION = "record administrations"
    OVERRIDE = "override a schedule rule"
    HOLD_COURSE = "put a course on hold or release it"
    RECORD_ADVERSE_EVENT = "record adverse events"
    SUBMIT_SAFETY_REPORT = "mark safety reports submitted"
    READ_VIALS = "see vial lots"
    MANAGE_VIALS = "manage vial lots"
    HANDLE_VIALS = "thaw, move, draw and discard vials"
    READ_BILLING = "read billing lines"
    EXPORT_CLAIMS = "export claim batches"
    CHECK_COVERAGE = "check a course against payer policies and answer their questions"
    READ_DEIDENTIFIED = "read de-identified outcomes"
    MANAGE_USERS = "manage users"
    READ_AUDIT = "read the audit log"
    REQUEST_PRIOR_AUTH = "request prior authorizations"  # and resubmit or appeal them
    READ_PRIOR_AUTH = "see prior authorizations and the units left"
    REVIEW_PRIOR_AUTH = "review prior-authorization requests addressed to their payer"
    ISSUE_ALERT_CARD = "issue the patient alert card and record education"
    RECORD_EXPOSURE = "record accidental exposures and their follow-up"
    EXPORT_FHIR = "export patient records as FHIR (mCODE)"
    IMPORT_FHIR = "import patient records from FHIR (mCODE)"
    RECORD_TRAINING = "record staff training"
    ATTEST = "attest whether they may prepare and give the product"
    RECORD_FOLLOW_UP = "record follow-up: death, last known alive, ECOG, prior therapies"


ONC, NUR, PHA, BIL, RES, ADM = (
    Role.ONCOLOGIST,
    Role.NURSE,
    Role.PHARMACIST,
    Role.BILLING,
    Role.RESEARCHER,
    Role.ADMIN,
)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.READ_CLINICAL: frozenset({ONC, NUR, PHA}),
    Action.REGISTER_PATIENT: frozenset({ONC, NUR}),
    Action.CORRECT_PATIENT: frozenset({ONC, NUR}),
    Action.RECORD_DIAGNOSIS: frozenset({ONC, NUR}),
    Action.RECORD_LESIONS: frozenset({ONC, NUR}),
    Action.START_COURSE: frozenset({ONC}),
    Action.PLAN_VISIT: frozenset({ONC, NUR}),
    Action.RECORD_ADMINISTRATION: frozenset({ONC, NUR}),
    Action.OVERRIDE: frozenset({ONC}),
    Action.HOLD_COURSE: frozenset({ONC}),
    Action.RECORD_ADVERSE_EVENT: frozenset({ONC, NUR}),
    Action.SUBMIT_SAFETY_REPORT: frozenset({ONC, NUR}),
    Action.READ_VIALS: frozenset({ONC, NUR, PHA}),
    Action.MANAGE_VIALS: frozenset({PHA}),
    Action.HANDLE_VIALS: frozenset({NUR, PHA}),
    Action.READ_BILLING: frozenset({BIL}),
    Action.EXPORT_CLAIMS: frozenset({BIL}),
    Action.CHECK_COVERAGE: frozenset({BIL, ONC}),
    Action.READ_DEIDENTIFIED: frozenset({RES}),
    Action.MANAGE_USERS: frozenset({ADM}),
    Action.READ_AUDIT: frozenset({ADM}),
    Action.REQUEST_PRIOR_AUTH: frozenset({BIL, ONC}),
    Action.READ_PRIOR_AUTH: frozenset({BIL, ONC, NUR}),
    Action.REVIEW_PRIOR_AUTH: frozenset({Role.PAYER_REVIEWER}),
    Action.ISSUE_ALERT_CARD: frozenset({ONC, NUR}),
    Action.RECORD_EXPOSURE: frozenset({ONC, NUR}),
    Action.EXPORT_FHIR: frozenset({ONC, NUR}),
    Action.IMPORT_FHIR: frozenset({ONC, NUR}),
    Action.RECORD_TRAINING: frozenset({ADM}),
    Action.ATTEST: frozenset({ONC, NUR, PHA}),
    Action.RECORD_FOLLOW_UP: frozenset({ONC, NUR}),
}


def allowed(role: Role, action: Action) -> bool:
    return role in PERMISSIONS[action]


def require(role: Role, action: Action) -> None:
    if not allowed(role, action):
        raise PermissionDenied(f"role {role.value} may not {action.value}", role=role.value)
