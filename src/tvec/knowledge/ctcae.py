"""CTCAE terms and the adverse-event reporting rules, loaded from knowledge data and validated.

`load_ctcae()` reads `data/ctcae/v5.toml` (terms, their grades and grade descriptions);
`load_reporting()` reads `data/safety/reporting.toml` (deadlines, expected terms, the herpetic
report). A term named twice, a grade outside 1-5, a term without grades, or an expected term
that is not a CTCAE term on file is a `KnowledgeError` naming the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tvec.domain.adverse_event import OTHER, Ctcae, CtcaeTerm
from tvec.domain.safety_clock import ReportingRules
from tvec.knowledge.loader import DATA, KnowledgeError, parse_file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Grades = dict[int, str]


class TermModel(_Strict):
    name: str = Field(min_length=1)
    soc: str = Field(min_length=1)
    meddra_code: int | None = Field(default=None, ge=10_000_000, le=99_999_999)
    herpetic: bool = False
    label_words: tuple[str, ...] = ()
    source: str = Field(min_length=1)
    grades: Grades = Field(min_length=1)

    @model_validator(mode="after")
    def _grades_1_to_5(self) -> TermModel:
        if any(not 1 <= g <= 5 for g in self.grades):
            raise ValueError(f"{self.name}: grades are 1 to 5")
        if self.name.casefold() == OTHER:
            raise ValueError(f"{OTHER!r} is reserved for Other, specify")
        return self


class CtcaeModel(_Strict):
    version: str
    source: str = Field(min_length=1)
    other: TermModel
    terms: tuple[TermModel, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _named_once(self) -> CtcaeModel:
        names = [t.name.casefold() for t in self.terms]
        if len(names) != len(set(names)):
            raise ValueError("a term is named twice")
        return self


class Clocks(_Strict):
    expedited_days: int = Field(gt=0)
    fatal_days: int = Field(gt=0)
    follow_up_days: int = Field(gt=0)
    source: str = Field(min_length=1)


class Sourced(_Strict):
    source: str = Field(min_length=1)


class Urgency(Sourced):
    urgent_days: int = Field(ge=0)


class Expected(Sourced):
    terms: tuple[str, ...] = Field(min_length=1)


class ReportingModel(_Strict):
    seriousness_source: str = Field(min_length=1)
    clocks: Clocks
    herpetic: Sourced
    worklist: Urgency
    expected: Expected


@dataclass(frozen=True)
class Reporting:
    """The reporting rules with where each comes from, and the label's expected terms."""

    rules: ReportingRules
    expected_terms: frozenset[str]
    expected_source: str
    seriousness_source: str
    urgent_source: str


def _term(m: TermModel) -> CtcaeTerm:
    return CtcaeTerm(
        name=m.name,
        soc=m.soc,
        meddra_code=m.meddra_code,
        grades=dict(sorted(m.grades.items())),
        herpetic=m.herpetic,
        label_words=m.label_words,
        source=m.source,
    )


def load_ctcae_file(path: Path | str) -> Ctcae:
    m = parse_file(Path(path), CtcaeModel)
    return Ctcae(m.version, m.source, tuple(_term(t) for t in m.terms), _term(m.other))


def load_reporting_file(path: Path | str, ctcae: Ctcae) -> Reporting:
    m = parse_file(Path(path), ReportingModel)
    unknown = [t for t in m.expected.terms if ctcae.find(t) in (None, ctcae.other)]
    if unknown:
        raise KnowledgeError(str(path), "expected.terms", f"not CTCAE terms on file: {unknown}")
    rules = ReportingRules(
        expedited_days=m.clocks.expedited_days,
        fatal_days=m.clocks.fatal_days,
        follow_up_days=m.clocks.follow_up_days,
        clock_source=m.clocks.source,
        herpetic_source=m.herpetic.source,
        urgent_days=m.worklist.urgent_days,
    )
    return Reporting(
        rules,
        frozenset(m.expected.terms),
        m.expected.source,
        m.seriousness_source,
        m.worklist.source,
    )


@cache
def load_ctcae() -> Ctcae:
    """The bundled CTCAE v5.0 terms."""
    return load_ctcae_file(Path(str(DATA / "ctcae" / "v5.toml")))


@cache
def load_reporting() -> Reporting:
    """The bundled reporting rules (ICH E2A clocks, the label's expected terms)."""
    return load_reporting_file(Path(str(DATA / "safety" / "reporting.toml")), load_ctcae())
