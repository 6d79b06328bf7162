"""``dualcarbon energy quotas|account|grade``: GB/T 2589 energy and quota grades."""

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
    from dualcarbon.energy.assessment import EnergyAssessment
    from dualcarbon.energy.balance import EqualValue
    from dualcarbon.energy.grade import GradeResult
    from dualcarbon.energy.green_electricity import ClaimedCertificates

app = typer.Typer(
    help="Energy: comprehensive energy consumption (GB/T 2589-2020) and quota grades.",
    no_args_is_help=True,
)

LangOption = Annotated[
    str | None, typer.Option("--lang", help="zh or en (default: the locale; files default zh)")
]
EqualValueOption = Annotated[
    float | None,
    typer.Option(
        "--equal-value",
        help="convert electricity at its equal value (等价值), gce/kWh: the year's coal rate of "
        "thermal power supply (default: the calorific equivalent 0.1229 kgce/kWh)",
    ),
]
EqualValueRefOption = Annotated[
    str | None,
    typer.Option("--equal-value-ref", help="where the equal value is published / 等价值来源"),
]
DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="certificate ledger to read the year's green-electricity claims from "
        "(subject '<organisation> <year>')",
    ),
]
RegisterOption = Annotated[
    Path | None,
    typer.Option(
        help="register of measuring instruments (.xlsx, .yaml or CSV folder)", exists=True
    ),
]


@app.command()
def quotas(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The quota standards: indicators, classes and the limits of grades 1, 2 and 3."""
    from dualcarbon.energy.quotas import quota_standards

    standards = quota_standards()
    if as_json:
        print_json([s.model_dump(mode="json") for s in standards.values()])
        return
    lang = terminal_lang(None)
    table = Table()
    for header in (
        pick(lang, "标准", "standard"),
        pick(lang, "指标", "indicator"),
        pick(lang, "类别", "class"),
        pick(lang, "1级 / 2级 / 3级", "grade 1 / 2 / 3"),
        pick(lang, "修正", "corrections"),
        pick(lang, "可信度", "confidence"),
    ):
        table.add_column(header, overflow="fold")
    for standard in standards.values():
        for indicator in standard.indicators:
            name = pick(lang, indicator.name_zh, indicator.name_en)
            rows = (
                [(None, indicator.limits)]
                if indicator.limits is not None
                else [(c, c.limits) for c in indicator.classes]
            )
            for quota_class, limits in rows:
                assert limits is not None
                shown = " / ".join(
                    f"{limits.grades[g]:g}" if g in limits.grades else "—" for g in (1, 2, 3)
                )
                table.add_row(
                    standard.number,
                    f"{name} ({indicator.id}) {indicator.unit}",
                    "" if quota_class is None else f"{quota_class.id} {quota_class.name_zh}",
                    shown,
                    ", ".join(indicator.corrections),
                    limits.confidence,
                )
    console.print(table)


def _equal_value(value: float | None, ref: str | None) -> EqualValue | None:
    if value is None:
        if ref:
            raise typer.BadParameter("give --equal-value with it", param_hint="--equal-value-ref")
        return None
    from dualcarbon.energy.balance import EqualValue

    return EqualValue(value, ref or "")


def _assess(
    inventory_file: Path,
    register: Path | None,
    conditions: Path | None,
    equal_value: float | None,
    equal_value_ref: str | None,
    standards: tuple[str, ...],
    language: Lang,
    database: str | None = None,
    *,
    with_grades: bool = True,
) -> EnergyAssessment:
    from dualcarbon.accounting.engine import account as run
    from dualcarbon.energy.assessment import assess
    from dualcarbon.io import read_inventory

    with refusals_exit(language):
        inventory = read_inventory(inventory_file)
        instruments = None
        if register is not None:
            from dualcarbon.io.register_files import read_register

            instruments = read_register(register)
        grading = None
        if conditions is not None:
            from dualcarbon.io.energy_conditions import read_conditions

            grading = read_conditions(conditions)
        # the energy balance reads the same lines the emissions come from; the emissions'
        # plausibility findings are `dualcarbon account`'s business
        result = run(inventory, register=instruments, plausibility=False)
        claimed: tuple[ClaimedCertificates, ...] = ()
        if database is not None:
            from dualcarbon.ledger.certificates import enterprise_claims

            header = inventory.header
            claimed = tuple(enterprise_claims(header.organisation, header.year, url=database))
        return assess(
            inventory,
            result,
            grading,
            equal_value=_equal_value(equal_value, equal_value_ref),
            standard_ids=standards,
            conditions_source=str(conditions) if conditions else "--conditions",
            claimed=claimed,
            with_grades=with_grades,
        )


def _write_report(assessment: EnergyAssessment, html: Path | None, lang: Lang) -> None:
    if html is None:
        return
    from dualcarbon.reports.energy_report import render_energy_report
    from dualcarbon.reports.html import write_page

    write_page(render_energy_report(assessment, lang=lang), html)
    errors.print(pick(lang, f"报告已写入 {html}", f"report written to {html}"))


@app.command("account")
def account_command(
    inventory_file: Annotated[
        Path, typer.Argument(help="inventory file (.yaml or .xlsx)", exists=True, dir_okay=False)
    ],
    register: RegisterOption = None,
    equal_value: EqualValueOption = None,
    equal_value_ref: EqualValueRefOption = None,
    database: DatabaseOption = None,
    html: Annotated[Path | None, typer.Option(help="write the energy report (HTML)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    lang: LangOption = None,
) -> None:
    """Comprehensive energy consumption of an inventory by GB/T 2589-2020, and its green
    electricity when a certificate ledger is given."""
    language = terminal_lang(lang)
    assessment = _assess(
        inventory_file,
        register,
        None,
        equal_value,
        equal_value_ref,
        (),
        language,
        database,
        with_grades=False,
    )
    if as_json:
        document = assessment.to_json()
        document.pop("grades")
        document.pop("not_computed")
        print_json(document)
    else:
        _print_balance(assessment, language)
        _print_notes(assessment, language)
        _print_green(assessment, language)
    _write_report(assessment, html, file_lang(lang))


@app.command("grade")
def grade_command(
    inventory_file: Annotated[
        Path | None,
        typer.Argument(
            help="inventory file (.yaml or .xlsx); omit to grade --value", dir_okay=False
        ),
    ] = None,
    conditions: Annotated[
        Path | None,
        typer.Option(
            help="conditions file: each unit's class, site altitude … (docs/energy.md)", exists=True
        ),
    ] = None,
    standard: Annotated[
        list[str] | None, typer.Option("--standard", help="quota standard id (repeatable)")
    ] = None,
    indicator: Annotated[str | None, typer.Option(help="indicator id, with --value")] = None,
    value: Annotated[float | None, typer.Option(help="grade this value of --indicator")] = None,
    quota_class: Annotated[str | None, typer.Option("--class", help="class of plant")] = None,
    condition: Annotated[
        list[str] | None,
        typer.Option(help="NAME=NUMBER, e.g. clinker_ratio=78 (repeatable); NAME_clause=TEXT"),
    ] = None,
    register: RegisterOption = None,
    equal_value: EqualValueOption = None,
    equal_value_ref: EqualValueRefOption = None,
    html: Annotated[Path | None, typer.Option(help="write the energy report (HTML)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    lang: LangOption = None,
) -> None:
    """Grade unit-product energy consumption against the quota standards.

    With an inventory: every indicator its sector's standards define and the inventory can give,
    per unit. With --standard, --indicator and --value: that one value.
    """
    language = terminal_lang(lang)
    standards = tuple(standard or ())
    if value is not None or indicator is not None:
        if inventory_file is not None or value is None or indicator is None or len(standards) != 1:
            raise typer.BadParameter(
                pick(
                    language,
                    "按数值评级：给出一个 --standard、--indicator 与 --value，不给清单文件",
                    "to grade a value give one --standard, --indicator and --value, and no "
                    "inventory file",
                ),
                param_hint="--value",
            )
        result = _grade_value(
            standards[0], indicator, value, quota_class, condition or [], language
        )
        if as_json:
            from dualcarbon.energy.assessment import grade_json

            print_json(grade_json(result))
        else:
            _print_grades([("", result)], language)
        return
    if inventory_file is None:
        raise typer.BadParameter(
            pick(
                language, "请给出清单文件，或按数值评级", "give an inventory file, or grade a value"
            ),
            param_hint="INVENTORY_FILE",
        )
    if not inventory_file.exists():
        raise typer.BadParameter(f"{inventory_file} does not exist", param_hint="INVENTORY_FILE")
    assessment = _assess(
        inventory_file, register, conditions, equal_value, equal_value_ref, standards, language
    )
    if as_json:
        print_json(assessment.to_json())
    else:
        _print_balance(assessment, language)
        _print_notes(assessment, language)
        _print_grades([(g.value.scope, g.result) for g in assessment.grades], language)
        for number, _, why_zh, why_en in assessment.not_computed:
            console.print(f"[dim]{number}: {pick(language, why_zh, why_en)}[/]", highlight=False)
    _write_report(assessment, html, file_lang(lang))


def _grade_value(
    standard_id: str,
    indicator: str,
    value: float,
    quota_class: str | None,
    conditions: list[str],
    language: Lang,
) -> GradeResult:
    from dualcarbon.energy.conditions import unit_conditions
    from dualcarbon.energy.grade import grade
    from dualcarbon.energy.quotas import get_quota_standard
    from dualcarbon.errors import InputError, InputProblem

    raw: dict[str, str] = {}
    for spec in conditions:
        name, sep, text = spec.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{spec!r}: use NAME=VALUE", param_hint="--condition")
        raw[name.strip()] = text.strip()
    with refusals_exit(language):
        problems: list[InputProblem] = []
        parsed = unit_conditions(raw, file="--condition", where="condition", problems=problems)
        if problems:
            raise InputError(problems)
        return grade(
            get_quota_standard(standard_id),
            indicator,
            value,
            quota_class=quota_class or parsed.quota_class,
            conditions=parsed.numbers,
            declared_clauses=parsed.clauses,
            source="--condition",
            strict=True,
        )


def _print_balance(assessment: EnergyAssessment, lang: Lang) -> None:
    balance = assessment.balance
    table = Table(
        title=pick(lang, "综合能耗（GB/T 2589-2020）", "Comprehensive energy (GB/T 2589-2020)")
    )
    for header in (
        pick(lang, "能源品种", "carrier"),
        pick(lang, "流向", "flow"),
        pick(lang, "实物量", "quantity"),
        "tce",
    ):
        table.add_column(header)
    for row in balance.by_carrier().iter_rows(named=True):
        table.add_row(
            row["carrier_zh"] if lang == "zh" else row["carrier"],
            pick(lang, "消耗" if row["flow"] == "consumed" else "输出", row["flow"]),
            f"{row['quantity']:,.6g} {row['quantity_unit']}",
            f"{row['tce']:,.2f}",
        )
    console.print(table)
    u = balance.total_u_tce
    shown_u = (
        "" if u is None else pick(lang, f"（标准不确定度 {u:,.2f} tce）", f" (u = {u:,.2f} tce)")
    )
    console.print(
        pick(
            lang,
            f"综合能耗 [bold]{balance.total_tce:,.2f} tce[/]{shown_u}：消耗 "
            f"{balance.consumed_tce:,.2f} − 输出 {balance.exported_tce:,.2f}；电力按"
            f"{'等价值' if balance.calibre == 'equal_value' else '当量值'}折标",
            f"comprehensive energy consumption [bold]{balance.total_tce:,.2f} tce[/]{shown_u}: "
            f"consumed {balance.consumed_tce:,.2f} − exported {balance.exported_tce:,.2f}; "
            "electricity at its "
            + ("equal value" if balance.calibre == "equal_value" else "calorific equivalent"),
        ),
        highlight=False,
    )


def _print_notes(assessment: EnergyAssessment, lang: Lang) -> None:
    for note in assessment.balance.notes_zh if lang == "zh" else assessment.balance.notes_en:
        errors.print(f"[yellow]{note}[/]", highlight=False)


def _print_grades(results: list[tuple[str, GradeResult]], lang: Lang) -> None:
    if not results:
        console.print(pick(lang, "没有可评级的指标。", "No indicator to grade."))
        return
    table = Table(title=pick(lang, "单位产品能耗限额等级", "Quota grades"))
    for header in (
        pick(lang, "指标", "indicator"),
        pick(lang, "单元", "unit"),
        pick(lang, "实际值", "value"),
        pick(lang, "各级限额（修正后）", "limits (corrected)"),
        pick(lang, "等级", "grade"),
        pick(lang, "距上一等级", "to next grade"),
        pick(lang, "可信度", "confidence"),
    ):
        table.add_column(header, overflow="fold")
    for scope, result in results:
        to_next = result.to_next
        held = (
            pick(lang, f"{result.grade}级", f"grade {result.grade}")
            if result.grade
            else pick(lang, "[red]超过限定值[/]", "[red]above the limit[/]")
        )
        table.add_row(
            f"{pick(lang, result.name_zh, result.name_en)}\n[dim]{result.clause}[/]",
            scope or pick(lang, "全厂", "site"),
            f"{result.value:,.2f} {result.unit}",
            " / ".join(f"{limit.grade}: {limit.limit:,.2f}" for limit in result.limits),
            held,
            ""
            if to_next is None
            else pick(
                lang,
                f"降 {to_next[1]:,.2f} 达{to_next[0]}级",
                f"−{to_next[1]:,.2f} → grade {to_next[0]}",
            ),
            result.confidence,
        )
    console.print(table)
    notes: dict[str, None] = {}
    for scope, result in results:
        for limit in result.limits:
            for step in limit.steps:
                console.print(
                    f"[dim]  {scope} {pick(lang, f'{limit.grade}级', f'grade {limit.grade}')}: "
                    f"{pick(lang, step.description_zh, step.description_en)}[/]",
                    highlight=False,
                )
        notes.update(dict.fromkeys(result.notes_zh if lang == "zh" else result.notes_en))
    for note in notes:
        console.print(f"[yellow]  {note}[/]", highlight=False)


def _print_green(assessment: EnergyAssessment, lang: Lang) -> None:
    green = assessment.green
    if green is None or (green.purchased_mwh == 0 and not green.claimed):
        return
    console.print(
        pick(
            lang,
            f"购入电力 {green.purchased_mwh:,.2f} MWh，已核销绿证 {green.claimed_mwh:,.0f} MWh，"
            f"绿电占比 {green.share:.1%}；基于位置的间接排放 {green.location_tco2:,.2f} tCO2",
            f"electricity bought {green.purchased_mwh:,.2f} MWh, certificates claimed "
            f"{green.claimed_mwh:,.0f} MWh, green share {green.share:.1%}; location-based "
            f"indirect emissions {green.location_tco2:,.2f} tCO2",
        ),
        highlight=False,
    )
    if green.market_tco2 is not None:
        console.print(
            pick(
                lang,
                f"基于市场的间接排放 {green.market_tco2:,.2f} tCO2",
                f"market-based indirect emissions {green.market_tco2:,.2f} tCO2",
            )
        )
    elif green.rule is not None:
        console.print(
            f"[dim]{pick(lang, green.rule.note_zh, green.rule.note_en)}（{green.rule.clause}）[/]",
            highlight=False,
        )
    if green.over_claimed_mwh:
        errors.print(
            pick(
                lang,
                f"[yellow]核销的绿证比购入电量多 {green.over_claimed_mwh:,.0f} MWh，"
                "多出部分不对应本年用电[/]",
                f"[yellow]{green.over_claimed_mwh:,.0f} MWh of certificates claimed beyond the "
                "electricity bought cover nothing here[/]",
            )
        )
