"""Correcting a patient's details: names, MRN, date of birth, sex and allergies.

A correction is a new version of the patient's record with a reason (the audit log keeps every
version), made by the same service as the API's `PATCH /patients/{id}`. The form starts from the
record as it is; only what was changed is sent, so a stale form (someone corrected the record
meanwhile) is refused by its version and nothing is lost. Emptying the preferred name or the
allergies removes them. This is how names are recorded for patients registered before tvec kept
names ("name not recorded") and how allergies learned at a visit reach the banner.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.persistence import records as r
from tvec.schemas import clinic as s
from tvec.services import patients
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, from_domain, validate
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

# The form's fields with their labels, in the order shown; a blank optional one is removed.
LABELS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "preferred_name": "Preferred name (optional)",
    "mrn": "MRN (medical record number)",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "allergies": "Allergies (optional; shown as a red alert)",
}
OPTIONAL = frozenset({"preferred_name", "allergies"})
FIELDS = (*LABELS, "reason")


def _values(patient: r.Patient) -> dict[str, str]:
    found = {name: getattr(patient, name) for name in LABELS}
    shown = {k: "" if v is None else str(v) for k, v in found.items()}
    return shown | {"version": str(patient.version)}


def _page(
    request: Request,
    user: Actor,
    patient: r.Patient,
    values: dict[str, str],
    errors: FormErrors | None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "patient_details.html",
        user,
        status,
        nav="patients",
        patient=patient,
        labels=LABELS,
        optional=OPTIONAL,
        sexes=list(s.Sex),
        values=values,
        errors=errors,
    )


@router.get("/chart/{patient_id}/details", response_class=HTMLResponse)
def details_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    user.require(Action.CORRECT_PATIENT)  # no form for a role that may not save it
    patient = patients.get_patient(ctx, user, patient_id)
    return _page(request, user, patient, _values(patient), None)


@router.post("/chart/{patient_id}/details", response_model=None)
async def details_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Response:
    form = await form_data(request)
    user.require(Action.CORRECT_PATIENT)
    patient = patients.get_patient(ctx, user, patient_id)
    try:
        check_csrf(request, form)
        fix = validate(s.PatientCorrection, _changes(patient, form))
        patients.correct_patient(ctx, user, patient_id, fix)
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, {f: f for f in FIELDS})
        return _page(request, user, patient, form, errors.placed(FIELDS), errors.status)
    return RedirectResponse(f"/chart/{patient_id}", status_code=303)


def _changes(patient: r.Patient, form: dict[str, str]) -> dict[str, Any]:
    """The correction the form asks for: the version it was read at, the reason, and each field
    whose value differs from the record's."""
    current = _values(patient)
    changed: dict[str, Any] = {"version": form.get("version", ""), "reason": form.get("reason")}
    for name in LABELS:
        typed = form.get(name, "").strip()
        if typed != current[name].strip():
            changed[name] = typed  # blank: an optional one removed, a required one refused
    return changed
