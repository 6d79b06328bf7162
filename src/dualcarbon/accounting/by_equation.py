"""The equation evaluator: any calculator whose slots name table columns, computed from its data.

A sector's formula is data (:mod:`dualcarbon.methodologies.registry`): its equation over slot
names, and for each slot the table column holding the value, its unit, tier, uncertainty and
evidence. This module reads those declarations and needs no code per sector. For every row of
the table it resolves each slot, best first:

1. the value typed in the row (converted to the slot's unit), with the row's tier;
2. where the row has none, the slot's derivation when the row gives its inputs (a clinker
   factor from CaO and MgO, a CF4 factor from anode-effect minutes), with the derivation's tier;
3. the default the methodology names for the slot (``defaults:`` of its source), a factor of
   the catalogue with its id@version.

The tier rules are enforced here, where the inputs are built: a value that claims ``measured``,
``lab`` or a typed ``default`` names its evidence, or the row is refused with its table, row and
column (:mod:`dualcarbon.accounting.evidence`). Each line carries its inputs as a list
(``inputs``), the long table of :mod:`dualcarbon.accounting.inputs`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from dualcarbon.accounting.context import RunContext, line_head, source_columns
from dualcarbon.accounting.evidence import CALCULATED_RULE, CALCULATED_RULE_ZH, RULES, RULES_ZH
from dualcarbon.accounting.inputs import INPUT_STRUCT, gwp_input
from dualcarbon.accounting.inventory import ROW
from dualcarbon.accounting.validate import problems_where
from dualcarbon.datum import Tier
from dualcarbon.errors import DualcarbonError, FactorNotFoundError, InputProblem
from dualcarbon.methodologies.definition import SourceRule
from dualcarbon.methodologies.registry import Calculator, Slot, get_calculator
from dualcarbon.methodologies.tables import TABLES, Table
from dualcarbon.units import conversion_factor


@dataclass
class _Resolved:
    """A slot's values over the table's rows (``None`` where the row has none)."""

    value: pl.Series
    tier: pl.Series
    reference: pl.Series
    u: pl.Series
    derived: pl.Series
    distribution: pl.Series
    reported: pl.Series | None = None
    """Rows already refused for this slot (a default the catalogue lacks): not reported again."""


_TIERS = {tier.value for tier in Tier}


def by_equation(ctx: RunContext, source: SourceRule) -> pl.DataFrame:
    """The lines of one source whose calculator is computed from its declared equation."""
    calculator = get_calculator(source.calculator)
    table = TABLES[source.table_name]
    frame = ctx.table(table.name)
    for column, value in source.rows.items():
        frame = frame.filter(pl.col(column) == value)
    if not frame.height:
        return pl.DataFrame()
    resolved: dict[str, _Resolved] = {}
    # derivation inputs first, then plain slots, then the slots derived from them
    order = sorted(
        calculator.slots,
        key=lambda s: (s.used_by != "derive", s.derive is not None),
    )
    for slot in order:
        resolved[slot.name] = _resolve(ctx, source, calculator, table, frame, slot, resolved)
    for slot in calculator.slots:
        if slot.used_by != "equation":
            continue
        missing = resolved[slot.name].value.is_null()
        reported = resolved[slot.name].reported
        if reported is not None:
            missing = missing & ~reported
        if missing.any():
            field = slot.column or calculator.item_column or "month"
            ctx.problems += _rows_where(
                ctx,
                table,
                frame,
                missing,
                field,
                (
                    f"{slot.name_en} ({slot.symbol}) is missing and has no default or derivation",
                    f"{slot.name_zh}（{slot.symbol}）缺失，且没有缺省值或推算方法",
                ),
            )
    gas = _gases(ctx, calculator, table, frame)
    gwps = ctx.gwp_map(gas.unique().drop_nulls().to_list())
    ctx.problems += problems_where(
        ctx.inventory,
        table.name,
        frame.with_columns(_gas=gas),
        ~pl.col("_gas").is_in(list(gwps)),
        "gas" if table.has("gas") else (calculator.item_column or "month"),
        f"{calculator.gas or 'the gas'}: no GWP in {ctx.methodology.gwp_set or 'the methodology'}",
    )
    if ctx.problems:
        return pl.DataFrame()
    values = {name: r.value.fill_null(np.nan).to_numpy() for name, r in resolved.items()}
    with np.errstate(all="ignore"):
        emission = np.asarray(calculator.compiled().evaluate(values), dtype=float)
    gwp = gas.replace_strict({g: v for g, (v, _) in gwps.items()}, return_dtype=pl.Float64)
    gwp_ref = gas.replace_strict({g: r for g, (_, r) in gwps.items()}, return_dtype=pl.String)
    work = frame.with_columns(
        pl.Series("_emission", emission),
        gas.alias("_gas"),
        gwp.alias("_gwp"),
        gwp_ref.alias("_gwp_ref"),
        *(_slot_columns(name, r) for name, r in resolved.items()),
    )
    lines = work.select(*_line(ctx, source, calculator, table))
    return lines.with_columns(_listed_inputs(work, calculator))


def _listed_inputs(work: pl.DataFrame, calculator: Calculator) -> pl.Series:
    """Each row's inputs as a list, slots in the calculator's order, then the GWP of a gas
    other than CO2. Built long and gathered by row: a list of structs per row built column-wise
    was 60 times slower (benchmarks/accounting.py)."""
    rows = work.with_row_index("_index")
    parts = []
    for order, slot in enumerate(calculator.slots):
        column = pl.col(f"_slot_{slot.name}")
        listed = column.struct.field("value").is_not_null()
        if slot.used_by == "derive":  # an input of a derivation is listed where it was used
            users = [
                pl.col(f"_slot_{other.name}").struct.field("derived")
                for other in calculator.slots
                if (derivation := calculator.derivation(other)) is not None
                and slot.name in derivation.inputs
            ]
            listed = listed & pl.any_horizontal(users) if users else pl.lit(False)
        parts.append(
            rows.select(
                "_index",
                pl.lit(order, pl.Int64).alias("_order"),
                pl.lit(slot.name).alias("slot"),
                pl.lit(slot.symbol).alias("symbol"),
                column.struct.field("value").alias("value"),
                pl.lit(slot.unit).alias("unit"),
                column.struct.field("tier").alias("tier"),
                column.struct.field("reference").alias("reference"),
                column.struct.field("u").alias("u"),
                column.struct.field("distribution").alias("distribution"),
                column.struct.field("derived").alias("derived"),
                listed.alias("_listed"),
            )
            .filter(pl.col("_listed"))
            .drop("_listed")
        )
    parts.append(
        rows.filter(pl.col("_gas") != "CO2").select(
            "_index",
            pl.lit(len(calculator.slots), pl.Int64).alias("_order"),
            *gwp_input(pl.col("_gwp"), pl.col("_gwp_ref")),
        )
    )
    gathered = (
        pl.concat(parts, how="vertical_relaxed")
        .sort("_index", "_order")
        .group_by("_index", maintain_order=True)
        .agg(pl.struct(*(f.name for f in INPUT_STRUCT.fields)).alias("inputs"))
    )
    return rows.select("_index").join(gathered, on="_index", how="left")["inputs"]


def _resolve(
    ctx: RunContext,
    source: SourceRule,
    calculator: Calculator,
    table: Table,
    frame: pl.DataFrame,
    slot: Slot,
    resolved: dict[str, _Resolved],
) -> _Resolved:
    height = frame.height
    nothing = pl.Series([None] * height, dtype=pl.String)
    if slot.column is not None:
        value = frame[slot.column].cast(pl.Float64)
        if slot.unit_column is not None:
            scale = frame.select(
                ctx.converted(table.name, frame, slot.unit_column, slot.unit, slot.column)
            ).to_series()
            value = value * scale
        else:
            fixed = table.column(slot.column).unit
            factor = (
                1.0 if fixed is None or fixed == slot.unit else conversion_factor(fixed, slot.unit)
            )
            scale = pl.Series([factor] * height)
            value = value * factor
        typed = value.is_not_null()
        tier = (
            frame[slot.tier_column]
            if slot.tier_column
            else pl.Series([slot.tiers[0].value] * height, dtype=pl.String)
        )
        allowed = [t.value for t in slot.tiers]
        wrong_tier = typed & ~tier.is_in(allowed)
        if slot.tier_column and table.column(slot.tier_column).choices:
            # a word outside the column's choices is reported once, by the table check
            wrong_tier = wrong_tier & tier.is_in(list(table.column(slot.tier_column).choices))
        ctx.problems += _rows_where(
            ctx,
            table,
            frame,
            wrong_tier,
            slot.tier_column or slot.column,
            (
                f"{slot.name_en}: tier must be one of {', '.join(allowed)}",
                f"{slot.name_zh}：数据来源须为以下之一：{', '.join(allowed)}",
            ),
        )
        reference = frame[slot.evidence_column] if slot.evidence_column else nothing
        if slot.evidence_column:
            unnamed = typed & (reference.is_null() | (reference.str.strip_chars() == ""))
            for claimed in tier.filter(unnamed).unique().to_list():
                rule = RULES.get(Tier(claimed), CALCULATED_RULE) if claimed in _TIERS else ""
                rule_zh = (
                    RULES_ZH.get(Tier(claimed), CALCULATED_RULE_ZH)
                    if claimed in _TIERS
                    else "填写的值须写明来源"
                )
                ctx.problems += _rows_where(
                    ctx,
                    table,
                    frame,
                    unnamed & (tier == claimed),
                    slot.evidence_column,
                    (
                        f"{slot.name_en} ({slot.symbol}): "
                        f"{rule or 'a typed value names its source'}",
                        f"{slot.name_zh}（{slot.symbol}）：{rule_zh}",
                    ),
                )
        u = (
            frame[slot.u_column].cast(pl.Float64) * scale
            if slot.u_column
            else pl.Series([None] * height, dtype=pl.Float64)
        )
        distribution = pl.Series(["normal"] * height, dtype=pl.String)
        if slot.mpe_column:  # a meter's ±MPE %: rectangular, u = MPE·|x|/√3 (JCGM 100 4.3.7)
            from_mpe = u.is_null() & frame[slot.mpe_column].is_not_null()
            u = u.zip_with(~from_mpe, value.abs() * frame[slot.mpe_column] / 100.0 / math.sqrt(3))
            distribution = distribution.zip_with(
                ~from_mpe, pl.Series(["rectangular"] * height, dtype=pl.String)
            )
        found = _Resolved(
            value,
            tier.zip_with(typed, nothing),
            reference.zip_with(typed, nothing),
            u.zip_with(typed, pl.Series([None] * height, dtype=pl.Float64)),
            pl.Series([False] * height),
            distribution,
        )
    else:
        found = _Resolved(
            pl.Series([None] * height, dtype=pl.Float64),
            nothing,
            nothing,
            pl.Series([None] * height, dtype=pl.Float64),
            pl.Series([False] * height),
            pl.Series(["normal"] * height, dtype=pl.String),
        )
    derivation = calculator.derivation(slot)
    if derivation is not None and slot.derive is not None:
        inputs = {name: resolved[name].value for name in derivation.inputs}
        ready = found.value.is_null()
        for series in inputs.values():
            ready = ready & series.is_not_null()
        # a row that types some of the derivation's columns but not all: the user meant the
        # derivation, and a silent fall back to the default would hide the gap
        typed_inputs = [calculator.slot(name) for name in derivation.inputs]
        typed_inputs = [s for s in typed_inputs if s.column is not None]
        if typed_inputs:
            some = pl.Series([False] * height)
            for input_slot in typed_inputs:
                some = some | frame[str(input_slot.column)].is_not_null()
            partial = found.value.is_null() & some & ~ready
            for input_slot in typed_inputs:
                gap = partial & frame[str(input_slot.column)].is_null()
                if gap.any():
                    ctx.problems += _rows_where(
                        ctx,
                        table,
                        frame,
                        gap,
                        str(input_slot.column),
                        (
                            f"{slot.name_en} ({slot.symbol}) is computed from "
                            f"{', '.join(str(t.column) for t in typed_inputs)}: give all of "
                            "them (0 where there is none), or none and the default applies",
                            f"{slot.name_zh}（{slot.symbol}）由 "
                            f"{', '.join(str(t.column) for t in typed_inputs)} 计算：请全部填写"
                            "（没有的填 0），或全部留空而采用缺省值",
                        ),
                    )
        if ready.any():
            with np.errstate(all="ignore"):
                computed = derivation.evaluate(
                    {name: s.fill_null(np.nan).to_numpy() for name, s in inputs.items()}
                )
            derived_value = pl.Series(np.broadcast_to(computed, (height,)).astype(float))
            # a signed value (a month that took more than it supplied) is summed over the year
            negative = ready & (derived_value < 0) & (not slot.derive.signed)
            if negative.any():
                first_input = next((str(t.column) for t in typed_inputs), slot.column or "month")
                ctx.problems += _rows_where(
                    ctx,
                    table,
                    frame,
                    negative,
                    first_input,
                    (
                        f"{slot.name_en} ({slot.symbol}) computed from this row is negative "
                        f"({slot.derive.equation}): check the values",
                        f"由本行计算的{slot.name_zh}（{slot.symbol}）为负数"
                        f"（{slot.derive.equation}）：请检查数值",
                    ),
                )
            evidence = (
                pl.concat_list([resolved[name].reference for name in derivation.inputs])
                .list.drop_nulls()
                .list.unique(maintain_order=True)
                .list.join("; ")
            )
            found = _Resolved(
                found.value.zip_with(~ready, derived_value),
                found.tier.zip_with(
                    ~ready, pl.Series([slot.derive.when.value] * height, dtype=pl.String)
                ),
                found.reference.zip_with(~ready, frame.select(evidence).to_series()),
                found.u,
                ready,
                found.distribution,
            )
    template = source.defaults.get(slot.name)
    if template is not None:
        found = _default(ctx, table, frame, slot, template, found)
    return found


def _rows_where(
    ctx: RunContext,
    table: Table,
    frame: pl.DataFrame,
    mask: pl.Series,
    field: str,
    rule: tuple[str, str],
) -> list[InputProblem]:
    """A problem for each row of ``frame`` where ``mask`` (a series over its rows) holds;
    ``rule`` in English and Chinese."""
    return problems_where(
        ctx.inventory,
        table.name,
        frame.with_columns(_mask=mask),
        pl.col("_mask"),
        field,
        rule[0],
        rule[1],
    )


def _default(
    ctx: RunContext, table: Table, frame: pl.DataFrame, slot: Slot, template: str, found: _Resolved
) -> _Resolved:
    """Fill the rows still without a value with the catalogue factor the template names."""
    empty = found.value.is_null()
    if not empty.any():
        return found
    named = re.findall(r"\{(\w+)\}", template)
    keys = (
        frame.select(pl.format(re.sub(r"\{\w+\}", "{}", template), *named)).to_series()
        if named
        else pl.Series([template] * frame.height, dtype=pl.String)
    )
    unfilled = empty  # rows refused here or by the table check: not reported again as missing
    for name in named:  # a word outside the choices is reported by the table check
        choices = table.column(name).choices
        if choices:
            empty = empty & frame[name].is_in(list(choices))
    values: dict[str, float] = {}
    refs: dict[str, str] = {}
    for key in keys.filter(empty).unique().drop_nulls().to_list():
        try:
            factor = ctx.factor(key)
            scale = 1.0 if factor.unit == slot.unit else conversion_factor(factor.unit, slot.unit)
            values[key] = factor.value * scale
        except FactorNotFoundError:
            ctx.problems += problems_where(
                ctx.inventory,
                table.name,
                frame.with_columns(_key=keys, _empty=empty),
                pl.col("_empty") & (pl.col("_key") == key),
                named[-1] if named else (slot.column or "month"),
                f"{slot.name_en}: no value given and no default {key} in the factor catalogue",
                f"{slot.name_zh}：未填写，且因子库中没有缺省值 {key}",
            )
            continue
        except DualcarbonError as exc:  # a factor file with a unit the slot cannot take
            raise DualcarbonError(f"default {key} for {slot.name}: {exc}") from exc
        refs[key] = factor.ref
    fill = empty & keys.is_in(list(values))
    value = keys.replace_strict(values, default=None, return_dtype=pl.Float64)
    ref = keys.replace_strict(refs, default=None, return_dtype=pl.String)
    height = frame.height
    return _Resolved(
        found.value.zip_with(~fill, value),
        found.tier.zip_with(~fill, pl.Series([Tier.DEFAULT.value] * height, dtype=pl.String)),
        found.reference.zip_with(~fill, ref),
        found.u,
        found.derived,
        found.distribution,
        unfilled & ~fill,
    )


def _gases(ctx: RunContext, calculator: Calculator, table: Table, frame: pl.DataFrame) -> pl.Series:
    if calculator.gas is not None:
        return pl.Series([calculator.gas] * frame.height, dtype=pl.String)
    if not table.has("gas"):
        raise DualcarbonError(f"calculator {calculator.id} names no gas and {table.name} has none")
    covered = list(ctx.methodology.gases)
    ctx.problems += problems_where(
        ctx.inventory,
        table.name,
        frame,
        ~pl.col("gas").is_in(covered),
        "gas",
        f"{ctx.methodology.id} accounts {', '.join(covered)} only",
    )
    return frame["gas"]


def _slot_columns(name: str, r: _Resolved) -> pl.Expr:
    return pl.struct(
        r.value.alias("value"),
        r.tier.alias("tier"),
        r.reference.alias("reference"),
        r.u.alias("u"),
        r.derived.alias("derived"),
        r.distribution.alias("distribution"),
    ).alias(f"_slot_{name}")


def _line(
    ctx: RunContext, source: SourceRule, calculator: Calculator, table: Table
) -> list[pl.Expr]:
    activity = calculator.activity_slot
    act = pl.col(f"_slot_{activity.name}")
    if calculator.item_column:
        item = pl.col(calculator.item_column)
        aliases = table.column(calculator.item_column).aliases
        labels = {choice: word for word, choice in reversed(list(aliases.items()))}
        item_zh = item.replace_strict(labels, default=item, return_dtype=pl.String)
    else:
        item, item_zh = pl.lit(source.kind), pl.lit(source.name_zh)
    shown = [
        pl.when(pl.col(f"_slot_{slot.name}").struct.field("value").is_not_null()).then(
            pl.format(
                "{} = {}{}",
                pl.lit(slot.symbol),
                pl.col(f"_slot_{slot.name}").struct.field("value").round_sig_figs(6),
                pl.lit("" if slot.unit == "1" else f" {slot.unit}"),
            )
        )
        for slot in calculator.slots
    ]
    values_text = pl.concat_str(shown, separator="; ", ignore_nulls=True)
    return [
        *line_head(source, item, item_zh, pl.col("_gas"), calculator.id),
        act.struct.field("value").alias("activity"),
        pl.lit(activity.unit).alias("activity_unit"),
        act.struct.field("tier").alias("activity_tier"),
        act.struct.field("reference").alias("activity_ref"),
        act.struct.field("u").alias("activity_u"),
        pl.when(act.struct.field("u").is_not_null())
        .then(act.struct.field("distribution"))
        .alias("activity_distribution"),
        pl.col("_emission").alias("emission"),
        pl.col("_gwp").alias("gwp"),
        pl.col("_gwp_ref").alias("gwp_ref"),
        (pl.col("_emission") * pl.col("_gwp")).alias("emission_co2e"),
        *source_columns(source),
        pl.format(
            "{}月 {}：{}；{}", pl.col("month"), item_zh, pl.lit(calculator.formula), values_text
        ).alias("explanation_zh"),
        pl.format(
            "month {}: {}: {}; {}", pl.col("month"), item, pl.lit(calculator.formula), values_text
        ).alias("explanation_en"),
        pl.col(ROW).alias("input_row"),
    ]
