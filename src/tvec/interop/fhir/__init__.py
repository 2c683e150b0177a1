"""FHIR R4 adapters: the only place fhir.resources is imported (mCODE export, Da Vinci PAS
prior-authorization bundles)."""
