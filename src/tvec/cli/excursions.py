"""`tvec excursions FILE --location freezer|fridge`: temperature excursions in a logger export.

Reads a data-logger CSV (`tvec.analytics.logger_csv`), applies the location's band and the
excursion rule from the label data (`tvec.domain.cold_chain`, computed on arrays by
`tvec.analytics.excursions`) and prints every excursion and every "no data" gap longer than
TVEC_LOGGER_GAP_MINUTES. Times are shown in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tvec.cli.output import (
    DISCLAIMER,
    choose_label,
    console,
    fail,
    print_json,
    refuse_bad_input,
)
from tvec.domain.cold_chain import ColdChainReport, ExcursionRule, excursion_rule
from tvec.domain.rules import StorageLocation


@refuse_bad_input
def excursions(
    file: Annotated[
        Path,
        typer.Argument(
            help="Data-logger CSV: 'Timestamp' (ISO 8601 with offset), 'Temperature (°C)'."
        ),
    ],
    location: Annotated[
        StorageLocation, typer.Option("--location", help="The kind of storage the logger is in.")
    ],
    label: Annotated[str, typer.Option("--label", help="Label variant: us or eu.")] = "us",
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Find temperature excursions and gaps without data in a data logger's CSV export."""
    from tvec.analytics.excursions import detect_excursions, to_report
    from tvec.analytics.logger_csv import read_logger_csv

    rule = excursion_rule(choose_label(label), location)
    gap = _gap_setting()
    readings = read_logger_csv(file)
    found = detect_excursions(
        readings.times_ms, readings.temperatures_c, rule, gap, readings.first_row
    )
    report = to_report(found, rule, gap)
    if json_out:
        print_json(_as_json(file, report))
    else:
        _show(file, report)


def _gap_setting() -> timedelta:
    """TVEC_LOGGER_GAP_MINUTES as a duration; a value the setting refuses is one error line."""
    from pydantic import ValidationError

    from tvec.config import Settings

    try:
        return timedelta(minutes=Settings().logger_gap_minutes)
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"TVEC_{'_'.join(map(str, first['loc'])).upper()}: {first['msg']}")


def _minutes(duration: timedelta) -> float:
    return round(duration.total_seconds() / 60, 3)


def _rule_json(rule: ExcursionRule) -> dict[str, Any]:
    return {
        "location": rule.location.value,
        "min_c": rule.min_c,
        "max_c": rule.max_c,
        "band_source": rule.band_source,
        "min_duration_minutes": rule.min_duration_minutes,
        "min_duration_source": rule.duration_source,
    }


def _as_json(file: Path, report: ColdChainReport) -> dict[str, Any]:
    return {
        "file": file.name,
        "readings": report.readings,
        "rule": _rule_json(report.rule),
        "gap_limit_minutes": _minutes(report.gap),
        "excursions": [
            {
                "start": e.start,
                "end": e.end,
                "open": e.open,
                "duration_minutes": _minutes(e.duration),
                "min_c": e.min_c,
                "max_c": e.max_c,
                "readings": e.readings,
                "rule": _rule_json(e.rule),
            }
            for e in report.excursions
        ],
        "no_data_gaps": [
            {"after": g.after, "resumed": g.resumed, "duration_minutes": _minutes(g.duration)}
            for g in report.gaps
        ],
    }


def _when(instant: datetime) -> str:
    shown = instant.astimezone(UTC)
    return shown.strftime("%Y-%m-%d %H:%M" if shown.second == 0 else "%Y-%m-%d %H:%M:%S")


def _num(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def _c(value: float) -> str:
    return f"{_num(value)} °C"


def _show(file: Path, report: ColdChainReport) -> None:
    rule = report.rule
    console.print(
        f"{file.name}: {report.readings} readings, {rule.location.value} band "
        f"{_c(rule.min_c)} to {_c(rule.max_c)} [{rule.band_source}]",
        highlight=False,
    )
    shortest = (
        "any reading out of band counts"
        if rule.min_duration_minutes == 0
        else f"out of band for at least {rule.min_duration_minutes} min"
    )
    console.print(f"excursion: {shortest} [{rule.duration_source}]", highlight=False)
    table = Table(title="Excursions")
    for name in ("start (UTC)", "end (UTC)"):
        table.add_column(name, no_wrap=True)
    for name in ("minutes", "min °C", "max °C", "readings"):
        table.add_column(name, justify="right")
    for e in report.excursions:
        end = "open" if e.end is None else _when(e.end)
        table.add_row(
            _when(e.start),
            end,
            f"{_minutes(e.duration):g}",
            _num(e.min_c),
            _num(e.max_c),
            str(e.readings),
        )
    console.print(table if report.excursions else "no excursions", highlight=False)
    gaps = Table("last reading (UTC)", "next reading (UTC)", "minutes", title="No data")
    for g in report.gaps:
        gaps.add_row(_when(g.after), _when(g.resumed), f"{_minutes(g.duration):g}")
    limit = f"{_minutes(report.gap):g} min"
    console.print(gaps if report.gaps else f"no gap longer than {limit}", highlight=False)
    if report.gaps:
        console.print(f"a gap is more than {limit} without a reading (tvec's ruling)")
    console.print(DISCLAIMER, highlight=False)
