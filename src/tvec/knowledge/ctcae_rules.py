"""The adverse-event rules as tables for `tvec rules` and docs/rules.md: CTCAE terms and grades,
seriousness, expectedness and the reporting deadlines, each with its source."""

from __future__ import annotations

from tvec.domain.adverse_event import CRITERIA_WORDS, Ctcae
from tvec.knowledge.ctcae import Reporting, load_ctcae, load_reporting
from tvec.knowledge.rulebook import Section


def _grades(grades: dict[int, str]) -> tuple[str, ...]:
    return tuple(("–" if g not in grades else grades[g] or "(see CTCAE v5.0)") for g in range(1, 6))


def ctcae_section(c: Ctcae) -> Section:
    terms = (*c.terms, c.other)
    return Section(
        f"Adverse-event terms and grades (CTCAE {c.version}; {c.source})",
        ("term", "label's words", "MedDRA SOC", "MedDRA code", "1", "2", "3", "4", "5", "source"),
        tuple(
            (
                t.name,
                ", ".join(t.label_words) or "–",
                t.soc,
                str(t.meddra_code) if t.meddra_code else "–",
                *_grades(dict(t.grades)),
                t.source,
            )
            for t in terms
        ),
    )


def reporting_section(r: Reporting) -> Section:
    rules = r.rules
    return Section(
        "Adverse-event seriousness, expectedness and reporting",
        ("rule", "value", "source"),
        (
            ("serious when it", "; ".join(CRITERIA_WORDS.values()), r.seriousness_source),
            ("expected terms", ", ".join(sorted(r.expected_terms)), r.expected_source),
            (
                "expedited report (serious, unexpected, related yes or unknown)",
                f"{rules.expedited_days} calendar days from awareness",
                rules.clock_source,
            ),
            (
                "fatal or life-threatening",
                f"{rules.fatal_days} calendar days; follow-up {rules.follow_up_days} days later",
                rules.clock_source,
            ),
            ("suspected herpetic lesion", "report to the manufacturer", rules.herpetic_source),
            (
                "shown in red on the worklist",
                f"{rules.urgent_days} days left or fewer",
                r.urgent_source,
            ),
        ),
    )


def adverse_event_sections() -> list[Section]:
    return [ctcae_section(load_ctcae()), reporting_section(load_reporting())]
