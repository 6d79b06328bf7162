"""Process emissions (any gas, weighted by the methodology's GWP set) and CO2 recovered."""

from __future__ import annotations

import polars as pl

from dualcarbon.accounting.context import (
    RunContext,
    explained,
    fmt,
    line_head,
    mpe_uncertainty,
    source_columns,
)
from dualcarbon.accounting.inventory import ROW
from dualcarbon.accounting.validate import fraction_problems, problems_where
from dualcarbon.datum import Tier
from dualcarbon.methodologies import calculators as calc
from dualcarbon.methodologies.definition import SourceRule


def process(ctx: RunContext, source: SourceRule) -> pl.DataFrame:
    frame = ctx.table("process")
    if not frame.height:
        return frame
    covered = list(ctx.methodology.gases)
    ctx.problems += problems_where(
        ctx.inventory,
        "process",
        frame,
        ~pl.col("gas").is_in(covered),
        "gas",
        f"{ctx.methodology.id} accounts {', '.join(covered)} only",
    )
    gwps = ctx.gwp_map(frame["gas"].unique().to_list())
    ctx.problems += problems_where(
        ctx.inventory,
        "process",
        frame,
        pl.col("gas").is_in(covered) & ~pl.col("gas").is_in(list(gwps)),
        "gas",
        f"no GWP for this gas in {ctx.methodology.gwp_set or 'the methodology'}",
    )
    # The EF is given per unit of activity: bring activity to the EF's denominator unit.
    frame = frame.with_columns(
        _ef_to_t=ctx.converted(
            "process",
            frame,
            "emission_factor_unit",
            lambda f: pl.concat_str(pl.lit("t/("), pl.col("activity_unit"), pl.lit(")")),
            "emission_factor",
        )
    )
    gwp_value = pl.col("gas").replace_strict(
        {gas: value for gas, (value, _) in gwps.items()}, default=None, return_dtype=pl.Float64
    )
    gwp_ref = pl.col("gas").replace_strict(
        {gas: ref for gas, (_, ref) in gwps.items()}, default=None, return_dtype=pl.String
    )
    emission = calc.process_emission(
        pl.col("activity"), pl.col("emission_factor") * pl.col("_ef_to_t")
    )
    for ref in {ref for _, ref in gwps.values() if ref}:
        ctx.factors_used.setdefault(ref, ctx.catalogue.get(ref))
    return frame.select(
        *line_head(source, pl.col("process"), pl.col("process"), pl.col("gas"), "process_emission"),
        pl.col("activity"),
        pl.col("activity_unit"),
        pl.lit(Tier.MEASURED.value).alias("activity_tier"),
        pl.col("activity_ref"),
        *mpe_uncertainty("activity", "activity_mpe"),
        # the line holds the EF in the calculator's unit (t per unit of activity), as the
        # equation takes it; the sentence keeps the value as typed
        (pl.col("emission_factor") * pl.col("_ef_to_t")).alias("emission_factor"),
        pl.concat_str(pl.lit("t/"), pl.col("activity_unit")).alias("emission_factor_unit"),
        pl.col("emission_factor_tier"),
        pl.col("emission_factor_ref"),
        (pl.col("emission_factor_u") * pl.col("_ef_to_t")).alias("emission_factor_u"),
        emission.alias("emission"),
        gwp_value.alias("gwp"),
        calc.to_co2e(emission, gwp_value).alias("emission_co2e"),
        gwp_ref.alias("gwp_ref"),
        *source_columns(source),
        *explained(
            "{}月 {}：活动数据 {} {} × 排放因子 {} {}（{}）",
            "month {}: {}: activity {} {} × EF {} {} ({})",
            pl.col("month"),
            pl.col("process"),
            fmt("activity", 4),
            pl.col("activity_unit"),
            pl.col("emission_factor"),
            pl.col("emission_factor_unit"),
            pl.col("emission_factor_ref"),
        ),
        pl.col(ROW).alias("input_row"),
    )


CO2_DENSITY_STP = 19.77
"""CO2 density at normal conditions (0 °C, 101.325 kPa) [t/10^4 Nm3], as the guidelines print it."""


def recovered(ctx: RunContext, source: SourceRule) -> pl.DataFrame:
    frame = ctx.table("recovered")
    if not frame.height:
        return frame
    ctx.problems += fraction_problems(ctx.inventory, "recovered", frame, "purity", "purity")
    frame = frame.with_columns(
        _factor=ctx.converted("recovered", frame, "volume_unit", "wan_Nm3", "volume")
    ).with_columns(activity=pl.col("volume") * pl.col("_factor"))
    emission = calc.co2_recovered(pl.col("activity"), pl.col("purity"), pl.lit(CO2_DENSITY_STP))
    return frame.select(
        *line_head(
            source, pl.lit("co2_recovered"), pl.lit(source.name_zh), pl.lit("CO2"), "co2_recovered"
        ),
        pl.col("activity"),
        pl.lit("wan_Nm3").alias("activity_unit"),
        pl.lit(Tier.MEASURED.value).alias("activity_tier"),
        pl.col("volume_ref").alias("activity_ref"),
        (pl.col("purity") * CO2_DENSITY_STP).alias("emission_factor"),
        pl.lit("t/wan_Nm3").alias("emission_factor_unit"),
        pl.lit(Tier.MEASURED.value).alias("emission_factor_tier"),
        pl.col("purity_ref").alias("emission_factor_ref"),
        emission.alias("emission"),
        pl.lit(1.0).alias("gwp"),
        emission.alias("emission_co2e"),
        *source_columns(source),
        *explained(
            "{}月 回收CO2：{} 万Nm3 × 浓度 {} × 19.77 t/万Nm3",
            "month {}: CO2 recovered: {} 10^4 Nm3 × purity {} × 19.77 t/10^4 Nm3",
            pl.col("month"),
            fmt("activity", 4),
            pl.col("purity"),
        ),
        pl.col(ROW).alias("input_row"),
    )
