"""FHIR bulk data as NDJSON: one file per resource type, one resource per line, streamed.

`NdjsonWriter` keeps one open file per resource type and a buffer of encoded lines for each; a
full buffer goes to its file in one `write`. Resources are taken as they come (a patient at a
time), so an export of any size holds one buffer per type, never the whole export. A resource
type named in `once` (one shared by several patients: a vial lot's Medication, a Practitioner)
is written the first time its id comes and skipped after.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

# Compact, ASCII-only JSON: the same text as `json.dumps(res, separators=(",", ":"))`, from one
# encoder made once (json.dumps would make a new one for every resource).
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
BATCH = 2000  # lines per type kept before one write to its file


class NdjsonWriter:
    """``with NdjsonWriter(folder) as w: w.write(resources)``; `counts` per type, in the order
    the types first came; the files are ``{type}.ndjson``, created when their first line comes."""

    def __init__(self, out_dir: Path, once: Collection[str] = ()) -> None:
        self.out_dir = out_dir
        self.counts: dict[str, int] = {}
        self._once = frozenset(once)
        self._seen: dict[str, set[str]] = {kind: set() for kind in self._once}
        self._files: dict[str, IO[str]] = {}
        self._lines: dict[str, list[str]] = {}

    def write(self, resources: Iterable[dict[str, Any]]) -> None:
        lines, counts = self._lines, self.counts
        for res in resources:
            kind = res["resourceType"]
            if kind in self._seen:
                seen = self._seen[kind]
                if res["id"] in seen:
                    continue
                seen.add(res["id"])
            buffer = lines.get(kind)
            if buffer is None:
                buffer = lines[kind] = []
                self._files[kind] = (self.out_dir / f"{kind}.ndjson").open("w", encoding="utf-8")
                counts[kind] = 0
            buffer.append(_encode(res))
            counts[kind] += 1
            if len(buffer) >= BATCH:
                self._flush(kind)

    def _flush(self, kind: str) -> None:
        buffer = self._lines[kind]
        if buffer:
            buffer.append("")  # the last line ends with a newline too
            self._files[kind].write("\n".join(buffer))
            buffer.clear()

    def close(self) -> None:
        try:
            for kind in self._files:
                self._flush(kind)
        finally:
            for f in self._files.values():
                f.close()

    def __enter__(self) -> NdjsonWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_ndjson(
    resources: Iterable[dict[str, Any]], out_dir: Path, once: Collection[str] = ()
) -> dict[str, int]:
    """Write the resources into `out_dir` (which must exist), one ``{type}.ndjson`` per type;
    how many resources each file holds, by type."""
    with NdjsonWriter(out_dir, once) as writer:
        writer.write(resources)
    return writer.counts
