"""Charts of an accounting result, drawn with matplotlib and returned as inline SVG.

The SVG keeps its text as text (``svg.fonttype = 'none'``) and carries no font family of its own,
so the page's font stack draws it and Chinese labels show in the reader's CJK font. Nothing is
written to disk: the SVG goes straight into the HTML page, which stays one self-contained file.

Figures are built with the object-oriented API on an Agg canvas (no pyplot, no global figure
state). matplotlib's rcParams are global, so rendering is serialised by a lock.
"""

from __future__ import annotations

import html
import io
import math
import re
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import matplotlib
import polars as pl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from dualcarbon.accounting.improvements import ImprovementRanking
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.methodologies.definition import all_methodologies
from dualcarbon.reports.i18n import SOURCES, TIERS, month_label, source_label, text, tier_label

CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
"""CJK fonts used, when installed, to measure Chinese labels while laying a chart out."""

SOURCE_COLOURS: dict[str, str] = {
    "fuel_combustion": "#34618f",
    "purchased_electricity": "#e0a030",
    "purchased_heat": "#c0504d",
    "process": "#7a5195",
    "exported_electricity": "#58a55c",
    "exported_heat": "#8fbc8f",
    "co2_recovered": "#2a9d8f",
}
TIER_COLOURS: dict[str, str] = {
    "measured": "#1b7a3e",
    "lab": "#4caf50",
    "calculated": "#9ccc65",
    "supplier": "#d4e157",
    "default": "#e07b39",
}
OTHER_COLOURS = ("#6c757d", "#a05195", "#003f5c", "#ff7c43", "#665191")
_INK = "#333333"
GRID_COLOUR = "#dddddd"

_LOCK = threading.Lock()


@cache
def _sans_serif() -> tuple[str, ...]:
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return (*(name for name in CJK_FONTS if name in installed), "DejaVu Sans")


@contextmanager
def drawing() -> Iterator[None]:
    """matplotlib settings for report charts, held under the lock for one figure."""
    with (
        _LOCK,
        matplotlib.rc_context(
            {
                "svg.fonttype": "none",
                "svg.hashsalt": "dualcarbon",
                "font.family": "sans-serif",
                "font.sans-serif": list(_sans_serif()),
                "font.size": 9,
                "axes.edgecolor": "#999999",
                "axes.labelcolor": _INK,
                "xtick.color": _INK,
                "ytick.color": _INK,
                "text.color": _INK,
                "axes.unicode_minus": False,
            }
        ),
        warnings.catch_warnings(),
    ):
        # Without a CJK font installed the layout uses DejaVu metrics; the browser draws the text.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        yield


def source_order(sources: Sequence[str]) -> list[str]:
    """Sources in the order the methodologies list them, unknown ones after, alphabetically."""
    known = list(SOURCES["en"])
    return sorted(set(sources), key=lambda s: (known.index(s) if s in known else len(known), s))


def tier_rank(tier: str | None) -> int:
    """0 for measured … 4 for default (DESIGN.md), unknown tiers last."""
    order = list(TIERS["en"])
    return order.index(tier) if tier in order else len(order)


def _colour(key: str, palette: dict[str, str], index: int) -> str:
    return palette.get(key) or OTHER_COLOURS[index % len(OTHER_COLOURS)]


@cache
def _source_colours() -> dict[str, str]:
    """The colours of the sources: those the methodology files declare (``colour:``), then the
    built-in ones of the first release's sources."""
    declared = {
        source.kind: source.colour
        for methodology in all_methodologies().values()
        for source in methodology.sources
        if source.colour
    }
    return {**declared, **SOURCE_COLOURS}


def monthly_chart(result: AccountingResult, lang: str) -> str:
    """Stacked bars of tCO2e per month by counted source; separately reported sources as lines."""
    words = text(lang)
    signed = (pl.col("emission_co2e") * pl.col("sign")).sum().alias("tco2e")
    frame = result.lines.group_by("source", "month").agg(signed, pl.col("counted").first())
    months = list(range(1, 13))
    values: dict[str, list[float]] = {}
    present: dict[str, set[int]] = {}
    counted: dict[str, bool] = {}
    for row in frame.iter_rows(named=True):
        series = values.setdefault(row["source"], [0.0] * 12)
        if row["month"] in months:
            series[row["month"] - 1] += row["tco2e"] or 0.0
            present.setdefault(row["source"], set()).add(row["month"])
        counted[row["source"]] = bool(row["counted"])
    with drawing():
        figure = Figure(figsize=(10.0, 3.6))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        above = [0.0] * 12
        below = [0.0] * 12
        for index, source in enumerate(source_order(list(values))):
            series = values[source]
            colour = _colour(source, _source_colours(), index)
            label = source_label(source, lang)
            if not counted[source]:
                seen = present.get(source, set())
                axes.plot(
                    months,
                    [v if m in seen else math.nan for m, v in zip(months, series, strict=True)],
                    color=colour,
                    marker="o",
                    markersize=3.5,
                    linestyle="--",
                    linewidth=1.2,
                    label=f"{label} · {words['separate']}",
                )
                continue
            bottom = [a if v >= 0 else b for v, a, b in zip(series, above, below, strict=True)]
            axes.bar(
                months,
                series,
                bottom=bottom,
                width=0.68,
                color=colour,
                label=label,
                edgecolor="white",
                linewidth=0.4,
            )
            above = [a + max(v, 0.0) for v, a in zip(series, above, strict=True)]
            below = [b + min(v, 0.0) for v, b in zip(series, below, strict=True)]
        totals = [a + b for a, b in zip(above, below, strict=True)]
        peak = max([*above, 0.0])
        for month, total, top in zip(months, totals, above, strict=True):
            if total:
                axes.annotate(
                    f"{total:,.0f}",
                    (month, top),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color="#555555",
                )
        if peak:
            axes.set_ylim(top=peak * 1.12)
        axes.set_xticks(months, [month_label(m, lang) for m in months])
        axes.set_xlim(0.4, 12.6)
        axes.axhline(0, color="#999999", linewidth=0.8)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        axes.set_ylabel("tCO2e", labelpad=6)
        tidy(axes)
        axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        handles, _labels = axes.get_legend_handles_labels()
        if handles:
            axes.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.1),
                ncol=min(len(handles), 4),
                frameon=False,
                fontsize=8,
            )
        return to_svg(figure, "monthly", words["monthly_chart"])


def tier_chart(result: AccountingResult, lang: str) -> str | None:
    """One 100 % bar: fuel-combustion emissions split by the tier of their carbon content."""
    shares = result.tier_shares()
    if not shares.height:
        return None
    words = text(lang)
    rows = sorted(shares.iter_rows(named=True), key=lambda r: tier_rank(r["carbon_tier"]))
    with drawing():
        figure = Figure(figsize=(10.0, 1.3))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        left = 0.0
        for index, row in enumerate(rows):
            share = float(row["share"] or 0.0)
            tier = row["carbon_tier"]
            axes.barh(
                [0],
                [share],
                left=left,
                height=0.6,
                color=_colour(tier, TIER_COLOURS, index),
                edgecolor="white",
                label=f"{tier_label(tier, lang)} {share:.1%}",
            )
            if share >= 0.07:
                axes.text(
                    left + share / 2,
                    0,
                    f"{tier_label(tier, lang)}\n{share:.1%}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white",
                    fontweight="bold",
                )
            left += share
        axes.set_xlim(0, 1)
        axes.set_ylim(-0.45, 0.45)
        axes.set_yticks([])
        axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        tidy(axes)
        axes.spines["left"].set_visible(False)
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.35),
            ncol=max(len(rows), 1),
            frameon=False,
            fontsize=8,
        )
        return to_svg(figure, "tiers", words["tiers_chart"])


def improvements_chart(ranking: ImprovementRanking, lang: str, top: int = 8) -> str | None:
    """Horizontal bars: U of the total today and after each of the best improvements."""
    shown = ranking.by_uncertainty[:top]
    if not shown:
        return None
    words = text(lang)
    labels = [words["improvements_today"]] + [
        (i.action_zh if lang == "zh" else i.action_en).split("：")[0].split(": ")[0] for i in shown
    ]
    values = [ranking.U] + [i.U_after for i in shown]
    with drawing():
        figure = Figure(figsize=(10.0, 0.45 * len(values) + 0.8))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(values)))[::-1]
        colours = ["#6c757d"] + ["#2a9d8f"] * len(shown)
        axes.barh(positions, values, color=colours, height=0.6)
        for position, value in zip(positions, values, strict=True):
            axes.text(value, position, f" {value:,.0f}", va="center", fontsize=8)
        axes.set_yticks(positions, labels)
        axes.set_xlim(0, max(values) * 1.15)
        axes.xaxis.grid(True, color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        tidy(axes)
        return to_svg(figure, "improvements", words["improvements_chart"])


def tidy(axes: Any) -> None:
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    axes.tick_params(length=3, width=0.6)


_SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


def to_svg(figure: Figure, prefix: str, label: str) -> str:
    """The figure as an SVG element for inline use: no prolog, no namespaces, ids prefixed."""
    buffer = io.StringIO()
    figure.savefig(
        buffer, format="svg", bbox_inches="tight", pad_inches=0.05, metadata=_SVG_METADATA
    )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    # Let the page's font stack (with its CJK fonts) draw the text.
    svg = re.sub(r"font-family:[^;\"]*;\s*", "", svg)
    svg = re.sub(r";\s*font-family:[^;\"]*(?=\")", "", svg)
    # Namespaces are implied for SVG inside HTML; dropping them leaves no URL in the page.
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg)
    # Ids must stay unique when several charts share one page.
    svg = svg.replace('id="', f'id="{prefix}-')
    svg = svg.replace("url(#", f"url(#{prefix}-").replace('href="#', f'href="#{prefix}-')
    # Size comes from the page's CSS; the viewBox keeps the aspect ratio.
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(?:width|height)="[^"]*"', "", head)
    head += f' role="img" aria-label="{html.escape(label, quote=True)}" class="chart-svg"'
    return f"{head}>{rest}".strip()


def organisations_chart(totals: Sequence[tuple[str, Mapping[str, float]]], lang: str) -> str | None:
    """Horizontal bars, one per organisation (largest on top), stacked by counted source:
    where a year's emissions sit across the organisations one oversees."""
    rows = sorted(
        ((name, dict(values)) for name, values in totals if values),
        key=lambda row: sum(row[1].values()),
    )
    if not rows:
        return None
    words = text(lang)
    sources = source_order([s for _, values in rows for s in values])
    with drawing():
        figure = Figure(figsize=(10.0, 0.9 + 0.42 * len(rows)))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(rows)))
        right = [0.0] * len(rows)
        left = [0.0] * len(rows)
        for index, source in enumerate(sources):
            values = [row[1].get(source, 0.0) for row in rows]
            start = [r if v >= 0 else lft for v, r, lft in zip(values, right, left, strict=True)]
            axes.barh(
                positions,
                values,
                left=start,
                height=0.62,
                color=_colour(source, _source_colours(), index),
                edgecolor="white",
                linewidth=0.4,
                label=source_label(source, lang),
            )
            right = [r + max(v, 0.0) for v, r in zip(values, right, strict=True)]
            left = [lft + min(v, 0.0) for v, lft in zip(values, left, strict=True)]
        for position, (_, by_source) in zip(positions, rows, strict=True):
            axes.annotate(
                f"{sum(by_source.values()):,.0f}",
                (right[position], position),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
                color="#555555",
            )
        axes.set_yticks(positions, [name for name, _ in rows])
        axes.set_xlim(right=max(right) * 1.15 if max(right) > 0 else 1.0)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        axes.set_xlabel("tCO2e")
        tidy(axes)
        axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
        axes.set_axisbelow(True)
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.9 / (0.9 + 0.42 * len(rows)) - 0.05),
            ncol=min(len(sources), 4),
            frameon=False,
            fontsize=8,
        )
        return to_svg(figure, "organisations", words["organisations_chart"])


def intensity_chart(monthly: pl.DataFrame, lang: str) -> str | None:
    """One line per generating unit: the supply emission intensity month by month
    (``facility, unit, month, supply_intensity`` as
    :func:`dualcarbon.accounting.power.monthly_supply_intensity` gives it)."""
    if not monthly.height:
        return None
    words = text(lang)
    with drawing():
        figure = Figure(figsize=(10.0, 3.0))
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        units = monthly.partition_by("facility", "unit", maintain_order=True, as_dict=True)
        several_plants = monthly["facility"].n_unique() > 1
        for index, ((facility, unit), frame) in enumerate(units.items()):
            axes.plot(
                frame["month"].to_list(),
                frame["supply_intensity"].to_list(),
                marker="o",
                markersize=3.5,
                linewidth=1.4,
                color=OTHER_COLOURS[index % len(OTHER_COLOURS)],
                label=f"{facility} {unit}" if several_plants else str(unit or facility),
            )
        months = list(range(1, 13))
        axes.set_xticks(months, [month_label(m, lang) for m in months])
        axes.set_xlim(0.6, 12.4)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.3f}"))
        axes.set_ylabel("tCO2/MWh", labelpad=6)
        tidy(axes)
        axes.grid(axis="y", color=GRID_COLOUR, linewidth=0.6)
        axes.legend(
            loc="upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=min(len(units), 4),
            frameon=False,
            fontsize=8,
        )
        return to_svg(figure, "intensity", words["intensity_chart"])
