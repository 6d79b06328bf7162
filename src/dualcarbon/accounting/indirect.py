"""Electricity and heat bought or sold: activity times the methodology's factor."""

from __future__ import annotations

import polars as pl

from dualcarbon.accounting.context import RunContext, line_head, mpe_uncertainty, source_columns
from dualcarbon.accounting.inventory import ROW
from dualcarbon.datum import Tier
from dualcarbon.errors import FactorNotFoundError
from dualcarbon.factors.model import Factor
from dualcarbon.methodologies import calculators as calc
from dualcarbon.methodologies.definition import SourceRule
from dualcarbon.methodologies.tables import TABLES
from dualcarbon.units import conversion_factor


def _indirect_factor(ctx: RunContext, source: SourceRule) -> Factor:
    key = ctx.methodology.factor_for(source, ctx.inventory.header.year)
    if key is not None:
        return ctx.factor(key)
    year = ctx.inventory.header.year
    region = ctx.inventory.header.region
    candidates = [
        f
        for f in ctx.catalogue.search(kind="co2_emission_factor", subject="grid", region=region)
        if f.year is not None and f.year <= year
    ]
    if not candidates:
        raise FactorNotFoundError(
            kind="co2_emission_factor",
            subject="grid",
            region=region,
            year=year,
            tried=[f"grid {region} ≤ {year}"],
        )
    chosen = max(candidates, key=lambda f: f.year or 0)
    ctx.factors_used[chosen.ref] = chosen
    return chosen


def indirect(ctx: RunContext, source: SourceRule) -> pl.DataFrame:
    """Electricity or heat bought or sold (the source's ``table`` and ``direction``) times the
    methodology's factor, in the table's unit (MWh, GJ)."""
    table_name = source.table_name
    unit = str(TABLES[table_name].column("amount_unit").default)
    frame = ctx.table(table_name)
    frame = frame.filter(pl.col("direction") == source.direction)
    if not frame.height:
        return frame
    factor = _indirect_factor(ctx, source)
    ef = factor.value * conversion_factor(factor.unit, f"tCO2/{unit}")
    frame = frame.with_columns(
        _factor=ctx.converted(table_name, frame, "amount_unit", unit, "amount")
    ).with_columns(activity=pl.col("amount") * pl.col("_factor"))
    emission = calc.indirect_co2(pl.col("activity"), pl.lit(ef))
    label_zh = f"{source.name_zh}：排放因子 {ef:g} tCO2/{unit}（{factor.citation('zh')}）"
    label_en = f"{source.name_en}: factor {ef:g} tCO2/{unit} ({factor.citation('en')})"
    return frame.select(
        *line_head(
            source, pl.lit(table_name), pl.lit(source.name_zh), pl.lit("CO2"), "indirect_co2"
        ),
        pl.col("activity"),
        pl.lit(unit).alias("activity_unit"),
        pl.col("amount_tier").alias("activity_tier"),
        pl.col("amount_ref").alias("activity_ref"),
        *mpe_uncertainty("activity", "amount_mpe"),
        pl.lit(ef).alias("emission_factor"),
        pl.lit(f"tCO2/{unit}").alias("emission_factor_unit"),
        pl.lit(Tier.DEFAULT.value).alias("emission_factor_tier"),
        pl.lit(factor.ref).alias("emission_factor_ref"),
        emission.alias("emission"),
        pl.lit(1.0).alias("gwp"),
        emission.alias("emission_co2e"),
        *source_columns(source),
        pl.format("{}月 {}", pl.col("month"), pl.lit(label_zh)).alias("explanation_zh"),
        pl.format("month {}: {}", pl.col("month"), pl.lit(label_en)).alias("explanation_en"),
        pl.col(ROW).alias("input_row"),
    )
