"""Compare two FHIR exports apart from what a server assigns: resource ids, `meta`, the centre in
tvec's identifier systems, a Tumor's identifier value (the lesion's id) and the performer of a
dose (an import records the importing user; the source's performer is kept as text).

Each resource is named by what identifies it clinically (the patient's MRN, a lesion's name, a
measurement's lesion and day, ...) and every reference is replaced by that name."""

from __future__ import annotations

import re
from typing import Any

Resource = dict[str, Any]
CENTRE = re.compile(r"urn:tvec:centre:\d+:")


def comparable(resources: list[Resource]) -> list[Resource]:
    """The resources without server ids, sorted by their clinical names."""
    by_key = {f"{r['resourceType']}/{r['id']}": r for r in resources}
    names: dict[str, str] = {}

    def name(key: str) -> str:
        if key not in names:
            names[key] = _name(by_key[key], name)
        return names[key]

    out = []
    for key, r in by_key.items():
        if r["resourceType"] == "Practitioner":
            continue
        plain = _replace(r, name)
        plain.pop("performer", None)
        plain["id"] = name(key)
        for identifier in plain.get("identifier") or []:
            identifier["system"] = CENTRE.sub("urn:tvec:centre:*:", identifier["system"])
            if r["resourceType"] == "BodyStructure":
                identifier["value"] = "*"
        out.append(plain)
    return sorted(out, key=lambda r: str(r["id"]))


def _ref(r: Resource, field: str, name: Any) -> str:
    value = r[field]
    value = value[0] if isinstance(value, list) else value
    return str(name(value["reference"]))


def _name(r: Resource, name: Any) -> str:
    kind = r["resourceType"]
    if kind == "Patient":
        return f"patient {r['identifier'][0]['value']}"
    if kind == "Medication":
        return f"lot {r['batch']['lotNumber']}"
    if kind == "Condition":
        return f"{_ref(r, 'subject', name)}: melanoma"
    if kind == "BodyStructure":
        return f"{_ref(r, 'patient', name)}: lesion {r['description']}"
    if kind == "EpisodeOfCare":
        return f"{_ref(r, 'patient', name)}: course from {r['period']['start']}"
    if kind == "MedicationAdministration":
        site = r["dosage"]["site"]["text"]
        return f"{_ref(r, 'subject', name)}: dose {r['effectiveDateTime']} {site}"
    if kind == "AdverseEvent":
        return f"{_ref(r, 'subject', name)}: {r['event']['text']} {r['date']}"
    if kind == "Observation":
        what = r["code"].get("text", "")
        if "focus" in r and what != "Cancer disease status":
            return f"{_ref(r, 'focus', name)}: {what} {r['effectiveDateTime']}"
        return f"{_ref(r, 'subject', name)}: {what} {r['effectiveDateTime']}"
    return f"{kind}/{r['id']}"


def _replace(value: Any, name: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "meta":
                continue
            out[k] = name(v) if k == "reference" and isinstance(v, str) else _replace(v, name)
        return out
    if isinstance(value, list):
        return [_replace(v, name) for v in value]
    return value
