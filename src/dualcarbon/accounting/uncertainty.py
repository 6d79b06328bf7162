"""The uncertainty of an accounting result: every line through its calculator's equation.

Each line is computed by a calculator of :mod:`dualcarbon.methodologies.registry`, whose equation
says how the line depends on its inputs: FC × C × OF × 44/12 for a fuel with measured carbon,
FC × (NCV × CC) × OF × 44/12 when the carbon content is derived from a default carbon per unit
heat, AD × EF for electricity, a process line times its gas's GWP, and, for the sectors to come,
mass balances and sums inside a line. Metered amounts carry the rectangular u of their meter's
MPE, lab values the u their report gives, defaults the u their source publishes
(docs/factor-data-format.md). One default used by many lines is one input, so those lines are
fully correlated through it — the reason a conservative default can dominate the uncertainty of a
year. Inputs with no stated uncertainty count as exact and are listed as such.

The total and each source are propagated with :class:`~dualcarbon.uncertainty.equation_sum.
EquationSum` (law of propagation with exact sensitivities from the equations, or Monte Carlo);
the budget names the inputs that carry most of the variance, so a plant knows which meter or
analysis to improve first.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from dualcarbon.accounting.inputs import GWP
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.datum import Tier
from dualcarbon.errors import DualcarbonError
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.methodologies.registry import Calculator, Slot, get_calculator
from dualcarbon.uncertainty.equation_sum import EquationSum, LineGroup
from dualcarbon.uncertainty.expression import Equation, parse_equation

Method = Literal["gum", "mcm"]


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
class InputSensitivity:
    """One input of the total's model: its sensitivity ∂total/∂x, its u, and where it enters."""

    key: str
    """A factor's id@version (one input shared by its lines), else ``line N: slot``."""
    slot: str
    value: float
    u: float
    distribution: str
    sensitivity: float
    lines: tuple[int, ...]
    label: str
    label_en: str
    factor: bool = False
    """A factor of the catalogue, shared by every line using it."""

    @property
    def variance(self) -> float:
        """(c·u)²: its part of u²(total), the inputs being independent."""
        return (self.sensitivity * self.u) ** 2


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
    inputs: tuple[InputSensitivity, ...] = ()
    """Every input of the law of propagation (whichever ``method``), in the model's order."""

    @property
    def relative_U(self) -> float:  # noqa: N802 - the GUM symbol
        return self.U / abs(self.value) if self.value else math.inf

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "value": self.value,
            "u": self.u,
            "k": _finite(self.k),
            "U": self.U,
            "coverage": self.coverage,
            "relative_U": _finite(self.relative_U),
            "interval": list(self.interval),
            "trials": self.trials,
            "by_source": [s.__dict__ for s in self.by_source],
            "budget": [b.__dict__ for b in self.budget],
            "inputs_without_u": self.inputs_without_u,
            "lines": [{"line": line, "u": u} for line, u in self.line_u],
        }


def _finite(value: float) -> float | None:
    """JSON has no NaN or Infinity: a coverage factor with no spread, a relative U of a zero
    total, are written as null."""
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class _Variant:
    """Lines of one calculator whose inputs enter the same way: which slots are derived (e.g.
    carbon content from NCV × carbon per unit heat) and whether a GWP multiplies the gas."""

    calculator: Calculator
    derived: tuple[Slot, ...]
    gwp: bool

    def equation(self) -> Equation:
        """The calculator's equation with each derived slot written out, times ``gwp``."""
        main = self.calculator.compiled()
        body = main.text.split("=", 1)[1]
        for slot in self.derived:
            assert slot.derive is not None
            derivation = slot.derive.equation.split("=", 1)[1]
            body = re.sub(rf"\b{slot.name}\b", f"({derivation.strip()})", body)
        if self.gwp:
            body = f"({body.strip()}) * {GWP}"
        names = [slot.name for slot in self.calculator.slots] + [GWP]
        return parse_equation(f"emission = {body.strip()}", names)

    def slots(self, equation: Equation) -> list[Slot | None]:
        """The slot behind each input of ``equation`` (``None`` for the GWP)."""
        return [None if name == GWP else self.calculator.slot(name) for name in equation.inputs]


def _variants(lines: pl.DataFrame, inputs: pl.DataFrame) -> list[tuple[_Variant, pl.DataFrame]]:
    """The counted lines split by calculator, derived slots and GWP."""
    derived_slots = (
        inputs.filter(pl.col("derived"))
        .group_by("line")
        .agg(pl.col("slot").sort().str.join(",").alias("_derived"))
    )
    keyed = lines.join(derived_slots, on="line", how="left").with_columns(
        pl.col("_derived").fill_null(""), (pl.col("gas") != "CO2").alias("_gwp")
    )
    found: list[tuple[_Variant, pl.DataFrame]] = []
    for (calculator_id, derived, gwp), part in keyed.group_by(
        ["formula", "_derived", "_gwp"], maintain_order=True
    ):
        calculator = get_calculator(str(calculator_id))
        slots = tuple(calculator.slot(name) for name in str(derived).split(",") if name)
        found.append((_Variant(calculator, slots, bool(gwp)), part.sort("line")))
    return found


def _inputs_of(
    variant: _Variant,
    equation: Equation,
    part: pl.DataFrame,
    inputs: pl.DataFrame,
    catalogue_refs: list[str],
    tables: dict[str, str],
) -> pl.DataFrame:
    """Long table: one row per (line, input of the equation) with the input's key and u.

    A ``default`` naming its factor is that factor, one input shared by every line using it. An
    amount read once and used by several lines (an electrolysis series' aluminium output, for its
    anode and its PFC lines) is one input too: one reading, one error. Anything else is the
    line's own input."""
    rows = []
    places = part.select("line", "unit", "month", "item", "item_zh", "source", "input_row")
    activity = variant.calculator.activity_slot.name
    for position, slot in enumerate(variant.slots(equation)):
        name = GWP if slot is None else slot.name
        name_zh, name_en = ("全球变暖潜势", "GWP") if slot is None else (slot.name_zh, slot.name_en)
        mine = places.join(inputs.filter(pl.col("slot") == name), on="line", how="left")
        ref = pl.col("reference")
        # one input shared by every line using it: a factor of the catalogue (id@version); a
        # default typed into the inventory is the line's own, whatever its reference says
        shared = (pl.col("tier") == Tier.DEFAULT.value) & ref.is_in(catalogue_refs)
        own = pl.format("line {}: {}", pl.col("line"), pl.lit(name))
        if name == activity:
            reading = pl.format(
                "reading {} row {}: {} = {}",
                pl.col("source").replace(tables),
                pl.col("input_row"),
                pl.lit(name),
                pl.col("value"),
            )
            own = pl.when(pl.col("input_row").is_not_null()).then(reading).otherwise(own)
        rows.append(
            mine.select(
                "line",
                pl.lit(position).alias("position"),
                pl.lit(name).alias("slot"),
                pl.when(shared).then(ref).otherwise(own).alias("key"),
                "value",
                "u",
                "distribution",
                pl.format(
                    "{} {}月 {} {} [{}]", "unit", "month", "item_zh", pl.lit(name_zh), ref
                ).alias("label"),
                pl.format(
                    "{} month {} {} {} [{}]", "unit", "month", "item", pl.lit(name_en), ref
                ).alias("label_en"),
            )
        )
    return pl.concat(rows)


def _source_tables(result: AccountingResult) -> dict[str, str]:
    """The inventory table each source of the result's methodology reads (empty when the
    methodology is not loaded: then every line keeps its own inputs)."""
    try:
        methodology = get_methodology(result.meta.methodology.split("@", 1)[0])
    except DualcarbonError:
        return {}
    return {s.kind: s.table_name or s.kind for s in methodology.sources}


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
    lines = result.lines.filter(pl.col("counted")).sort("line")
    if not lines.height:  # nothing counted: nothing to propagate
        trials_run = trials if method == "mcm" else None
        return AccountingUncertainty(
            method, 0.0, 0.0, math.nan, 0.0, coverage, (0.0, 0.0), trials_run, (), (), 0
        )
    inputs = result.inputs.join(lines.select("line"), on="line", how="semi")
    variants = [(v, v.equation(), part) for v, part in _variants(lines, inputs)]
    refs = list(result.factors)
    tables = _source_tables(result)
    slots = pl.concat(
        [_inputs_of(v, equation, part, inputs, refs, tables) for v, equation, part in variants]
    )
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
        pl.col("slot").first(),
        pl.col("line").unique(maintain_order=True).alias("lines"),
        pl.col("value").first(),
        pl.col("u").first(),
        pl.col("distribution").first(),
        pl.col("label").first(),
        pl.col("label_en").first(),
    )
    ids = {key: i for i, key in enumerate(inputs["key"].to_list())}
    slots = slots.with_columns(id=pl.col("key").replace_strict(ids, return_dtype=pl.Int64))
    values = inputs["value"].to_numpy().astype(float)
    u = inputs["u"].to_numpy().astype(float)
    line_position = {line: i for i, line in enumerate(lines["line"].to_list())}
    groups = []
    group_sources = []
    for (_, equation, part), start in zip(variants, _starts(variants), strict=True):
        width = len(equation.inputs)
        mine = slots.slice(start, part.height * width)  # position by position, lines in order
        index = mine["id"].to_numpy().astype(np.intp).reshape(width, part.height).T
        signed = (part["emission_co2e"] * part["sign"]).to_numpy().astype(float)
        plain = LineGroup(equation, index, np.ones(part.height), np.zeros(part.height, np.intp))
        computed = np.asarray(equation.evaluate(plain.values(values)), dtype=float)
        # k_l takes the equation to the line as computed: the sign, and any unit conversion
        coefficients = np.divide(signed, computed, out=np.zeros_like(signed), where=computed != 0)
        position = np.array([line_position[line] for line in part["line"].to_list()], dtype=np.intp)
        groups.append(LineGroup(equation, index, coefficients, position))
        group_sources.append(part["source"].to_numpy())
    rectangular = (inputs["distribution"] == "rectangular").to_numpy()
    model = EquationSum(values, u, groups, rectangular=rectangular)
    gum = model.gum(coverage)
    by_source = []
    for source in dict.fromkeys(lines["source"].to_list()):
        masked = [
            LineGroup(
                g.equation, g.index, np.where(kinds == source, g.coefficients, 0.0), g.position
            )
            for g, kinds in zip(groups, group_sources, strict=True)
        ]
        part_gum = EquationSum(values, u, masked).gum(coverage)
        by_source.append(SourceUncertainty(str(source), part_gum.value, part_gum.u))
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
    without_u = int((u == 0).sum())
    every_input = tuple(
        InputSensitivity(
            key=str(row["key"]),
            slot=str(row["slot"]),
            value=float(values[i]),
            u=float(u[i]),
            distribution=str(row["distribution"]),
            sensitivity=float(gum.sensitivities[i]),
            lines=tuple(int(line) for line in row["lines"]),
            label=str(row["label"]),
            label_en=str(row["label_en"]),
            factor=str(row["key"]) in factors,
        )
        for i, row in enumerate(inputs.iter_rows(named=True))
    )
    line_u = tuple(
        (int(line), float(value))
        for line, value in zip(lines["line"].to_list(), gum.line_u, strict=True)
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
            every_input,
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
        every_input,
    )


def _starts(variants: list[tuple[_Variant, Equation, pl.DataFrame]]) -> list[int]:
    """Where each variant's rows begin in the concatenated long table."""
    starts, at = [], 0
    for _, equation, part in variants:
        starts.append(at)
        at += part.height * len(equation.inputs)
    return starts
