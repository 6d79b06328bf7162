"""``dualcarbon disclosure climate``: the greenhouse-gas metrics of a climate disclosure (IFRS S2
29(a); 财会〔2025〕34号) from the enterprise's accounted inventories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, file_lang, print_json, refusals_exit, terminal_lang
from dualcarbon.i18n import pick

app = typer.Typer(
    help="Sustainability disclosure, climate part: scope 1 and 2, intensity and methods from the "
    "accounted results (IFRS S2; China's climate disclosure standard).",
    no_args_is_help=True,
)


@app.command()
def climate(
    inventories: Annotated[
        list[Path],
        typer.Argument(
            help="the organisation's inventories of one year (.xlsx or .yaml)", exists=True
        ),
    ],
    revenue: Annotated[
        float | None, typer.Option(help="revenue of the year, for the intensity per million")
    ] = None,
    currency: Annotated[str, typer.Option(help="currency of the revenue")] = "CNY",
    database: Annotated[
        str | None,
        typer.Option(
            help="certificate ledger to read the year's green-electricity claims from "
            "(subject '<organisation> <year>')"
        ),
    ] = None,
    html: Annotated[Path | None, typer.Option(help="write the HTML disclosure here")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the disclosure as JSON")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en")] = None,
) -> None:
    """Absolute scope 1 and scope 2 (location-based) with their uncertainty and methods, the
    contractual instruments claimed, and intensity per product and per revenue."""
    from dualcarbon.accounting.engine import account
    from dualcarbon.disclosure.climate import (
        ContractualInstruments,
        climate_disclosure,
        disclosure_record,
    )
    from dualcarbon.io import read_inventory

    language = terminal_lang(lang)
    with refusals_exit(language):
        accounts = []
        for path in inventories:
            inventory = read_inventory(path)
            accounts.append((inventory, account(inventory, plausibility=False)))
        instruments = None
        if database is not None:
            from dualcarbon.ledger.certificates import enterprise_claims

            header = accounts[0][0].header
            instruments = ContractualInstruments.of(
                enterprise_claims(header.organisation, header.year, url=database)
            )
        disclosure = climate_disclosure(
            accounts, revenue=revenue, currency=currency, instruments=instruments
        )
    if as_json:
        print_json(disclosure_record(disclosure))
        return
    table = Table(title=pick(language, "温室气体排放（披露）", "GHG emissions (disclosure)"))
    table.add_column(pick(language, "设施", "facility"))
    table.add_column(pick(language, "范围一 tCO2e", "scope 1 tCO2e"), justify="right")
    table.add_column(
        pick(language, "范围二（基于位置）tCO2e", "scope 2 location tCO2e"), justify="right"
    )
    table.add_column(pick(language, "核算方法", "method"), overflow="fold")
    for f in disclosure.facilities:
        table.add_row(f.facility, f"{f.scope1:,.1f}", f"{f.scope2_location:,.1f}", f.methodology)
    table.add_row(
        pick(language, "合计", "total"),
        f"{disclosure.scope1:,.1f} ± {2 * disclosure.scope1_u:,.1f}",
        f"{disclosure.scope2_location:,.1f}",
        "",
    )
    console.print(table)
    if html is not None:
        from dualcarbon.reports.disclosure_report import write_disclosure_report

        write_disclosure_report(disclosure, html, lang=file_lang(lang))
        console.print(pick(language, f"已写出 {html}", f"wrote {html}"))
