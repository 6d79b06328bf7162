"""``dualcarbon factors search|show|from-gas|validate``: the factor catalogue from the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json
from dualcarbon.cli.from_gas import from_gas
from dualcarbon.cli.validate_factors import validate
from dualcarbon.errors import FactorNotFoundError

if TYPE_CHECKING:  # the catalogue loads pint and every factor file: not for --help
    from dualcarbon.factors import Factor
from dualcarbon.i18n import locale_lang, pick, unit_label

app = typer.Typer(
    help="Search and show emission factors, GWPs and coefficients.", no_args_is_help=True
)


def factor_json(factor: Factor, *, superseded: bool) -> dict[str, Any]:
    data = factor.model_dump(mode="json")
    data["ref"] = factor.ref
    data["superseded"] = superseded
    data["standard_uncertainty"] = factor.standard_uncertainty
    return data


@app.command()
def search(
    text: Annotated[
        str | None, typer.Argument(help="words in the id, Chinese or English name")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="e.g. net_calorific_value, gwp")] = None,
    subject: Annotated[str | None, typer.Option(help="fuel or gas key, e.g. natural_gas")] = None,
    gas: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str | None, typer.Option(help="part of the source id, e.g. ipcc")] = None,
    year: Annotated[int | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option(help="CN, CN-North, global …")] = None,
    all_versions: Annotated[
        bool, typer.Option("--all", help="include superseded versions")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Find factors by words and criteria."""
    from dualcarbon.factors import default_catalogue

    catalogue = default_catalogue()
    found = catalogue.search(
        text,
        kind=kind,
        subject=subject,
        gas=gas,
        source=source,
        year=year,
        region=region,
        include_superseded=all_versions,
    )
    if as_json:
        print_json([factor_json(f, superseded=catalogue.is_superseded(f)) for f in found])
        return
    lang = locale_lang()
    # one factor per block, its id alone on a line: a table cut ids to fit the terminal, and an
    # id is what `factors show` takes
    console.print(
        pick(lang, f"[bold]找到 {len(found)} 个因子[/]", f"[bold]{len(found)} factor(s)[/]")
    )
    for f in found:
        name = f.name_zh if lang == "zh" else f.name_en
        shown_year = f" · {f.year}" if f.year else ""
        console.print(f.ref, style="cyan", markup=False, highlight=False, soft_wrap=True)
        console.print(
            f"    {name} = {f.value:g} {unit_label(f.unit, lang)} · {f.source.id} {f.table}"
            f"{shown_year}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def show(
    factor_id: Annotated[str, typer.Argument(help="factor id, or id@version for one version")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show one factor with its source, uncertainty and versions."""
    from dualcarbon.factors import default_catalogue

    catalogue = default_catalogue()
    lang = locale_lang()
    try:
        factor = catalogue.get(factor_id)
    except FactorNotFoundError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    versions = catalogue.versions(factor.id)
    if as_json:
        data = factor_json(factor, superseded=catalogue.is_superseded(factor))
        data["versions"] = [v.ref for v in versions]
        print_json(data)
        return
    table = Table(show_header=False, title=factor.ref)
    table.add_column(style="bold", overflow="fold")
    table.add_column(overflow="fold")
    rows = [
        (pick(lang, "名称", "name"), f"{factor.name_zh} / {factor.name_en}"),
        (pick(lang, "数值", "value"), f"{factor.value:g} {unit_label(factor.unit, lang)}".strip()),
        (pick(lang, "类别", "kind"), factor.kind),
        (pick(lang, "对象", "subject"), factor.subject),
        (pick(lang, "气体", "gas"), factor.gas or "—"),
        (pick(lang, "不确定度", "uncertainty"), _uncertainty(factor)),
        (pick(lang, "出处", "document"), factor.source.document_zh or factor.source.document),
        (pick(lang, "表/条款", "table/clause"), factor.table),
        (pick(lang, "年份", "year"), str(factor.year or "—")),
        (pick(lang, "地区", "region"), factor.effective_region),
        (pick(lang, "链接", "url"), factor.source.url or "—"),
        (
            pick(lang, "可信度", "confidence"),
            {
                "verified": pick(lang, "已核对官方文本", "verified against the official text"),
                "corroborated": pick(
                    lang, "转录值（未读到官方文本）", "corroborated (transcribed)"
                ),
                "unverified": pick(lang, "未核实", "unverified"),
            }[factor.effective_confidence],
        ),
        (pick(lang, "核对", "verified"), factor.source.verified),
        (pick(lang, "备注", "note"), factor.note or "—"),
        (
            pick(lang, "版本", "versions"),
            ", ".join(
                v.ref
                + (
                    pick(lang, "（已被替代）", " (superseded)")
                    if catalogue.is_superseded(v)
                    else ""
                )
                for v in versions
            ),
        ),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def _uncertainty(factor: Factor) -> str:
    u = factor.uncertainty
    if u is None:
        return "—"
    standard, distribution = u.standard_uncertainty(factor.value)
    if u.lower is not None:
        printed = f"[{u.lower:g}, {u.upper:g}]"
    elif u.relative is not None:
        printed = f"±{u.relative:.1%}"
    else:
        printed = f"u = {u.u:g}"
    coverage = f", p = {u.coverage:g}" if u.coverage else ""
    return f"{printed}{coverage} → u = {standard:.4g} {factor.unit} ({distribution})"


app.command("from-gas")(from_gas)
app.command("validate")(validate)
