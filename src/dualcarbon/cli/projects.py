"""``dualcarbon projects methodologies|check|account|report|template``: CCER project reductions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dualcarbon.cli.console import (
    console,
    errors,
    file_lang,
    given_acceptances,
    print_json,
    refusals_exit,
    terminal_lang,
)
from dualcarbon.i18n import Lang, pick

if TYPE_CHECKING:
    from dualcarbon.accounting.uncertainty import AccountingUncertainty
    from dualcarbon.projects.model import ProjectInventory
    from dualcarbon.projects.result import ProjectResult

app = typer.Typer(
    help="Project emission reductions (CCER methodologies): check, account, report.",
    no_args_is_help=True,
)

ProjectFile = Annotated[
    Path, typer.Argument(help="project file (.yaml or .xlsx)", exists=True, dir_okay=False)
]
RegisterOption = Annotated[
    Path,
    typer.Option(
        help="register of the monitoring plan's meters (.xlsx, .yaml or CSV folder)", exists=True
    ),
]
LangOption = Annotated[
    str | None, typer.Option("--lang", help="zh or en (default: the locale; files default zh)")
]


@app.command()
def methodologies(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The project methodologies: applicability, crediting period and monitored parameters."""
    from dualcarbon.methodologies.definition import all_methodologies

    found = sorted(
        (m for m in all_methodologies().values() if m.project is not None), key=lambda m: m.id
    )
    if as_json:
        print_json(
            [
                {
                    "id": m.ref,
                    "document": m.document,
                    "title_zh": m.title_zh,
                    "title_en": m.title_en,
                    "project": m.project.model_dump(mode="json") if m.project else None,
                }
                for m in found
            ]
        )
        return
    lang = terminal_lang(None)
    table = Table()
    for header in (
        "ID",
        pick(lang, "方法学", "methodology"),
        pick(lang, "适用条件", "applicability"),
        pick(lang, "计入期上限", "crediting period"),
        pick(lang, "监测参数", "monitored"),
    ):
        table.add_column(header, overflow="fold")
    for m in found:
        rules = m.project
        assert rules is not None
        table.add_row(
            m.ref,
            f"{m.document} {rules.name_zh if lang == 'zh' else rules.name_en}",
            "; ".join(
                f"{c.clause}: {c.rule_zh if lang == 'zh' else c.rule_en}"
                for c in rules.applicability
            ),
            pick(lang, f"{rules.crediting_years_max} 年", f"{rules.crediting_years_max} years"),
            ", ".join(f"{p.parameter} ({p.symbol})" for p in rules.monitoring),
        )
    console.print(table)


def _run(
    project_file: Path,
    register: Path,
    accept: list[str] | None,
    accept_reason: str | None,
    accepted_by: str | None,
    language: Lang,
) -> tuple[ProjectInventory, ProjectResult]:
    """The project file read and accounted (the file kept: a claim stores it, a report prints
    its digest)."""
    from dualcarbon.io.project_files import read_project
    from dualcarbon.io.register_files import read_register
    from dualcarbon.projects.engine import account_project

    acceptances = given_acceptances(accept or [], accept_reason, accepted_by, language)
    with refusals_exit(language):
        inventory = read_project(project_file)
        instruments = read_register(register)
        return inventory, account_project(inventory, register=instruments, accept=acceptances)
    raise AssertionError("unreachable")  # refusals_exit raises on every refusal


AcceptOption = Annotated[
    list[str] | None,
    typer.Option("--accept", help="acknowledge a warning: CODE or CODE:KEY; repeatable"),
]
ReasonOption = Annotated[
    str | None, typer.Option("--accept-reason", help="why the accepted figures are right")
]
ByOption = Annotated[str | None, typer.Option("--accepted-by", help="who accepts")]


EXAMPLES = {
    "offshore-wind.yaml": "海上风电项目.yaml",
    "offshore-wind-meters.yaml": "海上风电计量器具.yaml",
    "solar-thermal.yaml": "光热项目.yaml",
    "solar-thermal-meters.yaml": "光热计量器具.yaml",
    "ccus.yaml": "封存项目.yaml",
    "ccus-meters.yaml": "封存计量器具.yaml",
}
"""The bundled example projects (demo/data/projects) and the names they are written under."""


@app.command()
def examples(
    folder: Annotated[Path, typer.Option("--dir", help="folder to write them into")] = Path(),
    lang: LangOption = None,
) -> None:
    """Write the example projects the README's commands name: an offshore wind farm, a
    solar-thermal plant and a CO2 capture and storage chain, each with its meters' register."""
    from importlib import resources

    language = terminal_lang(lang)
    bundled = resources.files("dualcarbon.demo").joinpath("data", "projects")
    folder.mkdir(parents=True, exist_ok=True)
    for name, written in EXAMPLES.items():
        target = folder / written
        target.write_text(bundled.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
        console.print(pick(language, f"已写出 {target}", f"wrote {target}"))


@app.command()
def template(
    methodology: Annotated[
        str, typer.Argument(help="project methodology id, e.g. ccer-01-002-v01")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="the workbook to write (.xlsx)")],
    example: Annotated[bool, typer.Option("--example", help="fill in example rows")] = False,
    lang: LangOption = None,
) -> None:
    """A blank project workbook for a methodology: project, grid margins, monitoring plan and
    the tables it reads, each with year and month."""
    from dualcarbon.io.project_workbook import write_project_template
    from dualcarbon.methodologies.definition import resolve_methodology

    language = terminal_lang(lang)
    with refusals_exit(language):
        chosen = resolve_methodology(methodology)
        write_project_template(chosen, output, lang=file_lang(lang), example=example)
    errors.print(pick(language, f"已写出 {output}", f"wrote {output}"))


@app.command()
def check(
    project_file: ProjectFile,
    register: RegisterOption,
    accept: AcceptOption = None,
    accept_reason: ReasonOption = None,
    accepted_by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """Check a project file: applicability, periods, monitoring plan, meters, records."""
    language = terminal_lang(lang)
    _, result = _run(project_file, register, accept, accept_reason, accepted_by, language)
    _print_checks(result, language)
    console.print(
        pick(
            language,
            "[bold green]检查通过：项目可按该方法学核算本监测期减排量。[/]",
            "[bold green]Checks passed: the project's reductions for this monitoring period can "
            "be accounted by the methodology.[/]",
        )
    )


@app.command()
def account(
    project_file: ProjectFile,
    register: RegisterOption,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="write the JSON here")] = None,
    html: Annotated[
        Path | None, typer.Option(help="write the monitoring report (HTML) here")
    ] = None,
    uncertainty: Annotated[
        str, typer.Option(help="gum (law of propagation) or mcm (Monte Carlo)")
    ] = "gum",
    accept: AcceptOption = None,
    accept_reason: ReasonOption = None,
    accepted_by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """A project's reductions for its monitoring period, year by year, with their uncertainty."""
    language = terminal_lang(lang)
    if uncertainty not in ("gum", "mcm"):
        raise typer.BadParameter("use gum or mcm", param_hint="--uncertainty")
    inventory, result = _run(project_file, register, accept, accept_reason, accepted_by, language)
    spread = result.uncertainty("mcm" if uncertainty == "mcm" else "gum")
    if as_json:
        print_json(result.to_json(lang=language, uncertainty=spread))
    else:
        _print_checks(result, language)
        _print_reductions(result, spread, language)
    written = file_lang(lang)
    if json_out:
        import json

        json_out.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            result.to_json(lang=written, uncertainty=spread),
            ensure_ascii=False,
            indent=2,
            default=str,
        )
        json_out.write_text(text, encoding="utf-8")
        errors.print(pick(language, f"JSON 已写入 {json_out}", f"JSON written to {json_out}"))
    if html:
        _write_report(inventory, result, spread, html, written, language)


@app.command()
def report(
    project_file: ProjectFile,
    register: RegisterOption,
    output: Annotated[Path, typer.Option("-o", "--output", help="the report to write (.html)")],
    accept: AcceptOption = None,
    accept_reason: ReasonOption = None,
    accepted_by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """The monitoring report of a project's monitoring period (HTML, Chinese by default)."""
    language = terminal_lang(lang)
    inventory, result = _run(project_file, register, accept, accept_reason, accepted_by, language)
    _write_report(inventory, result, result.uncertainty(), output, file_lang(lang), language)


DatabaseOption = Annotated[
    str | None,
    typer.Option(help="store URL (default: DUALCARBON_DATABASE_URL, else the SQLite file)"),
]


@app.command()
def claim(
    project_file: ProjectFile,
    register: RegisterOption,
    database: DatabaseOption = None,
    by: Annotated[str | None, typer.Option("--by", help="who claims (default: login name)")] = None,
    corrects: Annotated[
        int | None,
        typer.Option(help="the id of an unissued period of the project this one corrects"),
    ] = None,
    accept: AcceptOption = None,
    accept_reason: ReasonOption = None,
    accepted_by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """Claim a monitoring period's reductions in the registry: stored, its electricity claimed
    once across the platform, and lodged in the evidence log with every meter reading."""
    import getpass

    from dualcarbon.ledger.projects import store_claim

    language = terminal_lang(lang)
    inventory, result = _run(project_file, register, accept, accept_reason, accepted_by, language)
    with refusals_exit(language):
        claimed = store_claim(
            inventory,
            result,
            claimed_by=(by or "").strip() or getpass.getuser(),
            corrects=corrects,
            url=database,
        )
    rules = result.methodology.project
    name = (rules.total_name_zh if language == "zh" else rules.total_name_en) if rules else ""
    console.print(
        pick(
            language,
            f"已申报：项目 {result.header.id} 监测期 {result.header.monitoring_period}，{name} "
            f"{result.total:,.2f} tCO2e（监测期编号 {claimed.period_id}，{claimed.months} 个月"
            f"电量已登记，证据链序号 {claimed.sequence}）",
            f"claimed: project {result.header.id}, monitoring period "
            f"{result.header.monitoring_period}, {name} {result.total:,.2f} tCO2e (period "
            f"{claimed.period_id}; {claimed.months} month(s) of electricity claimed; evidence "
            f"sequence {claimed.sequence})",
        ),
        highlight=False,
    )


@app.command()
def issue(
    reference: Annotated[str, typer.Argument(help="the project's reference")],
    period_start: Annotated[
        str, typer.Option("--period-start", help="first day of the monitoring period (YYYY-MM-DD)")
    ],
    tco2e: Annotated[float, typer.Option("--tco2e", help="reductions issued, tCO2e")],
    notice: Annotated[str, typer.Option("--notice", help="the registry's issuance notice")],
    database: DatabaseOption = None,
    by: Annotated[str | None, typer.Option("--by", help="who records it (default: login)")] = None,
    lang: LangOption = None,
) -> None:
    """Record the registry's issuance of a claimed monitoring period; the period is then locked."""
    import datetime as dt
    import getpass

    from dualcarbon.ledger.projects import store_issuance

    language = terminal_lang(lang)
    try:
        start = dt.date.fromisoformat(period_start)
    except ValueError:
        raise typer.BadParameter("YYYY-MM-DD", param_hint="--period-start") from None
    with refusals_exit(language):
        issuance = store_issuance(
            reference,
            start,
            issued_tco2e=tco2e,
            notice=notice,
            issued_by=(by or "").strip() or getpass.getuser(),
            url=database,
        )
    console.print(
        pick(language, f"已登记签发（编号 {issuance}）", f"issuance recorded ({issuance})")
    )


@app.command("list")
def list_(
    reference: Annotated[str | None, typer.Argument(help="one project's reference")] = None,
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    lang: LangOption = None,
) -> None:
    """The monitoring periods claimed, with their reductions and issuances."""
    from dualcarbon.ledger.projects import list_periods
    from dualcarbon.store import make_engine, session_scope, upgrade

    language = terminal_lang(lang)
    upgrade(database)
    engine = make_engine(database)
    try:
        with session_scope(engine) as session:
            rows = list_periods(session, reference)
    finally:
        engine.dispose()
    if as_json:
        print_json([row.__dict__ for row in rows])
        return
    table = Table()
    for header in (
        pick(language, "项目", "project"),
        pick(language, "方法学", "methodology"),
        pick(language, "监测期", "monitoring period"),
        pick(language, "减排量 tCO2e", "reductions, tCO2e"),
        "U tCO2e",
        pick(language, "签发", "issued"),
    ):
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(
            f"{row.reference} {row.name}",
            row.methodology,
            f"{row.period_start} – {row.period_end}",
            f"{row.total_tco2e:,.2f}",
            f"{row.expanded_u_tco2e:,.2f}",
            "—" if row.issued_tco2e is None else f"{row.issued_tco2e:,.2f}（{row.notice}）",
        )
    console.print(table)


def _write_report(
    inventory: ProjectInventory,
    result: ProjectResult,
    spread: AccountingUncertainty,
    path: Path,
    written: Lang,
    language: Lang,
) -> None:
    from dualcarbon.ledger.projects import data_digest
    from dualcarbon.reports.monitoring_report import write_monitoring_report

    digest = data_digest(inventory)
    write_monitoring_report(result, path, lang=written, uncertainty=spread, digest=digest)
    errors.print(pick(language, f"监测报告已写入 {path}", f"monitoring report written to {path}"))


def _print_checks(result: ProjectResult, lang: Lang) -> None:
    header = result.header
    console.print(
        f"[bold]{header.name}[/] ({header.id}) · {header.owner} · "
        f"[cyan]{result.methodology.ref}[/] · "
        + pick(lang, "监测期 ", "monitoring period ")
        + str(header.monitoring_period)
    )
    for outcome in result.applicability:
        mark = "[green]✓[/]" if outcome.met else "[red]✗[/]"
        rule = outcome.rule_zh if lang == "zh" else outcome.rule_en
        shown = outcome.shown_zh if lang == "zh" else outcome.shown_en
        console.print(f"  {mark} {outcome.clause}: {rule} — {shown}", highlight=False)
    for correction in result.corrections:
        reason = correction.reason_zh if lang == "zh" else correction.reason_en
        console.print(
            pick(
                lang,
                f"  [yellow]保守处理[/] {correction.year}年{correction.month}月 "
                f"{correction.symbol}：{correction.reading:,.3f} × {correction.factor:g} = "
                f"{correction.corrected:,.3f}（{reason}；{correction.clause}）",
                f"  [yellow]conservative[/] {correction.year}-{correction.month:02d} "
                f"{correction.symbol}: {correction.reading:,.3f} × {correction.factor:g} = "
                f"{correction.corrected:,.3f} ({reason}; {correction.clause})",
            ),
            highlight=False,
        )


def _print_reductions(result: ProjectResult, spread: AccountingUncertainty, lang: Lang) -> None:
    rules = result.methodology.project
    total_name = (rules.total_name_zh if lang == "zh" else rules.total_name_en) if rules else ""
    by_year = result.by_year()
    terms = result.terms(lang)
    table = Table(title=pick(lang, f"各年{total_name}", f"{total_name.capitalize()} by year"))
    table.add_column(pick(lang, "年份", "year"), justify="right")
    if "net_supply_mwh" in by_year.columns:
        table.add_column(pick(lang, "净上网电量 MWh", "net supply, MWh"), justify="right")
    for _, symbol, _name in terms:
        table.add_column(f"{symbol} t", justify="right")
    table.add_column(f"{total_name} tCO2e", justify="right")
    for row in by_year.iter_rows(named=True):
        cells = [str(row["year"])]
        if "net_supply_mwh" in by_year.columns:
            cells.append(f"{row['net_supply_mwh']:,.3f}")
        cells += [f"{row[key]:,.2f}" for key, _, _ in terms]
        cells.append(f"{row['total']:,.2f}")
        table.add_row(*cells)
    console.print(table)
    relative = spread.relative_U * 100
    console.print(
        pick(lang, f"本监测期{total_name}", f"{total_name.capitalize()} of the monitoring period")
        + f": [bold green]{result.total:,.2f}[/] tCO2e  "
        + pick(
            lang,
            f"扩展不确定度 U = {spread.U:,.2f} tCO2e（k = {spread.k:.2f}，{relative:.2f}%）",
            f"expanded uncertainty U = {spread.U:,.2f} tCO2e "
            f"(k = {spread.k:.2f}, {relative:.2f} %)",
        ),
        highlight=False,
    )
