"""The dose-plan request as it arrives from a file or standard input (`tvec dose-plan`).

JSON is taken as written: a diameter must be a JSON number (read exactly, as a Decimal), `new` and
`injectable` must be `true` or `false`, and a key given twice in one object is refused rather than
letting the last one silently win. Diameters and lesion ids have the bounds the API holds clinic
records to (`Cm` and `LesionName` of `tvec.schemas.clinic`, one definition for both). Pydantic
checks the shape; the clinical rules (diameters above zero, duplicate ids, cluster ids, routes) are
checked once, in the domain. Every error names the lesion (by id where it has one) and the field.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    ValidationError,
)

from tvec.domain.dose_plan import INTRALESIONAL, PlanLesion
from tvec.domain.errors import InvalidInput
from tvec.domain.indication import PatientFacts
from tvec.domain.rules import DistantSite, Site, VisitKind
from tvec.schemas.clinic import Cm, LesionName, Stage
from tvec.schemas.refusals import rule_of


def _exact(value: Any) -> Any:
    """A JSON integer is an exact number too (JSON fractions are read as Decimal already)."""
    return Decimal(value) if type(value) is int else value


# A JSON number: the text "3.2" (or true) is refused, not converted.
Diameter = Annotated[Cm, Strict(), BeforeValidator(_exact)]

SHOWN_AS_TYPED = frozenset({"is_instance_of", "bool_type", "string_type", "int_type"})


class LesionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: LesionName
    longest_cm: Diameter
    perpendicular_cm: Diameter | None = None
    site: Site
    new: StrictBool = False
    injectable: StrictBool = True
    cluster: LesionName | None = None
    route: str = INTRALESIONAL

    def to_domain(self) -> PlanLesion:
        return PlanLesion(
            lesion_id=self.id,
            longest_cm=self.longest_cm,
            perpendicular_cm=self.perpendicular_cm,
            site=self.site,
            new=self.new,
            injectable=self.injectable,
            cluster=self.cluster,
            route=self.route,
        )


class PatientFactsIn(BaseModel):
    """The patient's facts the label's indication depends on; a fact left out is 'not recorded'."""

    model_config = ConfigDict(extra="forbid")
    stage: Stage | None = None
    unresectable: StrictBool | None = None
    recurrent_after_surgery: StrictBool | None = None
    distant_sites: list[DistantSite] | None = None  # bone, brain, lung, other-visceral; [] none
    age_years: Annotated[StrictInt, Field(ge=0, le=130)] | None = None

    def to_domain(self) -> PatientFacts:
        return PatientFacts(
            stage=None if self.stage is None else self.stage.value,
            unresectable=self.unresectable,
            recurrent_after_surgery=self.recurrent_after_surgery,
            distant_sites=None if self.distant_sites is None else tuple(self.distant_sites),
            age_years=self.age_years,
        )


class DosePlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visit: VisitKind
    lesions: list[LesionIn]
    patient: PatientFactsIn | None = None  # for the indication; absent: every fact not recorded


class _Object(dict[str, Any]):
    """A JSON object, remembering the first key its text gave more than once."""

    repeated: str | None = None


def read_json(text: str) -> Any:
    """JSON text read as written: numbers exact (Decimal), no key given twice in one object."""
    raw = _load(text.removeprefix("\ufeff"))
    _refuse_repeated_keys(raw, ())
    return raw


def parse_dose_plan_request(text: str) -> DosePlanRequest:
    """Parse JSON text; errors name the lesion (by id where it has one) and the field."""
    raw = read_json(text)
    try:
        return DosePlanRequest.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where, field = _locate(raw, error["loc"])
        # a JSON key is named as its author wrote it, not by the clinic's label
        raise InvalidInput(where, field, rule_of(error), _shown(error), label=field) from None


def _load(text: str) -> Any:
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_not_a_json_number,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        rule = f"is not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise InvalidInput("input", "(json)", rule) from None
    except ValueError as exc:  # an integer too long to read
        raise InvalidInput("input", "(json)", f"is not valid JSON: {exc}") from None


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    made = _Object(pairs)
    if len(made) < len(pairs):
        keys = [key for key, _ in pairs]
        made.repeated = next(key for n, key in enumerate(keys) if key in keys[:n])
    return made


def _not_a_json_number(name: str) -> Any:
    raise InvalidInput("input", "(json)", f"is not valid JSON: {name} is not a JSON number")


def _refuse_repeated_keys(value: Any, path: tuple[int | str, ...]) -> None:
    """Refuse the first object, in reading order, that gives a key twice."""
    if isinstance(value, _Object):
        if value.repeated is not None:
            where, field = _repeated_at(path, value, value.repeated)
            rule = "is given more than once; give each field once"
            raise InvalidInput(where, field, rule, label=field)
        for key, item in value.items():
            _refuse_repeated_keys(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _refuse_repeated_keys(item, (*path, n))


def _repeated_at(path: tuple[int | str, ...], found: _Object, key: str) -> tuple[str, str]:
    """A lesion is named by its id and its place in the list (ids may repeat, or be the key)."""
    if len(path) == 2 and path[0] == "lesions":
        name = found.get("id")
        place = f"lesions[{path[1]}]"
        named = isinstance(name, str) and name and key != "id"
        return (f"lesion {name} ({place})" if named else place), key
    return "input", ".".join(str(part) for part in (*path, key))


def _locate(raw: Any, loc: tuple[int | str, ...]) -> tuple[str, str]:
    if len(loc) >= 2 and loc[0] == "lesions" and isinstance(loc[1], int):
        lesion = raw["lesions"][loc[1]]
        name = lesion.get("id") if isinstance(lesion, dict) else None
        name = name.strip() if isinstance(name, str) else ""
        where = f"lesion {name}" if name else f"lesions[{loc[1]}]"
        return where, ".".join(str(part) for part in loc[2:]) or "(lesion)"
    return "input", ".".join(str(part) for part in loc) or "(top level)"


def _shown(error: Any) -> Any:
    if error["type"] in ("missing", "extra_forbidden", "model_type", "list_type"):
        return None
    value = error.get("input")
    return repr(value) if error["type"] in SHOWN_AS_TYPED and isinstance(value, str) else value
