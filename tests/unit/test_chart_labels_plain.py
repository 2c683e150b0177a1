"""Chart labels are drawn as plain text: a lesion named `$a^$` is not a mathtext formula.

Before, matplotlib parsed such a name as math and failed ("$a^$" is not a valid formula), so the
response page answered 500; a name like `$x$` was silently drawn in italics.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from tests.unit.test_response import make_lesion_history, make_result

from tvec.analytics.intervals import Interval
from tvec.knowledge import load_criteria
from tvec.reports.figures.export import save_figure
from tvec.reports.figures.forest import forest_figure
from tvec.reports.shaping import ForestRow
from tvec.web.charts import tumour_burden_svg, waterfall_svg

CRITERIA = load_criteria("modified-who")
NAMES = ["$a^$", "$x$", "a$b", "\\frac{1}{2}$"]


@pytest.mark.parametrize("name", NAMES)
def test_the_waterfall_draws_a_lesion_name_with_dollar_signs(name: str) -> None:
    svg = waterfall_svg([(name, Decimal("-40")), ("L2", Decimal("10"))], CRITERIA)
    assert svg.startswith("<svg")


def test_the_tumour_burden_chart_draws_lesion_names_with_dollar_signs() -> None:
    history = [
        replace(m, lesion_id="$a^$") if m.lesion_id == "NEW" else m for m in make_lesion_history()
    ]
    assert tumour_burden_svg(make_result(history), CRITERIA).startswith("<svg")


def test_a_report_figure_keeps_a_label_with_dollar_signs_as_text(tmp_path: Path) -> None:
    fig = forest_figure([ForestRow("$a^$ cohort", 1.2, Interval(0.8, 1.9), "3 of 10")])
    save_figure(fig, f"{tmp_path}/forest.svg")
    with open(f"{tmp_path}/forest.svg", encoding="utf-8") as svg:
        assert "$a^$ cohort" in svg.read()
