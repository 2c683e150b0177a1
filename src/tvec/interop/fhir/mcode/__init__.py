"""mCODE (FHIR R4) export of one patient's T-VEC records, built as plain dicts.

`records.py` holds the plain inputs a service prepares; `build.py` turns them into resources;
`validate.py` checks what the fhir.resources models cannot (mCODE's required components, codes
from its value sets, references that resolve inside the bundle).
"""

from tvec.interop.fhir.mcode.build import SHARED_TYPES, bundle, patient_resources
from tvec.interop.fhir.mcode.records import (
    AdministrationRecord,
    AdverseEventRecord,
    CourseRecord,
    DiagnosisRecord,
    DiseaseStatusRecord,
    LesionRecord,
    LotRecord,
    MeasurementRecord,
    PatientRecord,
    PatientRecords,
    StaffRecord,
)
from tvec.interop.fhir.mcode.validate import Problem, validate_resources

__all__ = [
    "SHARED_TYPES",
    "AdministrationRecord",
    "AdverseEventRecord",
    "CourseRecord",
    "DiagnosisRecord",
    "DiseaseStatusRecord",
    "LesionRecord",
    "LotRecord",
    "MeasurementRecord",
    "PatientRecord",
    "PatientRecords",
    "Problem",
    "StaffRecord",
    "bundle",
    "patient_resources",
    "validate_resources",
]
