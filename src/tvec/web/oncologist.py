"""The oncologist's screens, part 1: register a patient, record the diagnosis and stage, screen
for contraindications (the course screens are in `tvec.web.oncologist_course`).

Each form is validated by the API's own schema (`tvec.web.forms.validate`) and saved by the API's
own service, so the two cannot differ. A refusal shows the form again, with what was typed and
the message next to its field, and writes nothing (one service call, one transaction). Who may
use a screen is the permission table's (`tvec.services.permissions`): the GET of a form checks it
too, so that a role that may not save it gets 403, not a form. After a save the chart says what
was done; the text comes from `NOTICES` (a key in the URL, never a message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError, InvalidInput, NotFound
from tvec.domain.rules import DistantSite
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge.claim_codes import load_claim_codes
from tvec.schemas import clinic as s
from tvec.services import decisions, patients
from tvec.services.chart import Chart
from tvec.services.context import Actor
from tvec.services.next_step import NextStep, StepKind, next_step
from tvec.services.permissions import Action
from tvec.services.screening import screening_items
from tvec.web.deps import PageUser, check_csrf
from tvec.web.forms import FormErrors, validate
from tvec.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

# What the chart says after each of the oncologist's saves (`/chart/{id}?done=<key>`).
NOTICES = {
    "registered": "Patient registered.",
    "diagnosis": "Diagnosis and stage recorded.",
    "screening": "Contraindication screening recorded.",
    "course": "Course started.",
    "ended": "Course ended.",
    "early-dose": "Early dose pre-authorised for the next visit.",
    "continued": "Review recorded: the course continues.",
}
templates.env.globals["ONCOLOGIST_NOTICES"] = NOTICES

# Where each next step is taken (`tvec.services.next_step`), by its kind.
STEP_PAGES = {
    StepKind.DIAGNOSIS: "/chart/{p}/diagnosis",
    StepKind.SCREENING: "/chart/{p}/screening",
    StepKind.CONTRAINDICATED: "/chart/{p}/screening",
    StepKind.COURSE: "/chart/{p}/course/new",
    StepKind.REVIEW: "/chart/{p}/course/{c}/review",
    StepKind.HELD: "/chart/{p}#holds-h",  # the chart's holds section: "Release hold"
    StepKind.VISIT: "/chart/{p}/visit",
}


@dataclass(frozen=True)
class ChartPanel:
    """The chart's "Next step" and the oncologist's decisions on the open course."""

    step: NextStep
    href: str
    decisions: decisions.CourseDecisions | None


def chart_panel(request: Request, user: Actor, c: Chart) -> ChartPanel:
    """What the chart's oncologist section shows (called by chart.html's include, so that the
    chart page's route needs no change): the next step, and the open course's decisions."""
    ctx = request.app.state.ctx
    step = next_step(ctx, user, c)
    course = c.course if c.course is not None and c.course.end_date is None else None
    page = STEP_PAGES.get(step.kind, "")
    href = page.format(p=c.patient.id, c=course.id if course else "")
    try:
        found = decisions.decisions(ctx, user, course.id) if course is not None else None
    except DomainError:  # a course whose dates lie beyond the calendar: the chart says so
        found = None
    return ChartPanel(step, href, found)


templates.env.globals["oncologist_panel"] = chart_panel

# Plain words for the schemas' own messages (the form's labels say which field).
PLAIN = (
    ("at least 1 character", "Required: please fill this in."),
    ("at least 3 characters", "Please write at least a few words."),
    ("valid date", "Enter a date (day, month, year)."),
    ("YYYY-MM-DD", "Enter a date (day, month, year)."),
    ("Input should be", "Choose one of the options."),
    ("Field required", "Required."),
)


def plain(message: str) -> str:
    """A schema's message in the clinic's words, else the message with a capital letter."""
    found = next((words for marker, words in PLAIN if marker in message), None)
    return found or message[:1].upper() + message[1:]


def refusal(
    exc: FormErrors | DomainError, names: list[str], field_map: dict[str, str]
) -> FormErrors:
    """The refusal of a form as messages next to its fields (or above the form)."""
    if isinstance(exc, FormErrors):
        errors = FormErrors({k: plain(v) for k, v in exc.fields.items()}, exc.general)
        errors.status = exc.status
        return errors.placed(names)
    field = str(exc.fields.get("field") or "")
    key = field_map.get(field, field if field in names else "")
    text = exc.rule if isinstance(exc, InvalidInput) else str(exc)
    errors = FormErrors({key: plain(text)} if key else {}, None if key else plain(str(exc)))
    errors.status = 409 if exc.code == "conflict" else 422
    return errors.placed(names)


def done(patient_id: int, key: str) -> RedirectResponse:
    return RedirectResponse(f"/chart/{patient_id}?done={key}", status_code=303)


# ---- register a patient -------------------------------------------------------------------

# The patient form's fields that the schema has, with their labels (names come with migration
# 0008's schema; the form shows what `PatientIn` takes).
PATIENT_LABELS = {
    "mrn": "MRN (medical record number)",
    "given_name": "Given name",
    "family_name": "Family name",
    "preferred_name": "Preferred name (optional)",
    "birth_date": "Date of birth",
    "sex": "Sex",
    "allergies": "Allergies (optional)",
}


def patient_fields() -> list[tuple[str, str, bool]]:
    """(name, label, required) of each field of the registration form, in the schema's order."""
    schema = s.PatientIn.model_fields
    return [
        (n, label, schema[n].is_required()) for n, label in PATIENT_LABELS.items() if n in schema
    ]


def _patient_form(
    request: Request, user: Any, values: dict[str, str], errors: Any, status: int = 200
) -> HTMLResponse:
    fields = patient_fields()
    return render(
        request,
        "patient_new.html",
        user,
        status,
        nav="patients",
        fields=fields,
        sexes=list(s.Sex),
        values=values,
        errors=errors,
    )


@router.get("/patient-list/new", response_class=HTMLResponse)
def register_form(request: Request, user: PageUser) -> HTMLResponse:
    user.require(Action.REGISTER_PATIENT)
    return _patient_form(request, user, {}, None)


@router.post("/patient-list/new", response_model=None)
async def register_save(request: Request, ctx: Ctx, user: PageUser) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.REGISTER_PATIENT)
    fields = patient_fields()
    try:
        check_csrf(request, form)
        data = {
            n: (form.get(n, "") or None) if not req else form.get(n, "") for n, _, req in fields
        }
        patient = patients.register_patient(ctx, user, validate(s.PatientIn, data))
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, [n for n, _, _ in fields], {})
        return _patient_form(request, user, form, errors, errors.status)
    return done(patient.id, "registered")


# ---- diagnosis and stage ------------------------------------------------------------------

DX_FIELDS = [
    "stage",
    "recurrent_after_surgery",
    "unresectable",
    "diagnosed_on",
    "distant",
    "distant_sites",
    "icd10_primary",
    "reason",
]
# a code refused by its place in the list is shown beside the codes' fields
ICD10_FIELDS = {f"icd10_codes[{i}]": "icd10_primary" for i in range(12)} | {
    "icd10_codes": "icd10_primary"
}
DX_MAP = {"version": "reason", "diagnosis": "stage", **ICD10_FIELDS}


def _dx_values(dx: Any) -> dict[str, Any]:
    if dx is None:
        return {"distant": "unknown"}
    distant = "unknown" if dx.distant_sites is None else ("some" if dx.distant_sites else "none")
    return {
        "stage": dx.stage,
        "recurrent_after_surgery": "true" if dx.recurrent_after_surgery else "false",
        "unresectable": "true" if dx.unresectable else "false",
        "diagnosed_on": dx.diagnosed_on.isoformat(),
        "distant": distant,
        "distant_sites": list(dx.distant_sites or []),
        "icd10_primary": (dx.icd10_codes or [""])[0],
        "icd10_secondary": list((dx.icd10_codes or [])[1:]),
        "version": str(dx.version),
    }


def _dx_form(
    request: Request,
    ctx: Ctx,
    user: Any,
    patient_id: int,
    values: dict[str, Any],
    errors: Any,
    status: int = 200,
) -> HTMLResponse:
    patient = patients.get_patient(ctx, user, patient_id)
    current = _diagnosis_or_none(ctx, user, patient_id)
    return render(
        request,
        "diagnosis.html",
        user,
        status,
        nav="patients",
        patient=patient,
        current=current,
        stages=list(s.Stage),
        sites=list(DistantSite),
        icd10=load_claim_codes("us").diagnoses,
        values=values,
        errors=errors,
    )


def _diagnosis_or_none(ctx: Ctx, user: Any, patient_id: int) -> Any:
    """The diagnosis on file, or None (a patient of another centre is still not found)."""
    try:
        return patients.get_diagnosis(ctx, user, patient_id)
    except NotFound:
        patients.get_patient(ctx, user, patient_id)
        return None


@router.get("/chart/{patient_id}/diagnosis", response_class=HTMLResponse)
def diagnosis_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    user.require(Action.RECORD_DIAGNOSIS)
    values = _dx_values(_diagnosis_or_none(ctx, user, patient_id))
    return _dx_form(request, ctx, user, patient_id, values, None)


def dx_data(form: dict[str, Any], sites: list[str]) -> dict[str, Any]:
    """The diagnosis form as `DiagnosisIn` takes it: distant disease not recorded, none, or the
    sites ticked."""
    distant = form.get("distant", "unknown")
    data = {k: form.get(k, "") for k in ("stage", "diagnosed_on")}
    for k in ("recurrent_after_surgery", "unresectable"):
        data[k] = form.get(k) or None
    data["distant_sites"] = None if distant == "unknown" else ([] if distant == "none" else sites)
    primary = str(form.get("icd10_primary") or "")
    if primary:  # none chosen: the codes are not recorded
        data["icd10_codes"] = [primary, *form.get("icd10_secondary", [])]
    if form.get("version"):
        data["version"] = form["version"]
        data["reason"] = form.get("reason", "")
    return data


@router.post("/chart/{patient_id}/diagnosis", response_model=None)
async def diagnosis_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Response:
    posted = await request.form()
    form: dict[str, Any] = {k: str(v) for k, v in posted.items()}
    form["distant_sites"] = [str(v) for v in posted.getlist("distant_sites")]
    form["icd10_secondary"] = [str(v) for v in posted.getlist("icd10_secondary")]
    user.require(Action.RECORD_DIAGNOSIS)
    try:
        check_csrf(request, form)
        if form.get("distant") == "some" and not form["distant_sites"]:
            raise FormErrors({"distant_sites": "Tick at least one site, or choose none."})
        dx = validate(s.DiagnosisIn, dx_data(form, form["distant_sites"]))
        patients.record_diagnosis(ctx, user, patient_id, dx)
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, DX_FIELDS, DX_MAP)
        return _dx_form(request, ctx, user, patient_id, form, errors, errors.status)
    return done(patient_id, "diagnosis")


# ---- contraindication screening -----------------------------------------------------------


def _screen_form(
    request: Request,
    ctx: Ctx,
    user: Any,
    patient_id: int,
    values: dict[str, Any],
    errors: Any,
    status: int = 200,
) -> HTMLResponse:
    patient = patients.get_patient(ctx, user, patient_id)
    earlier = patients.list_screenings(ctx, user, patient_id)
    return render(
        request,
        "screening.html",
        user,
        status,
        nav="patients",
        patient=patient,
        items=screening_items(),
        latest=earlier[-1] if earlier else None,
        values=values,
        errors=errors,
        today=ctx.today(user).isoformat(),
    )


@router.get("/chart/{patient_id}/screening", response_class=HTMLResponse)
def screening_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    user.require(Action.RECORD_DIAGNOSIS)
    values = {"screened_on": ctx.today(user).isoformat()}
    return _screen_form(request, ctx, user, patient_id, values, None)


@router.post("/chart/{patient_id}/screening", response_model=None)
async def screening_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.RECORD_DIAGNOSIS)
    codes = [item.code for item in screening_items()]
    names = ["screened_on", "answered_by", "correction_reason", *(f"answers.{c}" for c in codes)]
    try:
        check_csrf(request, form)
        missing = {f"answers.{c}": "Answer yes or no." for c in codes if f"answers.{c}" not in form}
        if missing:
            raise FormErrors(missing)
        data = {
            "screened_on": form.get("screened_on", ""),
            "answered_by": form.get("answered_by", ""),
            "correction_reason": form.get("correction_reason", "").strip() or None,
            "answers": {c: form[f"answers.{c}"] for c in codes},
        }
        patients.record_screening(ctx, user, patient_id, validate(s.ScreeningIn, data))
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, names, {})
        return _screen_form(request, ctx, user, patient_id, form, errors, errors.status)
    return done(patient_id, "screening")
