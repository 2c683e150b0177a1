"""Versioned product and response-criteria facts as data, loaded into frozen domain rule objects."""

from tvec.knowledge.loader import (
    KnowledgeError,
    available_criteria,
    available_labels,
    load_criteria,
    load_criteria_file,
    load_label,
    load_label_file,
)

__all__ = [
    "KnowledgeError",
    "available_criteria",
    "available_labels",
    "load_criteria",
    "load_criteria_file",
    "load_label",
    "load_label_file",
]
