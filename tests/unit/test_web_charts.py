"""The chart and response pages' charts (`tvec.web.charts`): the report's figure code, thread-safe.

Pages are served from worker threads; the charts are drawn there on figures of their own (no
pyplot state), and a report figure drawn at the same time (text kept as text) must not change
them (text drawn as paths), nor they it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.unit.test_response import make_lesion_history, make_result

from tvec.knowledge import load_criteria
from tvec.reports.figures import waterfall_svg as report_waterfall_svg
from tvec.reports.figures.style import RESPONSE_COLOURS
from tvec.web.charts import tumour_burden_svg, waterfall_svg

CRITERIA = load_criteria("modified-who")


def drawings() -> list[Callable[[], str]]:
    result = make_result(make_lesion_history())
    changes = [(lesion.lesion_id, lesion.best_change_pct) for lesion in result.lesions]
    values = [float(change) for _lesion, change in changes]
    return [
        lambda: tumour_burden_svg(result, CRITERIA),
        lambda: waterfall_svg(changes, CRITERIA),
        lambda: report_waterfall_svg(values, CRITERIA, unit="lesion"),
    ]


def test_charts_drawn_in_parallel_threads_equal_the_charts_drawn_alone() -> None:
    draw = drawings()
    alone = [d() for d in draw]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(draw[k % len(draw)]) for k in range(4 * len(draw))]
        together = [f.result() for f in futures]
    assert together == [alone[k % len(draw)] for k in range(len(together))]


def test_the_patient_charts_keep_their_look_and_the_report_keeps_text_as_text() -> None:
    burden, lesions, report = (d() for d in drawings())
    for svg, title in ((burden, "Tumour burden over time"), (lesions, "Best change per lesion")):
        assert svg.startswith(f'<svg role="img" aria-label="{title}" ')
        assert "<text" not in svg  # text drawn as paths, as the pages always had it
    assert RESPONSE_COLOURS["PR"] in lesions  # the one colour table
    assert RESPONSE_COLOURS["PR"] in burden
    assert "<text" in report
