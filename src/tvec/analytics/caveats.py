"""Statistical caveats, raised as warnings rather than printed (DESIGN.md §6).

A caveat is something a statistician would write in a footnote: an interval that is undefined
because a cell is empty, a stratum that carries no information, a Cox model whose likelihood has no
finite maximum. The numbers are still returned (or `None` where no number is meaningful); the
warning tells the caller why they should be read with care.
"""

from __future__ import annotations

import warnings


class StatisticalWarning(UserWarning):
    """A result is returned, but with a statistical caveat the reader should know about."""


def caveat(message: str) -> None:
    """Emit `message` as a `StatisticalWarning` attributed to the caller of the public function."""
    warnings.warn(message, StatisticalWarning, stacklevel=3)
