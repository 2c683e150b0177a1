"""mCODE checks that the fhir.resources models cannot make, over one set of resources.

Every resource declares a profile; every reference (`Type/id`) names a resource of the set; a
TumorSize has the tumor size code, its focus, exactly one longest dimension and at most two other
dimensions, each in a unit of the profile's value set; a CancerDiseaseStatus has its code and a
value from the condition status trend value set; a Tumor has an identifier and a location; an
administration gives its dose in mL. Each problem names the resource and the path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tvec.knowledge.fhir_codes import FhirCodes

Resource = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    resource: str  # Type/id
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.resource} {self.path}: {self.message}"


def validate_resources(resources: list[Resource], codes: FhirCodes) -> list[Problem]:
    """Every problem found in the resources (an empty list: they are valid)."""
    known = {f"{r.get('resourceType')}/{r.get('id')}" for r in resources}
    problems: list[Problem] = []
    for r in resources:
        name = f"{r.get('resourceType')}/{r.get('id')}"
        problems += [Problem(name, path, msg) for path, msg in _check(r, known, codes)]
    return problems


def _check(r: Resource, known: set[str], codes: FhirCodes) -> Iterator[tuple[str, str]]:
    profiles = r.get("meta", {}).get("profile") or []
    if not profiles:
        yield "meta.profile", "no profile declared"
    for path, target in _references(r, ""):
        if target not in known:
            yield path, f"refers to {target}, which is not in the bundle"
    for profile in profiles:
        check = _BY_PROFILE.get(_profile_key(codes, profile))
        if check is not None:
            yield from check(r, codes)


def _profile_key(codes: FhirCodes, url: str) -> str | None:
    return next((k for k, v in codes.profiles.items() if v == url), None)


def _references(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield f"{path}.reference".lstrip("."), item
            else:
                yield from _references(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _references(item, f"{path}[{i}]")


def _codings(concept: Any) -> set[tuple[str, str]]:
    if not isinstance(concept, dict):
        return set()
    return {(c.get("system", ""), c.get("code", "")) for c in concept.get("coding") or []}


def _has_code(concept: Any, codes: FhirCodes, key: str) -> bool:
    wanted = codes.codes[key]
    return (codes.systems[wanted.system], wanted.code) in _codings(concept)


def _tumor_size(r: Resource, codes: FhirCodes) -> Iterator[tuple[str, str]]:
    if not _has_code(r.get("code"), codes, "tumor_size"):
        yield "code", "must be LOINC 21889-1 (tumor size)"
    if not r.get("focus") and not r.get("specimen"):
        yield "focus", "a tumor size names the tumor it measures"
    components = r.get("component") or []
    longest = [c for c in components if _has_code(c.get("code"), codes, "longest_dimension")]
    other = [c for c in components if _has_code(c.get("code"), codes, "other_dimension")]
    if len(longest) != 1:
        yield "component", f"needs exactly one longest dimension (33728-7), has {len(longest)}"
    if len(other) > 2:
        yield "component", f"at most two other dimensions (33729-5), has {len(other)}"
    units = codes.in_value_set("tumor_size_units")
    for i, c in enumerate(components):
        q = c.get("valueQuantity") or {}
        if (q.get("system"), q.get("code")) not in units:
            yield f"component[{i}].valueQuantity", "the unit must be UCUM cm or mm"
    method = _codings(r.get("method"))
    if method and not method & codes.in_value_set("tumor_size_method"):
        yield "method", "not a code of the tumor size method value set"


def _disease_status(r: Resource, codes: FhirCodes) -> Iterator[tuple[str, str]]:
    if not _has_code(r.get("code"), codes, "disease_status"):
        yield "code", "must be LOINC 97509-4 (cancer disease status)"
    if not _codings(r.get("valueCodeableConcept")) & codes.in_value_set("disease_status"):
        yield "valueCodeableConcept", "not a code of the condition status trend value set"


def _tumor(r: Resource, codes: FhirCodes) -> Iterator[tuple[str, str]]:
    if not any(i.get("value") for i in r.get("identifier") or []):
        yield "identifier", "a tumor needs an identifier that tracks it over time"
    if not r.get("location"):
        yield "location", "a tumor needs its location"


def _administration(r: Resource, codes: FhirCodes) -> Iterator[tuple[str, str]]:
    dose = (r.get("dosage") or {}).get("dose") or {}
    ml = codes.codes["ml"]
    if (dose.get("system"), dose.get("code")) != (codes.systems[ml.system], ml.code):
        yield "dosage.dose", "the dose must be given in UCUM mL"


_BY_PROFILE: dict[str | None, Callable[[Resource, FhirCodes], Iterator[tuple[str, str]]]] = {
    "tumor_size": _tumor_size,
    "disease_status": _disease_status,
    "tumor": _tumor,
    "administration": _administration,
}
