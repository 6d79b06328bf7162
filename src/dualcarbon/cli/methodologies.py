"""``dualcarbon methodologies list|show``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json
from dualcarbon.errors import DualcarbonError
from dualcarbon.i18n import locale_lang, pick

app = typer.Typer(help="List and show the executable methodologies.", no_args_is_help=True)


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every methodology and revision shipped, with the data years each governs. A file that does
    not load is named on standard error with its reason, and the exit status is 1."""
    from dualcarbon.methodologies.definition import all_methodologies, broken_methodologies

    methodologies = sorted(all_methodologies().values(), key=lambda m: (m.sector, m.issued))
    broken = broken_methodologies()
    for name, problem in sorted(broken.items()):
        errors.print(f"[red]{name}: 无法读取 / does not load: {problem.rule}[/]")
    if as_json:
        print_json(
            [
                m.model_dump(
                    mode="json",
                    include={
                        "id",
                        "version",
                        "sector",
                        "title_zh",
                        "title_en",
                        "document",
                        "issued",
                        "reporting_years",
                        "supersedes",
                    },
                )
                for m in methodologies
            ]
        )
        if broken:
            raise typer.Exit(1)
        return
    lang = locale_lang()
    table = Table()
    for header in (
        "ID",
        pick(lang, "行业", "sector"),
        pick(lang, "名称", "title"),
        pick(lang, "文号", "document"),
        pick(lang, "适用数据年份", "data years"),
    ):
        table.add_column(header)
    for m in methodologies:
        years = f"{min(m.reporting_years)}–{max(m.reporting_years)}"
        title = m.title_zh if lang == "zh" else m.title_en
        table.add_row(m.ref, m.sector, title, m.document, years)
    console.print(table)
    if broken:
        raise typer.Exit(1)


@app.command()
def show(methodology: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One methodology: its sources, fuels, parameter rules and fallbacks."""
    from dualcarbon.methodologies.definition import resolve_methodology

    try:
        chosen = resolve_methodology(methodology)
    except DualcarbonError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    if as_json:
        print_json(chosen.model_dump(mode="json"))
        return
    lang = locale_lang()
    console.print(
        f"[bold]{chosen.title_zh}[/] / {chosen.title_en} ({chosen.document}) [cyan]{chosen.ref}[/]"
    )
    sources = Table(title=pick(lang, "排放源", "Sources"))
    for header in (
        "kind",
        pick(lang, "计算器", "calculator"),
        pick(lang, "名称", "name"),
        pick(lang, "公式", "formula"),
        pick(lang, "条款", "clause"),
    ):
        sources.add_column(header)
    for s in chosen.sources:
        sources.add_row(
            s.kind, s.calculator, s.name_zh if lang == "zh" else s.name_en, s.formula, s.clause
        )
    console.print(sources)
    fuels = Table(title=pick(lang, "燃料与参数规则", "Fuels and parameter rules"))
    for header in ("fuel", pick(lang, "名称", "name"), "NCV", pick(lang, "含碳量", "carbon"), "OF"):
        fuels.add_column(header)
    for key, fuel in chosen.fuels.items():

        def rule(r: object) -> str:
            from dualcarbon.methodologies.definition import ParameterRule

            assert isinstance(r, ParameterRule)
            accepted = "/".join(t.value for t in r.accepts) or "—"
            fallback = f" → {r.fallback.factor} ({r.fallback.clause})" if r.fallback else ""
            return accepted + fallback

        fuels.add_row(
            key,
            fuel.name_zh if lang == "zh" else fuel.name_en,
            rule(fuel.net_calorific_value),
            rule(fuel.carbon_content),
            rule(fuel.oxidation_rate),
        )
    console.print(fuels)
    console.print(f"{pick(lang, '温室气体', 'Gases')}: {', '.join(chosen.gases)}")
    for label_zh, label_en, text in (
        ("月度加权", "Monthly weighting", chosen.monthly_weighting),
        ("年度加权", "Annual weighting", chosen.annual_weighting),
    ):
        if text:
            console.print(f"{pick(lang, label_zh, label_en)}: {text}")
    for note in chosen.notes:
        console.print(f"[dim]• {note}[/]")
