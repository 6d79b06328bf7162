"""The uncertainty of an accounting result: every line as a product of its inputs.

A fuel line is FC × C_ar × OF × 44/12 (measured carbon) or FC × NCV × CC × OF × 44/12 (default
carbon), an electricity line AD × EF, a process line AD × EF × GWP. Metered amounts carry the
rectangular u of their meter's MPE, lab values the u their report gives, defaults the u their
source publishes (docs/factor-data-format.md). One default used by many lines is one input, so
those lines are fully correlated through it — the reason a conservative default can dominate the
uncertainty of a year. Inputs with no stated uncertainty count as exact and are listed as such.

The total and each source are propagated with :class:`~dualcarbon.uncertainty.product_sum.
ProductSum` (law of propagation or Monte Carlo); the budget names the inputs that carry most of the
variance, so a plant knows which meter or analysis to improve first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from dualcarbon.accounting.result import AccountingResult
from dualcarbon.uncertainty.product_sum import ProductSum

Method = Literal["gum", "mcm"]
ONE = "1"


@dataclass(frozen=True)
class BudgetLine:
    input: str
    label: str
    label_en: str
    value: float
    u: float
    distribution: str
    sensitivity: float
    variance_share: float


@dataclass(frozen=True)
class SourceUncertainty:
    source: str
    value: float
    u: float


@dataclass(frozen=True)
class AccountingUncertainty:
    method: Method
    value: float
    u: float
    k: float
    U: float
    coverage: float
    interval: tuple[float, float]
    trials: int | None
    by_source: tuple[SourceUncertainty, ...]
    budget: tuple[BudgetLine, ...]
    """Inputs by share of the total's variance, largest first."""
    inputs_without_u: int
    line_u: tuple[tuple[int, float], ...] = ()
    """(line, standard uncertainty of the line alone [tCO2e]) for every counted line."""

    @property
    def relative_U(self) -> float:  # noqa: N802 - the GUM symbol
        return self.U / abs(self.value) if self.value else math.inf

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "value": self.value,
            "u": self.u,
            "k": self.k,
            "U": self.U,
            "coverage": self.coverage,
            "relative_U": self.relative_U,
            "interval": list(self.interval),
            "trials": self.trials,
            "by_source": [s.__dict__ for s in self.by_source],
            "budget": [b.__dict__ for b in self.budget],
            "inputs_without_u": self.inputs_without_u,
            "lines": [{"line": line, "u": u} for line, u in self.line_u],
        }


def _line_key(slot: str) -> pl.Expr:
    return pl.format("line {}: {}", pl.col("line"), pl.lit(slot))


_SLOT_NAMES = {
    "activity": ("活动数据", "activity"),
    "carbon": ("元素碳含量", "carbon content"),
    "ncv": ("低位发热量", "NCV"),
    "emission_factor": ("排放因子", "emission factor"),
}


def _slots(lines: pl.DataFrame) -> pl.DataFrame:
    """Long table: one row per (line, factor of its product) with the input's key and u."""
    fuel = pl.col("formula") == "fuel_combustion_co2"
    lab = pl.col("carbon_tier") == "lab"
    ncv_measured = pl.col("ncv_tier") == "lab"
    user_factor = pl.col("emission_factor_tier") != "default"
    none = pl.lit(None, pl.Float64)
    # (rows, slot, value, key, u, distribution, evidence shown in the label)
    table = [
        (
            pl.lit(True),
            "activity",
            "activity",
            _line_key("activity"),
            pl.col("activity_u"),
            pl.col("activity_distribution").fill_null("normal"),
            "activity_ref",
        ),
        (
            fuel & lab,
            "carbon",
            "carbon_content",
            _line_key("carbon"),
            pl.col("carbon_u"),
            pl.lit("normal"),
            "carbon_ref",
        ),
        (
            fuel & ~lab,
            "ncv",
            "ncv",
            pl.when(ncv_measured).then(_line_key("ncv")).otherwise(pl.col("ncv_ref")),
            pl.col("ncv_u"),
            pl.lit("normal"),
            "ncv_ref",
        ),
        (
            fuel & ~lab,
            "carbon_per_heat",
            "carbon_per_heat",
            pl.col("carbon_ref"),
            none,
            pl.lit("normal"),
            "carbon_ref",
        ),
        (
            fuel,
            "oxidation_rate",
            "oxidation_rate",
            pl.col("oxidation_rate_ref"),
            none,
            pl.lit("normal"),
            "oxidation_rate_ref",
        ),
        (
            ~fuel,
            "emission_factor",
            "emission_factor",
            pl.when(user_factor)
            .then(_line_key("emission_factor"))
            .otherwise(pl.col("emission_factor_ref")),
            pl.col("emission_factor_u"),
            pl.lit("normal"),
            "emission_factor_ref",
        ),
        (
            pl.col("gas") != "CO2",
            "gwp",
            "gwp",
            pl.col("gwp_ref"),
            none,
            pl.lit("normal"),
            "gwp_ref",
        ),
    ]
    parts = [
        lines.filter(mask).select(
            "line",
            "unit",
            "month",
            "item",
            "item_zh",
            pl.lit(slot).alias("slot"),
            key.alias("key"),
            pl.col(value).cast(pl.Float64).alias("value"),
            u.cast(pl.Float64).alias("u"),
            distribution.alias("distribution"),
            pl.col(evidence).alias("evidence"),
        )
        for mask, slot, value, key, u, distribution, evidence in table
    ]
    slots = pl.concat(parts)
    names = pl.col("slot").replace_strict(
        {k: v[0] for k, v in _SLOT_NAMES.items()}, default=None, return_dtype=pl.String
    )
    names_en = pl.col("slot").replace_strict(
        {k: v[1] for k, v in _SLOT_NAMES.items()}, default=None, return_dtype=pl.String
    )
    # inputs of one line are labelled here; shared factors get the catalogue's names later
    return slots.with_columns(
        label=pl.format("{} {}月 {} {} [{}]", "unit", "month", "item_zh", names, "evidence"),
        label_en=pl.format("{} month {} {} {} [{}]", "unit", "month", "item", names_en, "evidence"),
    ).drop("unit", "month", "item", "item_zh", "evidence")


def _factor_uncertainties(
    result: AccountingResult,
) -> dict[str, tuple[float, str, str, str]]:
    """Relative u, distribution and zh/en labels of every factor the result used."""
    found = {}
    for ref, factor in result.factors.items():
        zh, en = f"{factor.name_zh} [{ref}]", f"{factor.name_en} [{ref}]"
        if factor.uncertainty is None or factor.value == 0:
            found[ref] = (0.0, "normal", zh, en)
            continue
        u, distribution = factor.uncertainty.standard_uncertainty(factor.value)
        found[ref] = (u / abs(factor.value), distribution, zh, en)
    return found


def account_uncertainty(
    result: AccountingResult,
    method: Method = "gum",
    *,
    coverage: float = 0.95,
    trials: int = 200_000,
    seed: int | None = None,
    top: int = 10,
) -> AccountingUncertainty:
    lines = result.lines.filter(pl.col("counted"))
    slots = _slots(lines)
    factors = _factor_uncertainties(result)
    is_factor = pl.col("key").is_in(list(factors))
    slots = slots.with_columns(
        u=pl.when(is_factor)
        .then(
            pl.col("value").abs()
            * pl.col("key").replace_strict(
                {k: v[0] for k, v in factors.items()}, default=0.0, return_dtype=pl.Float64
            )
        )
        .otherwise(pl.col("u").fill_null(0.0)),
        distribution=pl.when(is_factor)
        .then(
            pl.col("key").replace_strict(
                {k: v[1] for k, v in factors.items()}, default="normal", return_dtype=pl.String
            )
        )
        .otherwise(pl.col("distribution")),
        label=pl.when(is_factor)
        .then(
            pl.col("key").replace_strict(
                {k: v[2] for k, v in factors.items()}, default="", return_dtype=pl.String
            )
        )
        .otherwise(pl.col("label")),
        label_en=pl.when(is_factor)
        .then(
            pl.col("key").replace_strict(
                {k: v[3] for k, v in factors.items()}, default="", return_dtype=pl.String
            )
        )
        .otherwise(pl.col("label_en")),
    )
    inputs = slots.group_by("key", maintain_order=True).agg(
        pl.col("value").first(),
        pl.col("u").first(),
        pl.col("distribution").first(),
        pl.col("label").first(),
        pl.col("label_en").first(),
    )
    inputs = pl.concat(
        [
            inputs,
            pl.DataFrame(
                {
                    "key": [ONE],
                    "value": [1.0],
                    "u": [0.0],
                    "distribution": ["normal"],
                    "label": ["1"],
                    "label_en": ["1"],
                }
            ),
        ]
    )
    ids = {key: i for i, key in enumerate(inputs["key"].to_list())}
    slots = slots.with_columns(id=pl.col("key").replace_strict(ids, return_dtype=pl.Int64))
    width = (
        max(int(n) for n in slots.group_by("line").len()["len"].to_list()) if slots.height else 1
    )
    padded = (
        slots.with_columns(position=pl.int_range(pl.len()).over("line"))
        .pivot(on="position", index="line", values="id")
        .sort("line")
    )
    index = np.column_stack(
        [
            padded[str(j)].fill_null(ids[ONE]).to_numpy()
            if str(j) in padded.columns
            else np.full(len(padded), ids[ONE])
            for j in range(width)
        ]
    ).astype(np.intp)
    values = inputs["value"].to_numpy().astype(float)
    u = inputs["u"].to_numpy().astype(float)
    signed = (
        lines.select("line", (pl.col("emission_co2e") * pl.col("sign")).alias("e"))
        .sort("line")["e"]
        .to_numpy()
    )
    products = np.prod(values[index], axis=1)
    coefficients = np.divide(signed, products, out=np.zeros_like(signed), where=products != 0)
    rectangular = (inputs["distribution"] == "rectangular").to_numpy()
    model = ProductSum(values, u, coefficients, index, rectangular=rectangular)
    gum = model.gum(coverage)
    by_source = []
    sources = lines.sort("line")["source"].to_numpy()
    for source in dict.fromkeys(sources.tolist()):
        mask = sources == source
        part = ProductSum(values, u, np.where(mask, coefficients, 0.0), index).gum(coverage)
        by_source.append(SourceUncertainty(str(source), part.value, part.u))
    shares = gum.variance_shares
    order = np.argsort(-shares)[:top]
    budget = tuple(
        BudgetLine(
            input=str(inputs["key"][int(i)]),
            label=str(inputs["label"][int(i)]),
            label_en=str(inputs["label_en"][int(i)]),
            value=float(values[i]),
            u=float(u[i]),
            distribution=str(inputs["distribution"][int(i)]),
            sensitivity=float(gum.sensitivities[i]),
            variance_share=float(shares[i]),
        )
        for i in order
        if shares[i] > 0
    )
    without_u = int(((u == 0) & (np.arange(u.size) != ids[ONE])).sum())
    line_u = tuple(
        (int(line), float(value))
        for line, value in zip(padded["line"].to_list(), gum.line_u, strict=True)
    )
    if method == "mcm":
        mc = model.monte_carlo(trials, coverage=coverage, seed=seed)
        half = (mc.interval[1] - mc.interval[0]) / 2
        return AccountingUncertainty(
            method,
            mc.value,
            mc.u,
            half / mc.u if mc.u else math.nan,
            half,
            coverage,
            mc.interval,
            trials,
            tuple(by_source),
            budget,
            without_u,
            line_u,
        )
    return AccountingUncertainty(
        method,
        gum.value,
        gum.u,
        gum.k,
        gum.U,
        coverage,
        (gum.value - gum.U, gum.value + gum.U),
        None,
        tuple(by_source),
        budget,
        without_u,
        line_u,
    )
