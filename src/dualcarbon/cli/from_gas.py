"""``dualcarbon factors from-gas COMPOSITION.yaml``: the calorific value and carbon content of a
natural gas from its measured composition, with their uncertainty, checked by Monte Carlo, and the
fields an inventory's gas line takes from the analysis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml
from rich.table import Table

from dualcarbon.cli.console import console, print_json, refusals_exit, terminal_lang
from dualcarbon.i18n import Lang, pick

if TYPE_CHECKING:
    from dualcarbon.gas.analysis import GasAnalysis, LabFields
    from dualcarbon.gas.properties import MonteCarloCheck
    from dualcarbon.uncertainty.gum import GumOutputs

DEFAULT_FACTORS = (
    "gbt-32151-common-fuels/net_calorific_value/natural_gas",
    "gbt-32151-common-fuels/carbon_content_per_heat/natural_gas",
)
BUDGET_LINES = 5


def from_gas(
    composition_file: Annotated[
        Path, typer.Argument(help="composition file (.yaml): report, conditions, composition")
    ],
    draws: Annotated[
        int | None,
        typer.Option(
            help="Monte Carlo draws of the check (default: adaptive, JCGM 101 7.9)", min=1000
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    lang: Annotated[str | None, typer.Option(help="zh or en (default: the locale)")] = None,
) -> None:
    """Calorific value, density and carbon content of a natural gas from its measured composition
    (ISO 6976:2016 / GB/T 11062), with uncertainty, and the inventory fields of a lab-tier gas
    line."""
    from dualcarbon.gas.analysis import lab_fields
    from dualcarbon.io.gas_analysis import read_gas_analysis
    from dualcarbon.uncertainty.gum import variance_shares

    language = terminal_lang(lang)
    with refusals_exit(language):
        analysis = read_gas_analysis(composition_file)
        model = analysis.model()
        gum = model.uncertainty()
        check = model.monte_carlo_check(trials=draws, seed=0)
        shares = variance_shares(model.model, "carbon_per_volume")
        fields = lab_fields(analysis)
    data = _as_data(analysis, gum, check, shares, fields, language)
    if as_json:
        print_json(data)
        return
    _show(data, analysis, language)


def _as_data(
    analysis: GasAnalysis,
    gum: GumOutputs,
    check: MonteCarloCheck,
    shares: dict[str, float],
    fields: LabFields,
    lang: Lang,
) -> dict[str, Any]:
    from dualcarbon.factors import default_catalogue
    from dualcarbon.gas.properties import outputs

    catalogue = default_catalogue()
    ncv, per_heat = (catalogue.get(ref) for ref in DEFAULT_FACTORS)
    default_ncv = ncv.value  # GJ/万Nm3
    default_carbon = default_ncv * per_heat.value  # tC/GJ × GJ/万Nm3
    carbon = {c.input: c for c in gum.results["carbon_per_volume"].budget}
    largest = sorted(shares, key=lambda name: abs(shares[name]), reverse=True)[:BUDGET_LINES]
    model = analysis.model()
    checks = check.validations
    report = analysis.report
    return {
        "report": {
            "number": report.number,
            "laboratory": report.laboratory,
            "accreditation": report.accreditation,
            "date": str(report.date or ""),
            "sample": report.sample,
        },
        "conditions": vars(analysis.conditions),
        "properties": {
            name: {
                "zh": output.zh,
                "en": output.en,
                "unit": output.unit,
                "value": gum.results[name].value,
                "u": gum.results[name].u,
                "U": gum.results[name].U,
                "k": gum.results[name].k,
                "monte_carlo_agrees": checks[name].passed if name in checks else None,
                "monte_carlo_interval": list(check.intervals[name]),
            }
            for name, output in outputs().items()
        },
        "monte_carlo": {"draws": check.trials, "seed": 0, "significant_digits": 2},
        "carbon_budget": [
            {
                "input": name,
                "label": model.input_label(name, lang),
                "u": carbon[name].u,
                "sensitivity": carbon[name].sensitivity,
                "share": shares[name],
            }
            for name in largest
        ],
        "inventory_fields": fields.as_inventory(),
        "defaults": {
            "ncv": {"ref": ncv.ref, "value": default_ncv, "measured": fields.ncv},
            "carbon_content": {
                "ref": f"{ncv.ref} × {per_heat.ref}",
                "value": default_carbon,
                "measured": fields.carbon_content,
            },
        },
        "carbon_dioxide_counted": True,
        "without_uncertainty": list(analysis.composition.without_uncertainty),
    }


def _show(data: dict[str, Any], analysis: GasAnalysis, lang: Lang) -> None:
    conditions = analysis.conditions
    console.print(
        pick(
            lang,
            "[bold]天然气组分计算（ISO 6976:2016 / GB/T 11062）[/]",
            "[bold]Natural gas from its composition (ISO 6976:2016 / GB/T 11062)[/]",
        )
    )
    console.print(
        pick(lang, "报告 ", "report ") + analysis.report.reference,
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        pick(
            lang,
            f"燃烧参比温度 {conditions.combustion_c} °C，计量参比条件 {conditions.metering_c} °C、"
            f"{conditions.pressure_kpa:g} kPa（真实气体）",
            f"combustion at {conditions.combustion_c} °C, metered at {conditions.metering_c} °C "
            f"and {conditions.pressure_kpa:g} kPa (real gas)",
        ),
        highlight=False,
    )
    table = Table()
    for header in (
        pick(lang, "量", "quantity"),
        pick(lang, "值", "value"),
        "u",
        pick(lang, "U（k）", "U (k)"),
        pick(lang, "单位", "unit"),
        pick(lang, "蒙特卡洛", "Monte Carlo"),
    ):
        table.add_column(header, justify="right" if header not in ("量", "quantity") else "left")
    for row in data["properties"].values():
        agrees = row["monte_carlo_agrees"]
        mark = "—" if agrees is None else ("✓" if agrees else pick(lang, "✗ 不一致", "✗ differs"))
        table.add_row(
            row["zh"] if lang == "zh" else row["en"],
            f"{row['value']:.6g}",
            f"{row['u']:.2g}",
            f"{row['U']:.2g} ({row['k']:.2f})",
            row["unit"],
            mark,
        )
    console.print(table)
    checks = data["monte_carlo"]
    differing = [row for row in data["properties"].values() if row["monte_carlo_agrees"] is False]
    if differing:
        names = (
            "、".join(r["zh"] for r in differing)
            if lang == "zh"
            else ", ".join(r["en"] for r in differing)
        )
        console.print(
            pick(
                lang,
                f"{names}：GUM 区间与蒙特卡洛区间在第二位有效数字上不一致（模型非线性），"
                "请以蒙特卡洛区间为准（见 --json 的 monte_carlo_interval）。",
                f"{names}: the GUM interval differs from Monte Carlo's at the second "
                "significant digit (the model is not linear there); rely on Monte Carlo's "
                "(--json: monte_carlo_interval).",
            ),
            highlight=False,
        )
    console.print(
        pick(
            lang,
            f"不确定度按 GUM 传播（组分、组分相关性、表列物性值及常数）；蒙特卡洛（JCGM 101，"
            f"{checks['draws']} 次）验证至两位有效数字。原料气中的 CO2 计入含碳量。",
            f"Uncertainty by the law of propagation (composition, its correlations, the table "
            f"values and constants), checked by Monte Carlo (JCGM 101, {checks['draws']} draws) "
            "to two significant digits. CO2 in the gas counts in its carbon.",
        ),
        highlight=False,
    )
    console.print(
        pick(
            lang,
            "[bold]含碳量不确定度的主要来源[/]",
            "[bold]Largest contributions to u(carbon content)[/]",
        )
    )
    for line in data["carbon_budget"]:
        console.print(f"  {line['label']:<24} {line['share']:7.1%}", highlight=False, markup=False)
    console.print(
        pick(
            lang,
            "  （计入相关性的方差份额，合计 100%；负值表示该项经相关性抵消部分不确定度）",
            "  (shares of the variance with the covariances, summing to 100 %; a negative share "
            "offsets others through its correlations)",
        ),
        highlight=False,
    )
    if data["without_uncertainty"]:
        console.print(
            pick(
                lang,
                "[yellow]未给出不确定度、按准确值计入的组分：[/]",
                "[yellow]Components given without u, taken as exact: [/]",
            )
            + "、".join(data["without_uncertainty"]),
            highlight=False,
        )
    defaults = data["defaults"]
    console.print(
        pick(
            lang,
            "[bold]与缺省值比较（每万 Nm³，0 °C）[/]",
            "[bold]Against the defaults (per 10⁴ Nm³, 0 °C)[/]",
        )
    )
    for key, label in (
        ("ncv", pick(lang, "低位发热量 GJ", "NCV GJ")),
        ("carbon_content", pick(lang, "含碳量 tC", "carbon content tC")),
    ):
        d = defaults[key]
        difference = d["measured"] / d["value"] - 1
        console.print(
            f"  {label}: {d['measured']:.4g} / {d['value']:.4g} ({difference:+.2%}) · {d['ref']}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    console.print(
        pick(
            lang,
            "[bold]清单天然气行的检测字段[/]（每标准立方米：0 °C、101.325 kPa）",
            "[bold]Fields for the inventory's gas line[/] (per normal m³: 0 °C, 101.325 kPa)",
        )
    )
    console.print(
        yaml.safe_dump(
            data["inventory_fields"],
            allow_unicode=True,
            default_flow_style=True,
            sort_keys=False,
            width=1000,
        ).strip(),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
