"""The picture of a product footprint: a Sankey diagram of how the kgCO2e flow from the processes
through the life-cycle stages to the total, drawn with matplotlib and returned as inline SVG.

Three columns of nodes: the processes (left), the stages (middle) and the footprint (right). A
band's width is the kgCO2e that a process contributes in a stage, summed over its trace lines, so
every node is as tall as what flows through it and the right node is the sum of the emissions.
Credits and removals (negative lines) cannot be drawn as bands; they are summed into a green bar
at the foot of the total node, which is labelled with the net footprint.

Drawing follows :mod:`dualcarbon.reports.charts`: the object-oriented API on an Agg canvas, under
its lock and settings, text kept as text with no font family of its own (the page's CJK font
stack draws the Chinese labels), ids prefixed so the SVG can sit in the page with other charts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from dualcarbon.footprint.footprint import FootprintResult
from dualcarbon.footprint.model import Stage
from dualcarbon.reports.charts import drawing, to_svg
from dualcarbon.reports.i18n import footprint_text

STAGE_COLOURS: dict[Stage, str] = {
    Stage.RAW_MATERIAL_ACQUISITION: "#34618f",
    Stage.PRODUCTION: "#e0a030",
    Stage.DISTRIBUTION: "#7a5195",
    Stage.USE: "#c0504d",
    Stage.END_OF_LIFE: "#58a55c",
}
CREDIT_COLOUR = "#2a9d8f"
TOTAL_COLOUR = "#1d5c8c"

_GAP = 14.0
"""Space between two nodes of a column [pt]: room for a label line."""
_PER_NODE = 40.0
"""Height of the drawing per node of its tallest column [pt]."""
_WIDTH = 720.0
"""Width of the drawing [pt] (10 in)."""
_X_TOTAL, _NODE_W = 84.0, 1.6
"""The total's column and the node width, in hundredths of the drawing's width; the process
column sits right of its longest label (:func:`_label_width`), the stage column halfway."""
_LABEL_MAX = 48
"""Labels longer than this many characters are shortened with an ellipsis."""


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def display_name(name: str, lang: str) -> str:
    """A bilingual text written ``中文 / English`` (or ``English / 中文``) in the page's language:
    the part with Chinese characters for ``zh``, the part without for ``en``; others as they are.

    >>> display_name("单晶硅片 / mono-Si wafer", "en")
    'mono-Si wafer'
    >>> display_name("1 m² of PV module / 1 m² 光伏组件", "zh")
    '1 m² 光伏组件'
    """
    parts = [part.strip() for part in name.split(" / ")]
    if len(parts) < 2:
        return name
    chinese = [part for part in parts if _CJK.search(part)]
    other = [part for part in parts if not _CJK.search(part)]
    if lang == "zh":
        return chinese[0] if chinese else name
    return other[0] if other else name


def _label_width(text: str, size: float = 8.0) -> float:
    """Generous width of a label [pt]: a CJK character is about 1 em, others at most 0.62 em
    (the browser's font may be wider than the one matplotlib measures with)."""
    wide = sum(1 for ch in text if _CJK.match(ch) or ord(ch) > 0xFF00)
    return size * (wide + 0.62 * (len(text) - wide))


def _shorten(text: str) -> str:
    return text if len(text) <= _LABEL_MAX else text[: _LABEL_MAX - 1].rstrip() + "…"


@dataclass(frozen=True)
class Band:
    """kgCO2e from a process to a stage (positive lines only)."""

    process: str
    stage: Stage
    value: float


def sankey_bands(result: FootprintResult) -> tuple[list[Band], float]:
    """The bands of the diagram, in drawing order, and the credits [kgCO2e, ≤ 0] they leave out.

    A band sums a process's positive trace lines in one stage; negative lines (removals, avoided
    products) are summed into the credits."""
    positive: dict[tuple[str, Stage], float] = defaultdict(float)
    credits = 0.0
    for line in result.trace:
        if line.contribution > 0.0:
            positive[(line.process, line.stage)] += line.contribution
        else:
            credits += line.contribution
    stage_rank = {stage: i for i, stage in enumerate(Stage)}
    process_total: dict[str, float] = defaultdict(float)
    process_stage: dict[str, Stage] = {}
    for (process, stage), value in positive.items():
        process_total[process] += value
        known = process_stage.get(process)
        if known is None or stage_rank[stage] < stage_rank[known]:
            process_stage[process] = stage
    order = sorted(
        process_total, key=lambda p: (stage_rank[process_stage[p]], -process_total[p], p)
    )
    bands = [
        Band(process, stage, positive[(process, stage)])
        for process in order
        for stage in sorted(Stage, key=stage_rank.__getitem__)
        if (process, stage) in positive
    ]
    return bands, credits


def _ribbon(
    x0: float, y0_top: float, x1: float, y1_top: float, width: float
) -> Path:  # pragma: no cover - geometry, seen in the picture
    """A band of ``width`` from (x0, top y0) to (x1, top y1) with S-shaped edges."""
    mid = (x0 + x1) / 2.0
    vertices = [
        (x0, y0_top),
        (mid, y0_top),
        (mid, y1_top),
        (x1, y1_top),
        (x1, y1_top - width),
        (mid, y1_top - width),
        (mid, y0_top - width),
        (x0, y0_top - width),
        (x0, y0_top),
    ]
    codes = [
        Path.MOVETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.LINETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.CLOSEPOLY,
    ]
    return Path(vertices, codes)


def _stack(
    values: list[float], scale: float, height: float, gap: float
) -> list[tuple[float, float]]:
    """(top, bottom) of nodes stacked downwards from the top, centred in ``height``."""
    used = sum(values) * scale + gap * (len(values) - 1)
    top = height - (height - used) / 2.0
    spans = []
    for value in values:
        bottom = top - value * scale
        spans.append((top, bottom))
        top = bottom - gap
    return spans


def footprint_sankey(
    result: FootprintResult, lang: str, process_names: dict[str, str] | None = None
) -> str | None:
    """The Sankey diagram (module docstring) as an inline SVG element; None when nothing emits.

    ``process_names`` maps process ids to the names shown (default: the ids)."""
    words = footprint_text(lang)
    bands, credits = sankey_bands(result)
    gross = sum(band.value for band in bands)
    if gross <= 0.0:
        return None
    names = process_names or {}
    processes = list(dict.fromkeys(band.process for band in bands))
    stages = [stage for stage in Stage if any(band.stage is stage for band in bands)]
    by_process = {p: sum(b.value for b in bands if b.process == p) for p in processes}
    by_stage = {s: sum(b.value for b in bands if b.stage is s) for s in stages}

    rows = max(len(processes), len(stages), 2)
    height = max(200.0, _PER_NODE * rows + 30.0)
    scale = (height - 30.0 - _GAP * (rows - 1)) / gross
    process_span = dict(
        zip(processes, _stack([by_process[p] for p in processes], scale, height, _GAP), strict=True)
    )
    stage_span = dict(
        zip(stages, _stack([by_stage[s] for s in stages], scale, height, _GAP * 2), strict=True)
    )
    (total_span,) = _stack([gross], scale, height, 0.0)
    labels = {
        p: f"{_shorten(names.get(p, p))}  {by_process[p]:,.2f} ({by_process[p] / gross:.1%})"
        for p in processes
    }
    widest = max(_label_width(text) for text in labels.values())
    x_process = min(max(100.0 * (widest + 12.0) / _WIDTH, 18.0), 50.0)
    x_stage = (x_process + _NODE_W + _X_TOTAL) / 2.0

    with drawing():
        figure = Figure(figsize=(_WIDTH / 72.0, height / 72.0))
        FigureCanvasAgg(figure)
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_xlim(0.0, 100.0)
        axes.set_ylim(0.0, height)
        axes.set_axis_off()

        process_out = {p: span[0] for p, span in process_span.items()}
        stage_in = {s: span[0] for s, span in stage_span.items()}
        for band in bands:
            width = band.value * scale
            axes.add_patch(
                PathPatch(
                    _ribbon(
                        x_process + _NODE_W,
                        process_out[band.process],
                        x_stage,
                        stage_in[band.stage],
                        width,
                    ),
                    facecolor=STAGE_COLOURS[band.stage],
                    edgecolor="none",
                    alpha=0.35,
                )
            )
            process_out[band.process] -= width
            stage_in[band.stage] -= width
        total_in = total_span[0]
        for stage in stages:
            width = by_stage[stage] * scale
            axes.add_patch(
                PathPatch(
                    _ribbon(x_stage + _NODE_W, stage_span[stage][0], _X_TOTAL, total_in, width),
                    facecolor=STAGE_COLOURS[stage],
                    edgecolor="none",
                    alpha=0.35,
                )
            )
            total_in -= width

        for process in processes:
            top, bottom = process_span[process]
            stage = next(b.stage for b in bands if b.process == process)
            axes.add_patch(
                Rectangle((x_process, bottom), _NODE_W, top - bottom, color=STAGE_COLOURS[stage])
            )
            axes.text(
                x_process - 0.8,
                (top + bottom) / 2.0,
                labels[process],
                ha="right",
                va="center",
                fontsize=8,
            )
        for stage in stages:
            top, bottom = stage_span[stage]
            axes.add_patch(
                Rectangle((x_stage, bottom), _NODE_W, top - bottom, color=STAGE_COLOURS[stage])
            )
            axes.text(
                x_stage + _NODE_W + 0.8,
                top + 2.0,
                f"{stage.label('zh' if lang == 'zh' else 'en')}  {by_stage[stage]:,.2f}",
                ha="left",
                va="bottom",
                fontsize=8,
                fontweight="bold",
                color=STAGE_COLOURS[stage],
            )
        top, bottom = total_span
        axes.add_patch(Rectangle((_X_TOTAL, bottom), _NODE_W, top - bottom, color=TOTAL_COLOUR))
        if credits < 0.0:
            axes.add_patch(
                Rectangle(
                    (_X_TOTAL, bottom),
                    _NODE_W,
                    min(-credits, gross) * scale,
                    color=CREDIT_COLOUR,
                    hatch="////",
                )
            )
        total_text = f"{words['sankey_total']}\n{gross + credits:,.2f} kgCO2e"
        if credits < 0.0:
            total_text += (
                f"\n{words['sankey_gross']} {gross:,.2f}\n{words['sankey_credits']} {credits:,.2f}"
            )
        axes.text(
            _X_TOTAL + _NODE_W + 0.8,
            (top + bottom) / 2.0,
            total_text,
            ha="left",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=TOTAL_COLOUR,
            linespacing=1.5,
        )
        return to_svg(figure, "sankey", words["sankey_title"])
