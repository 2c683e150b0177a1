"""A small ASC X12 segment writer: elements, composites, the ISA envelope's fixed widths.

Why hand-written: no maintained Python library *writes* 837P 5010 claims. pyx12 (maintained,
used here to validate) only reads, validates and converts X12; the writers that exist on PyPI are
unmaintained or tied to a clearinghouse's API. An 837P is a flat list of segments whose order and
loops the implementation guide (005010X222A1) fixes, so a writer is a few functions; what must be
right is checked by pyx12 in the tests and before every export.

Delimiters: `*` between elements, `:` between components, `^` repetition, `~` ends a segment.
Text values are reduced to X12's basic character set (upper case, digits, space and a few signs);
a delimiter inside a value is removed rather than allowed to break the segment.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

ELEMENT, COMPONENT, REPETITION, TERMINATOR = "*", ":", "^", "~"
_NOT_BASIC = re.compile(r"[^A-Z0-9 !&'()+,\-./;?=%@\[\]_{}\\|<>#$\"]")


def text(value: str, max_len: int | None = None) -> str:
    """A value in X12's basic character set: accents dropped, upper case, no delimiters."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().upper()
    cleaned = _NOT_BASIC.sub("", plain).strip()
    return cleaned[:max_len] if max_len else cleaned


def amount(value: Decimal) -> str:
    """A money or quantity value without trailing zeros (X12 R type): 110.00 → 110, 0.90 → 0.9."""
    return format(value.normalize(), "f")


def composite(*parts: str) -> str:
    """Components joined by `:`, trailing empty components dropped."""
    items = list(parts)
    while items and not items[-1]:
        items.pop()
    return COMPONENT.join(items)


def segment(tag: str, *elements: str | Sequence[str]) -> str:
    """One segment, trailing empty elements dropped (X12 forbids trailing separators)."""
    values = [e if isinstance(e, str) else composite(*e) for e in elements]
    while values and not values[-1]:
        values.pop()
    return ELEMENT.join([tag, *values]) + TERMINATOR


def fixed(value: str, width: int) -> str:
    """An ISA element: exactly `width` characters, padded with spaces."""
    return text(value)[:width].ljust(width)
