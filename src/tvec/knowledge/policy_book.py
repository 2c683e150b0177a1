"""Payer coverage policies as tables for a reviewer: for `tvec rules` and docs/rules.md."""

from __future__ import annotations

from tvec.domain.policy import AppliesTo, Policy, ReviewType
from tvec.knowledge.rulebook import Section, md_table, pfu_text

_ASKED = {
    AppliesTo.ALL: "every request",
    AppliesTo.INITIAL: "initial request",
    AppliesTo.REAUTHORIZATION: "re-authorization",
}


def policy_section(policy: Policy) -> Section:
    """One policy: its dates, criteria, documents, authorization, caps and notes, each sourced."""
    until = f" to {policy.effective_to.isoformat()}" if policy.effective_to else ", until replaced"
    rows: list[tuple[str, str, str]] = [
        ("payer", policy.payer, policy.source),
        ("version", policy.version, policy.source),
        ("in effect", f"from {policy.effective_from.isoformat()}{until}", policy.source),
        ("last revised", policy.last_revised.isoformat(), policy.source),
    ]
    if policy.example:
        rows.insert(0, ("example policy", "written by tvec to show what payers ask", policy.source))
    rows += [
        (
            f"criterion {c.id} ({_ASKED[c.applies_to]}; reads {c.reads})",
            c.text + (f": {', '.join(c.values)}" if c.values else ""),
            c.source,
        )
        for c in policy.criteria
    ]
    rows += [
        (f"document {d.id} ({_ASKED[d.applies_to]})", d.text, d.source)
        for d in policy.documents_required
    ]
    a = policy.authorization
    rows += [
        (
            f"initial authorization, {t.value} review",
            f"up to {a.initial_months[t]} months",
            a.source,
        )
        for t in ReviewType
    ]
    rows.append(("re-authorization", f"up to {a.reauthorization_months} months", a.source))
    rows += [
        (
            f"units per visit at {pfu_text(cap.pfu_per_ml)} PFU/mL",
            f"at most {cap.max_units_per_visit}",
            cap.source,
        )
        for cap in policy.dose_caps
    ]
    counted = "count" if policy.discarded_units_count else "do not count"
    rows.append(
        (
            "discarded units (JW)",
            f"{counted} against the units authorized",
            policy.discarded_units_source,
        )
    )
    rows += [("note", n.text, n.source) for n in policy.notes]
    return Section(
        f"Policy {policy.id}: {policy.shown_title}", ("item", "value", "source"), tuple(rows)
    )


def policies_markdown(policies: list[Policy]) -> str:
    """The rules page's part on coverage: every policy on file, the examples marked."""
    intro = (
        "## Payer coverage policies\n\n"
        "Each policy as tvec applies it (`tvec coverage check FILE --policy ID`). A policy marked "
        "example policy is written by tvec to show what other payers ask; it is no payer's "
        "policy. What counts as a continued positive clinical response is not defined by the "
        "policies: tvec's reading is disease control (CR, PR or SD) at the latest assessment.\n"
    )
    return "\n".join([intro, *(md_table(policy_section(p)) for p in policies)])
