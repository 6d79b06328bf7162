"""``dualcarbon factors validate``: each national default checked against the measured values
enterprises hold (实测验证), a report for the factor database's maintainers, and, on request, the
measured factors published as a factor file superseding the defaults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from dualcarbon.cli.console import (
    console,
    errors,
    file_lang,
    print_json,
    progress_bar,
    refusals_exit,
    store_or_exit,
    terminal_lang,
)
from dualcarbon.i18n import Lang, pick, unit_label

if TYPE_CHECKING:
    from dualcarbon.factors.catalogue import FactorCatalogue
    from dualcarbon.measured_factors.comparison import DefaultCheck
    from dualcarbon.measured_factors.observations import Observation

VERDICTS = {
    "consistent": ("一致", "agrees"),
    "default_above": ("缺省值偏高", "default above"),
    "default_below": ("缺省值偏低", "default below"),
    "insufficient": ("企业不足", "too few enterprises"),
    "no_uncertainty": ("无不确定度", "no uncertainty"),
}


def validate(
    inventories: Annotated[
        list[Path] | None,
        typer.Argument(
            help="inventory files (.xlsx, .yaml) whose measured values to use",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    measurements: Annotated[
        list[Path] | None,
        typer.Option(
            help="a file of measurements (.csv, .xlsx; one per row); repeatable",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="also use every result the platform's store holds (its URL)"),
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option(help="check (and publish) only this default (factor id); repeatable"),
    ] = None,
    report: Annotated[Path | None, typer.Option(help="write the HTML report here")] = None,
    publish: Annotated[
        Path | None,
        typer.Option(help="write the measured factors here (a new factor file, SOURCE-ID.yaml)"),
    ] = None,
    publisher: Annotated[str | None, typer.Option(help="who publishes (with --publish)")] = None,
    edition: Annotated[
        str | None, typer.Option(help="edition (with --publish; default: the latest year measured)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    lang: Annotated[str | None, typer.Option(help="zh or en (default: the locale)")] = None,
) -> None:
    """Check each default factor against the enterprises' measured values (NCV, carbon per unit
    heat, oxidation): distribution, consensus with uncertainty, the default's bias and En."""
    from dualcarbon.factors.catalogue import default_catalogue
    from dualcarbon.measured_factors.comparison import check_defaults, check_summary, codes_key

    language = terminal_lang(lang)
    if not (inventories or measurements or database):
        raise typer.BadParameter(
            pick(
                language,
                "请给出清单文件、--measurements 或 --database",
                "give inventory files, --measurements or --database",
            )
        )
    if publish is not None and not publisher:
        raise typer.BadParameter(
            pick(language, "发布须注明发布者", "say who publishes"), param_hint="--publisher"
        )
    for option, target in (("--report", report), ("--publish", publish)):
        if target is not None and not target.parent.is_dir():
            raise typer.BadParameter(
                pick(language, f"目录 {target.parent} 不存在", f"no folder {target.parent}"),
                param_hint=option,
            )
    catalogue = default_catalogue()
    wanted = _wanted(only or [], catalogue, language)
    observations: list[Observation] = []
    skipped: list[str] = []
    with refusals_exit(language):
        for path in dict.fromkeys(p.resolve() for p in measurements or []):
            observations += _from_measurements(path, catalogue, language)
        # a facility's year counts once: an inventory given as a file over the store's result
        by_year = {} if database is None else _from_store(store_or_exit(database, language))
        for key, found in _from_inventories(inventories or [], skipped, language).items():
            if key in by_year:
                skipped.append(
                    pick(
                        language,
                        f"{key[0]} / {key[1]} {key[2]} 年：采用所给清单文件，不用存储库中的结果",
                        f"{key[0]} / {key[1]} {key[2]}: the inventory file given counts, not the "
                        "store's result",
                    )
                )
            by_year[key] = found
        observations += [observation for found in by_year.values() for observation in found]
        if wanted is not None:
            observations = [o for o in observations if catalogue.get(o.default).ref in wanted]
        if not observations:
            errors.print(
                pick(
                    language,
                    "没有找到任何实测值（元素碳、低位发热量按实验室实测的燃料行）",
                    "no measured values found (fuel lines with laboratory NCV or carbon)",
                )
            )
            raise typer.Exit(1)
        checks = check_defaults(observations, catalogue, codes_key(_secret()))
        published = (
            _publish(checks, publish, publisher or "", edition, catalogue)
            if publish is not None
            else None
        )
    if report is not None:
        from dualcarbon.reports.factor_check_report import write_factor_check_report

        write_factor_check_report(checks, report, catalogue=catalogue, lang=file_lang(lang))
    if as_json:
        print_json(
            {
                "checks": [check_summary(c) for c in checks],
                "skipped": skipped,
                "published": published,
            }
        )
        return
    _show(checks, language)
    for line in skipped:
        errors.print(line, markup=False, highlight=False)
    if report is not None:
        console.print(pick(language, f"报告：{report}", f"report: {report}"), markup=False)
    if published is not None:
        console.print(
            pick(
                language,
                f"已发布实测因子 {len(published)} 项：{publish}",
                f"{len(published)} measured factor(s) published: {publish}",
            ),
            markup=False,
        )
        for entry in published:
            console.print(
                f"  {entry['ref']} ⟶ {pick(language, '替代', 'supersedes')} {entry['supersedes']}",
                markup=False,
                highlight=False,
            )


def _wanted(only: list[str], catalogue: FactorCatalogue, lang: Lang) -> set[str] | None:
    """The refs of the defaults named by ``--only`` (None: every default)."""
    from dualcarbon.errors import FactorNotFoundError

    if not only:
        return None
    try:
        return {catalogue.get(key).ref for key in only}
    except FactorNotFoundError as error:
        raise typer.BadParameter(str(error), param_hint="--only") from None


def _secret() -> str:
    """The key of the enterprise codes: the platform's secret (DUALCARBON_SECRET_KEY, or the one
    kept in the data folder), so that the command and the platform give one enterprise one code."""
    import os

    from dualcarbon.api.settings import persistent_secret
    from dualcarbon.store.database import data_dir

    return os.environ.get("DUALCARBON_SECRET_KEY") or persistent_secret(data_dir())


def _from_measurements(path: Path, catalogue: FactorCatalogue, lang: Lang) -> list[Observation]:
    from dualcarbon.io.measurement_files import read_measurements

    found, warnings = read_measurements(path, catalogue)
    for warning in warnings:
        errors.print(
            pick(lang, "[yellow]请核对：[/]", "[yellow]check:[/] ") + warning.message(lang),
            highlight=False,
        )
    return found


YearKey = tuple[str, str, int]
"""Organisation, facility and year."""


def _from_inventories(
    paths: list[Path], skipped: list[str], lang: Lang
) -> dict[YearKey, list[Observation]]:
    """Each inventory accounted, once per facility and year (the last one given counts, as the
    newest does on the platform); one whose findings stop it is left out, and said so."""
    from dualcarbon.accounting.engine import account
    from dualcarbon.accounting.findings import FindingsError
    from dualcarbon.io import read_inventory
    from dualcarbon.measured_factors.observations import observations_from_result

    by_year: dict[YearKey, list[Observation]] = {}
    unique = list(dict.fromkeys(path.resolve() for path in paths))
    with progress_bar(
        pick(lang, "核算清单", "Accounting inventories"),
        disable=len(unique) < 2,
    ) as bar:
        task = bar.add_task("inventories", total=len(unique))
        for path in unique:
            inventory = read_inventory(path)
            header = inventory.header
            key = (header.organisation, header.facility, header.year)
            try:
                result = account(inventory)
            except FindingsError as error:
                skipped.append(
                    pick(
                        lang,
                        f"未采用 {path}：数据合理性检查有 {len(error.open)} 项未处理",
                        f"left out {path}: {len(error.open)} plausibility finding(s) open",
                    )
                )
            else:
                if key in by_year:
                    skipped.append(
                        pick(
                            lang,
                            f"{header.organisation} / {header.facility} {header.year} 年"
                            f"有多份清单：采用 {path}",
                            f"{header.organisation} / {header.facility} {header.year} given more "
                            f"than once: {path} counts",
                        )
                    )
                by_year[key] = observations_from_result(result, path.name)
            bar.advance(task)
    return by_year


def _from_store(url: str) -> dict[YearKey, list[Observation]]:
    from dualcarbon.measured_factors.observations import observations_from_result
    from dualcarbon.store import make_engine, session_scope
    from dualcarbon.store.repository import current_results, load_result

    engine = make_engine(url)
    found: dict[YearKey, list[Observation]] = {}
    try:
        with session_scope(engine) as session:
            for row in current_results(session):
                result = load_result(row)
                key = (result.meta.organisation, result.meta.facility, result.meta.year)
                found[key] = observations_from_result(result, f"result {row.id}")
    finally:
        engine.dispose()
    return found


def _publish(
    checks: list[DefaultCheck],
    path: Path,
    publisher: str,
    edition: str | None,
    catalogue: FactorCatalogue,
) -> list[dict[str, Any]]:
    from dualcarbon.io.measurement_files import write_factor_file
    from dualcarbon.measured_factors.publication import MeasuredSource, measured_factor_file

    today = dt.date.today()
    years = [year for check in checks for year in check.years]
    source = MeasuredSource(
        id=path.stem,
        publisher=publisher,
        edition=edition or str(max(years, default=today.year)),
        published=today,
    )
    factors = write_factor_file(measured_factor_file(checks, source, catalogue), path, catalogue)
    return [
        {"ref": f.ref, "value": f.value, "unit": f.unit, "supersedes": f.supersedes}
        for f in factors
    ]


def _g(value: float | None, digits: int = 4) -> str:
    return "—" if value is None or value != value else f"{value:.{digits}g}"


def _show(checks: list[DefaultCheck], lang: Lang) -> None:
    table = Table(title=pick(lang, "缺省值实测验证", "Defaults against measurements"))
    for heading in (
        "#",
        pick(lang, "缺省值", "default"),
        pick(lang, "次数", "n"),
        pick(lang, "企业", "k"),
        pick(lang, "实测 μ ± u(μ)", "measured μ ± u(μ)"),
        pick(lang, "偏差", "bias"),
        "En",
        pick(lang, "结论", "verdict"),
    ):
        table.add_column(heading, overflow="fold")
    for index, check in enumerate(checks, start=1):
        c = check.consensus
        unit = unit_label(check.unit, lang)
        table.add_row(
            str(index),
            f"{pick(lang, check.default.name_zh, check.default.name_en)}\n"
            f"{check.default.value:g} {unit}".strip(),
            str(check.n),
            str(c.holders),
            f"{_g(c.value)} ± {_g(c.u, 2)}" if check.disclosed else "—",
            f"{check.relative_bias:+.1%}" if check.disclosed else "—",
            "—" if check.en is None else f"{check.en:+.2f}",
            pick(lang, *VERDICTS[check.verdict]),
        )
    console.print(table)
    for index, check in enumerate(checks, start=1):
        console.print(f"  {index}. {check.default.ref}", highlight=False)
