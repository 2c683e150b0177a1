"""FHIR R4 / mCODE resources, as tvec's export shapes them, back into plain records to import.

Pure: no database. `read_bundle` takes a Bundle (transaction, batch, collection or searchset)
or a list of resources; `parse_resources` checks each resource's structure with the
fhir.resources R4B models, runs tvec's mCODE checks (`validate_resources`) and turns every
resource tvec imports into a frozen record, collecting *every* problem with the resource and the
path (`Observation/tumor-size-40` `component[0].valueQuantity.unit`) rather than stopping at the
first. A service matches the records with what the centre has on file and writes them.

What is read from where (the export's shapes, docs/adr/0005-fhir-mcode-export.md):
- Patient: `identifier` (system and value: matched on a later import; the one typed "MRN", else
  the first, becomes the MRN), `name[0]`, `gender`, `birthDate`.
- Condition (primary cancer): `subject`, `onsetDateTime`; the stage from the stage Observation
  whose `focus` is the Condition (`valueCodeableConcept.text` "stage IIIB", or its SNOMED code).
- BodyStructure (Tumor): `identifier` (matched on a later import), `description` (the lesion's
  name), `location.text` ("site: location").
- Observation, tumor size: `focus` (the Tumor), `effectiveDateTime`, `method.text`, the longest
  and the perpendicular dimension from `component`, in cm or mm (mm is converted to cm).
- EpisodeOfCare (course): `patient`, `period`.
- Medication (vial lot): `batch.lotNumber`, `batch.expirationDate`, and the strength
  (`ingredient[0].strength.numerator`, PFU per 1 mL).
- MedicationAdministration: `subject`, `context` (the course), `medicationReference` (the lot:
  a dose without one is refused), `supportingInformation` (the Tumor, if any), `dosage.site.text`
  (the target otherwise), `dosage.dose` (mL), `effectiveDateTime` (with its UTC offset), and the
  performer's name (the Practitioner's `name[0].text`), kept as text only.
- AdverseEvent: `subject`, `event.text` (the CTCAE term), the CTCAE grade extension, `date`
  (onset), `seriousness`.
- Observation, cancer disease status: read to be *verified*, never stored (tvec derives the
  status from the measurements).
- Practitioner: read for the performer's name only.

A reference must name a resource of the same import, except `Patient/<id>`, which may name a
patient already on file (the service checks it is one of the importing user's centre).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from tvec.interop.fhir.mcode.build import CTCAE_GRADE, TREND
from tvec.interop.fhir.mcode.validate import Problem, validate_resources
from tvec.knowledge.fhir_codes import FhirCodes
from tvec.schemas.clinic import Method

Resource = dict[str, Any]

IMPORTED = (
    "Patient",
    "Condition",
    "Observation",
    "BodyStructure",
    "EpisodeOfCare",
    "Medication",
    "MedicationAdministration",
    "AdverseEvent",
    "Practitioner",
)
SITES = ("cutaneous", "subcutaneous", "nodal", "visceral")
SEXES = ("female", "male", "other", "unknown")
MM_PER_CM = Decimal(10)


@dataclass(frozen=True)
class Identity:
    system: str
    value: str


@dataclass(frozen=True)
class PatientIn:
    key: str  # Patient/id as in the import
    identifiers: tuple[Identity, ...]
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class DiagnosisIn:
    key: str
    patient: str  # the key of its Patient (in the import, or Patient/<id> on file)
    stage: str
    diagnosed_on: date
    stage_key: str  # the stage Observation's key


@dataclass(frozen=True)
class LesionIn:
    key: str
    patient: str
    identity: Identity
    name: str
    site: str
    location: str


@dataclass(frozen=True)
class MeasurementIn:
    key: str
    patient: str
    lesion: str  # the key of its Tumor
    measured_on: date
    longest_cm: Decimal
    perpendicular_cm: Decimal
    method: str


@dataclass(frozen=True)
class CourseIn:
    key: str
    patient: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True)
class LotIn:
    key: str
    lot: str
    pfu_per_ml: int
    expiry_date: date


@dataclass(frozen=True)
class AdministrationIn:
    key: str
    patient: str
    course: str
    lot: str
    lesion: str | None  # the key of the Tumor injected, if one
    target: str  # the lesion's name, or the site's text for a target that is no one lesion
    volume_ml: Decimal
    administered_at: datetime
    performer: str | None  # the source's performer, as text


@dataclass(frozen=True)
class AdverseEventIn:
    key: str
    patient: str
    term: str
    grade: int
    serious: bool
    onset: date


@dataclass(frozen=True)
class DiseaseStatusIn:
    key: str
    patient: str
    assessed_on: date
    trend: str  # improved, stable, worsened, undetermined
    criteria: str  # the criteria's title, as the source named them


@dataclass
class Parsed:
    """What an import holds, as plain records, and every problem found in it."""

    patients: list[PatientIn] = field(default_factory=list)
    diagnoses: list[DiagnosisIn] = field(default_factory=list)
    lesions: list[LesionIn] = field(default_factory=list)
    measurements: list[MeasurementIn] = field(default_factory=list)
    courses: list[CourseIn] = field(default_factory=list)
    lots: list[LotIn] = field(default_factory=list)
    administrations: list[AdministrationIn] = field(default_factory=list)
    adverse_events: list[AdverseEventIn] = field(default_factory=list)
    statuses: list[DiseaseStatusIn] = field(default_factory=list)
    # references to patients outside the import: (resource, path, "Patient/<id>")
    outside: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def where(p: Problem) -> str:
    """The resource and path of a problem as one FHIRPath-like expression."""
    return f"{p.resource}.{p.path}" if p.path else p.resource


def describe(p: Problem) -> str:
    """A problem in one line: `Observation/tumor-size-40.component[0]...: message`."""
    return f"{where(p)}: {p.message}"


def read_bundle(data: Any) -> tuple[list[Resource], list[Problem]]:
    """The resources of a Bundle (or of a JSON list of resources), and the problems of its shape."""
    if isinstance(data, list):
        entries = [{"resource": r} for r in data]
        name = "resources"
    elif isinstance(data, dict) and data.get("resourceType") == "Bundle":
        entries = data.get("entry") or []
        name = "Bundle"
        if not isinstance(entries, list):
            return [], [Problem(name, "entry", "must be a list of entries")]
    elif isinstance(data, dict) and isinstance(data.get("resourceType"), str):
        return [data], []
    else:
        return [], [Problem("Bundle", "resourceType", "the body is not a FHIR Bundle")]
    resources: list[Resource] = []
    problems: list[Problem] = []
    for i, entry in enumerate(entries):
        path = f"entry[{i}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(Problem(name, f"{path}.resource", "an entry holds no resource"))
            continue
        if not isinstance(resource.get("id"), str) or not resource["id"]:
            problems.append(
                Problem(name, f"{path}.resource.id", "a resource needs its id to be referred to")
            )
            continue
        resources.append(resource)
    return resources, problems


def parse_resources(resources: list[Resource], codes: FhirCodes) -> Parsed:
    """Every resource checked and turned into plain records; `problems` lists what is wrong."""
    out = Parsed()
    by_key: dict[str, Resource] = {}
    for r in resources:
        key = _key(r)
        if key in by_key:
            out.problems.append(Problem(key, "id", "two resources of the import have this id"))
        by_key[key] = r
    usable: list[Resource] = []
    reader = _Reader(by_key, codes, out)
    for key, r in by_key.items():
        kind = r.get("resourceType")
        if kind not in IMPORTED:
            known = ", ".join(IMPORTED)
            msg = f"tvec does not import resources of type {kind!r} (it imports {known})"
            out.problems.append(Problem(key, "resourceType", msg))
            continue
        structural = _structure(key, r)
        try:
            own = reader.read(r, keep=not structural)
        except (TypeError, AttributeError, KeyError, ValueError, IndexError):
            own = []  # a shape the models already refused
        if own:  # tvec's own words first; the models' whole-resource verdicts say the same
            structural = [p for p in structural if p.path]
        out.problems += own + structural
        if not structural:
            usable.append(r)
    _add_checks(out, usable, codes)
    return out


def _key(r: Resource) -> str:
    return f"{r.get('resourceType')}/{r.get('id')}"


def _structure(key: str, r: Resource) -> list[Problem]:
    """The R4B model's verdict on the resource, one problem per error with its path."""
    try:
        get_fhir_model_class(r["resourceType"]).model_validate(r)
    except ValidationError as exc:
        return [Problem(key, _loc(e["loc"]), e["msg"]) for e in exc.errors()]
    return []


def _loc(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".")


def _add_checks(out: Parsed, usable: list[Resource], codes: FhirCodes) -> None:
    """tvec's mCODE checks, less what this module reports itself (references, units)."""
    mine = {(p.resource, p.path) for p in out.problems}
    for p in validate_resources(usable, codes):
        if "which is not in the bundle" in p.message or (p.resource, p.path) in mine:
            continue
        if p.path.startswith("component[") and p.path.endswith("valueQuantity"):
            continue  # the unit: reported below with the element that holds it
        out.problems.append(p)


class _Reader:
    """Reads one resource at a time, adding its record or its problems to `out`."""

    def __init__(self, by_key: dict[str, Resource], codes: FhirCodes, out: Parsed) -> None:
        self.by_key, self.codes, self.out = by_key, codes, out
        self.stage_of = {
            ref: r
            for r in by_key.values()
            if r.get("resourceType") == "Observation" and self._is(r, "stage_group")
            for ref in [_reference(f) for f in r.get("focus") or []]
            if ref
        }

    def read(self, r: Resource, *, keep: bool) -> list[Problem]:
        """The resource's problems; its record joins `out` when it has none (and `keep`)."""
        key = _key(r)
        problems: list[tuple[str, str]] = []
        reader = getattr(self, f"_{r['resourceType'].lower()}")
        record = reader(key, r, problems)
        if record is not None and not problems and keep:
            kind = {
                PatientIn: self.out.patients,
                DiagnosisIn: self.out.diagnoses,
                LesionIn: self.out.lesions,
                MeasurementIn: self.out.measurements,
                CourseIn: self.out.courses,
                LotIn: self.out.lots,
                AdministrationIn: self.out.administrations,
                AdverseEventIn: self.out.adverse_events,
                DiseaseStatusIn: self.out.statuses,
            }[type(record)]
            kind.append(record)  # type: ignore[attr-defined]
        return [Problem(key, path, msg) for path, msg in problems]

    # ---- helpers --------------------------------------------------------------------------

    def _is(self, r: Resource, code_key: str) -> bool:
        wanted = self.codes.codes[code_key]
        system = self.codes.systems[wanted.system]
        codings = (r.get("code") or {}).get("coding") or []
        return any(c.get("system") == system and c.get("code") == wanted.code for c in codings)

    def _ref(
        self,
        key: str,
        r: Resource,
        path: str,
        kind: str,
        problems: list[tuple[str, str]],
        *,
        required: bool = True,
    ) -> str | None:
        """The key of the resource a reference names, if it is in the import (or a patient that
        may be on file); a problem otherwise."""
        value: Any = r
        for part in path.replace("[", ".[").split("."):
            if part.startswith("["):
                index = int(part[1:-1])
                value = value[index] if isinstance(value, list) and len(value) > index else None
            else:
                value = value.get(part) if isinstance(value, dict) else None
        target = _reference(value)
        where = f"{path}.reference"
        if target is None:
            if required:
                problems.append((path, f"names no {kind}"))
            return None
        if not target.startswith(f"{kind}/"):
            problems.append((where, f"must refer to a {kind}, not {target}"))
            return None
        if target in self.by_key:
            return target
        if kind == "Patient":
            self.out.outside.append((key, where, target))
            return target
        problems.append((where, f"refers to {target}, which is not in the import"))
        return None

    def _date(
        self, r: Resource, name: str, problems: list[tuple[str, str]], *, required: bool = True
    ) -> date | None:
        value = r.get(name)
        if value is None:
            if required:
                problems.append((name, "is required"))
            return None
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            problems.append((name, f"{value!r} is not a full date (YYYY-MM-DD)"))
            return None

    # ---- one reader per resource type -------------------------------------------------------

    def _patient(self, key: str, r: Resource, problems: list[tuple[str, str]]) -> PatientIn | None:
        ids = [
            i
            for i in r.get("identifier") or []
            if isinstance(i.get("system"), str) and isinstance(i.get("value"), str)
        ]
        if not ids:
            problems.append(("identifier", "a patient needs an identifier (system and value)"))
        mrn = next((i for i in ids if (i.get("type") or {}).get("text") == "MRN"), None)
        name = (r.get("name") or [{}])[0]
        sex = r.get("gender") or "unknown"
        if sex not in SEXES:
            problems.append(("gender", f"must be one of {', '.join(SEXES)}"))
        born = self._date(r, "birthDate", problems)
        if problems or born is None:
            return None
        chosen = mrn or ids[0]
        if len(chosen["value"]) > 40:
            problems.append(("identifier", "the MRN may have at most 40 characters"))
            return None
        return PatientIn(
            key,
            tuple(Identity(i["system"], i["value"]) for i in ids),
            chosen["value"],
            " ".join(name.get("given") or []),
            name.get("family") or "",
            born,
            sex,
        )

    def _condition(
        self, key: str, r: Resource, problems: list[tuple[str, str]]
    ) -> DiagnosisIn | None:
        patient = self._ref(key, r, "subject", "Patient", problems)
        onset = self._date(r, "onsetDateTime", problems)
        stage_obs = self.stage_of.get(key)
        stage = None
        if stage_obs is None:
            problems.append(("stage", "no stage Observation (focus: this Condition) in the import"))
        else:
            stage = self._stage(stage_obs)
            if stage is None:
                value = f"{_key(stage_obs)}.valueCodeableConcept"
                problems.append(("stage", f"{value}: not an AJCC stage tvec records"))
        if problems or patient is None or onset is None or stage is None:
            return None
        assert stage_obs is not None
        return DiagnosisIn(key, patient, stage, onset, _key(stage_obs))

    def _stage(self, obs: Resource) -> str | None:
        concept = obs.get("valueCodeableConcept") or {}
        text = str(concept.get("text") or "")
        if text.startswith("stage ") and 0 < len(text) - 6 <= 10:
            return text[6:]
        by_code = {
            self.codes.codes[k].code: s for s, k in self.codes.stages.items() if s != "source"
        }
        return next(
            (by_code[c["code"]] for c in concept.get("coding") or [] if c.get("code") in by_code),
            None,
        )

    def _bodystructure(
        self, key: str, r: Resource, problems: list[tuple[str, str]]
    ) -> LesionIn | None:
        patient = self._ref(key, r, "patient", "Patient", problems)
        ids = [i for i in r.get("identifier") or [] if i.get("system") and i.get("value")]
        if not ids:
            problems.append(("identifier", "a tumor needs an identifier (system and value)"))
        name = r.get("description")
        if not isinstance(name, str) or not name or len(name) > 40:
            problems.append(("description", "the lesion's name (1 to 40 characters) is required"))
        text = str((r.get("location") or {}).get("text") or "")
        site, _, location = text.partition(": ")
        if site not in SITES or not location:
            msg = f"must read 'site: location' with a site of {', '.join(SITES)}"
            problems.append(("location.text", msg))
        if problems or patient is None:
            return None
        return LesionIn(
            key, patient, Identity(ids[0]["system"], ids[0]["value"]), str(name), site, location
        )

    def _observation(self, key: str, r: Resource, problems: list[tuple[str, str]]) -> Any:
        if self._is(r, "tumor_size"):
            return self._tumor_size(key, r, problems)
        if self._is(r, "disease_status"):
            return self._status(key, r, problems)
        if self._is(r, "stage_group"):
            if not any(c.get("resourceType") == "Condition" for c in self._focused(r)):
                problems.append(("focus", "a stage names the Condition it stages"))
            return None  # read with its Condition
        problems.append(("code", "tvec imports tumor size, stage and disease status Observations"))
        return None

    def _same_patient(
        self, patient: str | None, other: str | None, path: str, problems: list[tuple[str, str]]
    ) -> None:
        """A record and the one it refers to (a tumor, a course) belong to one patient."""
        if patient is None or other is None:
            return
        target = self.by_key[other]
        owner = _reference(target.get("patient") or target.get("subject"))
        if owner is not None and owner != patient:
            problems.append((path, f"{other} is another patient's ({owner}, not {patient})"))

    def _focused(self, r: Resource) -> list[Resource]:
        refs = [_reference(f) for f in r.get("focus") or []]
        return [self.by_key[ref] for ref in refs if ref in self.by_key]

    def _tumor_size(
        self, key: str, r: Resource, problems: list[tuple[str, str]]
    ) -> MeasurementIn | None:
        patient = self._ref(key, r, "subject", "Patient", problems)
        lesion = self._ref(key, r, "focus[0]", "BodyStructure", problems)
        self._same_patient(patient, lesion, "focus[0].reference", problems)
        measured = self._date(r, "effectiveDateTime", problems)
        method = str((r.get("method") or {}).get("text") or "")
        methods = [m.value for m in Method]
        if method not in methods:
            problems.append(("method.text", f"must be one of {', '.join(methods)}"))
        sizes: dict[str, Decimal] = {}
        for i, c in enumerate(r.get("component") or []):
            which = (
                "longest"
                if self._is(c, "longest_dimension")
                else "other"
                if self._is(c, "other_dimension")
                else None
            )
            cm = _centimetres(c.get("valueQuantity"), f"component[{i}].valueQuantity", problems)
            if which is not None and cm is not None and which not in sizes:
                sizes[which] = cm
        unreadable = any(path.startswith("component[") for path, _ in problems)
        if "longest" in sizes and "other" not in sizes and not unreadable:
            problems.append(("component", "tvec needs the perpendicular diameter (33729-5)"))
        if problems or patient is None or lesion is None or measured is None:
            return None
        longest, other = sizes["longest"], sizes["other"]
        return MeasurementIn(key, patient, lesion, measured, longest, other, method)

    def _status(
        self, key: str, r: Resource, problems: list[tuple[str, str]]
    ) -> DiseaseStatusIn | None:
        patient = self._ref(key, r, "subject", "Patient", problems)
        on = self._date(r, "effectiveDateTime", problems)
        trend = None
        for c in (r.get("valueCodeableConcept") or {}).get("coding") or []:
            for word in set(TREND.values()):
                wanted = self.codes.codes[word]
                if (c.get("system"), c.get("code")) == (
                    self.codes.systems[wanted.system],
                    wanted.code,
                ):
                    trend = word
        if problems or patient is None or on is None or trend is None:
            return None
        return DiseaseStatusIn(key, patient, on, trend, str((r.get("method") or {}).get("text")))

    def _episodeofcare(
        self, key: str, r: Resource, problems: list[tuple[str, str]]
    ) -> CourseIn | None:
        patient = self._ref(key, r, "patient", "Patient", problems)
        period = r.get("period") or {}
        start = self._date(period, "start", [])
        end = self._date(period, "end", [], required=False)
        if start is None:
            problems.append(("period.start", "a course needs its start date"))
        elif end is not None and end < start:
            problems.append(("period.end", "ends before it starts"))
        if problems or patient is None or start is None:
            return None
        return CourseIn(key, patient, start, end)

    def _medication(self, key: str, r: Resource, problems: list[tuple[str, str]]) -> LotIn | None:
        batch = r.get("batch") or {}
        lot = batch.get("lotNumber")
        if not isinstance(lot, str) or not lot.strip() or len(lot) > 40:
            problems.append(
                ("batch.lotNumber", "a vial lot needs its lot number (1 to 40 characters)")
            )
        expiry = self._date(batch, "expirationDate", [])
        if expiry is None:
            problems.append(("batch.expirationDate", "a vial lot needs its expiry date"))
        strength = (r.get("ingredient") or [{}])[0].get("strength") or {}
        pfu = (strength.get("numerator") or {}).get("value")
        per = (strength.get("denominator") or {}).get("value")
        if not isinstance(pfu, int | float) or pfu <= 0 or per not in (1, 1.0):
            path = "ingredient[0].strength"
            problems.append((path, "the strength must be given as PFU per 1 mL"))
        if problems or expiry is None or not isinstance(pfu, int | float):
            return None
        return LotIn(key, str(lot).strip(), int(pfu), expiry)

    def _medicationadministration(
        self, key: str, r: Resource, problems: list[tuple[str, str]]
    ) -> AdministrationIn | None:
        patient = self._ref(key, r, "subject", "Patient", problems)
        course = self._ref(key, r, "context", "EpisodeOfCare", problems)
        self._same_patient(patient, course, "context.reference", problems)
        lot = None
        if "medicationReference" not in r:
            problems.append(("medicationReference", "a dose names the vial lot it was drawn from"))
        else:
            lot = self._ref(key, r, "medicationReference", "Medication", problems)
            if lot is not None and not (self.by_key[lot].get("batch") or {}).get("lotNumber"):
                problems.append(("medicationReference", f"{lot} has no lot number"))
        lesion = self._ref(
            key, r, "supportingInformation[0]", "BodyStructure", problems, required=False
        )
        self._same_patient(patient, lesion, "supportingInformation[0].reference", problems)
        dosage = r.get("dosage") or {}
        dose = dosage.get("dose") or {}
        volume = _decimal(dose.get("value"))
        if volume is None or volume <= 0:
            problems.append(("dosage.dose.value", "the dose must be a volume above 0 mL"))
        target = str((dosage.get("site") or {}).get("text") or "")
        if lesion is not None:
            target = str(self.by_key[lesion].get("description") or "")
        if not target or len(target) > 40:
            problems.append(
                ("dosage.site.text", "the target injected (1 to 40 characters) is required")
            )
        at = _instant(r.get("effectiveDateTime"), problems)
        performer = None
        actor = self._ref(key, r, "performer[0].actor", "Practitioner", problems, required=False)
        if actor is not None:
            names = self.by_key[actor].get("name") or [{}]
            performer = (
                names[0].get("text")
                or " ".join([*(names[0].get("given") or []), names[0].get("family") or ""]).strip()
                or None
            )
        if problems or patient is None or course is None or lot is None:
            return None
        if volume is None or at is None:
            return None
        return AdministrationIn(key, patient, course, lot, lesion, target, volume, at, performer)

    def _adverseevent(
        self, key: str, r: Resource, problems: list[tuple[str, str]]
    ) -> AdverseEventIn | None:
        patient = self._ref(key, r, "subject", "Patient", problems)
        term = (r.get("event") or {}).get("text")
        if not isinstance(term, str) or not term.strip() or len(term) > 200:
            problems.append(("event.text", "the CTCAE term (1 to 200 characters) is required"))
        grades = [
            e.get("valueInteger") for e in r.get("extension") or [] if e.get("url") == CTCAE_GRADE
        ]
        if len(grades) != 1 or grades[0] not in (1, 2, 3, 4, 5):
            problems.append(("extension", f"needs one CTCAE grade (1 to 5) in {CTCAE_GRADE}"))
        onset = self._date(r, "date", problems)
        codes = {c.get("code") for c in (r.get("seriousness") or {}).get("coding") or []}
        if problems or patient is None or onset is None:
            return None
        return AdverseEventIn(
            key, patient, str(term).strip(), int(grades[0]), "serious" in codes, onset
        )

    def _practitioner(self, key: str, r: Resource, problems: list[tuple[str, str]]) -> None:
        return None  # read with the administrations that name it


def _reference(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return str(value["reference"])
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def _centimetres(q: Any, path: str, problems: list[tuple[str, str]]) -> Decimal | None:
    """A size in cm: mm is converted (÷ 10); any other unit is a problem."""
    if not isinstance(q, dict):
        problems.append((path, "a dimension needs its valueQuantity"))
        return None
    value = _decimal(q.get("value"))
    unit = q.get("code") or q.get("unit")
    if value is None or value < 0:
        problems.append((f"{path}.value", "must be a size of 0 or more"))
        return None
    if unit == "cm":
        return value
    if unit == "mm":
        return value / MM_PER_CM
    problems.append((f"{path}.unit", f"{unit!r}: a size must be in cm or mm"))
    return None


def _instant(value: Any, problems: list[tuple[str, str]]) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        problems.append(("effectiveDateTime", "a dose needs the instant it was given"))
        return None
    if at.tzinfo is None:
        problems.append(("effectiveDateTime", "needs its UTC offset (e.g. +00:00)"))
        return None
    return at


def all_keys(parsed: Parsed) -> Iterator[str]:
    """The keys of every record parsed (the resources the import will write or match)."""
    for group in (
        parsed.patients,
        parsed.diagnoses,
        parsed.lesions,
        parsed.measurements,
        parsed.courses,
        parsed.lots,
        parsed.administrations,
        parsed.adverse_events,
    ):
        for record in group:
            yield record.key
