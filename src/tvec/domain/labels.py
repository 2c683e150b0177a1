"""The clinic's name for every field a person can be told about: one table, used by every message.

Requests, records and rules name a value by its field (`vial_lot`, `longest_cm`); a person reads
the label the form shows ("Vial lot", "Longest diameter (cm)"). The domain's refusals
(`InvalidInput`), the web forms and the API's `detail` all take their words from here, so a field
is called the same everywhere. Programs keep the field name: the API's `field` key and the
errors' structured fields are unchanged.

A field missing from the table is still shown in words (`label_of` drops the underscores and
writes a unit suffix as its unit), so no message ever shows a bare identifier.
"""

from __future__ import annotations

import re

FIELD_LABELS: dict[str, str] = {
    # patient and identity
    "mrn": "MRN",
    "given_name": "Given name",
    "family_name": "Family name",
    "preferred_name": "Preferred name",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "allergies": "Allergies",
    "q": "Search",
    # diagnosis and screening
    "stage": "Stage",
    "recurrent_after_surgery": "Recurrent after surgery",
    "unresectable": "Unresectable",
    "diagnosed_on": "Date of diagnosis",
    "distant_sites": "Distant sites",
    "icd10_codes": "Diagnosis codes (ICD-10-CM)",
    "screened_on": "Screening date",
    "answers": "Screening answers",
    "answered_by": "Answered by",
    "correction_reason": "Reason for the correction",
    # lesions and measurements
    "name": "Lesion id",
    "id": "Lesion id",
    "lesion_id": "Lesion",
    "lesions": "Lesions",
    "new_lesions": "New lesions",
    "site": "Site",
    "location": "Body location",
    "first_seen": "First seen",
    "injectable": "Injectable",
    "cluster": "Cluster",
    "longest_cm": "Longest diameter (cm)",
    "perpendicular_cm": "Perpendicular diameter (cm)",
    "measured_on": "Measurement date",
    "method": "Measurement method",
    "date": "Date",
    "baseline": "Baseline",
    "measurements": "Measurements",
    # courses, plans and doses
    "label_variant": "Label (US or EU)",
    "start_date": "Start date",
    "end_date": "End date",
    "end_reason": "Reason for ending the course",
    "off_label_reason": "Reason for treating off-label",
    "reinitiation": "Re-initiation",
    "stale_reason": "Reason for planning from older measurements",
    "override_reason": "Reason for the early dose",
    "administered_at": "Given at",
    "items": "Lesions",
    "target": "Lesion or cluster",
    "volume_ml": "Volume (mL)",
    "route": "Route",
    "vial_lot": "Vial lot",
    "lot": "Lot number",
    "pfu_per_ml": "Strength (PFU/mL)",
    "expiry_date": "Expiry date",
    "scans": "Carton barcodes",
    "sealed_at": "Container sealed at",
    "location_id": "Freezer",
    # storage and temperature
    "location_name": "Location name",
    "kind": "Kind",  # of a storage location, or of what happened to a vial
    "readings": "Readings",
    "at": "Time",
    "temperature_c": "Temperature (°C)",
    "thawed_at": "Thawed at",
    "second_check": "Second check",
    "require_second_check": "Second check of every dose",
    "time_zone": "Time zone",
    "visit": "Visit",
    # the oncologist's decisions
    "decision": "Decision",
    "note": "Note",
    # adverse events
    "term": "Adverse event",
    "grade": "Grade",
    "serious": "Serious",
    "related": "Related to IMLYGIC",
    "other_specify": "Other, specify",
    "criteria": "Seriousness criteria",
    "results_in_death": "Results in death",
    "life_threatening": "Life-threatening",
    "hospitalisation": "Hospitalisation (initial or prolonged)",
    "disability": "Persistent or significant disability",
    "congenital_anomaly": "Congenital anomaly",
    "important_medical_event": "Other important medical event",
    "expected": "Expected (listed in the label)",
    "suspected_herpetic": "Suspected herpetic lesion",
    "aware_on": "Day the centre learnt of it",
    "vial_lot_id": "Vial lot",
    "submitted_on": "Submitted on",
    "onset": "Onset date",
    "resolved_on": "Resolved on",
    "action_taken": "Action taken",
    "course_id": "Course",
    "hold_next_dose": "Hold the next dose",
    "hold_until": "Hold until",
    # course holds
    "starts_on": "First day held",
    "ends_on": "Last day held",
    # vials after receipt (tvec.domain.vial_life)
    "vial_id": "Vial",
    "vial_serial": "Vial scanned or serial typed",
    "leftover_reason": "Reason the vial's leftover is discarded",
    "ultrasound_guided": "Ultrasound-guided",
    # records in general
    "version": "Record version",
    "reason": "Reason",
    "status": "Status",
    "patient_id": "Patient",
    "visit_id": "Visit",
    "user_id": "User",
    # people and accounts
    "username": "Username",
    "full_name": "Full name",
    "role": "Role",
    "password": "Password",
    "current_password": "Current password",
    "new_password": "New password",
    "new_password_again": "New password again",
    # lists, reports and audit
    "since": "From",
    "until": "Until",
    "entity": "Record type",
    "limit": "Page size",
    "offset": "Page start",
    # prior authorization
    "policy_id": "Payer policy",
    "authorization_number": "Authorization number",
    "window_start": "Window from",
    "window_end": "Window to",
    "units_authorized": "Units authorized",
    "requested_information": "What the payer asks for",
    "denial_reason": "Reason for the denial",
    "appeal_reason": "Grounds of the appeal",
    "response_to_request": "What was sent in answer",
    "authorization_override_reason": "Reason for giving it outside the authorization window",
    # patient alert card, education, accidental exposure (tvec.services.alert_cards, ...)
    "acknowledged_at": "Acknowledged by the patient at",
    "contact_phone": "Centre phone",
    "contact_address": "Centre address",
    "recipient": "Who was taught",
    "caregiver_name": "Caregiver's name",
    "caregiver_relation": "Caregiver's relation to the patient",
    "topics": "Topics taught",
    "given_at": "When taught",
    "exposed": "Who was exposed",
    "staff_user_id": "Staff member",
    "contact_relation": "Close contact's relation to the patient",
    "occurred_at": "When the exposure happened",
    "actions": "What was done",
    "action_note": "Note on what was done",
    "outcome": "Outcome of the follow-up",
    # the safety programme's staff records
    "course": "Training",
    "completed_on": "Completed on",
    "expires_on": "Expires on",
    "cleared": "May prepare and give IMLYGIC",
    # follow-up: death, last known alive, baseline ECOG, prior systemic therapies
    "died_on": "Date of death",
    "death_cause": "Cause of death",
    "last_known_alive_on": "Last known alive",
    "ecog": "ECOG performance status",
    "ecog_assessed_on": "ECOG assessed on",
    "category": "Therapy",
    "agent": "Agent",
    "line": "Line of therapy",
    "started_on": "Started on",
    "ended_on": "Ended on",
}

# What one entry of a list is called, for a position in it: "items.1" → "row 2".
ITEM_NAMES: dict[str, str] = {
    "items": "row",
    "lesions": "row",
    "new_lesions": "new lesion",
    "measurements": "row",
    "distant_sites": "distant site",
}

UNITS: dict[str, str] = {"cm": "cm", "ml": "mL", "pfu_per_ml": "PFU/mL"}

_SUFFIX = re.compile(r"(.+)_(cm|ml)")


def label_of(field: str) -> str:
    """The clinic's label for `field`: from the table, else its name in words ("x_cm": "X (cm)")."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    if field.startswith("("):  # not a field but the whole: "(json)", "(fields)"
        return field
    if field.startswith("answers."):
        return f"Screening answer {field.removeprefix('answers.')}"
    found = _SUFFIX.fullmatch(field)
    words = f"{found.group(1)} ({UNITS[found.group(2)]})" if found else field
    words = words.replace("_", " ").replace(".", " ").strip()
    return words[:1].upper() + words[1:] if words else "This field"


def unit_of(field: str) -> str:
    """The unit a field is measured in ("" when none): `volume_ml` → "mL"."""
    if field in UNITS:
        return UNITS[field]
    found = _SUFFIX.fullmatch(field)
    return UNITS[found.group(2)] if found else ""
