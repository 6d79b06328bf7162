"""``dualcarbon methodologies list|show``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json
from dualcarbon.errors import DualcarbonError
from dualcarbon.i18n import Lang, locale_lang, pick, unit_label

if TYPE_CHECKING:
    from dualcarbon.methodologies.definition import ParameterRule

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
        table.add_column(header, overflow="fold")
    for m in methodologies:
        years = (
            f"{min(m.reporting_years)}–{max(m.reporting_years)}"
            if m.reporting_years
            else pick(lang, "按项目计入期", "the project's crediting period")
        )
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
        sources.add_column(header, overflow="fold")
    for s in chosen.sources:
        sources.add_row(
            s.kind, s.calculator, s.name_zh if lang == "zh" else s.name_en, s.formula, s.clause
        )
    console.print(sources)
    fuels = Table(
        title=pick(lang, "燃料与参数：实测要求与缺省值", "Fuels: what is measured, defaults")
    )
    for header in (
        "fuel",
        pick(lang, "名称", "name"),
        pick(lang, "低位发热量", "NCV"),
        pick(lang, "单位热值含碳量", "carbon per unit heat"),
        pick(lang, "碳氧化率", "oxidation rate"),
    ):
        fuels.add_column(header, overflow="fold")
    cited: dict[str, str] = {}
    for key, fuel in chosen.fuels.items():
        fuels.add_row(
            key,
            fuel.name_zh if lang == "zh" else fuel.name_en,
            *(
                _rule(r, lang, cited)
                for r in (fuel.net_calorific_value, fuel.carbon_content, fuel.oxidation_rate)
            ),
        )
    console.print(fuels)
    defaults = [
        (s.kind, slot, template) for s in chosen.sources for slot, template in s.defaults.items()
    ]
    if defaults:
        console.print(pick(lang, "[bold]排放源缺省值[/]", "[bold]Source defaults[/]"))
        for kind, slot, template in defaults:
            for key, value in _expanded(template, lang, cited):
                console.print(f"  {kind} · {slot} · {key}: {value}", markup=False, highlight=False)
    if cited:
        console.print(pick(lang, "[bold]缺省值出处[/]", "[bold]Where the defaults come from[/]"))
        for ref, clause in cited.items():
            console.print(f"  {ref}  {clause}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"{pick(lang, '温室气体', 'Gases')}: {', '.join(chosen.gases)}")
    for label_zh, label_en, text in (
        ("月度加权", "Monthly weighting", chosen.monthly_weighting),
        ("年度加权", "Annual weighting", chosen.annual_weighting),
    ):
        if text:
            console.print(f"{pick(lang, label_zh, label_en)}: {text}")
    for note in chosen.notes:
        console.print(f"[dim]• {note}[/]")


def _rule(rule: ParameterRule, lang: Lang, cited: dict[str, str]) -> str:
    """What a parameter accepts, and its default's value (its factor listed in ``cited``)."""
    from dualcarbon.factors import default_catalogue

    accepted = "/".join(t.value for t in rule.accepts)
    shown = pick(lang, f"实测（{accepted}）", f"measured ({accepted})") if accepted else ""
    if rule.fallback is not None:
        factor = default_catalogue().get(rule.fallback.factor)
        cited[factor.ref] = rule.fallback.clause
        value = f"{factor.value:g} {unit_label(factor.unit, lang)}".strip()
        default = pick(lang, f"缺省 {value}", f"default {value}")
        shown = (
            f"{shown}，{default}"
            if shown and lang == "zh"
            else (f"{shown}, {default}" if shown else default)
        )
    return shown or "—"


def _expanded(template: str, lang: Lang, cited: dict[str, str]) -> list[tuple[str, str]]:
    """A source's default template (``…/clinker/{clinker_type}``) as the values it names, one
    per choice of the column it names; the template itself where it names none or several."""
    import re

    from dualcarbon.errors import FactorNotFoundError
    from dualcarbon.factors import default_catalogue
    from dualcarbon.methodologies.tables import TABLES

    named = re.findall(r"\{(\w+)\}", template)
    choices: tuple[str, ...] = ()
    if len(named) == 1:
        for table in TABLES.values():
            if table.has(named[0]) and table.column(named[0]).choices:
                choices = tuple(table.column(named[0]).choices)
                break
    keys = [template.replace(f"{{{named[0]}}}", c) for c in choices] if choices else [template]
    found = []
    for key in keys:
        try:
            factor = default_catalogue().get(key)
        except FactorNotFoundError:
            continue
        cited[factor.ref] = factor.table
        found.append((key.rsplit("/", 1)[-1], f"{factor.value:g} {unit_label(factor.unit, lang)}"))
    return found or [(template, "—")]
