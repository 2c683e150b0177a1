"""The figures of the reports and the patient charts, one module per chart kind.

Every ``*_figure`` function returns a `matplotlib.figure.Figure` of its own (no pyplot state);
``*_svg`` returns it as SVG text to inline in a page (`tvec.reports.figures.export`). matplotlib is
imported inside the functions, so importing this package does not load it.
"""

from tvec.reports.figures.burden import tumour_burden_figure
from tvec.reports.figures.drr import drr_chart_figure, drr_chart_svg
from tvec.reports.figures.export import figure_svg, save_figure
from tvec.reports.figures.forest import forest_figure, forest_svg
from tvec.reports.figures.survival import km_figure, km_svg
from tvec.reports.figures.swimmer import swimmer_figure, swimmer_svg
from tvec.reports.figures.waterfall import lesion_waterfall_figure, waterfall_figure, waterfall_svg

__all__ = [
    "drr_chart_figure",
    "drr_chart_svg",
    "figure_svg",
    "forest_figure",
    "forest_svg",
    "km_figure",
    "km_svg",
    "lesion_waterfall_figure",
    "save_figure",
    "swimmer_figure",
    "swimmer_svg",
    "tumour_burden_figure",
    "waterfall_figure",
    "waterfall_svg",
]
