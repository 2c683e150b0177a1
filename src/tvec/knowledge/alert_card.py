"""The patient alert card, education topics and accidental-exposure terms, as sourced data.

`data/safety/alert-card.toml` holds what the EU patient alert card says (its warnings, what to
tell other doctors), the education topics given to the patient and caregivers, the kinds of
accidental exposure and the first actions after one, and the follow-up interval (tvec's ruling:
the label gives none). Every value names its source; `alert_card_sections` renders them for
docs/rules.md and `tvec rules`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tvec.knowledge.loader import DATA, parse_file
from tvec.knowledge.rulebook import Section

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CardWarning(_Strict):
    code: Code
    text: Text
    source: Text


class EducationTopic(_Strict):
    code: Code
    title: Text
    text: Text
    source: Text


class Term(_Strict):
    """An exposure kind or a first action after an exposure."""

    code: Code
    description: Text
    source: Text


class FollowUp(_Strict):
    days: int = Field(gt=0)
    source: Text


def _unique(kind: str, codes: list[str]) -> None:
    if len(set(codes)) != len(codes):
        raise ValueError(f"{kind}: every code must be different")


class AlertCardData(_Strict):
    card_labels: tuple[Code, ...] = Field(min_length=1)
    card_labels_source: Text
    product: Text
    active_substance: Text
    product_source: Text
    product_description: Text
    product_description_source: Text
    tell_other_doctors: Text
    tell_other_doctors_source: Text
    warnings: tuple[CardWarning, ...] = Field(min_length=1)
    education_topics: tuple[EducationTopic, ...] = Field(min_length=1)
    exposure_kinds: tuple[Term, ...] = Field(min_length=1)
    exposure_actions: tuple[Term, ...] = Field(min_length=1)
    follow_up: FollowUp

    @model_validator(mode="after")
    def _codes_unique(self) -> AlertCardData:
        _unique("warnings", [w.code for w in self.warnings])
        _unique("education_topics", [t.code for t in self.education_topics])
        _unique("exposure_kinds", [k.code for k in self.exposure_kinds])
        _unique("exposure_actions", [a.code for a in self.exposure_actions])
        return self

    def needs_card(self, label_variant: str) -> bool:
        """Whether a course on this label gets the patient alert card at its first dose."""
        return label_variant in self.card_labels

    def card_sources(self) -> tuple[str, ...]:
        """The label sections the card's texts come from, each once, in the order first named."""
        found: list[str] = []
        for source in (self.card_labels_source.split(":")[0], *(w.source for w in self.warnings)):
            for part in (p.strip() for p in source.split(";")):
                if part and part not in found:
                    found.append(part)
        return tuple(found)

    def topic_codes(self) -> frozenset[str]:
        return frozenset(t.code for t in self.education_topics)

    def kind(self, code: str) -> Term | None:
        return next((k for k in self.exposure_kinds if k.code == code), None)

    def action(self, code: str) -> Term | None:
        return next((a for a in self.exposure_actions if a.code == code), None)

    def topic(self, code: str) -> EducationTopic | None:
        return next((t for t in self.education_topics if t.code == code), None)


@cache
def load_alert_card() -> AlertCardData:
    """The bundled alert-card data."""
    return load_alert_card_file(Path(str(DATA / "safety" / "alert-card.toml")))


def load_alert_card_file(path: Path | str) -> AlertCardData:
    return parse_file(Path(path), AlertCardData)


def alert_card_sections(d: AlertCardData) -> list[Section]:
    """The card's content, the education topics and the exposure terms, for the rules page."""
    labels = ", ".join(v.upper() for v in d.card_labels)
    return [
        Section(
            "Patient alert card",
            ("item", "text", "source"),
            (
                ("given at the first dose of", f"{labels} courses", d.card_labels_source),
                ("product", f"{d.product} ({d.active_substance})", d.product_source),
                ("what it is", d.product_description, d.product_description_source),
                ("tell other doctors", d.tell_other_doctors, d.tell_other_doctors_source),
                *((f"warning: {w.code}", w.text, w.source) for w in d.warnings),
            ),
        ),
        Section(
            "Patient and caregiver education topics",
            ("topic", "what is taught", "source"),
            tuple((t.title, t.text, t.source) for t in d.education_topics),
        ),
        Section(
            "Accidental exposure",
            ("kind", "code", "source"),
            (
                *((f"exposure: {k.description}", k.code, k.source) for k in d.exposure_kinds),
                *((f"action: {a.description}", a.code, a.source) for a in d.exposure_actions),
                (
                    "follow-up of the exposed person",
                    f"{d.follow_up.days} days after the exposure",
                    d.follow_up.source,
                ),
            ),
        ),
    ]
