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
from tvec.knowledge.policies import available_policies, load_policies, load_policy

__all__ = [
    "KnowledgeError",
    "available_criteria",
    "available_labels",
    "available_policies",
    "load_criteria",
    "load_criteria_file",
    "load_label",
    "load_label_file",
    "load_policies",
    "load_policy",
]
