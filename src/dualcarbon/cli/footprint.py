"""``dualcarbon footprint …``: product carbon footprints (GB/T 24067-2024 / ISO 14067:2018)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import (
    console,
    errors,
    file_lang,
    print_json,
    progress_bar,
    show_input_error,
    terminal_lang,
)
from dualcarbon.errors import DualcarbonError, InputError
from dualcarbon.footprint.vocabulary import ElectricityBasis
from dualcarbon.i18n import Lang, locale_lang, pick

if TYPE_CHECKING:  # the footprint engine loads numpy, scipy and pint: not for --help
    from dualcarbon.footprint.footprint import FootprintResult
    from dualcarbon.footprint.label import CarbonLabel
    from dualcarbon.footprint.model import ProductSystem
    from dualcarbon.footprint.montecarlo import MonteCarloResult

app = typer.Typer(
    help="Product carbon footprints: compute, report, label, exchange (PACT, openLCA).",
    no_args_is_help=True,
)

SystemFile = Annotated[
    Path, typer.Argument(help="product system (.yaml or .xlsx)", exists=True, dir_okay=False)
]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en (default: the locale)")]
DrawsOption = Annotated[
    int, typer.Option("--draws", min=0, help="Monte Carlo draws for the uncertainty (0: none)")
]
SeedOption = Annotated[int, typer.Option("--seed", help="seed of the Monte Carlo draws")]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="override a system parameter: name=value (repeatable)"),
]


_BASIS_ZH = {
    ElectricityBasis.LOCATION_BASED: "电网平均",
    ElectricityBasis.SUPPLIER_SPECIFIC: "供应商合同",
    ElectricityBasis.GREEN_CERTIFICATE: "绿证/绿电",
    ElectricityBasis.ON_SITE: "自发自用",
}


def _overrides(pairs: list[str] | None) -> dict[str, float]:
    overrides: dict[str, float] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        try:
            if not sep:
                raise ValueError
            overrides[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{pair!r}: write name=number", param_hint="--set") from None
    return overrides


def _computed(system: ProductSystem, pairs: list[str] | None) -> FootprintResult:
    from dualcarbon.footprint.footprint import compute_footprint

    return compute_footprint(system, overrides=_overrides(pairs))


def read_system(path: Path) -> ProductSystem:
    """The product system in ``path``: an Excel workbook (.xlsx) or YAML."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        from dualcarbon.io.product_workbook import read_product_workbook

        return read_product_workbook(path)
    from dualcarbon.io.product_yaml import read_product_system

    return read_product_system(path)


def run_monte_carlo(
    result: FootprintResult, draws: int, seed: int, lang: Lang
) -> MonteCarloResult | None:
    """The footprint's distribution, with a progress bar on the terminal."""
    if draws == 0:
        return None
    with progress_bar(
        pick(lang, "蒙特卡洛抽样", "Monte Carlo draws"),
    ) as bar:
        task = bar.add_task("draws", total=draws)
        from dualcarbon.footprint.footprint import footprint_monte_carlo

        return footprint_monte_carlo(
            result.matrices,
            draws,
            seed=seed,
            progress=lambda done: bar.update(task, completed=done),
        )


def _fail(exc: DualcarbonError, lang: Lang) -> typer.Exit:
    if isinstance(exc, InputError):
        show_input_error(exc, lang)
    else:
        errors.print(f"[bold red]{exc}[/]", highlight=False)
    return typer.Exit(1)


@app.command()
def compute(
    system_file: SystemFile,
    draws: DrawsOption = 1000,
    seed: SeedOption = 0,
    set_: SetOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="write the JSON here")] = None,
    lang: LangOption = None,
) -> None:
    """The footprint of a product system: total, ISO 14067 components, stages, processes,
    electricity choices, primary-data share and its Monte Carlo interval."""
    language = terminal_lang(lang)
    try:
        system = read_system(system_file)
        result = _computed(system, set_)
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    mc = run_monte_carlo(result, draws, seed, language)
    from dualcarbon.footprint.result_json import footprint_json

    data = footprint_json(result, mc)
    if json_out is not None:
        json_out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        print_json(data)
        return
    show(result, mc, language)


def show(result: FootprintResult, mc: MonteCarloResult | None, lang: Lang) -> None:
    """The result as terminal tables."""
    amount, unit = result.reference_flow
    console.print(
        f"[bold]{result.system_id}[/] — {result.functional_unit} "
        f"({pick(lang, '基准流', 'reference flow')} {amount:g} {unit}, {result.gwp_set})"
    )
    line = f"[bold]{result.total:.4g} kgCO2e[/]"
    if mc is not None:
        low, high = mc.interval()
        line += pick(
            lang,
            f"  95% 区间 [{low:.4g}, {high:.4g}]（{mc.draws} 次抽样，种子 {mc.seed}）",
            f"  95% interval [{low:.4g}, {high:.4g}] ({mc.draws} draws, seed {mc.seed})",
        )
    console.print(line)

    parts = result.components
    table = Table(title=pick(lang, "分项（ISO 14067 6.4.9）", "Components (ISO 14067 6.4.9)"))
    table.add_column(pick(lang, "分项", "component"), overflow="fold")
    table.add_column("kgCO2e", justify="right", overflow="fold")
    for zh, en, value in (
        ("化石", "fossil", parts.fossil),
        ("生物源排放", "biogenic emissions", parts.biogenic_emissions),
        ("生物源清除", "biogenic removals", parts.biogenic_removals),
        ("直接土地利用变化", "direct land-use change", parts.land_use_change),
        ("其中：航空运输", "of which aircraft", parts.aircraft),
    ):
        table.add_row(pick(lang, zh, en), f"{value:.4g}")
    console.print(table)

    table = Table(title=pick(lang, "生命周期阶段", "Life-cycle stages"))
    table.add_column(pick(lang, "阶段", "stage"), overflow="fold")
    table.add_column("kgCO2e", justify="right", overflow="fold")
    table.add_column("%", justify="right", overflow="fold")
    for stage, value in result.by_stage.items():
        share = 100 * value / result.total if result.total else 0.0
        table.add_row(stage.label(lang), f"{value:.4g}", f"{share:.1f}")
    console.print(table)

    table = Table(title=pick(lang, "过程贡献（前 10）", "Processes (top 10)"))
    table.add_column(pick(lang, "过程", "process"), overflow="fold")
    table.add_column("kgCO2e", justify="right", overflow="fold")
    ranked = sorted(result.by_process.items(), key=lambda kv: -abs(kv[1]))[:10]
    for process, value in ranked:
        table.add_row(process, f"{value:.4g}")
    console.print(table)

    if result.electricity:
        table = Table(title=pick(lang, "电力", "Electricity"))
        for header in (
            pick(lang, "过程", "process"),
            pick(lang, "来源", "basis"),
            pick(lang, "电量", "amount"),
            pick(lang, "因子 kgCO2e/单位", "factor, kgCO2e per unit"),
            "kgCO2e",
        ):
            table.add_column(header, overflow="fold")
        for use in result.electricity:
            basis = pick(lang, _BASIS_ZH[use.choice.basis], use.choice.basis.value)
            factor = "" if use.factor is None else f"{use.factor:.4g}"
            table.add_row(
                use.process,
                basis,
                f"{use.amount:.4g} {use.unit}",  # the exchange's own unit (kWh, MWh …)
                factor,
                f"{use.contribution:.4g}",
            )
        console.print(table)
    console.print(
        pick(lang, "初级数据占比", "primary-data share") + f": {result.primary_data_share:.1f}%"
    )


@app.command()
def background(
    as_json: Annotated[bool, typer.Option("--json", help="print the records as JSON")] = False,
) -> None:
    """The background library shipped with dualcarbon: each record's factor, source and
    confidence (use one in a product system with ``use: <id>``)."""
    from dualcarbon.footprint.background import default_background_library

    library = default_background_library()
    if as_json:
        print_json([record.model_dump(mode="json") for record in library])
        return
    lang = locale_lang()
    table = Table(title=pick(lang, "背景数据库", "Background library"))
    for header in ("id", pick(lang, "名称", "name"), pick(lang, "因子", "factor"), "", ""):
        table.add_column(header, overflow="fold")
    for record in library:
        table.add_row(
            record.id,
            record.name_zh if lang == "zh" else record.name_en,
            f"{record.emission_factor:g}",
            record.emission_factor_unit,
            str(record.confidence),
        )
    console.print(table)


@app.command()
def workbook(
    system_file: SystemFile,
    output: Annotated[Path, typer.Option("-o", "--output", help="the .xlsx to write")],
    lang: LangOption = None,
) -> None:
    """Write a product system as an Excel workbook to edit and read back (one sheet per
    process, drop-down lists, bilingual headers)."""
    from dualcarbon.io.product_workbook import write_product_workbook

    language = terminal_lang(lang)
    try:
        write_product_workbook(read_system(system_file), output, lang=file_lang(lang))
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    except ValueError as exc:  # what the workbook has no place for
        errors.print(f"[bold red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from None
    console.print(pick(language, f"已写出 {output}", f"wrote {output}"))


@app.command("export-olca")
def export_olca(
    system_file: SystemFile,
    package: Annotated[Path, typer.Argument(help="the JSON-LD zip to write", dir_okay=False)],
    lang: LangOption = None,
) -> None:
    """Write a product system as an openLCA 2 JSON-LD package (zip)."""
    from dualcarbon.io.olca_export import openlca_caveats, write_olca_package

    language = terminal_lang(lang)
    try:
        system = read_system(system_file)
        write_olca_package(system, package)
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    for caveat in openlca_caveats(system):
        errors.print(caveat, highlight=False, markup=False)
    console.print(pick(language, f"已写出 {package}", f"wrote {package}"))


@app.command("import-olca")
def import_olca(
    package: Annotated[
        Path, typer.Argument(help="openLCA JSON-LD package (zip or folder)", exists=True)
    ],
    system_file: Annotated[Path, typer.Argument(help="the product-system YAML to write")],
    product_system: Annotated[
        str | None, typer.Option(help="id or name of the product system, if several")
    ] = None,
    geography: Annotated[
        str | None, typer.Option(help="ISO 3166 code, when the package names none")
    ] = None,
    gwp_set: Annotated[str | None, typer.Option(help="GWP set (default AR6)")] = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="the period the data represent, START:END (YYYY-MM-DD), when the package "
            "names none"
        ),
    ] = None,
    lang: LangOption = None,
) -> None:
    """Read an openLCA JSON-LD package into a product-system YAML file (all or nothing)."""
    from dualcarbon.io.olca_import import read_olca_package
    from dualcarbon.io.product_yaml import write_product_system

    language = terminal_lang(lang)
    span = None
    if period is not None:
        start, sep, end = period.partition(":")
        if not sep or not start.strip() or not end.strip():
            raise typer.BadParameter("START:END, e.g. 2024-01-01:2024-12-31", param_hint="--period")
        span = {"start": start.strip(), "end": end.strip()}
    try:
        system = read_olca_package(
            package,
            product_system=product_system,
            geography=geography,
            gwp_set=gwp_set,
            period=span,
        )
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    write_product_system(system, system_file)
    console.print(pick(language, f"已写出 {system_file}", f"wrote {system_file}"))


def _label_of(
    result: FootprintResult,
    system: ProductSystem,
    label_id: str | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
    status: str,
    verifier: str | None,
    verified_on: datetime | None,
    monte_carlo: MonteCarloResult | None = None,
) -> CarbonLabel | None:
    """The carbon label the options describe, or None when no label id is given."""
    from dualcarbon.footprint.label import Verification, VerificationStatus, carbon_label

    if label_id is None:
        return None
    if valid_from is None or valid_until is None:
        raise typer.BadParameter("a label needs --valid-from and --valid-until")
    try:
        verification = Verification(
            status=VerificationStatus(status),
            verifier=verifier,
            date=verified_on.date() if verified_on else None,
        )
        return carbon_label(
            result,
            system,
            label_id=label_id,
            valid_from=valid_from.date(),
            valid_until=valid_until.date(),
            issued=date.today(),
            verification=verification,
            monte_carlo=monte_carlo,
        )
    except ValueError as exc:  # pydantic's ValidationError is one
        raise typer.BadParameter(str(exc)) from None


LabelId = Annotated[str | None, typer.Option("--label-id", help="issue a carbon label: its id")]
ValidFrom = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="label valid from")]
ValidUntil = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="label valid until")
]
Status = Annotated[
    str,
    typer.Option(help="verification: not_verified, self_declared or third_party_verified"),
]
Verifier = Annotated[str | None, typer.Option(help="the third-party verifier")]
VerifiedOn = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="date of the verification")
]


@app.command()
def report(
    system_file: SystemFile,
    html: Annotated[Path, typer.Option(help="write the HTML study report here", dir_okay=False)],
    draws: DrawsOption = 1000,
    seed: SeedOption = 0,
    set_: SetOption = None,
    label_id: LabelId = None,
    valid_from: ValidFrom = None,
    valid_until: ValidUntil = None,
    status: Status = "not_verified",
    verifier: Verifier = None,
    verified_on: VerifiedOn = None,
    lang: LangOption = None,
) -> None:
    """The GB/T 24067 CFP study report (HTML, printable; Chinese unless --lang en), with its
    Monte Carlo interval and, given --label-id, the carbon label."""
    from dualcarbon.reports.footprint_report import write_footprint_report

    language = terminal_lang(lang)
    try:
        system = read_system(system_file)
        result = _computed(system, set_)
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    options = (label_id, valid_from, valid_until, status, verifier, verified_on)
    _label_of(result, system, *options)  # a bad option fails before the draws
    mc = run_monte_carlo(result, draws, seed, language)
    label = _label_of(result, system, *options, mc)
    write_footprint_report(result, html, lang=file_lang(lang), monte_carlo=mc, label=label)
    console.print(pick(language, f"已写出 {html}", f"wrote {html}"))


@app.command()
def label(
    system_file: SystemFile,
    label_id: Annotated[str, typer.Option("--label-id", help="the label's id")],
    valid_from: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="valid from")],
    valid_until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="valid until")],
    status: Status = "not_verified",
    verifier: Verifier = None,
    verified_on: VerifiedOn = None,
    draws: DrawsOption = 1000,
    seed: SeedOption = 0,
    set_: SetOption = None,
    lang: LangOption = None,
) -> None:
    """The carbon-label record (JSON): value with its Monte Carlo interval, data quality, scope,
    verification status, validity."""
    language = terminal_lang(lang)
    try:
        system = read_system(system_file)
        result = _computed(system, set_)
    except DualcarbonError as exc:
        raise _fail(exc, language) from None
    options = (label_id, valid_from, valid_until, status, verifier, verified_on)
    _label_of(result, system, *options)  # a bad option fails before the draws
    mc = run_monte_carlo(result, draws, seed, language)
    record = _label_of(result, system, *options, mc)
    assert record is not None
    print(record.to_json())
