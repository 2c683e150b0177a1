"""The safety programme per region (US, EU) as data: what a centre, its staff and the patient must
have before a course or a dose, loaded into the domain's frozen `Programme`.

A malformed file fails at load with the file and the field (`KnowledgeError`): an unknown key, a
fact tvec cannot gather, a fact whose subject is not the requirement's, two requirements with the
same id, a tvec rule whose source does not say so.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tvec.domain import programme as p
from tvec.knowledge.loader import KnowledgeError, bundled_file, bundled_names, parse_file
from tvec.knowledge.rulebook import Section

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
TVEC_RULE = "tvec's rule"
ENFORCEMENT_WORDS = {p.Enforcement.BLOCK: "stops the step (block)", p.Enforcement.WARN: "warns"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainingModel(_Strict):
    code: Id
    title: Text
    source: Text
    expiry_warning_days: Annotated[int, Field(gt=0)]
    warning_source: Text


class AttestationModel(_Strict):
    statement: Text
    source: Text
    renewal_days: Annotated[int, Field(gt=0)]
    renewal_source: Text


class RequirementModel(_Strict):
    id: Id
    subject: p.Subject
    fact: Text
    needs: Text
    to_do: Text
    applies: p.Moment
    enforcement: p.Enforcement
    who_acts: Text
    source: Text
    tvec_rule: bool = False


class ProgrammeModel(_Strict):
    region: Id
    title: Text
    label_variant: Id
    training: TrainingModel
    attestation: AttestationModel
    requirements: tuple[RequirementModel, ...] = Field(min_length=1)


def available_programmes() -> list[str]:
    return bundled_names("programme")


@cache
def load_programme(region: str = "us") -> p.Programme:
    """The bundled programme of `region` (see `available_programmes()`)."""
    return load_programme_file(bundled_file("programme", region, available_programmes()))


def programme_for_label(label_variant: str) -> p.Programme:
    """The programme that governs courses under `label_variant` (each region names its label)."""
    for region in available_programmes():
        found = load_programme(region)
        if found.label_variant == label_variant:
            return found
    raise KnowledgeError(
        "knowledge/data/programme", "label_variant", f"no programme for label {label_variant!r}"
    )


def load_programme_file(path: Path | str) -> p.Programme:
    m = parse_file(Path(path), ProgrammeModel)
    where = str(path)
    seen: set[str] = set()
    for i, req in enumerate(m.requirements):
        _check_requirement(where, i, req, seen)
    return p.Programme(
        region=m.region,
        title=m.title,
        label_variant=m.label_variant,
        training=p.TrainingCourse(**m.training.model_dump()),
        attestation=p.AttestationRule(**m.attestation.model_dump()),
        requirements=tuple(p.Requirement(**req.model_dump()) for req in m.requirements),
    )


def _check_requirement(path: str, i: int, req: RequirementModel, seen: set[str]) -> None:
    where = f"requirements.{i}"
    if req.id in seen:
        raise KnowledgeError(path, f"{where}.id", f"{req.id!r} is given twice")
    seen.add(req.id)
    if req.fact not in p.FACTS:
        raise KnowledgeError(
            path, f"{where}.fact", f"tvec gathers no fact {req.fact!r} (known: {sorted(p.FACTS)})"
        )
    if req.fact.split(".")[0] != req.subject.value:
        raise KnowledgeError(path, f"{where}.fact", f"is not a fact about the {req.subject.value}")
    if req.who_acts not in p.ACTORS:
        raise KnowledgeError(
            path, f"{where}.who_acts", f"names no role (known: {sorted(p.ACTORS)})"
        )
    if req.tvec_rule and TVEC_RULE not in req.source:
        raise KnowledgeError(path, f"{where}.source", f"a tvec rule's source says {TVEC_RULE!r}")


def programme_sections(prog: p.Programme) -> list[Section]:
    """The programme as tables for `tvec rules` and docs/rules.md."""
    t, a = prog.training, prog.attestation
    rows = tuple(
        (
            r.id,
            p.SUBJECT_WORDS[r.subject],
            r.needs,
            r.applies.value,
            ENFORCEMENT_WORDS[r.enforcement],
            f"{r.who_acts}: {r.to_do}",
            r.source,
        )
        for r in prog.requirements
    )
    staff = (
        ("training", f"{t.title} (code {t.code})", t.source),
        (
            "training expiry warning",
            f"{t.expiry_warning_days} days before expiry",
            t.warning_source,
        ),
        ("staff attestation", a.statement, a.source),
        ("attestation renewed", f"every {a.renewal_days} days", a.renewal_source),
    )
    return [
        Section(
            f"Safety programme: {prog.title}",
            ("id", "subject", "needs", "when", "if missing", "who acts", "source"),
            rows,
        ),
        Section(
            f"Staff training and attestation ({prog.region})", ("item", "value", "source"), staff
        ),
    ]


def all_programme_sections() -> list[Section]:
    """Every region's programme, US first."""
    regions = sorted(available_programmes(), key=lambda r: (r != "us", r))
    return [s for r in regions for s in programme_sections(load_programme(r))]
