"""``dualcarbon rollup RESULTS`` or ``dualcarbon rollup --database URL --provinces FILE``: province
and nation totals from many enterprises' results (a results file, or every current result of the
platform's store), on DuckDB (default) or Spark with the same SQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import (
    console,
    errors,
    print_json,
    progress_bar,
    refusals_exit,
    store_or_exit,
    terminal_lang,
)
from dualcarbon.i18n import Lang, pick

if TYPE_CHECKING:
    import pyarrow as pa

UNPLACED = "未注明省份"
"""The province of an organisation the provinces file does not name: counted in the nation."""


def rollup(
    results_file: Annotated[
        Path | None,
        typer.Argument(
            help="results of facilities (.csv or .parquet): organisation, facility, province, "
            "sector, year, tco2e, u_tco2e, energy_tce",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="instead of a file: every current result of the platform's store"),
    ] = None,
    provinces: Annotated[
        Path | None,
        typer.Option(
            help="with --database: organisation,province per row (the store keeps no province)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
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
    if (results_file is None) == (database is None):
        raise typer.BadParameter(
            pick(
                language,
                "请给出结果文件或 --database（二者之一）",
                "give a results file or --database",
            )
        )
    if (database is None) != (provinces is None):
        raise typer.BadParameter(
            pick(
                language,
                "--database 与 --provinces 须同时给出",
                "--database and --provinces go together",
            ),
            param_hint="--provinces",
        )
    with refusals_exit(language):
        if results_file is not None:
            results = read_results(results_file)
        else:
            assert provinces is not None
            results = _stored_results(store_or_exit(database, language), provinces, language)
        table = roll_up(results, "spark" if engine == "spark" else "duckdb")
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


def _stored_results(url: str, provinces_file: Path, lang: Lang) -> pa.Table:
    """One row per current result of the store (the newest of each facility and year): its
    total, the standard uncertainty of the total (GUM law of propagation) and its comprehensive
    energy (GB/T 2589-2020), in the organisation's province."""
    import pyarrow as pa

    from dualcarbon.accounting.uncertainty import account_uncertainty
    from dualcarbon.energy.balance import energy_balance
    from dualcarbon.errors import DualcarbonError, RefusedError
    from dualcarbon.io.rollup_files import read_provinces
    from dualcarbon.methodologies.definition import get_methodology
    from dualcarbon.rollup.rollup import RESULT_SCHEMA
    from dualcarbon.store import make_engine, session_scope
    from dualcarbon.store.repository import current_results, load_inventory, load_result

    provinces = read_provinces(provinces_file)
    rows = []
    unplaced: set[str] = set()
    without_energy: list[str] = []
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            stored = current_results(session)
            with progress_bar(
                pick(lang, "读取存储库中的核算结果", "Reading the store's results"),
            ) as bar:
                task = bar.add_task("results", total=len(stored))
                for row in stored:
                    result = load_result(row)
                    meta = result.meta
                    try:
                        energy: float | None = energy_balance(
                            load_inventory(row.inventory), result
                        ).total_tce
                    except DualcarbonError:
                        energy = None  # a methodology the energy balance does not cover
                        without_energy.append(f"{meta.organisation} / {meta.facility} {meta.year}")
                    province = provinces.get(meta.organisation)
                    if province is None:
                        unplaced.add(meta.organisation)
                    methodology = get_methodology(meta.methodology.split("@", 1)[0])
                    rows.append(
                        {
                            "organisation": meta.organisation,
                            "facility": meta.facility,
                            "province": province or UNPLACED,
                            "sector": methodology.sector,
                            "year": meta.year,
                            "tco2e": result.total(),
                            "u_tco2e": account_uncertainty(result).u,
                            "energy_tce": energy,
                        }
                    )
                    bar.advance(task)
    finally:
        engine.dispose()
    if unplaced:
        names = "、".join(sorted(unplaced)[:5]) + ("…" if len(unplaced) > 5 else "")
        errors.print(
            pick(
                lang,
                f"省份文件未列出 {len(unplaced)} 个单位，计入“{UNPLACED}”：{names}",
                f"{len(unplaced)} organisation(s) not in the provinces file, counted under "
                f"{UNPLACED}: {names}",
            ),
            markup=False,
            highlight=False,
        )
    if without_energy:
        names = "、".join(without_energy[:5]) + ("…" if len(without_energy) > 5 else "")
        errors.print(
            pick(
                lang,
                f"{len(without_energy)} 个结果无法计算综合能耗，"
                f"其所在省份与全国不给出 tce：{names}",
                f"{len(without_energy)} result(s) without a comprehensive energy: their province's "
                f"and the nation's tce are left empty: {names}",
            ),
            markup=False,
            highlight=False,
        )
    if not rows:
        raise RefusedError("存储库中没有核算结果", "the store holds no results")
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)
