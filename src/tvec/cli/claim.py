"""`tvec claim FILE`: one visit's claim lines (J9325 with JW/JZ and NDC, 96405/96406, 76942)."""

from __future__ import annotations

import typer
from rich.table import Table

from tvec.cli.output import console, fail, fmt, print_json, read_text, refuse_bad_input
from tvec.domain.claims import check_diagnoses, claim_lines
from tvec.knowledge import load_label
from tvec.knowledge.claim_codes import load_claim_codes
from tvec.schemas.claims import line_json, parse_claim_request


@refuse_bad_input
def claim(
    file: str = typer.Argument(..., help="JSON visit record, or '-' for standard input."),
    json_out: bool = typer.Option(False, "--json", help="Print the lines as JSON."),
) -> None:
    """A visit's claim lines: J9325 units with JW/JZ and the NDC, 96405/96406, 76942."""
    request = parse_claim_request(read_text(file))
    label, codes = load_label("us"), load_claim_codes("us")
    assert label.billing is not None  # the US label bills J9325
    strengths = {s.pfu_per_ml: s for s in label.strengths}
    if request.pfu_per_ml not in strengths:
        fail(f"Claim: pfu_per_ml must be one of {sorted(strengths)} (got {request.pfu_per_ml})")
    check_diagnoses(codes, request.diagnosis_codes, "diagnosis_codes")
    visit = request.to_domain()
    lines = claim_lines(label.billing, strengths[request.pfu_per_ml], codes, visit)
    if json_out:
        print_json({"service_date": visit.service_date, "lines": [line_json(ln) for ln in lines]})
        return
    table = Table(title=f"Claim lines, {visit.service_date}", title_justify="left")
    for column in ("code", "modifiers", "units", "NDC", "NDC quantity"):
        table.add_column(column)
    for ln in lines:
        ndc = f"{ln.ndc_qualifier} {ln.ndc11}" if ln.ndc11 else ""
        qty = f"{ln.ndc_unit} {fmt(ln.ndc_quantity)}" if ln.ndc_quantity is not None else ""
        table.add_row(ln.code, " ".join(ln.modifiers), fmt(ln.units), ndc, qty)
    console.print(table)
