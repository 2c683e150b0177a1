"""The active rules as tables for a clinician: one source for `tvec rules` and the docs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tvec.domain.policy import Policy
from tvec.domain.rules import (
    BillingRules,
    IndicationRule,
    LabelRules,
    ResponseCriteria,
    VolumeBand,
)
from tvec.knowledge.trials import Trial

DISCLAIMER = "tvec supports, and does not replace, clinical judgement."


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _n(value: Decimal | int) -> str:
    return format(Decimal(value).normalize(), "f") if isinstance(value, Decimal) else str(value)


def _pfu(pfu_per_ml: int) -> str:
    exponent = len(str(pfu_per_ml)) - 1
    return f"10^{exponent}" if pfu_per_ml == 10**exponent else f"{pfu_per_ml:,}"


def _band(band: VolumeBand) -> str:
    if band.above_cm is None:
        return f"≤ {_n(band.up_to_cm or Decimal(0))} cm"
    if band.up_to_cm is None:
        return f"> {_n(band.above_cm)} cm"
    return f"> {_n(band.above_cm)} cm to {_n(band.up_to_cm)} cm"


def label_sections(label: LabelRules) -> list[Section]:
    sections = [
        Section(
            "Strengths",
            ("PFU/mL", "vial mL", "cap", "NDC", "NDC (billing)", "use", "source"),
            tuple(
                (
                    _pfu(s.pfu_per_ml),
                    _n(s.vial_volume_ml),
                    s.cap_colour,
                    s.ndc,
                    s.ndc_billing,
                    s.use,
                    s.source,
                )
                for s in label.strengths
            ),
        ),
        Section(
            "Schedule",
            ("visit", "min. interval", "max. mL per visit", "strength", "lesion order", "source"),
            tuple(
                (
                    v.kind.value,
                    "–" if v.interval_days is None else f"{v.interval_days} days",
                    _n(v.max_total_volume_ml),
                    f"{_pfu(v.pfu_per_ml)} PFU/mL",
                    v.priority.value,
                    v.source,
                )
                for v in label.visits
            ),
        ),
        Section(
            "Volume per lesion by longest dimension",
            ("longest dimension", "up to mL", "source"),
            tuple((_band(b), _n(b.max_volume_ml), b.source) for b in label.volume_bands),
        ),
        Section(
            "Dosing and course",
            ("rule", "value", "source"),
            (
                ("volume step", f"{_n(label.dosing.volume_step_ml)} mL", label.dosing.source),
                ("minimum course length", f"{label.course.min_months} months", label.course.source),
                (
                    "may end earlier for",
                    ", ".join(r.value for r in label.course.early_end_reasons),
                    label.course.source,
                ),
                (
                    "re-initiation",
                    f"{label.reinitiation.description}: a new course, after an earlier course"
                    f" whose best overall response was {label.reinitiation.after_best_response}"
                    f" ({label.reinitiation.criteria} criteria)",
                    label.reinitiation.source,
                ),
            ),
        ),
        Section(
            "Who must not receive it, and where it must not go",
            ("restriction", "detail", "source"),
            tuple(
                (
                    f"contraindication ({c.group}), screened yes/no: {c.code}",
                    c.description
                    + "".join(
                        f"; a yes is refused as impossible for a {sex} patient (tvec's ruling)"
                        for sex in c.impossible_for_sex
                    ),
                    c.source,
                )
                for c in label.contraindications
            )
            + tuple(
                ("route refused: " + x.route, x.reason, x.source) for x in label.route_restrictions
            )
            + tuple(
                ("site not injected: " + x.site.value, x.reason, x.source)
                for x in label.site_restrictions
            ),
        ),
        Section(
            "Thawed product: keep at most",
            ("strength", "container", "temperature", "hours", "source"),
            tuple(
                (
                    _pfu(s.pfu_per_ml),
                    s.container.value,
                    s.temperature_text,
                    _n(s.max_hours),
                    s.source,
                )
                for s in label.stability
            )
            + tuple(
                (
                    _pfu(o.pfu_per_ml),
                    o.container.value,
                    f"{o.temperature_band} (lot {o.lot})",
                    _n(o.max_hours),
                    o.source,
                )
                for o in label.lot_overrides
            ),
        ),
    ]
    cartons = tuple(
        (_pfu(s.pfu_per_ml), s.gtin, s.ndc, s.gtin_source) for s in label.strengths if s.gtin
    )
    if cartons:  # right after the strengths
        sections.insert(
            1, Section("Carton barcode (GS1)", ("PFU/mL", "GTIN", "NDC", "source"), cartons)
        )
    if label.indication is not None:
        sections.insert(0, _indication_section(label.indication))
    sections += _label_facts(label)
    if label.billing is not None:
        sections.append(_billing_section(label.billing))
    return sections


def _indication_section(rule: IndicationRule) -> Section:
    """Who the label is indicated for, condition by condition (a course outside it needs an
    oncologist's off-label reason: tvec's ruling)."""
    rows: list[tuple[str, str, str]] = [("indicated for", rule.text, rule.source)]
    if rule.min_age_years is not None:
        rows.append(("age", f"{rule.min_age_years} years and over", rule.min_age_source))
    if rule.stages:
        rows.append(("stage", ", ".join(rule.stages), rule.source))
    conditions = [
        (rule.unresectable, "unresectable", "required"),
        (rule.recurrent_after_surgery, "recurrent after initial surgery", "required"),
    ]
    rows += [(name, value, rule.source) for applies, name, value in conditions if applies]
    if rule.excluded_distant_sites:
        sites = ", ".join(s.value for s in rule.excluded_distant_sites)
        rows.append(("excluded: disease at", sites, rule.source))
    if rule.excluded_lesion_sites:
        sites = ", ".join(s.value for s in rule.excluded_lesion_sites)
        rows.append(("excluded: a lesion at", sites, rule.source))
    if rule.lesion_sites:
        sites = ", ".join(s.value for s in rule.lesion_sites)
        rows.append(("lesions treated", sites, rule.source))
    rows.append(
        (
            "outside the indication",
            "a course starts only with an oncologist's off-label reason; unrecorded facts count "
            "as not shown to be within it",
            "tvec's ruling",
        )
    )
    return Section("Indication", ("condition", "value", "source"), tuple(rows))


def _label_facts(label: LabelRules) -> list[Section]:
    """The label's definitions, warnings, duties and storage: facts for the clinic to know."""
    notes = ("fact", "detail", "source")
    sections = []
    if label.injectable_lesion is not None:
        n = label.injectable_lesion
        sections.append(Section("Injectable lesion", notes, ((n.code, n.text, n.source),)))
    if label.warnings:
        rows = tuple((n.code, n.text, n.source) for n in label.warnings)
        sections.append(Section("Warnings and precautions", notes, rows))
    if label.handling:
        rows = tuple((n.code, n.text, n.source) for n in label.handling)
        sections.append(Section("At every administration", notes, rows))
    if label.storage is not None:
        st = label.storage
        frozen = f"{st.frozen_min_c} °C to {st.frozen_max_c} °C, {st.frozen_text}"
        sections.append(
            Section(
                "Storage and thawing",
                ("item", "value", "source"),
                (
                    ("frozen storage", frozen.replace("-", "−"), st.source),
                    (
                        "shipping container",
                        f"keeps temperature up to {st.shipping_container_hours} h after sealing",
                        st.shipping_source,
                    ),
                    ("thaw", f"{st.thaw_text}; about {st.thaw_minutes} min", st.thaw_source),
                    ("refreeze", "allowed" if st.refreeze else "never", st.thaw_source),
                    *_cold_chain_rows(label),
                ),
            )
        )
    return sections


def _cold_chain_rows(label: LabelRules) -> list[tuple[str, str, str]]:
    """The band each storage location must hold, and when leaving it is an excursion."""
    rows = [
        (
            f"{b.location.value} band",
            f"{_n(b.min_c)} °C to {_n(b.max_c)} °C".replace("-", "−"),
            b.source,
        )
        for b in label.storage_bands
    ]
    if label.excursions is not None:
        minimum = label.excursions.min_duration_minutes
        rule = (
            "any reading out of band starts one, however short"
            if minimum == 0
            else f"out of band for at least {minimum} min"
        )
        rows.append(
            (
                "temperature excursion",
                f"{rule}; it ends at the first reading back in band",
                label.excursions.source,
            )
        )
    return rows


def _billing_section(b: BillingRules) -> Section:
    rows: list[tuple[str, str, str]] = [
        ("drug code", b.hcpcs, b.source),
        ("one unit", f"{b.pfu_per_unit:,} PFU", b.source),
        ("units on a claim line", "whole: a part unit is rounded up", b.units_source),
        (
            "modifier, drug discarded",
            f"{b.discarded_modifier}, on its own line, for at least {b.min_discarded_units} "
            "whole unit(s) left of the vials thawed",
            b.units_source,
        ),
        (
            "modifier, nothing discarded",
            f"{b.nothing_discarded_modifier}, on the single administered line",
            b.source,
        ),
    ]
    if b.modifier_required_from is not None:
        rows.append(
            (
                "modifier required from",
                b.modifier_required_from.isoformat(),
                b.modifier_dates_source,
            )
        )
    if b.claims_returned_from is not None:
        rows.append(
            (
                "claims without the modifier may be returned from",
                b.claims_returned_from.isoformat(),
                b.modifier_dates_source,
            )
        )
    rows += [("administration: " + c.code, c.description, c.source) for c in b.administration_codes]
    return Section("Billing", ("item", "value", "source"), tuple(rows))


def trial_section(t: Trial) -> Section:
    """The pivotal trial's size and its most common adverse reactions, for the clinic to know."""
    ar = t.adverse_reactions
    arms = ", ".join(f"{arm.name} {arm.n}" for arm in t.arms)
    return Section(
        f"Pivotal trial: {t.title}",
        ("item", "value", "source"),
        (
            ("patients randomised", f"{t.patients} ({arms})", t.patients_source),
            *(
                (
                    f"adverse reaction: {a.term}",
                    f"{a.tvec_pct}% vs {a.gmcsf_pct}% (T-VEC vs GM-CSF)",
                    ar.source,
                )
                for a in ar.rates
            ),
            *(
                (f"recorded as (CTCAE): {a.term}", ", ".join(a.ctcae_terms), ar.ctcae_terms_source)
                for a in ar.rates
            ),
            (
                "most common serious adverse reaction",
                ar.most_common_serious,
                ar.most_common_serious_source,
            ),
        ),
    )


def criteria_section(c: ResponseCriteria) -> Section:
    pr, pd, conf, dr = c.partial_response, c.progression, c.confirmation, c.durable_response
    yes_no = {True: "yes", False: "no"}
    return Section(
        f"Response criteria: {c.name}",
        ("rule", "value", "source"),
        (
            ("complete response", "every lesion gone (0 × 0)", c.source),
            (
                "partial response",
                f"sum of products ≥ {_n(pr.min_decrease_from_baseline_pct)}% below baseline",
                pr.source,
            ),
            (
                "progression",
                f"sum of products ≥ {_n(pd.min_increase_from_nadir_pct)}% above nadir",
                pd.source,
            ),
            ("a new lesion is progression", yes_no[pd.new_lesion_is_progression], pd.source),
            ("new lesions join the sum", yes_no[pd.new_lesions_added_to_sum], pd.source),
            (
                "confirmation",
                f"≥ {conf.min_days} days later" if conf.min_days else "none",
                conf.source,
            ),
            (
                "response after progression counts",
                yes_no[conf.response_after_progression_counts],
                conf.source,
            ),
            (
                "durable response",
                f"held ≥ {dr.min_duration_months} months, beginning within "
                f"{dr.onset_within_months} months of the start",
                dr.source,
            ),
            (
                f"onset on the date {dr.onset_within_months} months after the start",
                "counts" if dr.onset_on_boundary_date_counts else "does not count (not durable)",
                dr.boundary_ruling,
            ),
            (
                "lesion-level shrinkage",
                f"≥ {_n(c.lesion_level.min_shrinkage_pct)}% decrease",
                c.lesion_level.source,
            ),
        ),
    )


def _md_table(section: Section) -> str:
    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    lines = [f"### {section.title}", "", row(section.columns), row(["---"] * len(section.columns))]
    lines += [row(r) for r in section.rows]
    return "\n".join(lines) + "\n"


def rules_markdown(
    labels: Sequence[LabelRules],
    criteria: Sequence[ResponseCriteria],
    trials: Sequence[Trial] = (),
    policies: Sequence[Policy] = (),
    programmes: Sequence[Section] = (),
    safety: Sequence[Section] = (),
    adverse_events: Sequence[Section] = (),
) -> str:
    """docs/rules.md: every label variant and every response criteria set on file."""
    parts = [
        "# tvec rules\n",
        "Generated from the knowledge data in `src/tvec/knowledge/data/` by `make docs` "
        "(`tvec rules --markdown`); do not edit by hand. Every value names its source.\n",
        f"> {DISCLAIMER}\n",
    ]
    for label in labels:
        parts.append(
            f"## {label.title} (`--label {label.variant}`)\n\nRevision: {label.revision}\n"
        )
        parts += [_md_table(s) for s in label_sections(label)]
    parts.append("## Tumour response criteria\n")
    for c in criteria:
        parts.append(f"{c.title} (`--criteria {c.name}`).\n")
        parts.append(_md_table(criteria_section(c)))
    if trials:
        parts.append("## Published trial figures\n")
        parts += [_md_table(trial_section(t)) for t in trials]
    if policies:
        from tvec.knowledge.policy_book import policies_markdown

        parts.append(policies_markdown(list(policies)))
    if programmes:
        parts.append("## Safety programme\n")
        parts += [_md_table(s) for s in programmes]
    if safety:
        parts.append("## Patient alert card, education and accidental exposure\n")
        parts += [_md_table(s) for s in safety]
    if adverse_events:
        parts.append("## Adverse events\n")
        parts += [_md_table(section) for section in adverse_events]
    return "\n".join(parts)


def all_rules_markdown() -> str:
    """The whole rules page: the default (US) label first, then the others, then the criteria."""
    from tvec.knowledge.alert_card import alert_card_sections, load_alert_card
    from tvec.knowledge.ctcae_rules import adverse_event_sections
    from tvec.knowledge.fhir_codes import codes_markdown, load_fhir_codes
    from tvec.knowledge.loader import (
        available_criteria,
        available_labels,
        load_criteria,
        load_label,
    )
    from tvec.knowledge.policies import load_policies
    from tvec.knowledge.programme import all_programme_sections
    from tvec.knowledge.trials import available_trials, load_trial

    variants = sorted(available_labels(), key=lambda v: (v != "us", v))
    page = rules_markdown(
        [load_label(v) for v in variants],
        [load_criteria(c) for c in available_criteria()],
        [load_trial(t) for t in available_trials()],
        list(load_policies().values()),
        all_programme_sections(),
        alert_card_sections(load_alert_card()),
        adverse_event_sections(),
    )
    from tvec.knowledge.claim_book import claim_codes_markdown
    from tvec.knowledge.claim_codes import load_claim_codes
    from tvec.knowledge.follow_up import follow_up_markdown, load_follow_up

    return (
        page
        + "\n"
        + claim_codes_markdown(load_claim_codes("us"))
        + "\n"
        + codes_markdown(load_fhir_codes())
        + "\n"
        + follow_up_markdown(load_follow_up())
    )


# Shared with the coverage policies' tables (tvec.knowledge.policy_book).
md_table = _md_table
pfu_text = _pfu
