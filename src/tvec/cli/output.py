"""Shared rendering for CLI commands: JSON that keeps exact quantities, one-line errors."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

import typer
from rich.console import Console

from tvec.jsonable import jsonable

console = Console()
EXIT_BAD_INPUT = 2
DISCLAIMER = "tvec supports, and does not replace, clinical judgement."


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(value), indent=2, ensure_ascii=False) + "\n")


def fail(message: str) -> NoReturn:
    """One line on stderr, nothing on stdout, non-zero exit."""
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(EXIT_BAD_INPUT)


def fmt(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = format(value.normalize(), "f") if value == value.normalize() else str(value)
    return f"{text}{unit}"


def refuse_bad_input(fn: Any) -> Any:
    """Decorator for commands: a refused request becomes one error line and exit code 2."""
    import functools

    from tvec.domain.errors import DomainError
    from tvec.knowledge import KnowledgeError

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (DomainError, KnowledgeError) as exc:
            fail(str(exc))

    return wrapper


def read_text(path: str) -> str:
    """The contents of `path`, or of standard input when `path` is '-', as UTF-8 text; a byte-order
    mark that some editors put first (Excel's "CSV UTF-8", Notepad) is not part of the text."""
    if path == "-":
        return sys.stdin.read().removeprefix("\ufeff")
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError:
        fail(f"{path}: file not found")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read: {exc}")


def parse_iso_date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not an ISO date (YYYY-MM-DD)")


def parse_iso_instant(option: str, text: str) -> datetime:
    """An instant with its time zone (ISO-8601), or a one-line error naming the option."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not an ISO-8601 date and time")
    if instant.utcoffset() is None:
        fail(f"{option}: {text!r} must carry a time zone, such as +01:00 or Z")
    return instant


def choose_label(variant: str) -> Any:
    """The label rules for `--label`, or a one-line error listing the variants on file."""
    from tvec.knowledge import available_labels, load_label

    if variant not in available_labels():
        fail(f"--label: unknown variant {variant!r}; known: {', '.join(available_labels())}")
    return load_label(variant)
