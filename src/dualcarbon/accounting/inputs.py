"""The trace as provenance: one row per input of every line (issue 13, item 2; decision 0014).

A line is computed by a calculator (:mod:`dualcarbon.methodologies.registry`) from its slots.
This table holds each slot's value as the line used it, with its unit, tier, the evidence it
rests on (an instrument, a report, or a factor id@version) and its standard uncertainty when
the inventory gives one. A GWP that weights a gas other than CO2 is an input too. The tier rules
(:mod:`dualcarbon.accounting.evidence`) and the uncertainty
(:mod:`dualcarbon.accounting.uncertainty`) read this table; it is built from a result's lines, so
a stored result has it as well.

Today the lines still hold the inputs in fixed columns (``activity``, ``ncv``,
``carbon_content`` …), so :data:`LINE_INPUTS` says where each column's tier, evidence,
uncertainty and unit are. The evaluators of new sectors will write this table directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from dualcarbon.datum import Datum, Provenance, Tier
from dualcarbon.methodologies.registry import get_calculator

GWP = "gwp"
"""The slot name of a line's GWP (not a calculator slot: it weights the calculator's gas)."""

LINE_KEYS = ("line", "source", "input_row", "calculator")
"""The columns of the inputs table that say which line an input belongs to."""

INPUT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "line": pl.Int64,
    "source": pl.String,
    "input_row": pl.Int64,
    "calculator": pl.String,
    "slot": pl.String,
    "symbol": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "tier": pl.String,
    "reference": pl.String,
    "u": pl.Float64,
    "distribution": pl.String,
    "derived": pl.Boolean,
}

INPUT_STRUCT = pl.Struct(
    {name: dtype for name, dtype in INPUT_SCHEMA.items() if name not in LINE_KEYS}
)
"""One input of a line, as the equation evaluator records it in the line's ``inputs`` list."""


def gwp_input(value: pl.Expr, reference: pl.Expr) -> list[pl.Expr]:
    """The input fields of the GWP weighting a gas other than CO2 (a default of the
    methodology's GWP set)."""
    return [
        pl.lit(GWP).alias("slot"),
        pl.lit("GWP").alias("symbol"),
        value.cast(pl.Float64).alias("value"),
        pl.lit("tCO2e/t").alias("unit"),
        pl.lit(Tier.DEFAULT.value).alias("tier"),
        reference.alias("reference"),
        pl.lit(None, pl.Float64).alias("u"),
        pl.lit("normal").alias("distribution"),
        pl.lit(False).alias("derived"),
    ]


def input_datum(entry: Mapping[str, Any]) -> Datum:
    """One row of the inputs table as the spine's datum: value, unit, u and provenance (tier
    and evidence). The table holds these fields column by column, for speed; a row read out is
    checked as a datum (its unit parses, its u is not negative, its tier is a tier)."""
    return Datum(
        value=entry["value"],
        unit=entry["unit"],
        u=entry["u"],
        provenance=Provenance(tier=Tier(entry["tier"]), reference=entry["reference"] or ""),
    )


@dataclass(frozen=True)
class LineInput:
    """Where a line holds one input beside its value: tier, evidence (a factor ref when the
    tier is ``default``), standard uncertainty, distribution (``None``: not held), and its unit
    (``{column}`` is a column of the line)."""

    tier: str | None
    ref: str
    unit: str
    u: str | None = None
    distribution: str | None = None


LINE_INPUTS: dict[str, LineInput] = {
    "activity": LineInput(
        "activity_tier", "activity_ref", "{activity_unit}", "activity_u", "activity_distribution"
    ),
    "carbon_content": LineInput("carbon_tier", "carbon_ref", "tC/{activity_unit}", "carbon_u"),
    "ncv": LineInput("ncv_tier", "ncv_ref", "GJ/{activity_unit}", "ncv_u"),
    "carbon_per_heat": LineInput(None, "carbon_ref", "tC/GJ"),
    "oxidation_rate": LineInput(None, "oxidation_rate_ref", "1"),
    "emission_factor": LineInput(
        "emission_factor_tier", "emission_factor_ref", "{emission_factor_unit}", "emission_factor_u"
    ),
}
"""The value columns of a result's lines that calculator slots read (``Slot.line_column``), and
the columns beside each."""


def _unit(template: str) -> pl.Expr:
    parts = re.split(r"\{(\w+)\}", template)
    if len(parts) == 1:
        return pl.lit(template)
    pieces = [pl.lit(p) if i % 2 == 0 else pl.col(p) for i, p in enumerate(parts) if p]
    return pl.concat_str(pieces)


def line_inputs(lines: pl.DataFrame) -> pl.DataFrame:
    """Every input of every line, in line order, slots in the calculator's order."""
    parts: list[pl.DataFrame] = []
    for (calculator_id,), group in lines.group_by("formula", maintain_order=True):
        calculator = get_calculator(str(calculator_id))
        if calculator.by_equation:
            parts.append(_listed(group, calculator.id, calculator.activity_slot.name))
            continue
        for order, slot in enumerate(calculator.slots):
            assert slot.line_column is not None  # an evaluator of its own: line columns
            where = LINE_INPUTS[slot.line_column]
            tier = pl.col(where.tier) if where.tier else pl.lit(slot.tiers[0].value)
            derived = (
                (tier == slot.derive.when.value).fill_null(False)
                if slot.derive is not None
                else pl.lit(False)
            )
            parts.append(
                group.filter(pl.col(slot.line_column).is_not_null()).select(
                    "line",
                    "source",
                    "input_row",
                    pl.lit(calculator.id).alias("calculator"),
                    pl.lit(slot.name).alias("slot"),
                    pl.lit(slot.symbol).alias("symbol"),
                    pl.col(slot.line_column).cast(pl.Float64).alias("value"),
                    _unit(where.unit).alias("unit"),
                    tier.alias("tier"),
                    pl.col(where.ref).alias("reference"),
                    (pl.col(where.u) if where.u else pl.lit(None, pl.Float64))
                    .cast(pl.Float64)
                    .alias("u"),
                    (
                        pl.col(where.distribution).fill_null("normal")
                        if where.distribution
                        else pl.lit("normal")
                    ).alias("distribution"),
                    derived.alias("derived"),
                    pl.lit(order).alias("_order"),
                )
            )
        parts.append(
            group.filter(pl.col("gas") != "CO2").select(
                "line",
                "source",
                "input_row",
                pl.lit(calculator.id).alias("calculator"),
                *gwp_input(pl.col("gwp"), pl.col("gwp_ref")),
                pl.lit(len(calculator.slots)).alias("_order"),
            )
        )
    if not parts:
        return pl.DataFrame(schema=INPUT_SCHEMA)
    return (
        pl.concat(parts, how="vertical_relaxed")
        .sort("line", "_order")
        .drop("_order")
        .select([pl.col(name).cast(dtype) for name, dtype in INPUT_SCHEMA.items()])
    )


def _listed(group: pl.DataFrame, calculator_id: str, activity: str) -> pl.DataFrame:
    """The inputs a line of the equation evaluator lists, in slot order. The activity slot's
    tier and u are the line's: the instrument register may have changed them after the
    evaluator (:mod:`dualcarbon.accounting.instruments`)."""
    is_activity = pl.col("slot") == activity
    return (
        group.select(
            "line",
            "source",
            "input_row",
            "activity_tier",
            "activity_u",
            "activity_distribution",
            "inputs",
        )
        .with_row_index("_line_order")
        .explode("inputs")
        .drop_nulls("inputs")
        .with_columns(pl.int_range(pl.len()).over("_line_order").alias("_order"))
        .unnest("inputs")
        .with_columns(
            pl.lit(calculator_id).alias("calculator"),
            pl.when(is_activity)
            .then(pl.col("activity_tier"))
            .otherwise(pl.col("tier"))
            .alias("tier"),
            pl.when(is_activity).then(pl.col("activity_u")).otherwise(pl.col("u")).alias("u"),
            pl.when(is_activity & pl.col("activity_distribution").is_not_null())
            .then(pl.col("activity_distribution"))
            .otherwise(pl.col("distribution"))
            .alias("distribution"),
        )
        .select(*INPUT_SCHEMA, "_order")
    )
