"""The accounting engine: an inventory and a methodology in, a traced result out.

Every table is evaluated in one vectorised pass (polars). The trace is data: each output line sits
beside its inputs, their tiers and evidence, the factor versions used, the formula, and a sentence
a verifier can read. The tree a reader sees is rendered from these lines on demand
(:mod:`dualcarbon.accounting.result`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import polars as pl

from dualcarbon import __version__
from dualcarbon.accounting.inventory import ROW, Inventory
from dualcarbon.accounting.power import power_indicators
from dualcarbon.accounting.result import LINE_SCHEMA, AccountingResult, ResultMeta
from dualcarbon.accounting.validate import check_table, problems_where
from dualcarbon.datum import Tier
from dualcarbon.errors import (
    DualcarbonError,
    FactorNotFoundError,
    InputError,
    InputProblem,
    UnitMismatchError,
)
from dualcarbon.factors.catalogue import FactorCatalogue, default_catalogue
from dualcarbon.factors.model import Factor
from dualcarbon.methodologies import calculators as calc
from dualcarbon.methodologies.definition import (
    Methodology,
    SourceRule,
    get_methodology,
)
from dualcarbon.units import conversion_factor, same_dimension


class _Context:
    """What one run needs: the inventory, the methodology, the factors, and what they used."""

    def __init__(
        self, inventory: Inventory, methodology: Methodology, catalogue: FactorCatalogue
    ) -> None:
        self.inventory = inventory
        self.methodology = methodology
        self.catalogue = catalogue
        self.problems: list[InputProblem] = []
        self.factors_used: dict[str, Factor] = {}

    def factor(self, key: str) -> Factor:
        factor = self.catalogue.get(key)
        self.factors_used[factor.ref] = factor
        return factor

    def converted(
        self,
        table: str,
        frame: pl.DataFrame,
        unit_column: str,
        target: Callable[[pl.DataFrame], pl.Expr] | str,
        value_field: str,
        *,
        dimensionless_as: str | None = None,
    ) -> pl.Expr:
        """Multiplier column taking ``unit_column`` to the target unit, row by row.

        Units are parsed once per distinct (unit, target) pair. A unit of the wrong kind becomes a
        problem naming every row that used it, never a silently wrong number.
        """
        target_expr = target(frame) if callable(target) else pl.lit(target)
        # Only rows that carry a value are checked: an empty cell's default unit is irrelevant.
        pairs = (
            frame.filter(pl.col(value_field).is_not_null())
            .select(pl.col(unit_column).alias("_from"), target_expr.alias("_to"))
            .unique()
        )
        factors: dict[tuple[str, str], float] = {}
        for unit_from, unit_to in pairs.iter_rows():
            if unit_from is None or unit_to is None:
                continue
            try:
                if dimensionless_as and same_dimension(unit_from, "dimensionless"):
                    factors[(unit_from, unit_to)] = conversion_factor(
                        unit_from, "dimensionless"
                    ) * conversion_factor(dimensionless_as, unit_to)
                else:
                    factors[(unit_from, unit_to)] = conversion_factor(
                        unit_from, unit_to, quantity_name=value_field
                    )
            except DualcarbonError as exc:
                mask = (
                    (pl.col(unit_column) == unit_from)
                    & (target_expr == unit_to)
                    & pl.col(value_field).is_not_null()
                )
                rule = (
                    f"unit {unit_from!r} is not a unit of {value_field} (expected {unit_to})"
                    if isinstance(exc, UnitMismatchError)
                    else str(exc)
                )
                self.problems += problems_where(
                    self.inventory, table, frame, mask, unit_column, rule
                )
        lookup = pl.DataFrame(
            {
                "_from": [k[0] for k in factors],
                "_to": [k[1] for k in factors],
                "_factor": list(factors.values()),
            },
            schema={"_from": pl.String, "_to": pl.String, "_factor": pl.Float64},
        )
        keys = pl.concat_str([pl.col(unit_column), target_expr], separator="\x1f")
        mapping = dict(
            zip(
                (f"{a}\x1f{b}" for a, b in zip(lookup["_from"], lookup["_to"], strict=True)),
                lookup["_factor"],
                strict=True,
            )
        )
        return keys.replace_strict(mapping, default=None, return_dtype=pl.Float64)


def account(
    inventory: Inventory,
    *,
    methodology: Methodology | None = None,
    catalogue: FactorCatalogue | None = None,
) -> AccountingResult:
    """Account an inventory by its methodology; raises :class:`InputError` on any bad input."""
    methodology = methodology or get_methodology(inventory.header.methodology)
    catalogue = catalogue or default_catalogue()
    ctx = _Context(inventory, methodology, catalogue)
    if inventory.header.year not in methodology.reporting_years:
        ctx.problems.append(
            InputProblem(
                inventory.source,
                f"{methodology.id} governs data of {list(methodology.reporting_years)}, "
                f"not {inventory.header.year}",
                field="methodology",
            )
        )
    parts: list[pl.DataFrame] = []
    for source in methodology.sources:
        evaluator = _EVALUATORS[source.kind]
        parts.append(evaluator(ctx, source))
    production_input = _production(ctx) if methodology.sector == "power" else None
    if ctx.problems:
        raise InputError(sorted(ctx.problems, key=_problem_order))
    lines = pl.concat([p for p in parts if p.height], how="diagonal_relaxed")
    if not lines.height:
        lines = pl.DataFrame(schema=LINE_SCHEMA)
    lines = (
        lines.select(
            [
                pl.col(name).cast(dtype)
                if name in lines.columns
                else pl.lit(None, dtype).alias(name)
                for name, dtype in LINE_SCHEMA.items()
            ]
        )
        .sort("facility", "unit", "source", "item", "month")
        .with_columns(pl.int_range(1, pl.len() + 1).alias("line"))
    )
    production = None if production_input is None else power_indicators(lines, production_input)
    used = _refs_in(lines)
    ctx.factors_used = {ref: f for ref, f in ctx.factors_used.items() if ref in used}
    meta = ResultMeta(
        organisation=inventory.header.organisation,
        facility=inventory.header.facility,
        year=inventory.header.year,
        methodology=methodology.ref,
        methodology_title=methodology.title_zh,
        factors=sorted(ctx.factors_used),
        inventory_digest=inventory.digest(),
        inventory_source=inventory.source,
        computed_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        engine=f"dualcarbon {__version__}",
    )
    return AccountingResult(
        meta=meta,
        lines=lines,
        production=production,
        factors={ref: ctx.factors_used[ref] for ref in meta.factors},
    )


def _refs_in(lines: pl.DataFrame) -> set[str]:
    """Factor refs the lines actually rest on (defaults loaded but never applied are not used)."""
    columns = ["ncv_ref", "carbon_ref", "oxidation_rate_ref", "emission_factor_ref", "gwp_ref"]
    used: set[str] = set()
    for column in columns:
        used.update(lines.get_column(column).unique().drop_nulls().to_list())
    return used


def _problem_order(problem: InputProblem) -> tuple[str, int, str]:
    return (problem.sheet or "", problem.row or 0, problem.field or "")


# -- fuel combustion -----------------------------------------------------------------------------


def _fuel_rules_frame(ctx: _Context) -> pl.DataFrame:
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


def _fuel_combustion(ctx: _Context, source: SourceRule) -> pl.DataFrame:
    frame, problems = check_table(ctx.inventory, "fuel")
    ctx.problems += problems
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
        "facility",
        "unit",
        "month",
        pl.lit(source.kind).alias("source"),
        pl.col("fuel").alias("item"),
        pl.col("fuel_zh").alias("item_zh"),
        pl.lit("CO2").alias("gas"),
        pl.lit("fuel_combustion_co2").alias("formula"),
        pl.col("fc").alias("activity"),
        pl.col("target_unit").alias("activity_unit"),
        pl.col("consumption_tier").alias("activity_tier"),
        pl.col("consumption_ref").alias("activity_ref"),
        pl.col("ncv_used").alias("ncv"),
        "ncv_tier",
        pl.col("ncv_ref_used").alias("ncv_ref"),
        pl.col("carbon_used").alias("carbon_content"),
        pl.when(pl.col("carbon_tier") == Tier.DEFAULT.value)
        .then(pl.col("cc_default"))
        .otherwise(None)
        .alias("carbon_per_heat"),
        "carbon_tier",
        "carbon_ref",
        pl.col("oxidation_rate"),
        pl.col("oxidation_rate_ref"),
        pl.lit(None, pl.Float64).alias("emission_factor"),
        pl.lit(None, pl.String).alias("emission_factor_unit"),
        pl.lit(None, pl.String).alias("emission_factor_tier"),
        pl.lit(None, pl.String).alias("emission_factor_ref"),
        pl.col("emission"),
        pl.lit(1.0).alias("gwp"),
        pl.col("emission").alias("emission_co2e"),
        *_source_columns(source),
        why_zh.alias("explanation_zh"),
        why_en.alias("explanation_en"),
        pl.col(ROW).alias("input_row"),
    )


def _source_columns(source: SourceRule) -> list[pl.Expr]:
    """The columns every line of one source shares: sign, whether counted, clause."""
    return [
        pl.lit(source.sign).alias("sign"),
        pl.lit(not source.reported_separately).alias("counted"),
        pl.lit(source.clause).alias("clause"),
    ]


def _explained(zh: str, en: str, *values: pl.Expr) -> list[pl.Expr]:
    """The line's sentence in Chinese and English, from one set of values."""
    return [
        pl.format(zh, *values).alias("explanation_zh"),
        pl.format(en, *values).alias("explanation_en"),
    ]


def _fmt(column: str, digits: int) -> pl.Expr:
    return pl.col(column).round(digits).cast(pl.String)


def _carbon_explanations() -> tuple[pl.Expr, pl.Expr]:
    """A sentence per line saying which carbon content was used and why, zh and en."""
    measured_zh = pl.format(
        "{}月 元素碳含量实测 {} tC/t（收到基，报告 {}）",
        pl.col("month"),
        _fmt("carbon_used", 5),
        pl.col("carbon_content_ref"),
    )
    measured_en = pl.format(
        "month {}: measured element carbon {} tC/t (as received, report {})",
        pl.col("month"),
        _fmt("carbon_used", 5),
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
        _fmt("cc_default", 5),
        _fmt("ncv_used", 3),
        _fmt("carbon_used", 5),
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
        _fmt("cc_default", 5),
        _fmt("ncv_used", 3),
        _fmt("carbon_used", 5),
        pl.col("cc_clause"),
    )
    lab = pl.col("carbon_tier") == Tier.LAB.value
    return (
        pl.when(lab).then(measured_zh).otherwise(default_zh),
        pl.when(lab).then(measured_en).otherwise(default_en),
    )


# -- electricity and heat ------------------------------------------------------------------------


def _indirect_factor(ctx: _Context, source: SourceRule) -> Factor:
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


def _indirect(
    table_name: str, direction: str, unit: str
) -> Callable[[_Context, SourceRule], pl.DataFrame]:
    def evaluate(ctx: _Context, source: SourceRule) -> pl.DataFrame:
        frame, problems = check_table(ctx.inventory, table_name)
        ctx.problems += problems
        frame = frame.filter(pl.col("direction") == direction)
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
            "facility",
            "unit",
            "month",
            pl.lit(source.kind).alias("source"),
            pl.lit(table_name).alias("item"),
            pl.lit(source.name_zh).alias("item_zh"),
            pl.lit("CO2").alias("gas"),
            pl.lit("indirect_co2").alias("formula"),
            pl.col("activity"),
            pl.lit(unit).alias("activity_unit"),
            pl.col("amount_tier").alias("activity_tier"),
            pl.col("amount_ref").alias("activity_ref"),
            pl.lit(ef).alias("emission_factor"),
            pl.lit(f"tCO2/{unit}").alias("emission_factor_unit"),
            pl.lit(Tier.DEFAULT.value).alias("emission_factor_tier"),
            pl.lit(factor.ref).alias("emission_factor_ref"),
            emission.alias("emission"),
            pl.lit(1.0).alias("gwp"),
            emission.alias("emission_co2e"),
            *_source_columns(source),
            pl.format("{}月 {}", pl.col("month"), pl.lit(label_zh)).alias("explanation_zh"),
            pl.format("month {}: {}", pl.col("month"), pl.lit(label_en)).alias("explanation_en"),
            pl.col(ROW).alias("input_row"),
        )

    return evaluate


# -- process emissions and CO2 recovered ---------------------------------------------------------


def _gwp_map(ctx: _Context, gases: Iterable[str]) -> dict[str, tuple[float, str]]:
    found: dict[str, tuple[float, str]] = {"CO2": (1.0, "")}
    for gas in set(gases) - {"CO2"}:
        if ctx.methodology.gwp_set is None:
            continue
        try:
            factor = ctx.factor(f"{ctx.methodology.gwp_set}/gwp/{gas}")
        except FactorNotFoundError:
            continue
        found[gas] = (factor.value * conversion_factor(factor.unit, "tCO2e/t"), factor.ref)
    return found


def _process(ctx: _Context, source: SourceRule) -> pl.DataFrame:
    frame, problems = check_table(ctx.inventory, "process")
    ctx.problems += problems
    if not frame.height:
        return frame
    gwps = _gwp_map(ctx, frame["gas"].unique().to_list())
    ctx.problems += problems_where(
        ctx.inventory,
        "process",
        frame,
        ~pl.col("gas").is_in(list(gwps)),
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
        "facility",
        "unit",
        "month",
        pl.lit(source.kind).alias("source"),
        pl.col("process").alias("item"),
        pl.col("process").alias("item_zh"),
        "gas",
        pl.lit("process_emission").alias("formula"),
        pl.col("activity"),
        pl.col("activity_unit"),
        pl.lit(Tier.MEASURED.value).alias("activity_tier"),
        pl.col("activity_ref"),
        pl.col("emission_factor"),
        pl.col("emission_factor_unit"),
        pl.col("emission_factor_tier"),
        pl.col("emission_factor_ref"),
        emission.alias("emission"),
        gwp_value.alias("gwp"),
        calc.to_co2e(emission, gwp_value).alias("emission_co2e"),
        gwp_ref.alias("gwp_ref"),
        *_source_columns(source),
        *_explained(
            "{}月 {}：活动数据 {} {} × 排放因子 {} {}（{}）",
            "month {}: {}: activity {} {} × EF {} {} ({})",
            pl.col("month"),
            pl.col("process"),
            _fmt("activity", 4),
            pl.col("activity_unit"),
            pl.col("emission_factor"),
            pl.col("emission_factor_unit"),
            pl.col("emission_factor_ref"),
        ),
        pl.col(ROW).alias("input_row"),
    )


CO2_DENSITY_STP = 19.77
"""CO2 density at standard conditions [t/10^4 Nm3], GB/T 32150-2015 公式(6) note."""


def _recovered(ctx: _Context, source: SourceRule) -> pl.DataFrame:
    frame, problems = check_table(ctx.inventory, "recovered")
    ctx.problems += problems
    if not frame.height:
        return frame
    ctx.problems += problems_where(
        ctx.inventory,
        "recovered",
        frame,
        pl.col("purity") > 1.0,
        "purity",
        "purity is a volume fraction between 0 and 1",
    )
    frame = frame.with_columns(
        _factor=ctx.converted("recovered", frame, "volume_unit", "wan_Nm3", "volume")
    ).with_columns(activity=pl.col("volume") * pl.col("_factor"))
    emission = calc.co2_recovered(pl.col("activity"), pl.col("purity"), pl.lit(CO2_DENSITY_STP))
    return frame.select(
        "facility",
        "unit",
        "month",
        pl.lit(source.kind).alias("source"),
        pl.lit("co2_recovered").alias("item"),
        pl.lit(source.name_zh).alias("item_zh"),
        pl.lit("CO2").alias("gas"),
        pl.lit("co2_recovered").alias("formula"),
        pl.col("activity"),
        pl.lit("wan_Nm3").alias("activity_unit"),
        pl.lit(Tier.MEASURED.value).alias("activity_tier"),
        pl.col("volume_ref").alias("activity_ref"),
        (pl.col("purity") * CO2_DENSITY_STP).alias("emission_factor"),
        pl.lit("t/wan_Nm3").alias("emission_factor_unit"),
        pl.lit(Tier.MEASURED.value).alias("emission_factor_tier"),
        pl.lit("").alias("emission_factor_ref"),
        emission.alias("emission"),
        pl.lit(1.0).alias("gwp"),
        emission.alias("emission_co2e"),
        *_source_columns(source),
        *_explained(
            "{}月 回收CO2：{} 万Nm3 × 浓度 {} × 19.77 t/万Nm3",
            "month {}: CO2 recovered: {} 10^4 Nm3 × purity {} × 19.77 t/10^4 Nm3",
            pl.col("month"),
            _fmt("activity", 4),
            pl.col("purity"),
        ),
        pl.col(ROW).alias("input_row"),
    )


def _production(ctx: _Context) -> pl.DataFrame:
    frame, problems = check_table(ctx.inventory, "production")
    ctx.problems += problems
    ctx.problems += problems_where(
        ctx.inventory,
        "production",
        frame,
        pl.col("heat_ratio") > 1.0,
        "heat_ratio",
        "heat-supply ratio is a fraction between 0 and 1",
    )
    ctx.problems += problems_where(
        ctx.inventory,
        "production",
        frame,
        pl.col("supply") > pl.col("generation"),
        "supply",
        "net supply exceeds gross generation",
    )
    return frame


_EVALUATORS: dict[str, Callable[[_Context, SourceRule], pl.DataFrame]] = {
    "fuel_combustion": _fuel_combustion,
    "purchased_electricity": _indirect("electricity", "purchased", "MWh"),
    "exported_electricity": _indirect("electricity", "exported", "MWh"),
    "purchased_heat": _indirect("heat", "purchased", "GJ"),
    "exported_heat": _indirect("heat", "exported", "GJ"),
    "process": _process,
    "co2_recovered": _recovered,
}
