"""`tvec alert-card`: a specimen of the patient alert card, for a centre to review before use.

The card a patient gets is issued from the chart (or `POST /courses/{id}/alert-card`) and printed
from their records; this command prints the same card with "SPECIMEN" for the patient, the centre
named on the command line, and the warnings of the knowledge data, as a PDF (wallet size or A4),
or its texts as JSON. It reads no database.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from tvec.cli.output import fail, print_json, refuse_bad_input
from tvec.knowledge.alert_card import load_alert_card
from tvec.reports.alert_card import SIZES, AlertCardContent, Size, card_pdf

SPECIMEN = "SPECIMEN — not for a patient"


def specimen(centre: str, phone: str | None, address: str | None, today: date) -> AlertCardContent:
    data = load_alert_card()
    return AlertCardContent(
        patient_name=SPECIMEN,
        centre_name=centre,
        centre_phone=phone,
        centre_address=address,
        product=data.product,
        active_substance=data.active_substance,
        product_description=data.product_description,
        first_dose_on=today,
        issued_on=today,
        tell_other_doctors=data.tell_other_doctors,
        warnings=tuple(w.text for w in data.warnings),
        sources=data.card_sources(),
    )


@refuse_bad_input
def alert_card(
    centre: str = typer.Option(..., "--centre", help="The treating centre's name."),
    phone: str | None = typer.Option(None, "--phone", help="The centre's phone."),
    address: str | None = typer.Option(None, "--address", help="The centre's address."),
    size: str = typer.Option("wallet", "--size", help="wallet (85.6 × 54 mm) or a4."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Where to write the PDF."),
    json_out: bool = typer.Option(False, "--json", help="The card's texts as JSON, no PDF."),
) -> None:
    """Print a specimen patient alert card (PDF) with the centre's contact, for review."""
    if size not in SIZES:
        fail(f"--size must be one of {', '.join(SIZES)}")
    card = specimen(centre, phone, address, date.today())
    if json_out:
        print_json(card)
        return
    if output is None:
        fail("--output is needed for the PDF (or ask for --json)")
    chosen: Size = "a4" if size == "a4" else "wallet"
    output.write_bytes(card_pdf(card, chosen))
    typer.echo(f"wrote {output} ({chosen} specimen card)")
