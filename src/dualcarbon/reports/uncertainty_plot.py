"""Picture of a Monte Carlo output: histogram, both coverage intervals, and the GUM result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy import stats

from dualcarbon.i18n import Lang, pick
from dualcarbon.uncertainty.budget import BudgetRun


def write_histogram(run: BudgetRun, path: Path, lang: Lang) -> Path:
    """One panel per output; PNG at ``path``."""
    assert run.mcm is not None
    outputs = run.model.outputs
    figure = Figure(figsize=(8.0, 3.2 * len(outputs)))
    FigureCanvasAgg(figure)
    for index, name in enumerate(outputs):
        axes = figure.add_subplot(len(outputs), 1, index + 1)
        result = run.mcm[name]
        edges, counts = (np.asarray(a, dtype=float) for a in result.histogram)
        widths = np.diff(edges)
        density = counts / (counts.sum() * widths)
        axes.bar(
            edges[:-1],
            density,
            width=widths,
            align="edge",
            color="#9ecae1",
            label=pick(lang, "MCM 分布", "MCM distribution"),
        )
        for x in result.interval:
            axes.axvline(x, color="#08519c", linestyle="-", linewidth=1.2)
        for x in result.shortest_interval:
            axes.axvline(x, color="#e6550d", linestyle="--", linewidth=1.2)
        axes.plot([], [], color="#08519c", label=pick(lang, "概率对称区间", "symmetric interval"))
        axes.plot(
            [],
            [],
            color="#e6550d",
            linestyle="--",
            label=pick(lang, "最短区间", "shortest interval"),
        )
        if run.gum:
            g = run.gum.results[name]
            xs = np.linspace(edges[0], edges[-1], 400)
            if g.u > 0:
                axes.plot(
                    xs,
                    stats.norm.pdf(xs, g.value, g.u),
                    color="#333333",
                    linewidth=1,
                    label=pick(lang, "GUM（正态）", "GUM (normal)"),
                )
        axes.set_title(f"{name}  ({result.coverage:.0%}, {result.trials:,})", fontsize=9)
        axes.legend(fontsize=7, frameon=False)
        axes.tick_params(labelsize=7)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return path
