"""Unit-product energy consumption: an indicator of a quota standard, from an energy balance.

    e = Σ E_i (× share) / Σ P                    (the indicator's unit)

The numerator sums the balance lines the indicator names (every carrier's kgce, or one carrier's
quantity such as kWh of electricity), signed (energy sold out is subtracted). For a power unit,
``share`` keeps the part of each month's fuel that went to power, (1 − α), or to heat, α, with α
the month's heat-supply ratio from the production table (供电煤耗率 b = B(1 − α)/W_supply;
供热煤耗率 b_h = Bα/Q_h). The denominator is the product column of the inventory summed over the
same scope.

Scope: per process unit (生产线, 机组) when every numerator line names a unit that also has
product rows; otherwise the whole facility, and the result says why (a facility-level electricity
meter cannot be split between lines without a rule the standard gives).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dualcarbon.accounting.context import RunContext
from dualcarbon.accounting.inventory import Inventory
from dualcarbon.energy.balance import EnergyBalance
from dualcarbon.energy.quotas import Indicator
from dualcarbon.errors import InputError, InputProblem
from dualcarbon.factors.catalogue import default_catalogue
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.units import conversion_factor

FACILITY_LEVEL = ("", "all")
"""Unit names that mean the whole facility (a purchase meter at the fence)."""


@dataclass(frozen=True)
class IndicatorValue:
    indicator: str
    scope: str
    """A unit's name, or ``""`` for the whole facility."""
    value: float
    unit: str
    numerator: float
    numerator_unit: str
    denominator: float
    denominator_unit: str
    lines: int
    scope_note_zh: str = ""
    scope_note_en: str = ""


def indicator_values(
    indicator: Indicator, balance: EnergyBalance, inventory: Inventory
) -> list[IndicatorValue]:
    """The indicator per unit (or for the facility) from the balance and the inventory's
    products. Raises :class:`InputError` when the inventory has no product rows for it."""
    numerator_spec, denominator_spec = indicator.numerator, indicator.denominator
    assert numerator_spec is not None and denominator_spec is not None
    methodology = get_methodology(inventory.header.methodology)
    ctx = RunContext(inventory, methodology, default_catalogue())
    products = (
        ctx.table(denominator_spec.table) if denominator_spec.table in inventory.tables else None
    )
    if (
        products is None
        or products.filter(pl.col(denominator_spec.column).is_not_null()).height == 0
    ):
        raise InputError(
            [
                InputProblem(
                    inventory.source,
                    f"{indicator.name_en} needs {denominator_spec.name_en} "
                    f"({denominator_spec.table}.{denominator_spec.column}); the inventory has none",
                    field=f"{denominator_spec.table}.{denominator_spec.column}",
                    rule_zh=f"{indicator.name_zh} 需要{denominator_spec.name_zh}"
                    f"（{denominator_spec.table}.{denominator_spec.column}），清单中没有该数据",
                )
            ]
        )
    if ctx.problems:
        raise InputError(ctx.problems)
    lines = balance.lines
    if numerator_spec.carriers == "fuel":
        lines = lines.filter(pl.col("table") == "fuel")
    elif numerator_spec.carriers != "all":
        lines = lines.filter(pl.col("carrier") == numerator_spec.carriers)
    if numerator_spec.measure == "energy":
        amount = pl.col("energy_kgce")
        amount_unit = "kgce"
    else:
        units = lines["quantity_unit"].unique().to_list()
        amount_unit = units[0] if units else "kWh"
        amount = (
            pl.when(pl.col("flow") == "exported")
            .then(-pl.col("quantity"))
            .otherwise(pl.col("quantity"))
        )
    lines = lines.with_columns(amount.alias("_amount"))
    if numerator_spec.share is not None:
        lines = _shared(lines, products, numerator_spec.share)
    products = products.filter(pl.col(denominator_spec.column).is_not_null())
    product_units = set(products["unit"].drop_nulls().to_list())
    line_units = set(lines["unit"].fill_null("").to_list())
    per_unit = (
        bool(line_units)
        and not line_units & set(FACILITY_LEVEL)
        and line_units <= product_units
        and not product_units & set(FACILITY_LEVEL)
    )
    to_unit = conversion_factor(f"{amount_unit}/{denominator_spec.unit}", indicator.unit)
    results: list[IndicatorValue] = []
    scopes = sorted(product_units) if per_unit else [""]
    note_zh = note_en = ""
    if not per_unit and len(product_units - set(FACILITY_LEVEL)) > 1:
        note_zh = "有计量数据只到厂级（如购入电力总表），按全厂计算，不分生产线"
        note_en = (
            "some energy is metered only for the whole site (a purchase meter), so the "
            "indicator is computed for the facility, not per line"
        )
    for scope in scopes:
        in_scope_lines = lines if not per_unit else lines.filter(pl.col("unit") == scope)
        in_scope_products = products if not per_unit else products.filter(pl.col("unit") == scope)
        numerator = float(in_scope_lines["_amount"].sum())
        denominator = float(in_scope_products[denominator_spec.column].sum())
        if not in_scope_lines.height:
            raise InputError(
                [
                    InputProblem(
                        inventory.source,
                        f"{scope or 'the facility'} has {denominator_spec.name_en} but no energy "
                        f"line for {indicator.name_en}: a missing record would grade as zero",
                        field=numerator_spec.carriers,
                        rule_zh=f"{scope or '全厂'}有{denominator_spec.name_zh}，但没有"
                        f"{indicator.name_zh}所需的能源记录：缺失的记录会被当作零能耗评级",
                    )
                ]
            )
        if denominator <= 0:
            raise InputError(
                [
                    InputProblem(
                        inventory.source,
                        f"{denominator_spec.name_en} of {scope or 'the facility'} sums to "
                        f"{denominator:g}: the indicator cannot be computed",
                        field=f"{denominator_spec.table}.{denominator_spec.column}",
                        rule_zh=f"{scope or '全厂'}的{denominator_spec.name_zh}合计为 "
                        f"{denominator:g}，无法计算单位产品能耗",
                    )
                ]
            )
        results.append(
            IndicatorValue(
                indicator=indicator.id,
                scope=scope,
                value=numerator / denominator * to_unit,
                unit=indicator.unit,
                numerator=numerator,
                numerator_unit=amount_unit,
                denominator=denominator,
                denominator_unit=denominator_spec.unit,
                lines=in_scope_lines.height,
                scope_note_zh=note_zh,
                scope_note_en=note_en,
            )
        )
    return results


def _shared(lines: pl.DataFrame, production: pl.DataFrame, share: str) -> pl.DataFrame:
    """Each line's part for power (1 − α) or heat (α), α the unit's heat-supply ratio in the
    month; a month without heat supply has α = 0."""
    ratios = production.select(
        "unit", "month", pl.col("heat_ratio").fill_null(0.0).alias("_alpha")
    ).unique(["unit", "month"], keep="first")
    joined = lines.join(ratios, on=["unit", "month"], how="left").with_columns(
        pl.col("_alpha").fill_null(0.0)
    )
    part = (1 - pl.col("_alpha")) if share == "power" else pl.col("_alpha")
    return joined.with_columns((pl.col("_amount") * part).alias("_amount"))
