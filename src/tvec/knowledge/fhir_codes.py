"""Codes, systems and profile URLs of the FHIR R4 / mCODE export, as data with their sources.

`load_fhir_codes()` reads `data/fhir/codes.toml` into a frozen `FhirCodes`; every mapping (method,
lesion site, stage) must name a code that the file defines, and every code a known system.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from tvec.knowledge.loader import DATA, parse_file

FILE = Path(str(DATA / "fhir" / "codes.toml"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Code(_Strict):
    system: str  # the key of a system in [systems]; `FhirCodes.coding` gives its URL
    code: str
    display: str
    source: str


class ValueSets(_Strict):
    tumor_size_units: tuple[str, ...]
    tumor_size_method: tuple[str, ...]
    disease_status: tuple[str, ...]
    source: str


class FhirCodes(_Strict):
    systems: dict[str, str]
    profiles: dict[str, str]
    codes: dict[str, Code]
    value_sets: ValueSets
    # tvec's words (a measurement method, a lesion site, a stage) to keys of [codes]; each
    # table also holds its "source"
    measurement_methods: dict[str, str]
    lesion_sites: dict[str, str]
    stages: dict[str, str]

    @model_validator(mode="after")
    def _every_key_known(self) -> FhirCodes:
        systems = set(self.systems) - {"source"}
        for key, code in self.codes.items():
            if code.system not in systems:
                raise ValueError(f"codes.{key}: unknown system {code.system!r}")
        vs = self.value_sets
        named = [*vs.tumor_size_units, *vs.tumor_size_method, *vs.disease_status]
        for mapping in (self.measurement_methods, self.lesion_sites, self.stages):
            named += [key for word, key in mapping.items() if word != "source"]
        for key in named:
            if key not in self.codes:
                raise ValueError(f"{key!r} is not a code of [codes]")
        return self

    def coding(self, key: str) -> dict[str, str]:
        """The FHIR Coding of one code: system URL, code and display."""
        c = self.codes[key]
        return {"system": self.systems[c.system], "code": c.code, "display": c.display}

    def in_value_set(self, value_set: str) -> frozenset[tuple[str, str]]:
        """(system URL, code) pairs of one of the [value_sets]."""
        keys: tuple[str, ...] = getattr(self.value_sets, value_set)
        return frozenset((self.systems[self.codes[k].system], self.codes[k].code) for k in keys)


@cache
def load_fhir_codes() -> FhirCodes:
    return load_fhir_codes_file(FILE)


def load_fhir_codes_file(path: Path | str) -> FhirCodes:
    """The codes file at `path`; a fault is a `KnowledgeError` naming the field."""
    return parse_file(Path(path), FhirCodes)


def codes_markdown(codes: FhirCodes) -> str:
    """The rules page's part on FHIR: every code and mapping the export uses, with its source."""
    from tvec.knowledge.rulebook import Section, md_table

    rows = tuple(
        (key, f"{codes.systems[c.system]} {c.code} ({c.display})", c.source)
        for key, c in codes.codes.items()
    )
    mappings = (
        ("measurement method", codes.measurement_methods),
        ("lesion site", codes.lesion_sites),
        ("stage", codes.stages),
    )
    mapped = tuple(
        (f"{what}: {word}", key, table["source"])
        for what, table in mappings
        for word, key in table.items()
        if word != "source"
    )
    intro = (
        "## FHIR (mCODE) export codes\n\n"
        "The codes `tvec fhir export` and `GET /fhir/Patient/{id}/$everything` write. A code "
        "no source at hand confirms is left out; the export then gives the text only.\n"
    )
    return "\n".join(
        [
            intro,
            md_table(Section("Codes", ("name", "system, code (display)", "source"), rows)),
            md_table(Section("tvec's words to codes", ("word", "code", "source"), mapped)),
        ]
    )
