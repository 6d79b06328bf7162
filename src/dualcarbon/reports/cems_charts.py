"""Charts of the CEMS reports, inline SVG like :mod:`dualcarbon.reports.charts` (same drawing
settings, same SVG clean-up): the monthly comparison with error bars and E_n, and the annual
uncertainty against the correlation assumption."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from dualcarbon.cems.comparison import Comparison
from dualcarbon.reports.charts import GRID_COLOUR, OTHER_COLOURS, drawing, tidy, to_svg
from dualcarbon.reports.i18n import cems_text

CEMS_COLOUR = "#34618f"
ACCOUNTING_COLOUR = "#e07b39"
_MARKERS = ("o", "s", "^", "D", "v")


def comparison_chart(comparison: Comparison, lang: str) -> str:
    """Top: E_CEMS and E_acc per unit and month with ±U (k = 2); bottom: E_n with ±1 lines."""
    words = cems_text(lang)
    months = list(range(1, 13))
    month_names = words["months"].split("|")
    units = sorted({r.unit for r in comparison.rows})
    with drawing():
        figure = Figure(figsize=(10.0, 5.4))
        FigureCanvasAgg(figure)
        top, bottom = figure.subplots(
            2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.5], "hspace": 0.08}
        )
        width = 0.8 / max(2 * len(units), 1)
        for index, unit in enumerate(units):
            rows = [r for r in comparison.rows if r.unit == unit]
            x = [r.month for r in rows]
            marker = _MARKERS[index % len(_MARKERS)]
            base = (2 * index - len(units)) * width + width / 2
            top.errorbar(
                [m + base for m in x],
                [r.cems for r in rows],
                yerr=[r.U_cems for r in rows],
                fmt=marker,
                color=CEMS_COLOUR,
                markersize=4.5,
                capsize=2.5,
                linewidth=1.0,
                label=f"{unit} CEMS",
            )
            top.errorbar(
                [m + base + width for m in x],
                [r.accounting for r in rows],
                yerr=[r.U_accounting for r in rows],
                fmt=marker,
                color=ACCOUNTING_COLOUR,
                markerfacecolor="white",
                markersize=4.5,
                capsize=2.5,
                linewidth=1.0,
                label=f"{unit} {words['accounting'].split(' ')[0]}",
            )
            bottom.plot(
                [m + base + width / 2 for m in x],
                [r.en for r in rows],
                marker,
                color=OTHER_COLOURS[index % len(OTHER_COLOURS)],
                markersize=4.5,
            )
        for level in (-1.0, 1.0):
            bottom.axhline(level, color="#b5541b", linestyle="--", linewidth=0.9)
        bottom.axhline(0.0, color="#999999", linewidth=0.6)
        peak = max([abs(r.en) for r in comparison.rows] + [1.0])
        bottom.set_ylim(-1.15 * peak - 0.2, 1.15 * peak + 0.2)
        bottom.set_ylabel("En")
        top.set_ylabel("tCO2")
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        bottom.set_xticks(months, month_names)
        bottom.set_xlim(0.4, 12.6)
        for axes in (top, bottom):
            tidy(axes)
            axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
            axes.set_axisbelow(True)
        top.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, 1.16),
            ncol=min(2 * len(units), 4),
            frameon=False,
            fontsize=8,
        )
        return to_svg(figure, "cems-cmp", words["chart"])


def correlation_chart(curve: Sequence[tuple[float, float]], lang: str) -> str:
    """Relative standard uncertainty of the annual mass against the correlation r."""
    words = cems_text(lang)
    with drawing():
        figure = Figure(figsize=(6.0, 2.8))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        axes.plot(
            [r for r, _ in curve],
            [u for _, u in curve],
            marker="o",
            color=CEMS_COLOUR,
            markersize=4,
        )
        axes.set_xlabel(words["r"])
        axes.set_ylabel(words["u_rel"])
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=2))
        axes.set_ylim(bottom=0)
        tidy(axes)
        axes.grid(color=GRID_COLOUR, linewidth=0.6)
        return to_svg(figure, "cems-corr", words["annual_curve"])
