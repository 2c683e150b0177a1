"""Claim codes as data (`data/claims/<label>.toml`): NDC qualifier and unit, the administration and
guidance procedure codes, the ICD-10-CM diagnosis codes tvec offers, and the places of service.

Every value names its source; a malformed file fails at load naming the file and the field. The
drug code itself (J9325) and the NDC of each strength are the label's (`load_label(...).billing`,
`.strengths`), never written twice.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tvec.domain import claims as c
from tvec.knowledge.loader import bundled_file, bundled_names, parse_file

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Icd10 = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{2}\.[0-9A-Z]{1,4}$")]


class _Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: Text


class NdcModel(_Sourced):
    qualifier: Text
    unit: Text


class AdministrationModel(_Sourced):
    few_lesions_code: Text
    many_lesions_code: Text
    most_lesions_for_few: Annotated[int, Field(gt=0)]
    ultrasound_code: Text


class DiagnosisModel(_Sourced):
    code: Icd10
    description: Text
    group: Text


class PlaceModel(_Sourced):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
    name: Text


class ClaimCodesModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: Text
    label: Text
    ndc: NdcModel
    administration: AdministrationModel
    diagnoses: tuple[DiagnosisModel, ...] = Field(min_length=1)
    places_of_service: tuple[PlaceModel, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ClaimCodesModel:
        for name, values in (
            ("diagnoses", [d.code for d in self.diagnoses]),
            ("places_of_service", [p.code for p in self.places_of_service]),
        ):
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: a code is listed twice")
        return self


def available_claim_codes() -> list[str]:
    return bundled_names("claims")


@cache
def load_claim_codes(label: str = "us") -> c.ClaimCodes:
    """The bundled claim codes for the label variant `label` (see `available_claim_codes()`)."""
    return load_claim_codes_file(bundled_file("claims", label, available_claim_codes()))


def load_claim_codes_file(path: Path | str) -> c.ClaimCodes:
    m = parse_file(Path(path), ClaimCodesModel)
    a = m.administration
    return c.ClaimCodes(
        ndc_qualifier=m.ndc.qualifier,
        ndc_unit=m.ndc.unit,
        ndc_source=m.ndc.source,
        few_lesions_code=a.few_lesions_code,
        many_lesions_code=a.many_lesions_code,
        most_lesions_for_few=a.most_lesions_for_few,
        ultrasound_code=a.ultrasound_code,
        administration_source=a.source,
        diagnoses=tuple(c.DiagnosisCode(**d.model_dump()) for d in m.diagnoses),
        places_of_service=tuple(c.PlaceOfService(**p.model_dump()) for p in m.places_of_service),
    )
