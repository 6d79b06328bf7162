"""``dualcarbon uncertainty BUDGET.yaml``: GUM and Monte Carlo on a budget file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json, show_input_error
from dualcarbon.errors import DualcarbonError, InputError
from dualcarbon.i18n import Lang, locale_lang, pick

if TYPE_CHECKING:  # scipy and numpy: not for --help
    from dualcarbon.uncertainty.budget import BudgetRun
    from dualcarbon.uncertainty.mcm import McmResult

BARS = " ▁▂▃▄▅▆▇█"


def uncertainty(
    budget: Annotated[
        Path, typer.Argument(help="budget file (.yaml)", exists=True, dir_okay=False)
    ],
    method: Annotated[str, typer.Option(help="gum, mcm or both")] = "both",
    coverage: Annotated[float, typer.Option(help="coverage probability P")] = 0.95,
    trials: Annotated[
        int, typer.Option(help="Monte Carlo trials; 0 runs the adaptive procedure (JCGM 101 7.9)")
    ] = 1_000_000,
    seed: Annotated[int | None, typer.Option(help="random seed, for repeatable runs")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    plot: Annotated[Path | None, typer.Option(help="write the Monte Carlo histogram (PNG)")] = None,
) -> None:
    """Evaluate a measurement uncertainty budget (JCGM 100 law of propagation, JCGM 101 MCM)."""
    lang = locale_lang()
    if method not in ("gum", "mcm", "both"):
        raise typer.BadParameter("use gum, mcm or both", param_hint="--method")
    if not 0 < coverage < 1:
        raise typer.BadParameter("between 0 and 1", param_hint="--coverage")
    try:
        from dualcarbon.io.budget_file import read_budget
        from dualcarbon.uncertainty.budget import run_budget

        model = read_budget(budget)
        run = run_budget(model, method=method, coverage=coverage, trials=trials or None, seed=seed)
    except InputError as exc:
        show_input_error(exc, lang)
        raise typer.Exit(1) from None
    except DualcarbonError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    if as_json:
        print_json(run.to_json())
    else:
        _print(run, lang)
    if plot and run.mcm:
        from dualcarbon.reports.uncertainty_plot import write_histogram

        write_histogram(run, plot, lang)
        errors.print(pick(lang, f"直方图已写入 {plot}", f"histogram written to {plot}"))


def _print(run: BudgetRun, lang: Lang) -> None:
    for output in run.model.outputs:
        g = run.gum.results[output] if run.gum else None
        m = run.mcm[output] if run.mcm else None
        console.rule(f"[bold]{output}[/]")
        if g:
            table = Table(title=pick(lang, "不确定度分量（GUM）", "Uncertainty budget (GUM)"))
            for header in (
                pick(lang, "输入量", "input"),
                pick(lang, "估计值", "value"),
                "u",
                pick(lang, "分布", "distribution"),
                "ν",
                pick(lang, "灵敏系数", "sensitivity"),
                pick(lang, "分量 c·u", "contribution c·u"),
                pick(lang, "方差占比", "% of variance"),
            ):
                table.add_column(header, justify="right", overflow="fold")
            for line in sorted(g.budget, key=lambda b: -abs(b.contribution)):
                table.add_row(
                    line.input,
                    f"{line.value:.6g}",
                    f"{line.u:.3g}",
                    line.distribution,
                    _dof(line.dof),
                    f"{line.sensitivity:.4g}",
                    f"{line.contribution:.3g}",
                    f"{100 * line.variance_share:.1f} %",
                )
            console.print(table)
            console.print(
                f"GUM: y = {g.value:.6g}, u = {g.u:.3g}, ν_eff = {_dof(g.dof)}, k = {g.k:.3f}, "
                f"U = {g.U:.3g} ({g.coverage:.0%}), [{g.interval[0]:.6g}, {g.interval[1]:.6g}]"
            )
        if m:
            console.print(
                f"MCM ({m.trials:,} {pick(lang, '次', 'trials')}): "
                f"y = {m.value:.6g}, u = {m.u:.3g}, "
                f"{pick(lang, '概率对称区间', 'symmetric')} [{m.interval[0]:.6g}, "
                f"{m.interval[1]:.6g}], {pick(lang, '最短区间', 'shortest')} "
                f"[{m.shortest_interval[0]:.6g}, {m.shortest_interval[1]:.6g}]"
            )
            console.print(_histogram(m), highlight=False)
        if g and m:
            from dualcarbon.uncertainty.mcm import validate

            check = validate(g, m)
            verdict = (
                pick(lang, "[green]通过[/]", "[green]passed[/]")
                if check.passed
                else pick(lang, "[red]未通过[/]", "[red]failed[/]")
            )
            console.print(
                pick(
                    lang,
                    "GUM 经 MCM 验证（JCGM 101 第8章）：",
                    "GUM validated by MCM (JCGM 101 8): ",
                )
                + f"{verdict}  d_low = {check.d_low:.3g}, d_high = {check.d_high:.3g}, "
                f"δ = {check.tolerance:.3g}"
            )


def _dof(dof: float) -> str:
    return "∞" if dof == float("inf") else f"{dof:.1f}"


def _histogram(result: McmResult, width: int = 50) -> str:
    """A line of bars with the intervals marked under it: [ ] symmetric, < > shortest."""
    edges, counts = result.histogram
    step = len(counts) / width
    merged = [sum(counts[int(i * step) : int((i + 1) * step)]) for i in range(width)]
    top = max(merged) or 1
    bars = "".join(BARS[round(c / top * (len(BARS) - 1))] for c in merged)
    low, high = edges[0], edges[-1]
    marks = [" "] * width

    def place(x: float, char: str) -> None:
        index = min(width - 1, max(0, int((x - low) / (high - low) * width)))
        marks[index] = char

    place(result.shortest_interval[0], "<")
    place(result.shortest_interval[1], ">")
    place(result.interval[0], "[")
    place(result.interval[1], "]")
    return f"{bars}\n{''.join(marks)}\n{low:<.4g}{'':>{width - 20}}{high:>.4g}"
