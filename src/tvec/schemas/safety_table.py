"""The centre's safety table as the API sends it (`GET /safety/table`): counts, no patient."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tvec.analytics.safety import ArmCounts, ComparedRow, Count, SafetyTable, TermRow


class CountOut(BaseModel):
    patients: int
    of: int = Field(description="The patients given at least one dose (the denominator).")
    pct: float | None = Field(description="patients / of, in %; null for an empty arm.")

    @classmethod
    def of_count(cls, c: Count) -> CountOut:
        return cls(patients=c.patients, of=c.of, pct=None if c.pct is None else round(c.pct, 1))


class ArmCountsOut(BaseModel):
    any_grade: CountOut
    grade_3_or_worse: CountOut
    serious: CountOut
    related: CountOut
    by_worst_grade: list[int] = Field(description="Patients by worst CTCAE grade, 1 to 5.")

    @classmethod
    def of_counts(cls, c: ArmCounts) -> ArmCountsOut:
        return cls(
            any_grade=CountOut.of_count(c.any_grade),
            grade_3_or_worse=CountOut.of_count(c.grade_3_or_worse),
            serious=CountOut.of_count(c.serious),
            related=CountOut.of_count(c.related),
            by_worst_grade=list(c.by_worst_grade),
        )


class TermRowOut(BaseModel):
    term: str
    arms: dict[str, ArmCountsOut]

    @classmethod
    def of_row(cls, row: TermRow) -> TermRowOut:
        return cls(term=row.term, arms={a: ArmCountsOut.of_counts(c) for a, c in row.arms.items()})


class PublishedOut(BaseModel):
    reaction: str
    recorded_as: list[str] = Field(description="The CTCAE v5.0 terms counted for it here.")
    published_pct: dict[str, str] = Field(description="The trial's arms, % as published.")
    centre: dict[str, ArmCountsOut]

    @classmethod
    def of_compared(cls, c: ComparedRow) -> PublishedOut:
        return cls(
            reaction=c.published.reaction,
            recorded_as=list(c.published.matches),
            published_pct=dict(c.published.rates),
            centre={a: ArmCountsOut.of_counts(n) for a, n in c.row.arms.items()},
        )


class SafetyTableOut(BaseModel):
    centre: str
    patients: dict[str, int] = Field(description="Patients given at least one dose, per arm.")
    rows: list[TermRowOut] = Field(description="'any adverse event' first, then each term.")
    published: list[PublishedOut]
    trial: str
    trial_source: str
    note: str

    @classmethod
    def of_table(
        cls,
        centre: str,
        table: SafetyTable,
        compared: tuple[ComparedRow, ...],
        trial: tuple[str, str],
        note: str,
    ) -> SafetyTableOut:
        return cls(
            centre=centre,
            patients=dict(table.patients),
            rows=[TermRowOut.of_row(row) for row in table.rows],
            published=[PublishedOut.of_compared(c) for c in compared],
            trial=trial[0],
            trial_source=trial[1],
            note=note,
        )
