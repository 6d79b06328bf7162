"""``dualcarbon cbam report|export``: EU CBAM specific embedded emissions of an installation's
goods, from its enterprise inventory (IR 2025/2547), and the communication its importer needs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import (
    console,
    errors,
    file_lang,
    print_json,
    refusals_exit,
    terminal_lang,
)
from dualcarbon.i18n import Lang, pick

if TYPE_CHECKING:
    from dualcarbon.cbam.see import CbamReport

app = typer.Typer(
    help="EU CBAM: specific embedded emissions from the inventory, and the operator's "
    "communication to its importer (IR 2025/2547).",
    no_args_is_help=True,
)

DeclarationFile = Annotated[
    Path,
    typer.Argument(help="the installation's CBAM declaration (.yaml)", exists=True, dir_okay=False),
]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en (default: the locale)")]


def _report(path: Path, language: Lang) -> CbamReport:
    from dualcarbon.cbam.see import embedded_emissions
    from dualcarbon.io.cbam_files import file_sources, read_declaration

    with refusals_exit(language):
        declaration = read_declaration(path)
        return embedded_emissions(declaration, file_sources(path.parent, declaration.year))


@app.command()
def report(
    declaration_file: DeclarationFile,
    html: Annotated[Path | None, typer.Option(help="write the HTML report here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the communication as JSON")] = False,
    lang: LangOption = None,
) -> None:
    """Each good's specific embedded emissions (direct, indirect, total, share of defaults),
    what they rest on, and the carbon price paid in China as information."""
    language = terminal_lang(lang)
    found = _report(declaration_file, language)
    if as_json:
        from dualcarbon.cbam.communication import communication

        print_json(communication(found))
        return
    _show(found, language)
    if html is not None:
        from dualcarbon.reports.cbam_report import write_cbam_report

        write_cbam_report(found, html, lang=file_lang(lang))
        console.print(pick(language, f"已写出 {html}", f"wrote {html}"))


@app.command()
def export(
    declaration_file: DeclarationFile,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="the communication workbook (.xlsx)")
    ],
    json_file: Annotated[
        Path | None, typer.Option("--json", help="also write the communication as JSON")
    ] = None,
    lang: LangOption = None,
) -> None:
    """The communication to the EU importer: a workbook in the layout of the Commission's
    template's Summary_Communication sheet (English), and the same as JSON."""
    language = terminal_lang(lang)
    found = _report(declaration_file, language)
    from dualcarbon.cbam.communication import communication
    from dualcarbon.io.cbam_export import (
        write_communication_json,
        write_communication_workbook,
    )

    record = communication(found)
    with refusals_exit(language):
        write_communication_workbook(record, output)
    console.print(pick(language, f"已写出 {output}", f"wrote {output}"))
    if json_file is not None:
        write_communication_json(record, json_file)
        console.print(pick(language, f"已写出 {json_file}", f"wrote {json_file}"))


def _show(found: CbamReport, language: Lang) -> None:
    site = found.declaration.installation
    console.print(
        pick(
            language,
            f"[bold]{site.name}[/] {found.declaration.year} 年 CBAM 隐含排放"
            "（IR 2025/2547 附件三）",
            f"[bold]{site.name_en or site.name}[/] {found.declaration.year}: CBAM embedded "
            "emissions (IR 2025/2547 Annex III)",
        )
    )
    table = Table()
    for header in (
        pick(language, "产品", "good"),
        "CN",
        pick(language, "功能单位", "functional unit"),
        pick(language, "直接", "direct"),
        pick(language, "间接", "indirect"),
        pick(language, "合计", "total"),
        pick(language, "缺省值占比", "share of defaults"),
        pick(language, "依据", "basis"),
    ):
        table.add_column(header, overflow="fold")
    for good in found.goods:
        indirect = f"{good.see_indirect:.4f}"
        if good.good.direct_only:
            indirect += pick(language, "（不计入）", " (not counted)")
        basis = good.basis
        if good.basis == "default":
            basis += f" +{100 * good.mark_up:g}% → {good.see_total_marked_up:.4f}"
        table.add_row(
            f"{good.id} {pick(language, good.good.name_zh, good.good.name_en)}",
            good.good.cn,
            good.good.functional_unit,
            f"{good.see_direct:.4f}",
            indirect,
            f"{good.see_total:.4f}",
            f"{100 * good.default_share:.1f}%",
            basis,
        )
    console.print(table)
    for good in found.goods:
        for warning in good.warnings:
            errors.print(
                pick(
                    language,
                    f"[yellow]注意[/] {good.id}：未归入的清单行 {warning}",
                    f"[yellow]note[/] {good.id}: inventory line left out, {warning}",
                ),
                highlight=False,
            )
    console.print(
        pick(
            language,
            f"单位 tCO2e/功能单位；间接排放电力因子缺省 {found.grid_factor_default} tCO2e/MWh"
            f"（{found.defaults_act} 附件二）",
            f"tCO2e per functional unit; default electricity factor {found.grid_factor_default} "
            f"tCO2e/MWh ({found.defaults_act}, Annex II)",
        )
    )
    price = found.carbon_price
    if price is not None:
        console.print(
            pick(
                language,
                f"中国碳价（仅供参考，不作扣减）：{price.price:g} {price.currency}/tCO2，"
                f"免费配额覆盖 {100 * price.free_allocation_share:g}%（{price.source}）",
                f"Carbon price paid in China (information only, not deducted): {price.price:g} "
                f"{price.currency}/tCO2, {100 * price.free_allocation_share:g}% covered by free "
                f"allocation ({price.source})",
            )
        )
