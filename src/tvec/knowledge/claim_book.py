"""The claim codes as a table for the billing office: for `tvec rules` and docs/rules.md."""

from __future__ import annotations

from tvec.domain.claims import ClaimCodes
from tvec.knowledge.rulebook import Section, md_table


def claim_codes_section(codes: ClaimCodes) -> Section:
    """NDC qualifier and unit, the procedure codes, diagnosis codes and places of service."""
    rows: list[tuple[str, str, str]] = [
        ("NDC on a drug line", f"{codes.ndc_qualifier}, unit {codes.ndc_unit}", codes.ndc_source),
        (
            "administration, few lesions",
            f"CPT {codes.few_lesions_code}: up to {codes.most_lesions_for_few} lesions injected",
            codes.administration_source,
        ),
        (
            "administration, more lesions",
            f"CPT {codes.many_lesions_code}: more than {codes.most_lesions_for_few} lesions",
            codes.administration_source,
        ),
        (
            "ultrasound guidance",
            f"CPT {codes.ultrasound_code}: when any injection was ultrasound-guided",
            codes.administration_source,
        ),
    ]
    rows += [(f"diagnosis {d.code} ({d.group})", d.description, d.source) for d in codes.diagnoses]
    rows += [(f"place of service {p.code}", p.name, p.source) for p in codes.places_of_service]
    return Section("Claim codes (US)", ("item", "value", "source"), tuple(rows))


def claim_codes_markdown(codes: ClaimCodes) -> str:
    return "## Claims\n\n" + md_table(claim_codes_section(codes))
