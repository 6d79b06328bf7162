"""Fuel combustion: which NCV and carbon content each line rests on, and why, in one pass."""

from __future__ import annotations

import polars as pl

from dualcarbon.accounting.context import (
    RunContext,
    fmt,
    line_head,
    mpe_uncertainty,
    source_columns,
)
from dualcarbon.accounting.inventory import ROW
from dualcarbon.accounting.validate import problems_where
from dualcarbon.datum import Tier
from dualcarbon.errors import DualcarbonError
from dualcarbon.methodologies import calculators as calc
from dualcarbon.methodologies.definition import SourceRule
from dualcarbon.units import conversion_factor


def _fuel_rules_frame(ctx: RunContext) -> pl.DataFrame:
    """One row per fuel the methodology knows: its defaults, their factor refs and the rules."""
    rows = []
    for key, fuel in ctx.methodology.fuels.items():
        ncv_default = ncv_ref = None
        if fuel.net_calorific_value.fallback:
            factor = ctx.factor(fuel.net_calorific_value.fallback.factor)
            ncv_default = factor.value * conversion_factor(
                factor.unit, f"GJ/{fuel.consumption_unit}"
            )
            ncv_ref = factor.ref
        cc_default = cc_ref = None
        cc_fallback = fuel.carbon_content.fallback
        if cc_fallback:
            factor = ctx.factor(cc_fallback.factor)
            cc_default = factor.value * conversion_factor(factor.unit, "tC/GJ")
            cc_ref = factor.ref
        of_rule = fuel.oxidation_rate
        if of_rule.fallback is None:
            raise DualcarbonError(f"{ctx.methodology.id}: fuel {key} has no oxidation rate")
        of_factor = ctx.factor(of_rule.fallback.factor)
        rows.append(
            {
                "fuel": key,
                "fuel_zh": fuel.name_zh,
                "fuel_en": fuel.name_en,
                "target_unit": fuel.consumption_unit,
                "ncv_target_unit": f"GJ/{fuel.consumption_unit}",
                "carbon_target_unit": f"tC/{fuel.consumption_unit}",
                "ncv_accepts_lab": Tier.LAB in fuel.net_calorific_value.accepts,
                "ncv_default": ncv_default,
                "ncv_default_ref": ncv_ref,
                "ncv_clause": (
                    fuel.net_calorific_value.fallback.clause
                    if fuel.net_calorific_value.fallback
                    else fuel.net_calorific_value.clause
                ),
                "cc_accepts_lab": Tier.LAB in fuel.carbon_content.accepts,
                "cc_default": cc_default,
                "cc_default_ref": cc_ref,
                "cc_clause": cc_fallback.clause if cc_fallback else fuel.carbon_content.clause,
                "cc_rule_zh": cc_fallback.rule_zh if cc_fallback else "",
                "cc_rule_en": cc_fallback.rule_en if cc_fallback else "",
                "oxidation_rate": of_factor.value
                * conversion_factor(of_factor.unit, "dimensionless"),
                "oxidation_rate_ref": of_factor.ref,
            }
        )
    return pl.DataFrame(rows)


def fuel_combustion(ctx: RunContext, source: SourceRule) -> pl.DataFrame:
    frame = ctx.table("fuel")
    if not frame.height:
        return frame
    rules = _fuel_rules_frame(ctx)
    ctx.problems += problems_where(
        ctx.inventory,
        "fuel",
        frame,
        ~pl.col("fuel").is_in(rules["fuel"].implode()),
        "fuel",
        f"{ctx.methodology.id} knows no such fuel (known: {', '.join(rules['fuel'])})",
    )
    frame = frame.join(rules, on="fuel", how="left").with_columns(
        pl.col("ncv_unit").fill_null(pl.col("ncv_target_unit"))
    )
    frame = frame.with_columns(
        _fc_factor=ctx.converted(
            "fuel", frame, "consumption_unit", lambda f: pl.col("target_unit"), "consumption"
        ),
        _ncv_factor=ctx.converted(
            "fuel", frame, "ncv_unit", lambda f: pl.col("ncv_target_unit"), "ncv"
        ),
        _cc_factor=ctx.converted(
            "fuel",
            frame,
            "carbon_content_unit",
            lambda f: pl.col("carbon_target_unit"),
            "carbon_content",
            dimensionless_as="tC/t",
        ),
    )
    basis = pl.col("carbon_content_basis")
    ctx.problems += problems_where(
        ctx.inventory,
        "fuel",
        frame,
        pl.col("carbon_content").is_not_null()
        & basis.is_in(["ad", "d"])
        & pl.col("moisture_ar").is_null(),
        "moisture_ar",
        "needed to convert carbon content to as-received basis (GB/T 483)",
    )
    ctx.problems += problems_where(
        ctx.inventory,
        "fuel",
        frame,
        pl.col("carbon_content").is_not_null() & (basis == "ad") & pl.col("moisture_ad").is_null(),
        "moisture_ad",
        "needed to convert carbon content from air-dried basis (GB/T 483)",
    )
    c_given = pl.col("carbon_content") * pl.col("_cc_factor")
    c_as_received = (
        pl.when(basis == "ad")
        .then(
            calc.as_received_from_air_dried(c_given, pl.col("moisture_ar"), pl.col("moisture_ad"))
        )
        .when(basis == "d")
        .then(calc.as_received_from_dry(c_given, pl.col("moisture_ar")))
        .otherwise(c_given)
    )
    ncv_measured = pl.col("ncv").is_not_null() & pl.col("ncv_accepts_lab")
    frame = frame.with_columns(
        fc=pl.col("consumption") * pl.col("_fc_factor"),
        c_ar=c_as_received,
        ncv_used=pl.when(ncv_measured)
        .then(pl.col("ncv") * pl.col("_ncv_factor"))
        .otherwise(pl.col("ncv_default")),
        ncv_tier=pl.when(ncv_measured)
        .then(pl.lit(Tier.LAB.value))
        .otherwise(pl.lit(Tier.DEFAULT.value)),
        ncv_ref_used=pl.when(ncv_measured)
        .then(pl.col("ncv_ref"))
        .otherwise(pl.col("ncv_default_ref")),
    )
    ctx.problems += problems_where(
        ctx.inventory,
        "fuel",
        frame,
        pl.col("ncv").is_null()
        & pl.col("ncv_default").is_null()
        & pl.col("fuel").is_in(rules["fuel"].implode()),
        "ncv",
        "net calorific value must be measured for this fuel: the methodology has no default "
        "(see its clause on NCV)",
    )
    carbon_present = pl.col("c_ar").is_not_null()
    carbon_ok = carbon_present & pl.col("carbon_content_qualified") & pl.col("cc_accepts_lab")
    ctx.problems += problems_where(
        ctx.inventory,
        "fuel",
        frame,
        ~carbon_ok & pl.col("cc_default").is_null() & pl.col("fuel").is_in(rules["fuel"].implode()),
        "carbon_content",
        "carbon content must be measured for this fuel: no default applies",
    )
    ctx.problems += problems_where(
        ctx.inventory,
        "fuel",
        frame,
        carbon_present & (pl.col("c_ar") > 1.0) & (pl.col("carbon_target_unit") == "tC/t"),
        "carbon_content",
        "carbon content above 100 % of the fuel mass",
    )
    frame = frame.with_columns(
        carbon_tier=pl.when(carbon_ok)
        .then(pl.lit(Tier.LAB.value))
        .otherwise(pl.lit(Tier.DEFAULT.value)),
        carbon_used=pl.when(carbon_ok)
        .then(pl.col("c_ar"))
        .otherwise(calc.carbon_content_from_heat(pl.col("ncv_used"), pl.col("cc_default"))),
        carbon_ref=pl.when(carbon_ok)
        .then(pl.col("carbon_content_ref"))
        .otherwise(pl.col("cc_default_ref")),
    )
    frame = frame.with_columns(
        emission=calc.fuel_combustion_co2(
            pl.col("fc"), pl.col("carbon_used"), pl.col("oxidation_rate")
        )
    )
    why_zh, why_en = _carbon_explanations()
    return frame.select(
        *line_head(source, pl.col("fuel"), pl.col("fuel_zh"), pl.lit("CO2"), "fuel_combustion_co2"),
        pl.col("fc").alias("activity"),
        pl.col("target_unit").alias("activity_unit"),
        pl.col("consumption_tier").alias("activity_tier"),
        pl.col("consumption_ref").alias("activity_ref"),
        *mpe_uncertainty("fc", "consumption_mpe"),
        pl.col("ncv_used").alias("ncv"),
        "ncv_tier",
        pl.col("ncv_ref_used").alias("ncv_ref"),
        pl.when(pl.col("ncv_tier") == Tier.LAB.value)
        .then(pl.col("ncv_u") * pl.col("_ncv_factor"))
        .otherwise(None)
        .alias("ncv_u"),
        pl.col("carbon_used").alias("carbon_content"),
        pl.when(pl.col("carbon_tier") == Tier.DEFAULT.value)
        .then(pl.col("cc_default"))
        .otherwise(None)
        .alias("carbon_per_heat"),
        "carbon_tier",
        "carbon_ref",
        # the as-received conversion scales u like the value
        pl.when(pl.col("carbon_tier") == Tier.LAB.value)
        .then(pl.col("carbon_content_u") * pl.col("c_ar") / pl.col("carbon_content"))
        .otherwise(None)
        .alias("carbon_u"),
        pl.col("oxidation_rate"),
        pl.col("oxidation_rate_ref"),
        pl.lit(None, pl.Float64).alias("emission_factor"),
        pl.lit(None, pl.String).alias("emission_factor_unit"),
        pl.lit(None, pl.String).alias("emission_factor_tier"),
        pl.lit(None, pl.String).alias("emission_factor_ref"),
        pl.col("emission"),
        pl.lit(1.0).alias("gwp"),
        pl.col("emission").alias("emission_co2e"),
        *source_columns(source),
        why_zh.alias("explanation_zh"),
        why_en.alias("explanation_en"),
        pl.col(ROW).alias("input_row"),
    )


def _carbon_explanations() -> tuple[pl.Expr, pl.Expr]:
    """A sentence per line saying which carbon content was used and why, zh and en."""
    # a solid or liquid fuel's carbon is a mass fraction on the as-received basis; a gas's is per
    # volume (tC/万Nm3), where no basis applies
    by_mass = pl.col("carbon_target_unit") == "tC/t"
    measured_zh = pl.format(
        "{}月 元素碳含量实测 {} {}（{}报告 {}）",
        pl.col("month"),
        fmt("carbon_used", 5),
        pl.col("carbon_target_unit"),
        pl.when(by_mass).then(pl.lit("收到基，")).otherwise(pl.lit("")),
        pl.col("carbon_content_ref"),
    )
    measured_en = pl.format(
        "month {}: measured element carbon {} {} ({}report {})",
        pl.col("month"),
        fmt("carbon_used", 5),
        pl.col("carbon_target_unit"),
        pl.when(by_mass).then(pl.lit("as received, ")).otherwise(pl.lit("")),
        pl.col("carbon_content_ref"),
    )
    default_zh = pl.format(
        "{}月 {} → {}：{} tC/GJ × 低位发热量 {} = {}（{}）",
        pl.col("month"),
        pl.when(pl.col("c_ar").is_not_null() & ~pl.col("carbon_content_qualified"))
        .then(pl.format("元素碳检测不符合要求（{}）", pl.col("carbon_content_note")))
        .when(pl.col("c_ar").is_not_null())
        .then(pl.lit("本方法不采信实测元素碳"))
        .otherwise(pl.lit("无元素碳实测")),
        pl.col("cc_rule_zh"),
        fmt("cc_default", 5),
        fmt("ncv_used", 3),
        fmt("carbon_used", 5),
        pl.col("cc_clause"),
    )
    default_en = pl.format(
        "month {}: {} → {}: {} tC/GJ × NCV {} = {} ({})",
        pl.col("month"),
        pl.when(pl.col("c_ar").is_not_null() & ~pl.col("carbon_content_qualified"))
        .then(pl.format("carbon analysis does not qualify ({})", pl.col("carbon_content_note")))
        .when(pl.col("c_ar").is_not_null())
        .then(pl.lit("measured carbon not accepted by this methodology"))
        .otherwise(pl.lit("no carbon analysis")),
        pl.col("cc_rule_en"),
        fmt("cc_default", 5),
        fmt("ncv_used", 3),
        fmt("carbon_used", 5),
        pl.col("cc_clause"),
    )
    lab = pl.col("carbon_tier") == Tier.LAB.value
    return (
        pl.when(lab).then(measured_zh).otherwise(default_zh),
        pl.when(lab).then(measured_en).otherwise(default_en),
    )
