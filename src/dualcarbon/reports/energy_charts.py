"""Charts of the energy report, inline SVG like :mod:`dualcarbon.reports.charts`: the monthly
energy by carrier, and each graded indicator against its grade limits."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from dualcarbon.energy.balance import EnergyBalance
from dualcarbon.energy.grade import GradeResult
from dualcarbon.reports.charts import GRID_COLOUR, OTHER_COLOURS, drawing, tidy, to_svg

GRADE_COLOURS = {1: "#2e7d32", 2: "#8bb174", 3: "#e0b040"}
OVER_COLOUR = "#c0504d"
VALUE_COLOUR = "#1f2933"


def monthly_energy_chart(balance: EnergyBalance, lang: str) -> str | None:
    """Stacked bars of tce per month by carrier (energy sold out below zero)."""
    if not balance.lines.height:
        return None
    zh = lang == "zh"
    frame = (
        balance.lines.group_by("carrier", "carrier_zh", "month")
        .agg((pl.col("energy_kgce").sum() / 1000).alias("tce"))
        .sort("carrier", "month")
    )
    carriers = (
        frame.group_by("carrier", "carrier_zh")
        .agg(pl.col("tce").abs().sum().alias("size"))
        .sort("size", descending=True)
    )
    months = list(range(1, 13))
    with drawing():
        figure = Figure(figsize=(9.0, 3.4))
        FigureCanvasAgg(figure)
        axes = figure.subplots()
        up = [0.0] * 12
        down = [0.0] * 12
        for index, (carrier, carrier_zh, _) in enumerate(carriers.iter_rows()):
            rows = dict(
                frame.filter(pl.col("carrier") == carrier).select("month", "tce").iter_rows()
            )
            values = [float(rows.get(m, 0.0)) for m in months]
            bottoms = [up[i] if v >= 0 else down[i] for i, v in enumerate(values)]
            axes.bar(
                months,
                values,
                bottom=bottoms,
                color=OTHER_COLOURS[index % len(OTHER_COLOURS)],
                label=carrier_zh if zh else carrier.replace("_", " "),
                width=0.7,
            )
            for i, v in enumerate(values):
                if v >= 0:
                    up[i] += v
                else:
                    down[i] += v
        axes.set_xticks(months)
        axes.set_xticklabels([f"{m}月" if zh else str(m) for m in months])
        axes.set_ylabel("tce")
        axes.axhline(0, color="#999999", linewidth=0.6)
        axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        axes.legend(frameon=False, ncols=min(4, carriers.height), loc="upper left", fontsize=8)
        tidy(axes)
        label = "各月综合能耗（按能源品种）" if zh else "Energy per month by carrier"
        return to_svg(figure, "energy-monthly", label)


def grade_chart(results: Sequence[tuple[str, GradeResult]], lang: str) -> str | None:
    """One row per graded indicator: the corrected limit of each grade as a mark on a common
    scale of 'value ÷ grade-3 limit', and the plant's value as a dot."""
    rows = [(label, r) for label, r in results if any(limit.grade == 3 for limit in r.limits)]
    if not rows:
        return None
    zh = lang == "zh"
    with drawing():
        figure = Figure(figsize=(9.0, 0.5 + 0.45 * len(rows)))
        FigureCanvasAgg(figure)
        axes = figure.subplots()
        for y, (_, result) in enumerate(rows):
            limit3 = next(limit.limit for limit in result.limits if limit.grade == 3)
            scale = abs(limit3) or 1.0

            def ratio(x: float, scale: float = scale) -> float:
                return x / scale

            for limit in result.limits:
                axes.plot(
                    [ratio(limit.limit)] * 2,
                    [y - 0.3, y + 0.3],
                    color=GRADE_COLOURS[limit.grade],
                    linewidth=2.2,
                )
                axes.annotate(
                    f"{limit.grade}级" if zh else f"G{limit.grade}",
                    (ratio(limit.limit), y + 0.32),
                    ha="center",
                    fontsize=7,
                    color=GRADE_COLOURS[limit.grade],
                )
            colour = VALUE_COLOUR if result.meets_limit else OVER_COLOUR
            axes.plot([ratio(result.value)], [y], "o", color=colour, markersize=6)
        axes.set_yticks(range(len(rows)))
        axes.set_yticklabels([label for label, _ in rows])
        axes.invert_yaxis()
        axes.set_xlabel("实际值 ÷ 3级限定值" if zh else "value ÷ grade-3 limit")
        axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        tidy(axes)
        label = "各指标与能耗限额等级" if zh else "Indicators against the quota grades"
        return to_svg(figure, "energy-grades", label)
