"""Every message a person reads names fields by their label and says the rule in plain words.

Walks every request shape of the clinic (every field of every `Strict` model in
`tvec.schemas.clinic`, nested ones too) with missing and wrong values, and every domain refusal
a field can carry, through the one translation the web forms and the API share
(`tvec.schemas.messages`): no message may show a snake_case field name or Pydantic's English.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from tests.support.wording import assert_plain, plain_problems

from tvec import schemas
from tvec.domain.errors import InvalidInput
from tvec.domain.labels import FIELD_LABELS, label_of
from tvec.schemas import clinic, messages

# Every request shape of every module of tvec.schemas (the command line's JSON and CSV readers
# name a key as its author wrote it, and are not `Strict` models).
SCHEMAS = [
    importlib.import_module(f"tvec.schemas.{m.name}")
    for m in pkgutil.iter_modules(schemas.__path__)
]
REQUESTS = sorted(
    {
        model
        for module in SCHEMAS
        for _name, model in inspect.getmembers(module, inspect.isclass)
        if issubclass(model, clinic.Strict) and model is not clinic.Strict
    },
    key=lambda model: f"{model.__module__}.{model.__name__}",
)
# Values of every wrong kind: absent, wrong type, too short, too long, out of range, malformed.
WRONG: list[Any] = [
    None,
    "",
    "   ",
    "no",
    "x" * 3000,
    "2026-13-45",
    "line\x00break",
    -5,
    0,
    10**12,
    1.005,
    True,
    [],
    [{}],
    {},
    {"unknown": 1},
]


def errors_of(model: type[BaseModel], data: dict[str, Any]) -> list[Any]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return list(exc.errors())
    return []


def every_error(model: type[BaseModel]) -> Iterator[Any]:
    yield from errors_of(model, {})
    yield from errors_of(model, {"not_a_field": 1})
    for name in model.model_fields:
        for value in WRONG:
            yield from errors_of(model, {name: value})


def field_names(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def test_the_walk_covers_the_clinics_request_shapes() -> None:
    names = {model.__name__ for model in REQUESTS}
    assert {"AdministrationIn", "MeasurementsIn", "PatientIn", "CourseIn", "VialLotIn"} <= names
    assert {"HoldIn", "CourseReviewIn"} <= names  # the modules added for issue 15 too


@pytest.mark.parametrize("model", REQUESTS, ids=lambda model: model.__name__)
def test_every_refused_field_of_a_request_reads_in_clinic_words(model: type[BaseModel]) -> None:
    seen = 0
    for error in every_error(model):
        shown = messages.message(error)
        assert_plain(shown)
        assert shown.split(":")[0].strip(), shown  # names what was refused
        seen += 1
    assert seen > 0


@pytest.mark.parametrize("model", REQUESTS, ids=lambda model: model.__name__)
def test_every_field_of_a_request_has_a_label(model: type[BaseModel]) -> None:
    for name in field_names(model):
        assert name in FIELD_LABELS, f"{model.__name__}.{name} has no label in tvec.domain.labels"
        assert_plain(label_of(name))


@pytest.mark.parametrize("field", sorted(FIELD_LABELS))
def test_a_domain_refusal_names_the_field_by_its_label(field: str) -> None:
    refused = InvalidInput("lesion L1", field, "must not be empty", "x")
    assert str(refused) == f"lesion L1: {FIELD_LABELS[field]} must not be empty (got x)"
    assert refused.field == field  # programs keep the name
    assert_plain(str(refused))


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            {"type": "string_too_short", "loc": ("override_reason",), "ctx": {"min_length": 10}},
            "Reason for the early dose: write at least 10 characters",
        ),
        (
            {"type": "less_than_equal", "loc": ("body", "items", 1, "volume_ml"), "ctx": {"le": 2}},
            "Volume (mL), row 2: enter 2 mL or less",
        ),
        (
            {"type": "greater_than_equal", "loc": ("items", 0, "longest_cm"), "ctx": {"ge": 0}},
            "Longest diameter (cm), row 1: enter 0 cm or more",
        ),
        ({"type": "missing", "loc": ("measured_on",)}, "Measurement date: is required: fill it in"),
        (
            {"type": "string_too_long", "loc": ("vial_lot",), "ctx": {"max_length": 40}},
            "Vial lot: write at most 40 characters",
        ),
        (
            {"type": "enum", "loc": ("method",), "ctx": {"expected": "'caliper' or 'ruler'"}},
            "Measurement method: must be one of: caliper or ruler",
        ),
        (
            {"type": "int_parsing", "loc": ("path", "patient_id")},
            "Patient: must be a whole number, such as 3",
        ),
        (
            {"type": "extra_forbidden", "loc": ("ssn",)},
            "Ssn: is not a field of this form: leave it out",
        ),
        (
            {"type": "value_error", "loc": ("start_date",), "msg": "Value error, must be a date"},
            "Start date: must be a date",
        ),
    ],
)
def test_pydantics_errors_read_as_the_rule_and_what_to_do(error: Any, shown: str) -> None:
    assert messages.message(error) == shown


def test_an_unknown_error_type_still_loses_pydantics_english() -> None:
    error = {"type": "new_kind", "loc": ("thing_cm",), "msg": "Input should be pretty"}
    assert messages.message(error) == "Thing (cm): must be pretty"
    assert plain_problems("vial_lot: Input should be ok") == [
        "field name 'vial_lot'",
        "Pydantic's 'Input should'",
    ]


def test_a_message_about_the_whole_request_names_it_as_it_is() -> None:
    # "(json)" or "(fields)": not one field but the request as a whole, shown unchanged
    assert label_of("(json)") == "(json)"
    assert label_of("(fields)") == "(fields)"
