"""Rules about a single lesion measurement, shared by the dose plan and the response assessment."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tvec.domain.errors import InvalidInput

GONE_HINT = "record 0 x 0 for a lesion that has disappeared"


def check_diameters(
    where: str, longest_cm: Decimal, perpendicular_cm: Decimal | None, *, may_be_gone: bool
) -> None:
    """Refuse impossible diameters. `may_be_gone` allows 0 × 0 (a lesion that has disappeared)."""
    if may_be_gone and longest_cm == 0 and perpendicular_cm == 0:
        return
    positive = "must be greater than 0" + (f" ({GONE_HINT})" if may_be_gone else "")
    for field, value in (("longest_cm", longest_cm), ("perpendicular_cm", perpendicular_cm)):
        if value is not None and (not value.is_finite() or value <= 0):
            raise InvalidInput(where, field, positive, value)
    if perpendicular_cm is None:
        return
    if perpendicular_cm > longest_cm:
        rule = f"must not exceed the longest diameter ({longest_cm} cm)"
        raise InvalidInput(where, "perpendicular_cm", rule, perpendicular_cm)


def check_unique_ids(where: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for lesion_id in ids:
        if not lesion_id.strip():
            raise InvalidInput(where, "id", "must not be empty")
        if lesion_id in seen:
            raise InvalidInput(
                f"lesion {lesion_id}", "id", "is duplicated (lesion ids must be unique)"
            )
        seen.add(lesion_id)


def check_cluster_ids(where: str, lesions: Iterable[tuple[str, str | None]]) -> None:
    """A cluster is planned and recorded under its id, so it may not be another lesion's id.

    `lesions` are (lesion id, cluster id or None) pairs. A lesion may carry its own id as its
    cluster's; a lesion whose cluster id names a different lesion is refused, naming both.
    """
    pairs = list(lesions)
    ids = {lesion_id for lesion_id, _ in pairs}
    for lesion_id, cluster in pairs:
        if cluster is not None and cluster != lesion_id and cluster in ids:
            raise InvalidInput(
                f"lesion {lesion_id}",
                "cluster",
                f"{cluster!r} is also the id of lesion {cluster} in the {where}; "
                "give the cluster an id no lesion has",
            )


def next_lesion_name(existing: Iterable[str], skip: int = 0) -> str:
    """The next free lesion id: "L" and one more than the highest "L<number>" in use (L1 when
    there is none), `skip` further on for the later rows of one form (tvec's convention; the
    nurse may type any other id)."""
    taken = {name.strip().upper() for name in existing}
    numbers = [int(name[1:]) for name in taken if name[:1] == "L" and name[1:].isdecimal()]
    return f"L{max(numbers, default=0) + 1 + skip}"
