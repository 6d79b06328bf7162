"""``dualcarbon rollup RESULTS``: province and nation totals from many enterprises' results, on
DuckDB (default) or Spark with the same SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import console, errors, print_json, refusals_exit, terminal_lang
from dualcarbon.i18n import pick


def rollup(
    results_file: Annotated[
        Path,
        typer.Argument(
            help="results of facilities (.csv or .parquet): organisation, facility, province, "
            "sector, year, tco2e, u_tco2e, energy_tce",
            exists=True,
            dir_okay=False,
        ),
    ],
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark")] = "duckdb",
    out: Annotated[
        Path | None, typer.Option(help="write the roll-up here (.csv or .parquet)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en")] = None,
) -> None:
    """Totals by year, province and sector, with the subtotals of each province and the nation:
    facilities, tCO2e with its standard uncertainty, tce and tCO2e per tce."""
    from dualcarbon.io.rollup_files import read_results, write_rollup
    from dualcarbon.rollup.rollup import ALL_SECTORS, roll_up

    language = terminal_lang(lang)
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("use duckdb or spark", param_hint="--engine")
    with refusals_exit(language):
        table = roll_up(read_results(results_file), "spark" if engine == "spark" else "duckdb")
    if out is not None:
        write_rollup(table, out)
        errors.print(pick(language, f"已写入 {out}", f"written to {out}"))
    rows = table.to_pylist()
    if as_json:
        print_json(rows)
        return
    shown = Table(title=pick(language, "各省合计（全部行业）", "Provinces, all sectors"))
    for header in (
        pick(language, "年份", "year"),
        pick(language, "省份", "province"),
        pick(language, "设施数", "facilities"),
        "tCO2e",
        "u",
        "tce",
        "tCO2e/tce",
    ):
        shown.add_column(header, justify="right")
    for row in rows:
        if row["sector"] != ALL_SECTORS:
            continue
        shown.add_row(
            str(row["year"]),
            row["province"],
            f"{row['facilities']:,}",
            f"{row['tco2e']:,.0f}",
            "—" if row["u_tco2e"] is None else f"{row['u_tco2e']:,.0f}",
            "—" if row["energy_tce"] is None else f"{row['energy_tce']:,.0f}",
            "—" if row["tco2e_per_tce"] is None else f"{row['tco2e_per_tce']:.3f}",
        )
    console.print(shown)
