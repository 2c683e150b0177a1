"""FHIR R4 / mCODE import: the resources `tvec fhir export` writes, into the importer's centre.

`import_resources` parses the resources (`tvec.interop.fhir.mcode.parse`), matches them with what
the centre has on file and writes the rest, in ONE transaction: any problem and nothing is
written, and every problem found is reported with its resource and path (`ImportRefused`).
Who may import: the roles that record clinical data (nurse, oncologist; `Action.IMPORT_FHIR`).
The problems of matching (a patient of another centre, an MRN already registered, a different
size on file for the same day) are looked for once the resources themselves have none. Resources
refer to each other as `Type/id` (as the export writes them); `urn:uuid:` references are not
resolved.

Matching (so a second import of the same data writes nothing and reports it unchanged):
- a Patient by any of its identifiers (system and value) imported before (`fhir_links`), or by
  its MRN when the identifier is this centre's own MRN system. An MRN already registered here
  under no imported identifier is a problem: tvec does not merge two charts on import.
- `Patient/<id>` outside the import names a patient on file; another centre's patient gets the
  same answer as one that does not exist.
- a Tumor by its identifier (or this centre's own lesion identifier), else by its name for the
  patient (a lesion's name is unique per patient).
- a course (EpisodeOfCare), measurement, administration or adverse event by its source identity:
  its resource id within its patient's identifier. A measurement also matches the active one of
  the same lesion and day when the sizes are the same (a different one there is a problem).
- a vial lot (Medication) by its lot number in the centre; a different strength is a problem.
- the diagnosis: a patient with one on file keeps it (reported unchanged).

What the export does not carry, and what tvec records instead:
- the importing user is the recorder of everything written (`recorded_by`, `started_by`,
  `administered_by`, `planned_by`, `created_by`), as the audit trail says; the source's performer
  of a dose (not a user of this centre) is kept as text in the dose's import link (`note`).
- a dose needs a visit: one visit per course and day of doses, marked administered, numbered in
  date order (1 initial, 2 second, then subsequent), whose stored plan is the doses as given
  (label "As given: imported record, not planned in tvec"); tvec's planning checks were not run.
- a vial lot unknown here is created from `batch` and the strength (no vials, no shipment);
  a dose without a lot is refused.
- a diagnosis is recorded with the stage and date only: "recurrent after surgery" and
  "unresectable" are not in the export and are recorded as no (the indication check shows them).
- a lesion's first-seen date is its first imported measurement's day, else the diagnosis date,
  else the import day; it is injectable and in no cluster.
- a course is on the US label (the export does not say) and ends with no reason given.
- an adverse event has no course, visit or lot; "serious" from the source with a grade below 5 is
  recorded as an important medical event (the ICH E2A criterion is not in the export); the date
  tvec became aware of it is its onset; the action taken reads "not stated in the imported
  record"; no safety report is opened (reporting was the source's).
- the cancer disease status is not imported: tvec derives it (modified WHO) from the imported
  measurements. Each imported status named with tvec's criteria is verified against the derived
  one (same day, same trend); a disagreement is a problem. Statuses by other criteria are
  reported skipped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from tvec.domain.dose_plan import DosePlan, Injection
from tvec.domain.errors import DomainError
from tvec.domain.plan_json import plan_to_json
from tvec.domain.rules import VisitKind
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.interop.fhir import outcome
from tvec.interop.fhir.mcode import build
from tvec.interop.fhir.mcode import parse as p
from tvec.interop.fhir.mcode.validate import Problem
from tvec.knowledge import load_criteria
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.outcomes import assess_in_uow
from tvec.services.permissions import Action

CRITERIA = "modified-who"  # the criteria the export's disease status uses
LABEL_VARIANT = "us"
AS_GIVEN = "As given: imported record, not planned in tvec"
NOT_STATED = "not stated in the imported record"
REASON = "FHIR import"
CREATED, UNCHANGED, SKIPPED = "created", "unchanged", "skipped"


class ImportRefused(Exception):
    """The import was refused, nothing written: every problem with its resource and path."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems

    @property
    def lines(self) -> list[str]:
        return [p.describe(x) for x in self.problems]


@dataclass
class ImportResult:
    """What became of each resource: created, unchanged (matched), or skipped (not stored)."""

    order: list[str] = field(default_factory=list)  # the resources' keys, as read
    # each resource's key: (what became of it, the tvec record as the export names it)
    outcomes: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        """{resource type: {created: n, unchanged: n, skipped: n}} for a summary."""
        out: dict[str, dict[str, int]] = defaultdict(lambda: {CREATED: 0, UNCHANGED: 0, SKIPPED: 0})
        for key, (what, _local) in self.outcomes.items():
            out[key.split("/")[0]][what] += 1
        return dict(sorted(out.items()))


def read_json(text: str | bytes, source: str = "Bundle") -> Any:
    """The JSON of a body or file; ImportRefused naming it when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused([Problem(source, "", f"not JSON ({exc})")]) from None


def import_body(ctx: Context, actor: Actor, body: bytes) -> ImportResult:
    """`POST /fhir`: a Bundle as sent; not JSON, or any problem in it: ImportRefused."""
    actor.require(Action.IMPORT_FHIR)
    return import_bundle(ctx, actor, read_json(body))


def import_bundle(ctx: Context, actor: Actor, data: Any) -> ImportResult:
    """Import a Bundle's (or a list's) resources; ImportRefused lists every problem."""
    actor.require(Action.IMPORT_FHIR)
    resources, problems = p.read_bundle(data)
    return import_resources(ctx, actor, resources, problems)


def import_resources(
    ctx: Context,
    actor: Actor,
    resources: list[dict[str, Any]],
    problems: list[Problem] | None = None,
) -> ImportResult:
    """Import the resources in one transaction, or refuse them all (ImportRefused)."""
    actor.require(Action.IMPORT_FHIR)
    parsed = p.parse_resources(resources, load_fhir_codes())
    found = [*(problems or []), *parsed.problems]
    with ctx.uow() as uow:
        writer = _Writer(uow, actor, parsed, found)
        writer.run()
        if found:
            raise ImportRefused(found)  # leaving without commit: nothing written
        uow.commit()
    writer.result.order = [f"{r.get('resourceType')}/{r.get('id')}" for r in resources]
    return writer.result


def operation_outcome(problems: list[Problem]) -> dict[str, Any]:
    """A refused import's answer: one error issue per problem, its path as `expression`."""
    return outcome.operation_outcome(*(outcome.issue(p.describe(x), p.where(x)) for x in problems))


def transaction_response(result: ImportResult) -> dict[str, Any]:
    """A transaction-response Bundle: per entry, 201 with the record written, 200 with the record
    it matched, or 200 with a note for what tvec does not store (derived or read as text)."""
    entries = []
    for key in result.order:
        what, local = result.outcomes.get(key, (SKIPPED, None))
        response: dict[str, Any] = {"status": "201 Created" if what == CREATED else "200 OK"}
        if local is not None:
            response["location"] = local
        if what == SKIPPED:
            note = (
                "not stored: tvec derives the disease status"
                if key.startswith("Observation/")
                else "not stored: read as text with the doses that name it"
            )
            response["outcome"] = {
                "resourceType": "OperationOutcome",
                "issue": [
                    {"severity": "information", "code": "informational", "diagnostics": note}
                ],
            }
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


class _Writer:
    def __init__(self, uow: UnitOfWork, actor: Actor, parsed: p.Parsed, found: list[Problem]):
        self.uow, self.actor, self.parsed, self.found = uow, actor, parsed, found
        self.centre = actor.centre_id
        self.result = ImportResult()
        self.links = {
            (x.resource_type, x.system, x.value): x for x in uow.fhir_links.in_centre(self.centre)
        }
        self.patient_ids: dict[str, int] = {}  # patient key -> tvec patient id
        self.scope: dict[str, str] = {}  # patient key -> the system of its records' identities
        self.ids: dict[str, int] = {}  # any key -> tvec id
        self.pfu: dict[int, int] = {}  # lot id -> PFU per mL

    def problem(self, key: str, path: str, message: str) -> None:
        self.found.append(Problem(key, path, message))

    def done(self, key: str, what: str, local: str | None) -> None:
        self.result.outcomes[key] = (what, local)

    def link(
        self,
        kind: str,
        system: str,
        value: str,
        entity: str,
        entity_id: int,
        note: str | None = None,
    ) -> None:
        row = self.uow.fhir_links.add(
            by=self.actor.user_id,
            audit=False,
            centre_id=self.centre,
            resource_type=kind,
            system=system,
            value=value,
            entity=entity,
            entity_id=entity_id,
            note=note,
            imported_by=self.actor.user_id,
            imported_at=self.uow.now,
        )
        self.links[(kind, system, value)] = row

    def linked(self, kind: str, system: str, value: str) -> int | None:
        found = self.links.get((kind, system, value))
        return None if found is None else found.entity_id

    def run(self) -> None:
        self._patients()
        self._outside()
        if self.found:
            return  # the rest hangs off the patients
        self._diagnoses()
        self._lots()
        self._courses()
        self._lesions()
        self._measurements()
        self._administrations()
        self._adverse_events()
        if not self.found:
            self._verify_statuses()

    # ---- patients ------------------------------------------------------------------------

    def _patients(self) -> None:
        own_mrn = build.MRN_SYSTEM.format(centre=self.centre)
        for x in self.parsed.patients:
            patient_id = next(
                (
                    pid
                    for i in x.identifiers
                    if (pid := self.linked("Patient", i.system, i.value)) is not None
                ),
                None,
            )
            if patient_id is None:
                own = next((i for i in x.identifiers if i.system == own_mrn), None)
                on_file = self.uow.patients.by_mrn(self.centre, own.value if own else x.mrn)
                if on_file is not None and own is None:
                    self.problem(
                        x.key,
                        "identifier",
                        "a patient with this MRN is registered here under no imported "
                        "identifier; tvec does not merge two charts on import",
                    )
                    continue
                if on_file is not None:
                    patient_id = on_file.id
            if patient_id is not None:
                self.done(x.key, UNCHANGED, f"Patient/patient-{patient_id}")
            else:
                new = self.uow.patients.add(
                    by=self.actor.user_id,
                    reason=REASON,
                    centre_id=self.centre,
                    mrn=x.mrn,
                    given_name=x.given_name[:100],
                    family_name=x.family_name[:100],
                    birth_date=x.birth_date,
                    sex=x.sex,
                    created_at=self.uow.now,
                )
                patient_id = new.id
                self.done(x.key, CREATED, f"Patient/patient-{patient_id}")
            for i in x.identifiers:
                if self.linked("Patient", i.system, i.value) is None and i.system != own_mrn:
                    self.link("Patient", i.system, i.value, "patient", patient_id)
            self.patient_ids[x.key] = patient_id
            first = x.identifiers[0]
            self.scope[x.key] = f"{first.system}|{first.value}"

    def _outside(self) -> None:
        """`Patient/<id>` references to patients on file: the centre's only, else not found."""
        for key, path, target in self.parsed.outside:
            if target in self.patient_ids:
                continue
            raw = target.split("/", 1)[1]
            found = self.uow.patients.find(int(raw)) if raw.isdigit() else None
            if found is None or not self.actor.sees(found.centre_id):
                self.problem(
                    key,
                    path,
                    f"refers to {target}, which is not in the import and "
                    "is no patient of this centre",
                )
                continue
            self.patient_ids[target] = found.id
            self.scope[target] = f"urn:tvec:centre:{self.centre}:patient|{found.id}"

    def _identity(self, patient: str, key: str) -> tuple[str, str]:
        """A record's source identity: its resource id within its patient's identifier."""
        return self.scope[patient], key

    # ---- diagnoses, lots, courses --------------------------------------------------------

    def _diagnoses(self) -> None:
        for x in self.parsed.diagnoses:
            pid = self.patient_ids[x.patient]
            on_file = self.uow.diagnoses.for_patient(pid)
            if on_file is not None:
                self.done(x.key, UNCHANGED, f"Condition/condition-{on_file.id}")
                self.done(x.stage_key, UNCHANGED, f"Observation/stage-{on_file.id}")
                continue
            made = self.uow.diagnoses.add(
                by=self.actor.user_id,
                reason=REASON,
                patient_id=pid,
                stage=x.stage,
                recurrent_after_surgery=False,
                unresectable=False,
                diagnosed_on=x.diagnosed_on,
            )
            self.done(x.key, CREATED, f"Condition/condition-{made.id}")
            self.done(x.stage_key, CREATED, f"Observation/stage-{made.id}")

    def _lots(self) -> None:
        for x in self.parsed.lots:
            on_file = self.uow.vial_lots.by_lot(self.centre, x.lot)
            if on_file is not None and on_file.pfu_per_ml != x.pfu_per_ml:
                self.problem(
                    x.key,
                    "ingredient[0].strength",
                    f"lot {x.lot} is on file here at {on_file.pfu_per_ml:.0e} PFU/mL",
                )
                continue
            if on_file is None:
                on_file = self.uow.vial_lots.add(
                    by=self.actor.user_id,
                    reason=REASON,
                    centre_id=self.centre,
                    lot=x.lot,
                    pfu_per_ml=x.pfu_per_ml,
                    expiry_date=x.expiry_date,
                    created_by=self.actor.user_id,
                    created_at=self.uow.now,
                )
                self.done(x.key, CREATED, f"Medication/lot-{on_file.id}")
            else:
                self.done(x.key, UNCHANGED, f"Medication/lot-{on_file.id}")
            self.ids[x.key] = on_file.id
            self.pfu[on_file.id] = on_file.pfu_per_ml

    def _courses(self) -> None:
        for x in sorted(self.parsed.courses, key=lambda c: c.start_date):
            pid = self.patient_ids[x.patient]
            system, value = self._identity(x.patient, x.key)
            course_id = self.linked("EpisodeOfCare", system, value)
            if course_id is None:
                same = [
                    c for c in self.uow.courses.for_patient(pid) if c.start_date == x.start_date
                ]
                course_id = same[0].id if same else None
            if course_id is not None:
                self.done(x.key, UNCHANGED, f"EpisodeOfCare/course-{course_id}")
            else:
                open_ = [c for c in self.uow.courses.for_patient(pid) if c.end_date is None]
                if x.end_date is None and open_:
                    self.problem(x.key, "period.end", "the patient has an open course on file")
                    continue
                made = self.uow.courses.add(
                    by=self.actor.user_id,
                    reason=REASON,
                    patient_id=pid,
                    label_variant=LABEL_VARIANT,
                    start_date=x.start_date,
                    end_date=x.end_date,
                    end_reason=None,
                    started_by=self.actor.user_id,
                )
                course_id = made.id
                self.done(x.key, CREATED, f"EpisodeOfCare/course-{course_id}")
            if self.linked("EpisodeOfCare", system, value) is None:
                self.link("EpisodeOfCare", system, value, "course", course_id)
            self.ids[x.key] = course_id

    # ---- lesions and measurements --------------------------------------------------------

    def _lesions(self) -> None:
        first_size: dict[str, date] = {}
        for m in self.parsed.measurements:
            first_size[m.lesion] = min(m.measured_on, first_size.get(m.lesion, m.measured_on))
        diagnosed = {d.patient: d.diagnosed_on for d in self.parsed.diagnoses}
        own = build.LESION_SYSTEM.format(centre=self.centre)
        for x in self.parsed.lesions:
            pid = self.patient_ids[x.patient]
            lesions = {les.id: les for les in self.uow.lesions.for_patient(pid)}
            lesion_id = self.linked("BodyStructure", x.identity.system, x.identity.value)
            if lesion_id is None and x.identity.system == own and x.identity.value.isdigit():
                lesion_id = int(x.identity.value) if int(x.identity.value) in lesions else None
            if lesion_id is None:
                by_name = self.uow.lesions.by_name(pid, x.name)
                lesion_id = by_name.id if by_name is not None else None
            if lesion_id is not None:
                self.done(x.key, UNCHANGED, f"BodyStructure/tumor-{lesion_id}")
            else:
                first = first_size.get(x.key) or diagnosed.get(x.patient) or self.uow.now.date()
                made = self.uow.lesions.add(
                    by=self.actor.user_id,
                    reason=REASON,
                    patient_id=pid,
                    name=x.name,
                    site=x.site,
                    location=x.location[:200],
                    first_seen=first,
                    injectable=True,
                    cluster=None,
                    status=RecordStatus.ACTIVE,
                )
                lesion_id = made.id
                self.done(x.key, CREATED, f"BodyStructure/tumor-{lesion_id}")
            if (
                x.identity.system != own
                and self.linked("BodyStructure", x.identity.system, x.identity.value) is None
            ):
                self.link("BodyStructure", x.identity.system, x.identity.value, "lesion", lesion_id)
            self.ids[x.key] = lesion_id

    def _measurements(self) -> None:
        for x in self.parsed.measurements:
            lesion_id = self.ids.get(x.lesion)
            if lesion_id is None:
                continue  # its Tumor had a problem, reported there
            system, value = self._identity(x.patient, x.key)
            found = self.linked("Observation", system, value)
            if found is None:
                same_day = self.uow.measurements.active_on(lesion_id, x.measured_on)
                if same_day is not None and (same_day.longest_cm, same_day.perpendicular_cm) != (
                    x.longest_cm,
                    x.perpendicular_cm,
                ):
                    self.problem(
                        x.key,
                        "effectiveDateTime",
                        "a different measurement of this lesion on this day is on file; "
                        "correct it in tvec",
                    )
                    continue
                found = same_day.id if same_day is not None else None
            if found is not None:
                self.done(x.key, UNCHANGED, f"Observation/tumor-size-{found}")
            else:
                found = self.uow.measurements.add(
                    by=self.actor.user_id,
                    reason=REASON,
                    lesion_id=lesion_id,
                    measured_on=x.measured_on,
                    longest_cm=x.longest_cm,
                    perpendicular_cm=x.perpendicular_cm,
                    method=x.method,
                    status=RecordStatus.ACTIVE,
                    recorded_by=self.actor.user_id,
                    recorded_at=self.uow.now,
                ).id
                self.done(x.key, CREATED, f"Observation/tumor-size-{found}")
            if self.linked("Observation", system, value) is None:
                self.link("Observation", system, value, "measurement", found)

    # ---- administrations ---------------------------------------------------------------

    def _administrations(self) -> None:
        new: dict[int, dict[date, list[p.AdministrationIn]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for x in self.parsed.administrations:
            if x.course not in self.ids or x.lot not in self.ids:
                continue  # the course or lot had a problem, reported there
            if x.lesion is not None and x.lesion not in self.ids:
                continue
            system, value = self._identity(x.patient, x.key)
            found = self.linked("MedicationAdministration", system, value)
            if found is not None:
                self.done(x.key, UNCHANGED, f"MedicationAdministration/administration-{found}")
            else:
                new[self.ids[x.course]][x.administered_at.date()].append(x)
        for course_id, by_day in new.items():
            visits = self.uow.visits.for_course(course_id)
            on_day = {v.administered_on: v for v in visits if v.administered_on is not None}
            days = sorted({*on_day, *by_day})
            for day in sorted(by_day):
                visit = on_day.get(day) or self._visit(
                    course_id, day, days.index(day) + 1, visits, by_day[day]
                )
                self._give(visit, by_day[day])

    def _visit(
        self,
        course_id: int,
        day: date,
        ordinal: int,
        visits: list[r.Visit],
        doses: list[p.AdministrationIn],
    ) -> r.Visit:
        kind = (
            VisitKind.INITIAL
            if ordinal == 1
            else VisitKind.SECOND
            if ordinal == 2
            else VisitKind.SUBSEQUENT
        )
        total = sum((d.volume_ml for d in doses), Decimal(0))
        pfu = self.pfu[self.ids[doses[0].lot]]
        plan = DosePlan(
            visit=kind,
            concentration_pfu_per_ml=pfu,
            cap_colour="",
            max_total_volume_ml=total,
            injections=tuple(
                Injection(d.target, (d.target,), Decimal(0), False, d.volume_ml, d.volume_ml, False)
                for d in doses
            ),
            not_injected=(),
            total_volume_ml=total,
            vials=0,
            waste_ml=Decimal(0),
            total_pfu=int(sum(d.volume_ml * self.pfu[self.ids[d.lot]] for d in doses)),
            billing=None,
            label=AS_GIVEN,
            sources=(),
            warnings=(AS_GIVEN,),
        )
        number = max((v.number for v in visits), default=0) + 1
        made = self.uow.visits.add(
            by=self.actor.user_id,
            reason=REASON,
            course_id=course_id,
            number=number,
            kind=kind,
            earliest_date=day,
            status=VisitRecordStatus.ADMINISTERED,
            plan=plan_to_json(plan),
            planned_on=day,
            planned_by=self.actor.user_id,
            administered_on=day,
            override_reason=None,
            override_by=None,
        )
        visits.append(made)
        return made

    def _give(self, visit: r.Visit, doses: list[p.AdministrationIn]) -> None:
        for x in doses:
            lot_id = self.ids[x.lot]
            made = self.uow.administrations.add(
                by=self.actor.user_id,
                reason=REASON,
                visit_id=visit.id,
                target=x.target,
                lesion_id=self.ids[x.lesion] if x.lesion else None,
                volume_ml=x.volume_ml,
                pfu_per_ml=self.pfu[lot_id],
                vial_lot_id=lot_id,
                administered_by=self.actor.user_id,
                administered_at=x.administered_at,
                recorded_at=self.uow.now,
            )
            system, value = self._identity(x.patient, x.key)
            note = f"performer in the source: {x.performer}" if x.performer else None
            self.link("MedicationAdministration", system, value, "administration", made.id, note)
            self.done(x.key, CREATED, f"MedicationAdministration/administration-{made.id}")

    # ---- adverse events ------------------------------------------------------------------

    def _adverse_events(self) -> None:
        for x in self.parsed.adverse_events:
            system, value = self._identity(x.patient, x.key)
            found = self.linked("AdverseEvent", system, value)
            if found is not None:
                self.done(x.key, UNCHANGED, f"AdverseEvent/adverse-event-{found}")
                continue
            important = x.serious and x.grade < 5
            made = self.uow.adverse_events.add(
                by=self.actor.user_id,
                reason=REASON,
                patient_id=self.patient_ids[x.patient],
                course_id=None,
                term=x.term,
                other_specify=NOT_STATED if x.term == "other" else None,
                grade=x.grade,
                serious=x.serious or x.grade == 5,
                important_medical_event=important,
                onset=x.onset,
                aware_on=x.onset,
                resolved_on=None,
                action_taken=NOT_STATED,
                status=RecordStatus.ACTIVE,
            )
            self.link("AdverseEvent", system, value, "adverse-event", made.id)
            self.done(x.key, CREATED, f"AdverseEvent/adverse-event-{made.id}")

    # ---- disease status: derived, verified -----------------------------------------------

    def _verify_statuses(self) -> None:
        title = load_criteria(CRITERIA).title
        by_patient: dict[str, list[p.DiseaseStatusIn]] = defaultdict(list)
        for x in self.parsed.statuses:
            if x.criteria != title:
                self.done(x.key, SKIPPED, None)
            else:
                by_patient[x.patient].append(x)
        for patient, statuses in by_patient.items():
            try:
                assessed = assess_in_uow(self.uow, self.patient_ids[patient], CRITERIA)
                derived = {
                    a.date: build.TREND[a.category.value]
                    for a in assessed.assessments
                    if a.category is not None
                }
            except DomainError:
                derived = {}
            for x in statuses:
                if derived.get(x.assessed_on) != x.trend:
                    tvec_says = derived.get(x.assessed_on, "no assessment")
                    self.problem(
                        x.key,
                        "valueCodeableConcept",
                        f"says {x.trend} on {x.assessed_on}; from the imported measurements "
                        f"tvec derives {tvec_says} ({title})",
                    )
                else:
                    self.done(x.key, SKIPPED, None)
