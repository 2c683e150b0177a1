"""Payer coverage policies as data (`knowledge/data/policies/<id>.toml`), loaded into `Policy`.

Each file is one version of one payer policy: its effective dates, criteria (each with a stable
id, the check it runs, the chart fact it reads and the section it was read from), the documents it
asks for, the authorization lengths, the per-visit unit caps and whether discarded units count.
A malformed file raises `KnowledgeError` naming the file and the field, at load time. An unknown
policy id asked for by a person is refused as input (`InvalidInput` on `policy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

from tvec.domain import policy as p
from tvec.domain.errors import InvalidInput
from tvec.knowledge.loader import DATA, KnowledgeError, bundled_names, parse_file

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.\-]*$")]
Months = Annotated[int, Field(gt=0, le=60)]
FOLDER = "policies"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CriterionModel(_Strict):
    id: Id
    check: p.Check
    reads: Text
    text: Text
    values: tuple[Text, ...]
    applies_to: p.AppliesTo
    source: Text

    @model_validator(mode="after")
    def _consistent(self) -> CriterionModel:
        if self.reads != p.CHECK_READS[self.check]:
            raise ValueError(
                f"reads {self.reads!r}, but check {self.check.value!r} reads "
                f"{p.CHECK_READS[self.check]!r}"
            )
        if (self.check in p.CHECKS_WITH_VALUES) != bool(self.values):
            wanted = "needs values" if self.check in p.CHECKS_WITH_VALUES else "takes no values"
            raise ValueError(f"check {self.check.value!r} {wanted}")
        return self


class DocumentModel(_Strict):
    id: Id
    text: Text
    applies_to: p.AppliesTo
    source: Text


class AuthorizationModel(_Strict):
    initial_months: dict[p.ReviewType, Months]
    reauthorization_months: Months
    source: Text

    @model_validator(mode="after")
    def _every_review_type(self) -> AuthorizationModel:
        missing = [t.value for t in p.ReviewType if t not in self.initial_months]
        if missing:
            raise ValueError(f"initial_months needs every review type (missing: {missing})")
        return self


class DoseCapModel(_Strict):
    pfu_per_ml: Annotated[int, Field(gt=0)]
    max_units_per_visit: Annotated[int, Field(gt=0)]
    source: Text


class NoteModel(_Strict):
    text: Text
    source: Text


class PolicyModel(_Strict):
    id: Id
    version: Text
    title: Text
    payer: Text
    effective_from: date
    effective_to: date | None = None
    last_revised: date
    source: Text
    example: StrictBool
    discarded_units_count: StrictBool
    discarded_units_source: Text
    criteria: tuple[CriterionModel, ...] = Field(min_length=1)
    documents_required: tuple[DocumentModel, ...]
    authorization: AuthorizationModel
    dose_caps: tuple[DoseCapModel, ...]
    notes: tuple[NoteModel, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> PolicyModel:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        for name, ids in (
            ("criteria", [c.id for c in self.criteria]),
            ("documents_required", [d.id for d in self.documents_required]),
            ("dose_caps", [str(c.pfu_per_ml) for c in self.dose_caps]),
        ):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"{name}: {twice} given twice")
        return self


def available_policies() -> list[str]:
    return bundled_names(FOLDER)


@cache
def load_policies() -> Mapping[str, p.Policy]:
    """Every bundled policy, by id (the real ones first, then the examples)."""
    policies = [
        load_policy_file(Path(str(DATA / FOLDER / f"{i}.toml"))) for i in available_policies()
    ]
    policies.sort(key=lambda pol: (pol.example, pol.id))
    return MappingProxyType({pol.id: pol for pol in policies})


def load_policy(policy_id: str) -> p.Policy:
    """The bundled policy `policy_id`; an unknown id is refused naming the field `policy`."""
    policies = load_policies()
    if policy_id not in policies:
        raise InvalidInput(
            "Coverage",
            "policy",
            f"names no policy on file (known: {', '.join(policies)})",
            policy_id,
            label="Payer policy",
        )
    return policies[policy_id]


def load_policy_file(path: Path | str) -> p.Policy:
    """One policy file; its id must be its file name (`5.01.562.toml` holds policy 5.01.562)."""
    path = Path(path)
    m = parse_file(path, PolicyModel)
    if m.id != path.name.removesuffix(".toml"):
        raise KnowledgeError(str(path), "id", f"{m.id!r} is not the file's name")
    return _policy(m)


def _policy(m: PolicyModel) -> p.Policy:
    a = m.authorization
    return p.Policy(
        id=m.id,
        version=m.version,
        title=m.title,
        payer=m.payer,
        effective_from=m.effective_from,
        effective_to=m.effective_to,
        last_revised=m.last_revised,
        source=m.source,
        criteria=tuple(p.Criterion(**c.model_dump(exclude={"reads"})) for c in m.criteria),
        documents_required=tuple(
            p.RequiredDocument(**d.model_dump()) for d in m.documents_required
        ),
        authorization=p.AuthorizationTerms(
            MappingProxyType(dict(a.initial_months)), a.reauthorization_months, a.source
        ),
        dose_caps=tuple(p.DoseCap(**c.model_dump()) for c in m.dose_caps),
        discarded_units_count=m.discarded_units_count,
        discarded_units_source=m.discarded_units_source,
        example=m.example,
        notes=tuple(p.PolicyNote(**n.model_dump()) for n in m.notes),
    )
