"""``dualcarbon parks account|evaluate PARK.yaml``: a park's emissions and energy from its
members' inventories (internal transfers counted once), and the zero-carbon park evaluation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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

app = typer.Typer(
    help="Parks: emissions and energy over member organisations, and the zero-carbon park "
    "evaluation.",
    no_args_is_help=True,
)

ParkFile = Annotated[
    Path,
    typer.Argument(
        help="the park file (.yaml): members, internal transfers", exists=True, dir_okay=False
    ),
]
HtmlOption = Annotated[Path | None, typer.Option(help="write the HTML report here")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]
LangOption = Annotated[str | None, typer.Option("--lang", help="zh or en")]


@app.command("account")
def account_command(
    park_file: ParkFile,
    html: HtmlOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """The park's emissions and comprehensive energy, each member's, and what counting the
    internal transfers once removes."""
    _run(park_file, html, as_json, lang, evaluate=False)


@app.command("evaluate")
def evaluate_command(
    park_file: ParkFile,
    html: HtmlOption = None,
    as_json: JsonOption = False,
    lang: LangOption = None,
) -> None:
    """The zero-carbon park evaluation: each indicator against its threshold and source."""
    _run(park_file, html, as_json, lang, evaluate=True)


def _run(path: Path, html: Path | None, as_json: bool, lang: str | None, *, evaluate: bool) -> None:
    from dualcarbon.io.park_files import account_park_file
    from dualcarbon.parks.account import account_json
    from dualcarbon.parks.evaluation import evaluate as run_evaluation
    from dualcarbon.parks.evaluation import evaluation_json

    language = terminal_lang(lang)
    with refusals_exit(language):
        account = account_park_file(path)
    evaluation = run_evaluation(account) if evaluate else None
    if html is not None:
        from dualcarbon.reports.park_report import write_park_report

        write_park_report(account, evaluation, html, lang=file_lang(lang))
    if as_json:
        document = account_json(account)
        if evaluation is not None:
            document["evaluation"] = evaluation_json(evaluation)
        print_json(document)
    else:
        _show_account(account, language)
        if evaluation is not None:
            _show_evaluation(evaluation, language)
    if html is not None:
        errors.print(pick(language, f"报告已写入 {html}", f"report written to {html}"))


def _show_account(account: object, lang: Lang) -> None:
    from dualcarbon.parks.account import ParkAccount

    assert isinstance(account, ParkAccount)
    header = account.park.park
    console.print(f"[bold]{header.name} {header.year}[/]", highlight=False)
    table = Table()
    for title in (
        pick(lang, "成员", "member"),
        pick(lang, "直接排放 tCO2", "direct tCO2"),
        pick(lang, "购入电 MWh", "elec. in MWh"),
        pick(lang, "输出电 MWh", "elec. out MWh"),
        pick(lang, "购入热 GJ", "heat in GJ"),
        pick(lang, "输出热 GJ", "heat out GJ"),
        pick(lang, "综合能耗 tce", "energy tce"),
    ):
        first = title in ("成员", "member")
        table.add_column(
            title,
            justify="left" if first else "right",
            overflow="fold",
            min_width=10 if first else None,
        )
    for m in account.members:
        table.add_row(
            m.name,
            f"{m.direct_tco2e:,.0f}",
            f"{m.electricity_in_mwh:,.0f}",
            f"{m.electricity_out_mwh:,.0f}",
            f"{m.heat_in_gj:,.0f}",
            f"{m.heat_out_gj:,.0f}",
            f"{m.energy_tce:,.0f}",
        )
    console.print(table)
    rows = (
        (
            pick(
                lang,
                "成员直接排放与购入能源之和（重复计算）",
                "members' direct + energy bought (double counted)",
            ),
            account.naive_tco2e,
        ),
        (pick(lang, "其中园区内部输送", "of which moved inside the park"), account.internal_tco2e),
        (
            pick(lang, "园区碳排放（基于位置）", "park emissions (location-based)"),
            account.location_tco2e,
        ),
        (
            pick(lang, "园区碳排放（绿电按零计）", "park emissions (green electricity at zero)"),
            account.market_tco2e,
        ),
        (
            pick(lang, "园区年综合能源消费量 tce", "park comprehensive energy tce"),
            account.energy_tce,
        ),
    )
    for label, value in rows:
        console.print(f"  {label}: {value:,.0f}", highlight=False)
    for note in account.notes_zh if lang == "zh" else account.notes_en:
        console.print(f"  [yellow]{note}[/]", highlight=False)


def _show_evaluation(evaluation: object, lang: Lang) -> None:
    from dualcarbon.parks.evaluation import Evaluation

    assert isinstance(evaluation, Evaluation)
    system = evaluation.system
    console.print(
        pick(lang, "[bold]零碳园区评价[/] ", "[bold]Zero-carbon park evaluation[/] ")
        + pick(lang, system.document_zh, system.document_en),
        highlight=False,
    )
    words = {
        "met": pick(lang, "[green]达到[/]", "[green]met[/]"),
        "not_met": pick(lang, "[red]未达到[/]", "[red]not met[/]"),
        "not_evaluated": pick(lang, "未评价", "not evaluated"),
    }
    table = Table()
    for title in (
        pick(lang, "指标", "indicator"),
        pick(lang, "园区值", "park"),
        pick(lang, "要求", "required"),
        pick(lang, "结论", "outcome"),
        pick(lang, "说明", "how"),
    ):
        table.add_column(title, overflow="fold")
    for r in evaluation.results:
        c = r.criterion
        if r.limit is None:
            required = "—"
        elif c.comparison == "grade":
            required = pick(lang, f"{r.limit:g} 级或更优", f"grade {r.limit:g} or better")
        else:
            sign = "≤" if c.comparison == "at_most" else "≥"
            required = f"{sign} {r.limit:g} {c.unit}"
        table.add_row(
            pick(lang, c.name_zh, c.name_en),
            "—" if r.value is None else f"{r.value:,.3g} {c.unit}",
            required,
            words[r.outcome],
            pick(lang, r.why_zh, r.why_en),
        )
    console.print(table)
