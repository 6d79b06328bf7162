"""The ``dualcarbon`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dualcarbon.cli import (
    cbam,
    cems,
    certificates,
    disclosure,
    energy,
    evidence,
    factors,
    footprint,
    instruments,
    methodologies,
    parks,
    projects,
    rollup,
    uncertainty,
)
from dualcarbon.cli import serve as server
from dualcarbon.cli import users as _users  # noqa: F401  (adds list, deactivate … to `users`)
from dualcarbon.cli.console import (
    console,
    errors,
    file_lang,
    given_acceptances,
    print_json,
    refusals_exit,
    terminal_lang,
)
from dualcarbon.errors import DualcarbonError
from dualcarbon.i18n import Lang, locale_lang, pick

app = typer.Typer(
    help="dualcarbon: carbon accounting by China's standards, every figure traced to its evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(factors.app, name="factors")
app.add_typer(methodologies.app, name="methodologies")
app.add_typer(evidence.app, name="evidence")
app.add_typer(instruments.app, name="instruments")
app.add_typer(footprint.app, name="footprint")
app.add_typer(cems.app, name="cems")
app.add_typer(projects.app, name="projects")
app.add_typer(energy.app, name="energy")
app.add_typer(certificates.app, name="certificates")
app.add_typer(cbam.app, name="cbam")
app.add_typer(disclosure.app, name="disclosure")
app.add_typer(parks.app, name="parks")
app.command("uncertainty")(uncertainty.uncertainty)
app.command("rollup")(rollup.rollup)
server.register(app)

if TYPE_CHECKING:  # polars, scipy and pint: loaded when an inventory is accounted, not for --help
    from dualcarbon.accounting.improvements import ImprovementRanking
    from dualcarbon.accounting.result import AccountingResult
    from dualcarbon.accounting.uncertainty import AccountingUncertainty

LangOption = Annotated[
    str | None, typer.Option("--lang", help="zh or en (default: the locale; reports default zh)")
]


@app.command()
def account(
    inventory_file: Annotated[
        Path, typer.Argument(help="inventory .yaml or .xlsx", exists=True, dir_okay=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="print the result tree as JSON")] = False,
    html: Annotated[Path | None, typer.Option(help="write the HTML report here")] = None,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="write the JSON here")] = None,
    store: Annotated[bool, typer.Option(help="save inventory and result in the store")] = False,
    register: Annotated[
        Path | None,
        typer.Option(
            help="register of measuring instruments (.xlsx, .yaml or CSV folder): ties each "
            "reading to its instrument's calibration state and accuracy",
            exists=True,
        ),
    ] = None,
    uncertainty: Annotated[
        str | None,
        typer.Option(help="propagate uncertainty: gum (law of propagation) or mcm (Monte Carlo)"),
    ] = None,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            help="acknowledge a warning: CODE (all of that code) or CODE:KEY (the row or unit the "
            "finding names); repeatable / 确认警告",
        ),
    ] = None,
    accept_reason: Annotated[
        str | None,
        typer.Option(
            "--accept-reason",
            help="why the accepted figures are right (required with --accept) / 确认理由",
        ),
    ] = None,
    accepted_by: Annotated[
        str | None,
        typer.Option("--accepted-by", help="who accepts (default: the login name) / 确认人"),
    ] = None,
    rank_meters: Annotated[
        bool,
        typer.Option(
            "--rank-meters",
            help="rank the meters, analyses and defaults by how much improving each lowers the "
            "total's expanded uncertainty, and the defaults by their emissions effect",
        ),
    ] = False,
    lang: LangOption = None,
) -> None:
    """Account an inventory file by its methodology."""
    from dualcarbon.accounting.engine import account as run
    from dualcarbon.io import read_inventory

    language = terminal_lang(lang)
    if uncertainty not in (None, "gum", "mcm"):
        raise typer.BadParameter("use gum or mcm", param_hint="--uncertainty")
    acceptances = given_acceptances(accept or [], accept_reason, accepted_by, language)
    with refusals_exit(language):
        inventory = read_inventory(inventory_file)
        instruments = None
        if register is not None:
            from dualcarbon.io.register_files import read_register

            instruments = read_register(register)
        result = run(inventory, register=instruments, accept=acceptances)
    if instruments is not None and result.lines.get_column("instrument").null_count() == len(
        result.lines
    ):
        count = len(instruments.instruments)
        errors.print(
            pick(
                language,
                f"[yellow]注意：台账中的 {count} 台计量器具没有与清单中任何读数"
                "关联（按 *_ref 字段中的器具编号匹配，如“入炉煤皮带秤 BS-101”中的 BS-101）；"
                "读数未因检定状态降级。[/]",
                f"[yellow]Note: none of the register's {count} instrument(s) "
                "matches a reading of the inventory (matched by the instrument id in the *_ref "
                "fields, e.g. BS-101 in '入炉煤皮带秤 BS-101'); no reading was checked against a "
                "calibration.[/]",
            )
        )
    if store:
        from dualcarbon.ledger.archive import store_result

        try:
            result_id = store_result(inventory, result)
        except DualcarbonError as exc:  # stored already, or the store refused it
            errors.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        errors.print(
            pick(language, f"已保存，结果编号 {result_id}", f"stored as result {result_id}")
        )
    spread = None
    if uncertainty is not None:
        from dualcarbon.accounting.uncertainty import account_uncertainty

        spread = account_uncertainty(result, "mcm" if uncertainty == "mcm" else "gum")
    ranking = None
    if rank_meters:
        from dualcarbon.accounting.improvements import rank_improvements

        ranking = rank_improvements(result, instruments, uncertainty=spread)
    if as_json:
        print_json(_document(result, spread, language, ranking))
    else:
        from dualcarbon.cli.summary import print_improvements, print_summary, print_uncertainty

        print_summary(result, language)
        if spread is not None:
            print_uncertainty(spread, language)
        if ranking is not None:
            print_improvements(ranking, language)
    _write_outputs(result, spread, html, json_out, language, file_lang(lang), ranking)


def _document(
    result: AccountingResult,
    spread: AccountingUncertainty | None,
    lang: Lang,
    ranking: ImprovementRanking | None = None,
) -> dict[str, object]:
    document = result.to_json_dict(lang=lang)
    if spread is not None:
        document["uncertainty"] = spread.to_json()
    if ranking is not None:
        document["improvements"] = ranking.to_json()
    return document


def _write_outputs(
    result: AccountingResult,
    spread: AccountingUncertainty | None,
    html: Path | None,
    json_out: Path | None,
    lang: Lang,
    written: Lang,
    ranking: ImprovementRanking | None = None,
) -> None:
    """The files asked for, in ``written`` (Chinese unless --lang says otherwise); what the
    terminal says about them in ``lang``."""
    if json_out:
        import json

        json_out.parent.mkdir(parents=True, exist_ok=True)
        document = _document(result, spread, written, ranking)
        text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
        json_out.write_text(text, encoding="utf-8")
        errors.print(pick(lang, f"JSON 已写入 {json_out}", f"JSON written to {json_out}"))
    if html:
        from dualcarbon.reports.html import write_html

        write_html(result, html, lang=written, uncertainty=spread, improvements=ranking)
        errors.print(pick(lang, f"报告已写入 {html}", f"report written to {html}"))


@app.command()
def template(
    methodology: Annotated[str, typer.Argument(help="methodology id or alias, e.g. power-2022")],
    output: Annotated[Path, typer.Option("-o", "--output", help="workbook to write (.xlsx)")],
    example: Annotated[bool, typer.Option(help="fill example rows")] = False,
    lang: LangOption = None,
) -> None:
    """Write an empty inventory workbook for a methodology."""
    from dualcarbon.io.excel import write_template
    from dualcarbon.methodologies.definition import resolve_methodology

    language = terminal_lang(lang)
    try:
        chosen = resolve_methodology(methodology)
    except DualcarbonError as exc:
        errors.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    write_template(chosen, output, lang=file_lang(lang), example=example)
    console.print(
        pick(
            language,
            f"模板已写入 {output}（{chosen.title_zh}）",
            f"template written to {output} ({chosen.title_en})",
        )
    )


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="folder for the report")] = Path(
        "out"
    ),
    serve: Annotated[
        bool, typer.Option(help="then serve the demo platform (web pages and API)")
    ] = False,
    port: Annotated[int, typer.Option(help="port for --serve")] = 8000,
    lang: LangOption = None,
    ssl_certfile: server.SslCertOption = None,
    ssl_keyfile: server.SslKeyOption = None,
    self_signed: server.SelfSignedOption = None,
) -> None:
    """Account the bundled demo coal plant and write its report; with --serve, run the platform
    (over HTTPS with --ssl-certfile/--ssl-keyfile or --self-signed DIR, as PACT partners need)."""
    from dualcarbon.cli.demo_run import run_demo

    language = terminal_lang(lang)
    # TLS options are checked (and a self-signed pair made) before the demo's work, not after
    listening = (
        server.listener("127.0.0.1", ssl_certfile, ssl_keyfile, self_signed, None)
        if serve
        else None
    )
    run_demo(output, language)
    if listening is not None:
        _serve_demo(output, port, language, listening)


def _serve_demo(output: Path, port: int, lang: Lang, listening: server.Listener) -> None:
    import uvicorn

    from dualcarbon.api.settings import Settings
    from dualcarbon.demo.platform import PACT_CLIENT, PASSWORD, seed_demo_platform
    from dualcarbon.server import create_app

    database = output.resolve() / "platform.sqlite"
    settings = Settings(
        database_url=f"sqlite:///{database}", cookie_secure=listening.scheme == "https"
    )
    logins = seed_demo_platform(settings)
    url = f"{listening.scheme}://127.0.0.1:{port}/"
    console.print()
    console.print(pick(lang, f"[bold]演示平台：[/] {url}", f"[bold]Demo platform:[/] {url}"))
    console.print(pick(lang, f"  数据库 {database}", f"  store {database}"))
    for login in logins:
        console.print(f"  {login.email:<22} {PASSWORD}   {login.label}")
    client_id, secret = PACT_CLIENT
    console.print(
        pick(
            lang,
            f"  PACT v3 接口：{url}3/footprints（客户端 {client_id} / {secret}，"
            "先 POST /auth/token 取令牌）",
            f"  PACT v3 API: {url}3/footprints (client {client_id} / {secret}; "
            "POST /auth/token first)",
        )
    )
    if listening.scheme == "http":
        console.print(
            pick(
                lang,
                "  PACT 合作方只通过 HTTPS 调用：加 --self-signed DIR 或 "
                "--ssl-certfile/--ssl-keyfile",
                "  PACT partners call over HTTPS only: add --self-signed DIR or "
                "--ssl-certfile/--ssl-keyfile",
            )
        )
    server.announce_listener(listening, url)
    console.print(pick(lang, "  Ctrl+C 停止", "  Ctrl+C stops it"))
    uvicorn.run(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        **listening.options,
    )


def main() -> None:
    """The console entry: the command line, its help in Chinese under a Chinese locale."""
    from typer.main import get_command

    command = get_command(app)
    if locale_lang() == "zh":
        from dualcarbon.cli.localise import localised

        localised(command, command.context_class(command))
    command()


if __name__ == "__main__":  # pragma: no cover - python -m dualcarbon.cli.main
    main()
