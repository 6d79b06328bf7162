"""``dualcarbon cems …``: CO2 continuous emission monitoring — HJ 212 intake, the HJ 75 batch
pipeline, analyser QA and direct measurement against the accounting method."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import (
    console,
    errors,
    file_lang,
    print_json,
    show_input_error,
    terminal_lang,
)
from dualcarbon.errors import DualcarbonError, InputError, NoDataError
from dualcarbon.i18n import Lang, locale_lang, pick

if TYPE_CHECKING:
    from dualcarbon.cems.out_of_control import OutOfControl

app = typer.Typer(
    help="CO2 CEMS: receive HJ 212 data, import history, run the HJ 75 pipeline, QA, compare.",
    no_args_is_help=True,
)

Root = Annotated[Path, typer.Option("--root", help="minute-data folder (source=…/month=… Parquet)")]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en (default: the locale)")]


def _fail(exc: DualcarbonError, lang: Lang) -> typer.Exit:
    if isinstance(exc, InputError):
        show_input_error(exc, lang)
    elif isinstance(exc, NoDataError):
        errors.print(f"[bold red]{exc.where}：{exc.rule_zh if lang == 'zh' else exc.rule}[/]")
    else:
        errors.print(f"[bold red]{exc}[/]", highlight=False)
    return typer.Exit(1)


@app.command()
def receive(
    root: Root,
    host: Annotated[str, typer.Option(help="address to listen on")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="TCP port")] = 9212,
    access: Annotated[
        Path | None,
        typer.Option(
            help="access list, a YAML file 'loggers: {<MN>: \"<PW>\"}': only these loggers, "
            "with these passwords, may upload (default: open, any MN and PW)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    flush_interval: Annotated[
        float,
        typer.Option(
            help="seconds between commits of the write-ahead log (fsync); acknowledgements "
            "wait for the next commit",
            min=0.01,
        ),
    ] = 0.2,
    max_age: Annotated[
        float,
        typer.Option(
            help="seconds a source's rows may wait in memory (safe in the write-ahead log) "
            "before they are merged into the source's Parquet file of the day",
            min=0.01,
        ),
    ] = 900.0,
    ambient_kpa: Annotated[
        list[str] | None,
        typer.Option(
            "--ambient-kpa",
            help="ambient (barometric) pressure in kPa, added to the gauge stack pressure "
            "a01013 when a packet carries no a01006: one value for every logger, or MN=kPa "
            "for one logger; repeatable (without it such pressures are stored null)",
        ),
    ] = None,
    codes: Annotated[
        Path | None,
        typer.Option(
            help="code table, a YAML file like the packaged hj212/data/codes.yaml (which codes "
            "fill which column, in which unit the loggers send them)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Receive HJ 212-2017 packets from data loggers and store the minute data under --root
    (acknowledged as the standard asks, once the data are on disk in the write-ahead log;
    Parquet written in batches; bad packets logged and refused). Ctrl+C stops it."""
    from dualcarbon.cems.hj212.access import load_access
    from dualcarbon.cems.hj212.codes import load_codes
    from dualcarbon.cems.hj212.errors import RootInUseError
    from dualcarbon.cems.hj212.receiver import serve

    lang = locale_lang()
    try:
        allowed = None if access is None else load_access(access)
        table = load_codes(codes)
    except DualcarbonError as exc:
        raise _fail(exc, lang) from None
    ambient = _ambient(ambient_kpa or [], lang)
    console.print(
        pick(
            lang, f"HJ 212 接收：{host}:{port} → {root}", f"HJ 212 receiver: {host}:{port} → {root}"
        )
    )
    if allowed is None:
        console.print(
            pick(
                lang,
                "未指定 --access：接受任何 MN 和密码（PW）",
                "no --access list: any MN and password (PW) accepted",
            )
        )
    else:
        console.print(
            pick(
                lang,
                f"访问列表 {access}：{len(allowed)} 台数采仪",
                f"access list {access}: {len(allowed)} loggers",
            )
        )
    if ambient is None:
        console.print(
            pick(
                lang,
                "未指定 --ambient-kpa：不发送 a01006 的数采仪，其烟气压力（a01013）存为空值",
                "no --ambient-kpa: the stack pressure (a01013) of loggers that send no a01006 "
                "is stored null",
            )
        )
    try:
        serve(
            host,
            port,
            root,
            access=allowed,
            flush_interval=flush_interval,
            max_age=max_age,
            ambient_kpa=ambient,
            codes=table,
        )
    except RootInUseError as exc:  # another receiver writes to this root: refuse, do not wait
        raise _fail(exc, lang) from None


def _ambient(values: list[str], lang: Lang) -> float | dict[str, float] | None:
    """``--ambient-kpa``: one number for every logger, or ``MN=kPa`` per logger (not both).
    Checked against the pressure range of :mod:`dualcarbon.cems.rules`."""
    from dualcarbon.cems.rules import RANGES

    low, high = RANGES["pressure"]
    everyone: float | None = None
    per_logger: dict[str, float] = {}
    for value in values:
        mn, sep, number = value.rpartition("=")
        try:
            kpa = float(number)
        except ValueError:
            kpa = float("nan")
        if not low <= kpa <= high or (sep and not mn.strip()):
            raise typer.BadParameter(
                pick(
                    lang,
                    f"{value!r}：应为 {low}–{high} kPa 的数值，或 MN=数值",
                    f"{value!r}: give a number of kPa within [{low}, {high}], or MN=kPa",
                ),
                param_hint="--ambient-kpa",
            )
        if sep:
            per_logger[mn.strip()] = kpa
        else:
            everyone = kpa
    if everyone is not None and per_logger:
        raise typer.BadParameter(
            pick(
                lang,
                "给出一个数值（所有数采仪）或若干 MN=数值，不能同时给出",
                "give one number (every logger) or MN=kPa pairs, not both",
            ),
            param_hint="--ambient-kpa",
        )
    return everyone if everyone is not None else (per_logger or None)


@app.command()
def examples(
    folder: Annotated[Path, typer.Option("--dir", help="folder to write them into")] = Path(),
    lang: LangOption = None,
) -> None:
    """Write the example files the README's CEMS commands name: an access list (数采仪.yaml),
    two days of one stack's minute data (历史数据.csv) and an out-of-control period
    (失控时段.csv)."""
    from dualcarbon.demo.cems_files import write_cems_examples

    language = terminal_lang(lang)
    for path in write_cems_examples(folder):
        console.print(pick(language, f"已写出 {path}", f"wrote {path}"))


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV or Parquet minute files", exists=True)],
    root: Root,
    source: Annotated[
        str | None, typer.Option(help="the stack, for files without a source column")
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(help="map an input column: input=schema (e.g. CO2_pct=co2); repeatable"),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option(help="an input unit: parameter=unit (e.g. flow=m3/s); repeatable"),
    ] = None,
    lang: LangOption = None,
) -> None:
    """Import historical minute data (all or nothing: every problem named, nothing written)."""
    from dualcarbon.cems.intake import ImportSpec, import_files

    language = terminal_lang(lang)
    try:
        spec = ImportSpec(
            columns=_pairs(column, "--column"), units=_pairs(unit, "--unit"), source=source
        )
        report = import_files(files, root, spec)
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    console.print(
        pick(
            language,
            f"已导入 {report.rows} 行，写入 {len(report.written)} 个文件",
            f"imported {report.rows} rows into {len(report.written)} files",
        )
    )


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values or []:
        key, sep, target = value.partition("=")
        if not sep or not key.strip() or not target.strip():
            raise typer.BadParameter(f"{value!r}: write key=value", param_hint=option)
        pairs[key.strip()] = target.strip()
    return pairs


OutOfControlOption = Annotated[
    Path | None,
    typer.Option(
        "--out-of-control",
        help="CSV of the monitors' out-of-control periods (source, parameter, start, end)",
        exists=True,
    ),
]


def _periods(path: Path | None) -> list[OutOfControl]:
    from dualcarbon.cems.out_of_control import read_periods

    return [] if path is None else read_periods(path)


@app.command()
def run(
    root: Root,
    out: Annotated[
        Path | None, typer.Option(help="write hourly/daily/monthly/annual Parquet here")
    ] = None,
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark (local)")] = "duckdb",
    source: Annotated[list[str] | None, typer.Option(help="only these stacks")] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            help="monitoring plan: each stack's yearly CO2 with its uncertainty", exists=True
        ),
    ] = None,
    out_of_control: OutOfControlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the annual table as JSON")] = False,
    lang: LangOption = None,
) -> None:
    """The HJ 75-2017 pipeline: minute validity, hourly means, substitution, CO2 mass, and the
    daily, monthly and annual totals per stack."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dualcarbon.cems.pipeline import run as run_pipeline

    language = terminal_lang(lang)
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("use duckdb or spark", param_hint="--engine")
    try:
        result = run_pipeline(
            root,
            engine=engine,  # type: ignore[arg-type]
            out=out,
            sources=source,
            out_of_control=_periods(out_of_control),
        )
    except DualcarbonError as exc:
        raise _fail(exc, language) from None

    def read(table: pa.Table | Path) -> pa.Table:
        return table if isinstance(table, pa.Table) else pq.read_table(table)

    rows = read(result.annual).to_pylist()
    expanded: dict[tuple[str, int], float] = {}
    if plan is not None:
        from dualcarbon.cems.plan import annual_by_source, hourly_uncertainty, read_plan

        try:
            years = annual_by_source(read(result.hourly), read_plan(plan))
        except DualcarbonError as exc:
            raise _fail(exc, language) from None
        expanded = {(y.source, y.year): 2 * y.u_co2_t for y in years}
        if isinstance(result.hourly, Path):  # the hourly table written with its uncertainty
            hourly = hourly_uncertainty(read(result.hourly), read_plan(plan))
            pq.write_table(hourly, result.hourly)
        for row in rows:
            row["U_co2_t_k2"] = expanded.get((str(row["source"]), int(row["year"])))
    if as_json:
        print_json({"rows": result.rows, "annual": rows})
        return
    view = Table(title=pick(language, "年度 CO2 排放量（CEMS）", "Annual CO2 (CEMS)"))
    headers = ["source", pick(language, "年", "year"), "tCO2"]
    headers += ["U (k=2)"] if plan is not None else []
    headers += [pick(language, "运行小时", "hours"), "capture"]
    for header in headers:
        view.add_column(header, overflow="fold")
    for row in rows:
        cells = [str(row.get("source")), str(row.get("year")), f"{row.get('co2_t', 0.0):,.1f}"]
        if plan is not None:
            u = row.get("U_co2_t_k2")
            cells.append("—" if u is None else f"{u:,.1f}")
        cells += [str(row.get("hours")), f"{100 * (row.get('capture_rate') or 0.0):.1f}%"]
        view.add_row(*cells)
    console.print(view)
    console.print(json.dumps(result.rows, ensure_ascii=False))


@app.command()
def qa(
    campaign: Annotated[Path, typer.Argument(help="QA campaign (.yaml)", exists=True)],
    html: Annotated[Path | None, typer.Option(help="write the QA report here")] = None,
    tester: Annotated[str, typer.Option(help="who ran the tests")] = "",
    reviewer: Annotated[str, typer.Option(help="who reviews the report")] = "",
    lang: LangOption = None,
) -> None:
    """Assess a QA campaign of an analyser (relative accuracy, drift, calibration error,
    linearity, velocity): each test's verdict with its rule and clause."""
    from dualcarbon.cems.qa_file import read_qa_campaign
    from dualcarbon.reports.cems_report import write_qa_html

    language = terminal_lang(lang)
    try:
        record = read_qa_campaign(campaign)
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    view = Table(title=f"{record.source} · {record.analyser} · {record.period}")
    for header in (
        pick(language, "项目", "test"),
        pick(language, "统计量", "statistic"),
        pick(language, "结论", "verdict"),
        pick(language, "依据", "clause"),
    ):
        view.add_column(header, overflow="fold")
    for verdict in record.verdicts:
        view.add_row(
            verdict.label or verdict.test,
            f"{verdict.statistic:.3g} {verdict.unit}",
            pick(language, "合格", "pass") if verdict.passed else pick(language, "不合格", "FAIL"),
            verdict.clause,
        )
    console.print(view)
    if html is not None:
        write_qa_html(record, html, lang=file_lang(lang), tester=tester, reviewer=reviewer)
        console.print(pick(language, f"已写出 {html}", f"wrote {html}"))
    if not record.passed:
        raise typer.Exit(3)


@app.command()
def compare(
    inventory: Annotated[
        Path, typer.Argument(help="the plant's inventory (.yaml or .xlsx)", exists=True)
    ],
    cems: Annotated[
        Path | None,
        typer.Option(help="CEMS monthly CO2: CSV or Parquet with unit, month, co2_t, u_co2_t"),
    ] = None,
    root: Annotated[
        Path | None, typer.Option(help="minute data: run the pipeline on it (with --plan)")
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(help="monitoring plan: stacks → units, monitor uncertainties", exists=True),
    ] = None,
    demo: Annotated[
        bool, typer.Option(help="use a synthetic CEMS series (documented, seeded) instead")
    ] = False,
    out_of_control: OutOfControlOption = None,
    html: Annotated[Path | None, typer.Option(help="write the verifier's report here")] = None,
    verifier: Annotated[str, typer.Option(help="the verifier's name")] = "",
    lang: LangOption = None,
) -> None:
    """CEMS against the accounting method, unit by unit and month by month: difference,
    relative difference and the normalised error E_n of both expanded uncertainties."""
    import polars as pl
    import pyarrow as pa

    from dualcarbon.accounting.engine import account
    from dualcarbon.cems.comparison import (
        accounting_annual,
        accounting_monthly,
        demo_comparison,
        read_monthly,
    )
    from dualcarbon.cems.comparison import (
        compare as compare_months,
    )
    from dualcarbon.io import read_inventory
    from dualcarbon.reports.cems_report import write_comparison_html

    language = terminal_lang(lang)
    if sum((cems is not None, demo, root is not None)) != 1 or (root is None) != (plan is None):
        raise typer.BadParameter(
            "give one of --cems FILE, --root DIR with --plan PLAN, or --demo", param_hint="--cems"
        )
    try:
        result = account(read_inventory(inventory))
        if demo:
            comparison, _ = demo_comparison(result)
        elif root is not None and plan is not None:
            from dualcarbon.cems.pipeline import run as run_pipeline
            from dualcarbon.cems.plan import cems_monthly, read_plan

            monitoring = read_plan(plan)
            hourly = run_pipeline(
                root, sources=sorted(monitoring.units), out_of_control=_periods(out_of_control)
            ).hourly
            assert isinstance(hourly, pa.Table)
            comparison = compare_months(
                cems_monthly(hourly, monitoring),
                accounting_monthly(result),
                accounting_annual_u=accounting_annual(result),
            )
        else:
            assert cems is not None
            frame = pl.read_parquet(cems) if cems.suffix == ".parquet" else pl.read_csv(cems)
            comparison = compare_months(
                read_monthly(frame),
                accounting_monthly(result),
                accounting_annual_u=accounting_annual(result),
            )
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    view = Table(title=pick(language, "CEMS 与核算法对比", "CEMS vs accounting"))
    for header in (
        "unit",
        pick(language, "月", "month"),
        "CEMS t",
        pick(language, "核算 t", "accounting t"),
        "δ",
        "E_n",
    ):
        view.add_column(header, overflow="fold")
    for row in comparison.rows:
        view.add_row(
            row.unit,
            str(row.month),
            f"{row.cems:,.0f}",
            f"{row.accounting:,.0f}",
            f"{100 * row.relative_difference:+.1f}%",
            f"{row.en:+.2f}",
        )
    console.print(view)
    if html is not None:
        write_comparison_html(
            comparison,
            html,
            facility=result.meta.facility,
            year=result.meta.year,
            lang=file_lang(lang),
            verifier=verifier,
            methodology=result.meta.methodology,
            inventory_digest=result.meta.inventory_digest,
        )
        console.print(pick(language, f"已写出 {html}", f"wrote {html}"))
