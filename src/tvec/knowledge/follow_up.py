"""Follow-up facts as data: the ECOG scale, cause-of-death and prior-therapy categories, and
tvec's line-of-therapy rule (`data/follow_up/follow_up.toml`).

`load_follow_up()` reads the file into a frozen `FollowUpBook`; codes must be unique, the ECOG
grades 0 to 4 each once, and a source that is tvec's own choice must say "tvec's rule".
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, model_validator

from tvec.knowledge.loader import DATA, parse_file

if TYPE_CHECKING:
    from tvec.knowledge.rulebook import Section

FILE = Path(str(DATA / "follow_up" / "follow_up.toml"))
TVEC_RULE = "tvec's rule"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Grade(_Strict):
    grade: int
    text: str


class Ecog(_Strict):
    source: str
    baseline_grades_source: str
    grades: tuple[Grade, ...]


class Item(_Strict):
    code: str
    text: str


class Categories(_Strict):
    source: str
    items: tuple[Item, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    def text(self, code: str) -> str:
        return next((i.text for i in self.items if i.code == code), code)


class Lines(_Strict):
    first_line: str
    first_line_source: str
    same_line: str
    same_line_source: str


class FollowUpBook(_Strict):
    ecog: Ecog
    death_causes: Categories
    therapy_categories: Categories
    lines: Lines

    @model_validator(mode="after")
    def _consistent(self) -> FollowUpBook:
        if sorted(g.grade for g in self.ecog.grades) != [0, 1, 2, 3, 4]:
            raise ValueError("ecog.grades: must define grades 0 to 4, each once")
        for name, table in (
            ("death_causes", self.death_causes),
            ("therapy_categories", self.therapy_categories),
        ):
            if len(set(table.codes)) != len(table.codes):
                raise ValueError(f"{name}.items: codes must be unique")
            if TVEC_RULE not in table.source:
                raise ValueError(f"{name}.source: tvec's own list must say {TVEC_RULE!r}")
        for source in (self.lines.first_line_source, self.lines.same_line_source):
            if TVEC_RULE not in source:
                raise ValueError(f"lines: tvec's own rule must say {TVEC_RULE!r}")
        return self

    @property
    def ecog_grades(self) -> tuple[int, ...]:
        return tuple(sorted(g.grade for g in self.ecog.grades))

    def ecog_text(self, grade: int) -> str:
        return next(g.text for g in self.ecog.grades if g.grade == grade)


@cache
def load_follow_up() -> FollowUpBook:
    return load_follow_up_file(FILE)


def load_follow_up_file(path: Path | str) -> FollowUpBook:
    """The follow-up file at `path`; a fault is a `KnowledgeError` naming the field."""
    return parse_file(Path(path), FollowUpBook)


def follow_up_sections(book: FollowUpBook) -> list[Section]:
    """The ECOG scale, the cause-of-death and prior-therapy categories and the line rules, as
    tables for `tvec rules` and the rules page."""
    from tvec.knowledge.rulebook import Section

    ecog = tuple((str(g.grade), g.text, book.ecog.source) for g in book.ecog.grades)
    ecog += (("5", "recorded as the death, not as a status", book.ecog.baseline_grades_source),)
    causes = tuple((i.code, i.text, book.death_causes.source) for i in book.death_causes.items)
    therapies = tuple(
        (i.code, i.text, book.therapy_categories.source) for i in book.therapy_categories.items
    )
    lines = (
        ("first line", book.lines.first_line, book.lines.first_line_source),
        ("same line", book.lines.same_line, book.lines.same_line_source),
    )
    return [
        Section("ECOG performance status at baseline", ("grade", "meaning", "source"), ecog),
        Section("Cause of death", ("code", "category", "source"), causes),
        Section("Prior systemic therapy", ("code", "category", "source"), therapies),
        Section("Line of therapy", ("rule", "what it means", "source"), lines),
    ]


def follow_up_markdown(book: FollowUpBook) -> str:
    """The rules page's part on follow-up: death, performance status, prior therapies."""
    from tvec.knowledge.rulebook import md_table

    title = "## Follow-up: death, performance status and prior therapies\n"
    return "\n".join([title, *(md_table(s) for s in follow_up_sections(book))])
