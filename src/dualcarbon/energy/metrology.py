"""The energy side of the metrology review: whether the organisation is a key energy-using unit,
and how much of its energy rests on measured quantities and measured calorific values.

A key energy-using unit (重点用能单位) consumes 10 000 tce or more a year, or 5 000 to 10 000 tce
and is designated by the authorities (《重点用能单位节能管理办法》, NDRC and six departments'
Order No. 15 of 2018, Art. 2, read in a public repost of its text). Its metering of every
energy entering the site, its main secondary units and main equipment is what GB 17167 sets out
and ``dualcarbon instruments review`` checks against the register; here the balance says which
share of the tce the meters (and the laboratory) carry, and which lines do not rest on a
measurement at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dualcarbon.energy.balance import EnergyBalance

KEY_UNIT_TCE = 10_000.0
DESIGNATABLE_TCE = 5_000.0
KEY_UNIT_CLAUSE = "《重点用能单位节能管理办法》（2018年第15号令）第二条"


@dataclass(frozen=True)
class EnergyMetrology:
    total_tce: float
    status: str
    """``key`` (≥ 10 000 tce), ``designatable`` (5 000 – 10 000 tce) or ``other``."""
    by_tier: tuple[tuple[str, float, float], ...]
    """(quantity tier, tce, share of the consumed tce)."""
    measured_coefficient_share: float
    """Share of the fuels' tce converted on a measured calorific value."""
    unmeasured: tuple[tuple[str, str, int, str], ...]
    """(carrier, unit, month, tier) of consumed lines whose quantity was not measured."""


def energy_metrology(balance: EnergyBalance) -> EnergyMetrology:
    total = balance.total_tce
    status = (
        "key" if total >= KEY_UNIT_TCE else "designatable" if total >= DESIGNATABLE_TCE else "other"
    )
    consumed = balance.lines.filter(pl.col("flow") == "consumed")
    whole = float(consumed["energy_kgce"].sum()) or 1.0
    tiers = (
        consumed.group_by(pl.col("quantity_tier").fill_null("unknown"))
        .agg(pl.col("energy_kgce").sum())
        .sort("energy_kgce", descending=True)
    )
    fuel = consumed.filter(pl.col("table") == "fuel")
    fuel_kgce = float(fuel["energy_kgce"].sum())
    measured = float(
        fuel.filter(pl.col("coefficient_basis") == "measured_ncv")["energy_kgce"].sum()
    )
    unmeasured = consumed.filter(pl.col("quantity_tier").fill_null("") != "measured").select(
        "carrier", pl.col("unit").fill_null(""), "month", pl.col("quantity_tier").fill_null("")
    )
    return EnergyMetrology(
        total_tce=total,
        status=status,
        by_tier=tuple((str(tier), kgce / 1000, kgce / whole) for tier, kgce in tiers.iter_rows()),
        measured_coefficient_share=measured / fuel_kgce if fuel_kgce else 0.0,
        unmeasured=tuple((str(c), str(u), int(m), str(t)) for c, u, m, t in unmeasured.iter_rows()),
    )
