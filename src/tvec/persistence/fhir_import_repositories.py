"""Records and repository of FHIR import's links (migration 0025)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tvec.persistence.fhir_import_rows import FhirLinkRow
from tvec.persistence.repository import Repository


@dataclass(frozen=True)
class FhirLink:
    id: int
    centre_id: int
    resource_type: str
    system: str
    value: str
    entity: str
    entity_id: int
    note: str | None
    imported_by: int
    imported_at: datetime


class FhirLinkRepository(Repository[FhirLinkRow, FhirLink]):
    row, record, entity = FhirLinkRow, FhirLink, "fhir-link"

    def in_centre(self, centre_id: int) -> list[FhirLink]:
        """Every link of the centre (an import reads them once and matches in memory)."""
        t = FhirLinkRow
        return self._all(self._select().where(t.centre_id == centre_id).order_by(t.id))
