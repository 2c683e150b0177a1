"""Survival records from CSV text: what is accepted, and how refusals name the cell."""

from __future__ import annotations

import pytest

from tvec.analytics import SurvivalCsvError, read_survival_csv


def test_columns_are_found_by_name_whatever_their_order_and_spacing() -> None:
    text = "\ufeffarm , event,months\n t-vec ,1, 3.5\n\ngm-csf,0,12\n"
    records = read_survival_csv(text, time="months", labels=["arm"])
    assert records.time.tolist() == [3.5, 12.0]
    assert records.event.tolist() == [1.0, 0.0]
    assert records.labels["arm"] == ["t-vec", "gm-csf"]
    assert records.line == [2, 4]  # the blank line 3 is skipped, line numbers are kept


def test_covariates_are_numbers() -> None:
    records = read_survival_csv("time,event,age\n1,1,50\n2,0,61.5\n", covariates=["age"])
    assert records.covariates["age"].tolist() == [50.0, 61.5]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("time,event\n1,1\n2,x\n", "line 3, column 'event': 'x' is not a number"),
        ("time,event\n1,1\ninf,0\n", "line 3, column 'time': inf is not a finite number"),
        ("time,event,age\n1,1,5\n2,0,5\n", "column 'age' is constant"),
        ("\n", "empty"),
    ],
)
def test_refusals_name_the_line_and_column(text: str, message: str) -> None:
    with pytest.raises(SurvivalCsvError, match=message):
        read_survival_csv(text, covariates=["age"] if "age" in text else [])
