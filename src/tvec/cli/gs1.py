"""`tvec gs1 parse TEXT`: what a carton's GS1 DataMatrix says, as the pharmacy receives it."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from tvec.cli.output import console, print_json, refuse_bad_input
from tvec.domain.cartons import Carton

gs1_app = typer.Typer(
    help="GS1 carton barcodes: read a scan into product, strength, lot, expiry and serial.",
    no_args_is_help=True,
)


@gs1_app.command("parse")
@refuse_bad_input
def parse(
    text: str = typer.Argument(
        ...,
        help="The scanner's text: (01)…(17)…(10)…(21)…, or without parentheses with the group "
        "separator (ASCII 29, or printed <GS> or {GS}); '-' reads standard input.",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the carton as JSON."),
) -> None:
    """Read one carton scan: GTIN, NDC (as labelled and 5-4-2), strength, lot, expiry, serial."""
    from tvec.interop.gs1 import read_carton

    carton = read_carton(sys.stdin.read() if text == "-" else text)
    if json_out:
        print_json(as_json(carton))
        return
    table = Table(title="Carton", title_justify="left", show_header=False)
    for name, value in (
        ("GTIN", carton.gtin),
        ("NDC", carton.ndc),
        ("NDC (billing, 5-4-2)", carton.ndc11),
        ("strength", f"{carton.strength_pfu_per_ml:,} PFU/mL"),
        ("lot", carton.lot),
        ("expiry", carton.expiry.isoformat()),
        ("serial", carton.serial),
    ):
        table.add_row(name, value)
    console.print(table)


def as_json(carton: Carton) -> dict[str, str | int]:
    return {
        "gtin": carton.gtin,
        "ndc": carton.ndc,
        "ndc11": carton.ndc11,
        "strength_pfu_per_ml": carton.strength_pfu_per_ml,
        "lot": carton.lot,
        "expiry": carton.expiry.isoformat(),
        "serial": carton.serial,
    }
