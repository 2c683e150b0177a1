"""FHIR R4 (R4B models of fhir.resources, imported only here): prior-authorization bundles."""
