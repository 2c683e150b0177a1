"""Calibration targets of the synthetic registry (published trial figures with their sources).

Each target is a published figure (or a direction, where the source gives no number) with the
tolerance within which a 100,000-patient synthetic registry must land. These are reference
figures for a simulation, never inputs to a treatment decision.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tvec.knowledge.loader import KnowledgeError, bundled_file, bundled_names, parse_file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CalibrationTarget(_Strict):
    key: str = Field(min_length=1)
    what: str = Field(min_length=1)
    value: str  # a decimal as published or derived; "" when only a direction is published
    tolerance: str  # absolute, in the value's unit; "" for a direction
    direction: str = ""
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _value_or_direction(self) -> CalibrationTarget:
        if self.value:
            float(self.value), float(self.tolerance)  # both decimals
        elif not self.direction:
            raise ValueError("a target without a value must state its direction")
        return self

    @property
    def number(self) -> float | None:
        return float(self.value) if self.value else None

    @property
    def within(self) -> float | None:
        return float(self.tolerance) if self.tolerance else None


class Calibration(_Strict):
    trial: str
    title: str
    targets: tuple[CalibrationTarget, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys_unique(self) -> Calibration:
        keys = [t.key for t in self.targets]
        if len(set(keys)) != len(keys):
            raise ValueError("target keys must be unique")
        return self

    def target(self, key: str) -> CalibrationTarget:
        for target in self.targets:
            if target.key == key:
                return target
        raise KnowledgeError(f"calibration/{self.trial}", "targets", f"no target {key!r}")


def available_calibrations() -> list[str]:
    return bundled_names("calibration")


@cache
def load_calibration(name: str = "optim") -> Calibration:
    """The bundled calibration targets for trial `name` (see `available_calibrations()`)."""
    return load_calibration_file(bundled_file("calibration", name, available_calibrations()))


def load_calibration_file(path: Path | str) -> Calibration:
    return parse_file(Path(path), Calibration)
