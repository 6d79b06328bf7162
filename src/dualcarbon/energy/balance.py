"""Comprehensive energy consumption by GB/T 2589-2020, from the inventory the emissions come from.

One set of data: the fuel lines are the accounting engine's own (the same consumption, the same
net calorific value, tier and evidence the emissions used); electricity and heat are the
inventory's ``electricity`` and ``heat`` tables, bought and sold. Each line is converted to
standard coal:

    E_i = q_i × k_i                         (kgce)

where ``k_i`` is, in this order (docs/decisions/0020-energy-and-certificates.md):

1. the measured net calorific value of the fuel, ``k = NCV / 29.3076 MJ/kgce`` (GB/T 2589-2020
   defines 1 kgce as 29 307.6 kJ; a measured value takes precedence over a reference coefficient);
2. the reference coefficient of GB/T 2589-2020 Appendix A for a carrier of that name, when its
   unit converts to the consumption's unit;
3. the default NCV the emissions methodology gave the fuel, converted the same way and marked so.

Electricity is converted at the calorific equivalent (当量值, 0.1229 kgce/kWh) unless an equal
value (等价值, the year's coal rate of thermal power supply) is declared with its source. Energy
sold or delivered outside the boundary is subtracted: the comprehensive consumption is
``E = Σ E_consumed − Σ E_exported``. The fuel table records consumption (stock changes are
already out of it), so nothing is counted twice; electricity a plant generates itself from those
fuels is not a purchase and appears nowhere else.

The standard uncertainty of each line combines its meter's and its analysis's,
u(E_i) = √((k_i·u(q_i))² + (q_i·u(k_i))²); the total's assumes the lines independent (JCGM 100
5.1.2 with no covariances).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from dualcarbon.accounting.context import RunContext
from dualcarbon.accounting.inventory import ROW, Inventory
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.datum import Tier
from dualcarbon.errors import DualcarbonError, FactorNotFoundError, InputError, InputProblem
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.factors.model import Factor
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.units import conversion_factor

COEFFICIENT = "gbt-2589-2020/standard_coal_coefficient/{carrier}"
STANDARD_COAL_NCV = "gbt-2589-2020/net_calorific_value/standard_coal"

Calibre = Literal["equivalent", "equal_value"]
"""How electricity is converted: 当量值 (its heat, 3.6 MJ/kWh) or 等价值 (the coal burnt to
generate it)."""

ENERGY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "line": pl.Int64,
    "facility": pl.String,
    "unit": pl.String,
    "month": pl.Int64,
    "table": pl.String,
    "input_row": pl.Int64,
    "carrier": pl.String,
    "carrier_zh": pl.String,
    "flow": pl.String,
    "quantity": pl.Float64,
    "quantity_unit": pl.String,
    "quantity_tier": pl.String,
    "quantity_ref": pl.String,
    "quantity_u": pl.Float64,
    "coefficient": pl.Float64,
    "coefficient_unit": pl.String,
    "coefficient_basis": pl.String,
    "coefficient_ref": pl.String,
    "coefficient_u": pl.Float64,
    "energy_kgce": pl.Float64,
    "energy_u": pl.Float64,
}
"""One row per energy quantity. ``flow`` is ``consumed`` or ``exported``; ``energy_kgce`` is
signed (exported negative). ``coefficient_basis``: ``measured_ncv``, ``gbt_2589`` (Appendix A),
``methodology_ncv`` (the emissions methodology's default NCV) or ``declared`` (an equal value
for electricity given with its source)."""

BASIS_ZH = {
    "measured_ncv": "实测低位发热量",
    "gbt_2589": "GB/T 2589-2020 附录A 参考折标系数",
    "methodology_ncv": "排放核算方法学的低位发热量缺省值",
    "declared": "申报的等价值折标系数",
}
BASIS_EN = {
    "measured_ncv": "measured net calorific value",
    "gbt_2589": "GB/T 2589-2020 Appendix A reference coefficient",
    "methodology_ncv": "the emissions methodology's default NCV",
    "declared": "declared equal-value coefficient",
}

CARRIER_ZH = {"electricity": "电力", "heat": "热力"}


@dataclass(frozen=True)
class EqualValue:
    """The equal-value coefficient of electricity (等价值): the coal burnt per kWh supplied by
    thermal power in the year, in gce/kWh, with where it was published. GB/T 2589 does not fix
    it; it changes every year."""

    gce_per_kwh: float
    reference: str

    def __post_init__(self) -> None:
        if not math.isfinite(self.gce_per_kwh) or not 150 <= self.gce_per_kwh <= 500:
            raise InputError(
                [
                    InputProblem(
                        "--equal-value",
                        "the equal value of electricity is the coal rate of thermal power "
                        "supply in gce/kWh, between 150 and 500",
                        value=self.gce_per_kwh,
                        rule_zh="电力等价值为火电供电煤耗（gce/kWh），应在 150–500 之间",
                    )
                ]
            )
        if not self.reference.strip():
            raise InputError(
                [
                    InputProblem(
                        "--equal-value-ref",
                        "an equal value needs its source (the statistics that publish it)",
                        rule_zh="等价值须注明来源（发布该值的统计资料）",
                    )
                ]
            )


@dataclass(frozen=True)
class EnergyBalance:
    """The energy lines of one inventory, and its comprehensive consumption."""

    organisation: str
    facility: str
    year: int
    methodology: str
    inventory_digest: str
    calibre: Calibre
    lines: pl.DataFrame
    coefficients: Mapping[str, Factor] = field(default_factory=dict)
    notes_zh: tuple[str, ...] = ()
    notes_en: tuple[str, ...] = ()
    """What the balance leaves out, said where the figure is shown."""

    @property
    def consumed_tce(self) -> float:
        return self._sum(pl.col("flow") == "consumed") / 1000.0

    @property
    def exported_tce(self) -> float:
        return 0.0 - self._sum(pl.col("flow") == "exported") / 1000.0

    @property
    def total_tce(self) -> float:
        """Comprehensive energy consumption E = consumed − exported, tce."""
        return self._sum(pl.lit(True)) / 1000.0

    @property
    def total_u_tce(self) -> float | None:
        """Standard uncertainty of the total, from the lines that state one (``None`` when no
        line does)."""
        known = self.lines.filter(pl.col("energy_u").is_not_null())
        if not known.height:
            return None
        return math.sqrt(float((known["energy_u"] ** 2).sum())) / 1000.0

    def by_carrier(self) -> pl.DataFrame:
        """Per carrier and flow: quantity in its unit, and tce."""
        return (
            self.lines.group_by("carrier", "carrier_zh", "flow", "quantity_unit")
            .agg(pl.col("quantity").sum(), (pl.col("energy_kgce").sum() / 1000).alias("tce"))
            .sort("flow", "tce", descending=[False, True])
        )

    def by_unit(self) -> pl.DataFrame:
        return (
            self.lines.group_by("facility", "unit")
            .agg((pl.col("energy_kgce").sum() / 1000).alias("tce"))
            .sort("facility", "unit")
        )

    def _sum(self, where: pl.Expr) -> float:
        return float(self.lines.filter(where)["energy_kgce"].sum())


def energy_balance(
    inventory: Inventory,
    result: AccountingResult,
    *,
    catalogue: FactorCatalogue | None = None,
    equal_value: EqualValue | None = None,
) -> EnergyBalance:
    """The comprehensive energy consumption of the inventory whose emissions ``result`` holds."""
    catalogue = catalogue or default_catalogue()
    methodology = get_methodology(inventory.header.methodology)
    ctx = RunContext(inventory, methodology, catalogue)
    used: dict[str, Factor] = {}
    standard_coal = _factor(catalogue, STANDARD_COAL_NCV, used)
    gj_per_kgce = standard_coal.value * conversion_factor(standard_coal.unit, "GJ/kg")
    parts = [_fuel_lines(result.lines, catalogue, gj_per_kgce, used)]
    for table, carrier in (("electricity", "electricity"), ("heat", "heat")):
        if table in inventory.tables:
            parts.append(_metered_lines(ctx, table, carrier, catalogue, equal_value, used))
    if "production" in inventory.tables and "power_unit" in methodology.indicators:
        parts.append(_supplied_lines(ctx, catalogue, equal_value, used))
    if ctx.problems:
        raise InputError(ctx.problems)
    frames = [p for p in parts if p.height]
    lines = (
        pl.concat(frames, how="vertical_relaxed")
        if frames
        else pl.DataFrame(schema={k: v for k, v in ENERGY_SCHEMA.items() if k != "line"})
    )
    lines = (
        lines.with_columns(
            (pl.col("quantity") * pl.col("coefficient")).alias("energy_kgce"),
        )
        .with_columns(
            pl.when(pl.col("flow") == "exported")
            .then(-pl.col("energy_kgce"))
            .otherwise(pl.col("energy_kgce"))
            .alias("energy_kgce"),
            _line_u().alias("energy_u"),
        )
        .sort("facility", "unit", "table", "carrier", "month", "flow")
        .with_columns(pl.int_range(1, pl.len() + 1).alias("line"))
        .select([pl.col(k).cast(v) for k, v in ENERGY_SCHEMA.items()])
    )
    notes_zh: list[str] = []
    notes_en: list[str] = []
    if "carbon_flows" in inventory.tables:
        notes_zh.append(
            "清单的含碳物料表（carbon_flows，如入炉焦炭、喷吹煤、外供煤气）尚未计入能源平衡，"
            "钢铁企业的综合能耗因此偏低"
        )
        notes_en.append(
            "the inventory's carbon-flow materials (coke and coal fed to a blast furnace, gas "
            "sold) are not in the balance yet, so a steelworks' energy is understated"
        )
    return EnergyBalance(
        notes_zh=tuple(notes_zh),
        notes_en=tuple(notes_en),
        organisation=inventory.header.organisation,
        facility=inventory.header.facility,
        year=inventory.header.year,
        methodology=methodology.ref,
        inventory_digest=inventory.digest(),
        calibre="equal_value" if equal_value else "equivalent",
        lines=lines,
        coefficients=dict(sorted(used.items())),
    )


def _line_u() -> pl.Expr:
    """u(E) = √((k·u_q)² + (q·u_k)²) from what is known (no division: a zero reading has
    u = k·u_q, not NaN)."""
    from_quantity = (pl.col("coefficient") * pl.col("quantity_u")).fill_null(0.0)
    from_coefficient = (pl.col("quantity") * pl.col("coefficient_u")).fill_null(0.0)
    known = pl.col("quantity_u").is_not_null() | pl.col("coefficient_u").is_not_null()
    return pl.when(known).then((from_quantity**2 + from_coefficient**2).sqrt()).otherwise(None)


def _factor(catalogue: FactorCatalogue, key: str, used: dict[str, Factor]) -> Factor:
    factor = catalogue.get(key)
    used[factor.ref] = factor
    return factor


def _fuel_lines(
    lines: pl.DataFrame,
    catalogue: FactorCatalogue,
    gj_per_kgce: float,
    used: dict[str, Factor],
) -> pl.DataFrame:
    """The fuel lines of the emissions result, one per fuel row (not per gas)."""
    fuel = (
        lines.filter(pl.col("formula") == "fuel_combustion_co2")
        .unique(["facility", "unit", "month", "input_row", "item"], keep="first")
        .sort("line")
    )
    if not fuel.height:
        return pl.DataFrame()
    # Appendix A coefficients by (carrier, consumption unit), when the units convert
    reference: dict[tuple[str, str], tuple[float, str]] = {}
    for carrier, unit in fuel.select("item", "activity_unit").unique().iter_rows():
        try:
            factor = catalogue.get(COEFFICIENT.format(carrier=carrier))
            multiplier = conversion_factor(factor.unit, f"kgce/{unit}")
        except (FactorNotFoundError, DualcarbonError):
            continue
        reference[(carrier, unit)] = (factor.value * multiplier, factor.ref)
        used[factor.ref] = factor
    keys = pl.concat_str([pl.col("item"), pl.col("activity_unit")], separator="\x1f")
    by_key = {f"{c}\x1f{u}": v for (c, u), v in reference.items()}
    measured = pl.col("ncv_tier").is_in([Tier.LAB.value, Tier.MEASURED.value])
    appendix = keys.replace_strict(
        {k: v[0] for k, v in by_key.items()}, default=None, return_dtype=pl.Float64
    )
    appendix_ref = keys.replace_strict(
        {k: v[1] for k, v in by_key.items()}, default=None, return_dtype=pl.String
    )
    basis = (
        pl.when(measured)
        .then(pl.lit("measured_ncv"))
        .when(appendix.is_not_null())
        .then(pl.lit("gbt_2589"))
        .otherwise(pl.lit("methodology_ncv"))
    )
    from_ncv = pl.col("ncv") / gj_per_kgce
    return fuel.select(
        "facility",
        "unit",
        "month",
        pl.lit("fuel").alias("table"),
        "input_row",
        pl.col("item").alias("carrier"),
        pl.col("item_zh").alias("carrier_zh"),
        pl.lit("consumed").alias("flow"),
        pl.col("activity").alias("quantity"),
        pl.col("activity_unit").alias("quantity_unit"),
        pl.col("activity_tier").alias("quantity_tier"),
        pl.col("activity_ref").alias("quantity_ref"),
        pl.col("activity_u").alias("quantity_u"),
        pl.when(basis == "gbt_2589").then(appendix).otherwise(from_ncv).alias("coefficient"),
        pl.format("kgce/{}", pl.col("activity_unit")).alias("coefficient_unit"),
        basis.alias("coefficient_basis"),
        pl.when(basis == "gbt_2589")
        .then(appendix_ref)
        .otherwise(pl.col("ncv_ref"))
        .alias("coefficient_ref"),
        pl.when(measured)
        .then(pl.col("ncv_u") / gj_per_kgce)
        .otherwise(None)
        .alias("coefficient_u"),
    )


def _carrier_coefficient(
    carrier: str,
    target: str,
    catalogue: FactorCatalogue,
    equal_value: EqualValue | None,
    used: dict[str, Factor],
) -> tuple[float, str, str]:
    """kgce per ``target`` unit of electricity or heat, its reference and its basis: a declared
    equal value for electricity, else GB/T 2589 Appendix A."""
    if carrier == "electricity" and equal_value is not None:
        return equal_value.gce_per_kwh / 1000.0, equal_value.reference, "declared"
    factor = _factor(catalogue, COEFFICIENT.format(carrier=carrier), used)
    return factor.value * conversion_factor(factor.unit, f"kgce/{target}"), factor.ref, "gbt_2589"


def _supplied_lines(
    ctx: RunContext,
    catalogue: FactorCatalogue,
    equal_value: EqualValue | None,
    used: dict[str, Factor],
) -> pl.DataFrame:
    """A power plant's net supply of electricity (MWh) and heat (GJ) from its production table:
    energy delivered out of the boundary, subtracted (GB/T 2589-2020 deducts energy supplied
    outside; docs/energy.md says how sure we are of the clause)."""
    frame = ctx.table("production")
    parts = []
    for column, carrier, target, per in (
        ("supply", "electricity", "kWh", 1000.0),
        ("heat_supply", "heat", "GJ", 1.0),
    ):
        rows = frame.filter(pl.col(column).is_not_null() & (pl.col(column) != 0))
        if not rows.height:
            continue
        coefficient, ref, basis = _carrier_coefficient(
            carrier, target, catalogue, equal_value, used
        )
        parts.append(
            rows.select(
                "facility",
                "unit",
                "month",
                pl.lit("production").alias("table"),
                pl.col(ROW).alias("input_row"),
                pl.lit(carrier).alias("carrier"),
                pl.lit(CARRIER_ZH[carrier]).alias("carrier_zh"),
                pl.lit("exported").alias("flow"),
                (pl.col(column) * per).alias("quantity"),
                pl.lit(target).alias("quantity_unit"),
                pl.lit("measured").alias("quantity_tier"),
                pl.lit(f"production.{column}").alias("quantity_ref"),
                pl.lit(None, pl.Float64).alias("quantity_u"),
                pl.lit(coefficient).alias("coefficient"),
                pl.lit(f"kgce/{target}").alias("coefficient_unit"),
                pl.lit(basis).alias("coefficient_basis"),
                pl.lit(ref).alias("coefficient_ref"),
                pl.lit(None, pl.Float64).alias("coefficient_u"),
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame()


def _metered_lines(
    ctx: RunContext,
    table: str,
    carrier: str,
    catalogue: FactorCatalogue,
    equal_value: EqualValue | None,
    used: dict[str, Factor],
) -> pl.DataFrame:
    """Electricity or heat bought (consumed) and sold (exported), in kWh or GJ."""
    target = "kWh" if carrier == "electricity" else "GJ"
    frame = ctx.table(table)
    if not frame.height:
        return pl.DataFrame()
    coefficient, ref, basis = _carrier_coefficient(carrier, target, catalogue, equal_value, used)
    multiplier = ctx.converted(table, frame, "amount_unit", target, "amount")
    mpe = pl.col("amount_mpe") if "amount_mpe" in frame.columns else pl.lit(None, pl.Float64)
    return frame.select(
        "facility",
        "unit",
        "month",
        pl.lit(table).alias("table"),
        pl.col(ROW).alias("input_row"),
        pl.lit(carrier).alias("carrier"),
        pl.lit(CARRIER_ZH[carrier]).alias("carrier_zh"),
        pl.when(pl.col("direction") == "exported")
        .then(pl.lit("exported"))
        .otherwise(pl.lit("consumed"))
        .alias("flow"),
        (pl.col("amount") * multiplier).alias("quantity"),
        pl.lit(target).alias("quantity_unit"),
        pl.col("amount_tier").alias("quantity_tier"),
        pl.col("amount_ref").alias("quantity_ref"),
        # a meter's ±MPE as a rectangular distribution, as the emissions use it
        (pl.col("amount") * multiplier * mpe / 100.0 / math.sqrt(3.0)).abs().alias("quantity_u"),
        pl.lit(coefficient).alias("coefficient"),
        pl.lit(f"kgce/{target}").alias("coefficient_unit"),
        pl.lit(basis).alias("coefficient_basis"),
        pl.lit(ref).alias("coefficient_ref"),
        pl.lit(None, pl.Float64).alias("coefficient_u"),
    )
