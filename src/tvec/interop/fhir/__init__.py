"""FHIR R4 adapters: the only place fhir.resources is imported."""
