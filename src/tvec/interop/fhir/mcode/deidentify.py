"""The researcher's de-identified form of the mCODE export: a pure transformation.

`deidentified_resources(records, key, codes, ctcae_terms)` gives one patient's resources as a
researcher may see them. It works in two steps around `build.patient_resources`, which it does
not change:

Before building (`deidentify_records`, over the plain records):
- every date and instant of the patient is moved back by the patient's shift (`PatientKey`,
  1 to MAX_SHIFT_DAYS days, the same for all of one patient's records, so the intervals between
  them, and the order, stay exact);
- the MRN becomes the pseudonym, the names are emptied, staff are left out;
- a lesion's name becomes its number within the patient ("lesion 2", in the order first seen);
  its free-text location is dropped (tvec records it as free text, never as a code, so it may
  say anything: "left forearm, below the tattoo"); the site (cutaneous, nodal, ...) stays, with
  its SNOMED CT code where one is on file. An injection's free-text target (shown only for a
  target that is not one recorded lesion) is never kept;
- an adverse event keeps its term only if it is a CTCAE term; a free-text one reads as
  "Other, specify".

After building (`deidentify_resources`, over the resource dicts):
- no resource id or reference carries a database id of the patient's records: the Patient's id is
  the pseudonym, every other resource of the patient is ``{pseudonym}-{kind}-{n}``, numbered in
  the order built; a Tumor's identifier is its new id;
- the Patient has one identifier (the pseudonym, system ``urn:tvec:centre:{id}:pseudonym``), no
  name, and the year of its (shifted) birth date only;
- a MedicationAdministration has no performer (no Practitioner is exported); a Medication keeps
  its lot number but not its expiry date (a calendar date that is nobody's to shift);
- every resource says so in ``meta.security``: pseudonymized and redacted (HL7 v3
  ObservationValue, knowledge data).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from tvec.interop.fhir.mcode.build import patient_resources
from tvec.interop.fhir.mcode.records import (
    AdministrationRecord,
    AdverseEventRecord,
    PatientRecords,
)
from tvec.knowledge.fhir_codes import FhirCodes

Resource = dict[str, Any]

# How far back a patient's dates move at most: a year, so the season and the weekday are lost
# but the dates stay within the era of the treatment (tvec's choice, docs/adr/0008).
MAX_SHIFT_DAYS = 365
PSEUDONYM_SYSTEM = "urn:tvec:centre:{centre}:pseudonym"
OTHER_TERM = "Other, specify"
OTHER_TARGET = "a target that is not one recorded lesion"
SECURITY = ("pseudonymized", "redacted")  # keys of [codes] in knowledge/data/fhir/codes.toml
_NUMBERED = re.compile(r"(-\d+)+$")


@dataclass(frozen=True)
class PatientKey:
    """What de-identifies one patient: the pseudonym researchers see and the days to shift by."""

    pseudonym: str
    shift_days: int


def shift_days(digest: str) -> int:
    """The patient's shift (1..MAX_SHIFT_DAYS days back) from the keyed digest of their id.

    It is read from the digest's last 8 hex digits, which the pseudonym (its first 12) does not
    show, so the shift cannot be worked out from the pseudonym."""
    return 1 + int(digest[-8:], 16) % MAX_SHIFT_DAYS


def deidentified_resources(
    rec: PatientRecords, key: PatientKey, codes: FhirCodes, ctcae_terms: frozenset[str]
) -> list[Resource]:
    """One patient's resources in the researcher's de-identified form (see the module notes).

    `ctcae_terms`: the CTCAE term names, letter case ignored."""
    built = patient_resources(deidentify_records(rec, key, ctcae_terms), codes)
    return deidentify_resources(built, key, rec.patient.centre_id, codes)


def deidentify_records(
    rec: PatientRecords, key: PatientKey, ctcae_terms: frozenset[str]
) -> PatientRecords:
    """The records with shifted dates, no names, numbered lesions and no free text."""
    back = timedelta(days=key.shift_days)

    def day(value: date) -> date:
        return value - back

    order = sorted(rec.lesions, key=lambda les: (les.first_seen, les.id))
    number = {les.id: n for n, les in enumerate(order, start=1)}
    known = {t.casefold() for t in ctcae_terms}
    p = rec.patient
    return replace(
        rec,
        patient=replace(
            p, mrn=key.pseudonym, given_name="", family_name="", birth_date=day(p.birth_date)
        ),
        diagnosis=None
        if rec.diagnosis is None
        else replace(rec.diagnosis, diagnosed_on=day(rec.diagnosis.diagnosed_on)),
        lesions=tuple(
            replace(
                les, name=f"lesion {number[les.id]}", location="", first_seen=day(les.first_seen)
            )
            for les in rec.lesions
        ),
        measurements=tuple(replace(x, measured_on=day(x.measured_on)) for x in rec.measurements),
        courses=tuple(
            replace(
                c,
                start_date=day(c.start_date),
                end_date=None if c.end_date is None else day(c.end_date),
            )
            for c in rec.courses
        ),
        staff=(),
        administrations=tuple(_administration(a, back) for a in rec.administrations),
        adverse_events=tuple(_adverse_event(e, back, known) for e in rec.adverse_events),
        disease_status=tuple(
            replace(s, assessed_on=day(s.assessed_on)) for s in rec.disease_status
        ),
    )


def _administration(a: AdministrationRecord, back: timedelta) -> AdministrationRecord:
    # the target's text is shown only when its lesion is not among the records: never kept
    return replace(a, target=OTHER_TARGET, administered_at=a.administered_at - back)


def _adverse_event(e: AdverseEventRecord, back: timedelta, known: set[str]) -> AdverseEventRecord:
    term = e.term if e.term.casefold() in known else OTHER_TERM
    return replace(e, term=term, onset=e.onset - back)


def deidentify_resources(
    resources: list[Resource], key: PatientKey, centre_id: int, codes: FhirCodes
) -> list[Resource]:
    """The built resources with pseudonymous ids, the Patient stripped to its pseudonym and
    birth year, no performers, no lot expiry, and `meta.security` on each."""
    renamed = _new_ids(resources, key)
    security = [codes.coding(k) for k in SECURITY]
    out: list[Resource] = []
    for res in resources:
        res = _rename(res, renamed)
        kind = res["resourceType"]
        if kind == "Patient":
            res = _patient(res, key, centre_id)
        elif kind == "Practitioner":
            continue
        elif kind == "MedicationAdministration":
            res.pop("performer", None)
            site = res.get("dosage", {}).get("site")
            if site and "text" in site:
                site["text"] = site["text"].removesuffix(": ")
        elif kind == "BodyStructure":
            res["identifier"] = [{**i, "value": res["id"]} for i in res.get("identifier", [])]
            if "text" in res.get("location", {}):
                res["location"]["text"] = res["location"]["text"].removesuffix(": ")
        elif kind == "Medication":
            res.get("batch", {}).pop("expirationDate", None)
        res["meta"] = {**res.get("meta", {}), "security": [dict(c) for c in security]}
        out.append(res)
    return out


def _new_ids(resources: list[Resource], key: PatientKey) -> dict[str, str]:
    """`Type/old id` → `Type/new id` of every resource of the patient (medications are the
    centre's lots, not the patient's records, and keep theirs)."""
    counts: Counter[str] = Counter()
    renamed: dict[str, str] = {}
    for res in resources:
        kind, old = res["resourceType"], res["id"]
        if kind == "Medication":
            continue
        if kind == "Patient":
            new = key.pseudonym
        else:
            prefix = _NUMBERED.sub("", old)
            counts[prefix] += 1
            new = f"{key.pseudonym}-{prefix}-{counts[prefix]}"
        renamed[f"{kind}/{old}"] = f"{kind}/{new}"
    return renamed


def _rename(value: Any, renamed: dict[str, str]) -> Any:
    """A deep copy with every `reference` and the resource's own `id` renamed."""
    if isinstance(value, dict):
        copied = {k: _rename(v, renamed) for k, v in value.items()}
        ref = copied.get("reference")
        if isinstance(ref, str) and ref in renamed:
            copied["reference"] = renamed[ref]
        if "resourceType" in copied and "id" in copied:
            own = renamed.get(f"{copied['resourceType']}/{copied['id']}")
            if own is not None:
                copied["id"] = own.split("/", 1)[1]
        return copied
    if isinstance(value, list):
        return [_rename(v, renamed) for v in value]
    return value


def _patient(res: Resource, key: PatientKey, centre_id: int) -> Resource:
    res.pop("name", None)
    res["identifier"] = [
        {
            "use": "secondary",
            "type": {"text": "research pseudonym"},
            "system": PSEUDONYM_SYSTEM.format(centre=centre_id),
            "value": key.pseudonym,
        }
    ]
    if "birthDate" in res:
        res["birthDate"] = res["birthDate"][:4]
    return res
