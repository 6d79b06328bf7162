"""Production figures and intensities a power plant reports beside its emissions.

Per generating unit and year: generation, supply, heat supplied, the heat-supply ratio, standard
coal burnt, the supply and heat coal rates, load factor, and the supply and heat emission
intensities, with the unit's combustion emissions split by its heat-supply ratio month by month.
"""

from __future__ import annotations

import polars as pl

from dualcarbon.methodologies import calculators as calc


def power_monthly(lines: pl.DataFrame, production: pl.DataFrame) -> pl.DataFrame:
    """Per facility, unit and month: production, fuel energy, combustion emissions and their
    heat share; empty when the inventory has no production table."""
    keys = ["facility", "unit", "month"]
    if not production.height:
        return pl.DataFrame()
    fuel = (
        lines.filter(pl.col("source") == "fuel_combustion")
        .group_by(keys)
        .agg(
            pl.col("emission").sum().alias("emission"),
            (pl.col("activity") * pl.col("ncv")).sum().alias("fuel_energy_gj"),
        )
    )
    monthly = production.join(fuel, on=keys, how="full", coalesce=True).with_columns(
        pl.col("emission", "fuel_energy_gj", "generation", "supply", "heat_supply").fill_null(0.0),
        pl.col("heat_ratio").fill_null(0.0),
    )
    return monthly.with_columns(
        calc.heat_share(pl.col("emission"), pl.col("heat_ratio")).alias("emission_heat"),
        calc.heat_share(calc.standard_coal(pl.col("fuel_energy_gj")), pl.col("heat_ratio")).alias(
            "coal_tce_heat"
        ),
        calc.standard_coal(pl.col("fuel_energy_gj")).alias("coal_tce"),
    )


def monthly_supply_intensity(lines: pl.DataFrame, production: pl.DataFrame) -> pl.DataFrame:
    """Per unit and month, the supply emission intensity [tCO2/MWh] (the power share of the
    unit's combustion emissions over its electricity supplied): the dashboard's trend. Months
    with no supply are left out."""
    monthly = power_monthly(lines, production)
    if not monthly.height:
        return pl.DataFrame()
    return (
        monthly.filter(pl.col("supply") > 0)
        .select(
            "facility",
            "unit",
            "month",
            calc.intensity(pl.col("emission") - pl.col("emission_heat"), pl.col("supply")).alias(
                "supply_intensity"
            ),
        )
        .sort("facility", "unit", "month")
    )


def power_indicators(lines: pl.DataFrame, production: pl.DataFrame) -> pl.DataFrame:
    """One row per facility and unit; empty when the inventory has no production table."""
    monthly = power_monthly(lines, production)
    if not monthly.height:
        return pl.DataFrame()
    annual = monthly.group_by("facility", "unit").agg(
        pl.col("generation").sum(),
        pl.col("supply").sum(),
        pl.col("heat_supply").sum(),
        pl.col("operating_hours").sum(),
        pl.col("capacity").max(),
        pl.col("emission").sum().alias("emission_tco2"),
        pl.col("emission_heat").sum(),
        pl.col("coal_tce").sum(),
        pl.col("coal_tce_heat").sum(),
    )
    power_emission = pl.col("emission_tco2") - pl.col("emission_heat")
    power_coal = pl.col("coal_tce") - pl.col("coal_tce_heat")
    return annual.select(
        "facility",
        "unit",
        "generation",
        "supply",
        "heat_supply",
        (pl.col("emission_heat") / pl.col("emission_tco2")).alias("heat_ratio"),
        "operating_hours",
        calc.load_factor(pl.col("generation"), pl.col("capacity"), pl.col("operating_hours")).alias(
            "load_factor"
        ),
        "emission_tco2",
        "coal_tce",
        (calc.intensity(power_coal, pl.col("supply")) * 1000.0).alias("supply_coal_rate_gce_kwh"),
        (calc.intensity(pl.col("coal_tce_heat"), pl.col("heat_supply")) * 1000.0).alias(
            "heat_coal_rate_kgce_gj"
        ),
        calc.intensity(power_emission, pl.col("supply")).alias("supply_intensity"),
        calc.intensity(pl.col("emission_heat"), pl.col("heat_supply")).alias("heat_intensity"),
    ).sort("facility", "unit")
