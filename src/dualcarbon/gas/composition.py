r"""Calorific value, density and carbon content of a natural gas from its measured composition
(ISO 6976:2016; China's GB/T 11062-2020 covers the same calculation), so that an inventory's gas
line can rest on the laboratory's analysis instead of a default (issue 18, item 3).

For mole fractions :math:`x_j` (summing to 1), combustion temperature :math:`t_1`, metering
temperature :math:`t_2` and pressure :math:`p_2` (ISO 6976:2016 equation numbers as transcribed):

* (1) compression factor :math:`Z = 1 - (p_2/p_0)\,(\sum_j x_j s_j(t_2))^2`;
* (5) molar mass :math:`M = \sum_j x_j M_j`;
* (2) gross molar calorific value :math:`\bar H_G = \sum_j x_j \bar H_{G,j}(t_1)`; (3) net
  :math:`\bar H_N = \bar H_G - (L^\circ(t_1)/2) \sum_j x_j b_j` with :math:`b_j` hydrogen atoms;
* mass basis :math:`\hat H = \bar H / M`; (8) ideal molar volume :math:`V^\circ = R T_2 / p_2`;
  (12) real volumetric :math:`\tilde H = \bar H / (Z V^\circ)`;
* (14, 19) density :math:`D = M / (Z V^\circ)`; (13, 17) relative density
  :math:`G = (M / M_{air}) Z_{air} / Z`;
* carbon (stoichiometry): :math:`\bar n_C = \sum_j x_j a_j` atoms per mole; per volume at the
  metering condition :math:`\bar n_C M_C / (Z V^\circ)`; per unit net heat
  :math:`\bar n_C M_C / \bar H_N`. Carbon dioxide in the gas is counted: it leaves the stack with
  the rest (a methodology that excludes it says so).

The component table is data (``gas/data/iso-6976-2016.yaml``) with its confidence. China meters
and burns gas at 20 °C and 101.325 kPa (unverified: the default here, stated as such).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.guards.safe_yaml import safe_load

CARBON_MOLAR_MASS = 12.0107  # g/mol, the atomic weight ISO 6976:2016 Table A.2 uses
SUM_TOLERANCE = 1e-4
"""How far the fractions may sum from 1 before the composition is refused (an analysis reported to
four or five decimals sums to within a few 1e-5)."""


@dataclass(frozen=True)
class Component:
    name: str
    formula: str
    molar_mass: float
    gross: dict[int, float]
    summation: dict[int, float]
    carbon: int
    hydrogen: int


@dataclass(frozen=True)
class Table:
    components: dict[str, Component]
    gas_constant: float
    reference_pressure: float
    air_molar_mass: float
    air_compression: dict[int, float]
    water_vaporisation: dict[int, float]


@cache
def iso_6976() -> Table:
    text = (
        resources.files("dualcarbon.gas")
        .joinpath("data", "iso-6976-2016.yaml")
        .read_text(encoding="utf-8")
    )
    raw: Any = safe_load(text)
    constants = raw["constants"]
    return Table(
        components={
            name: Component(
                name=name,
                formula=str(row["formula"]),
                molar_mass=float(row["M"]),
                gross={int(t): float(v) for t, v in row["gross"].items()},
                summation={int(t): float(v) for t, v in row["s"].items()},
                carbon=int(row["C"]),
                hydrogen=int(row["H"]),
            )
            for name, row in raw["components"].items()
        },
        gas_constant=float(constants["gas_constant"]),
        reference_pressure=float(constants["reference_pressure"]),
        air_molar_mass=float(constants["air_molar_mass"]),
        air_compression={int(t): float(v) for t, v in constants["air_compression"].items()},
        water_vaporisation={int(t): float(v) for t, v in constants["water_vaporisation"].items()},
    )


@dataclass(frozen=True)
class GasProperties:
    """A gas's properties at its combustion and metering conditions (module docstring)."""

    combustion_c: int
    metering_c: int
    pressure_kpa: float
    compression: float
    """Z at the metering condition."""
    molar_mass: float
    """kg/kmol"""
    gross_molar: float
    """kJ/mol"""
    net_molar: float
    gross_mass: float
    """MJ/kg"""
    net_mass: float
    gross_volume: float
    """MJ/m³, real gas at the metering condition"""
    net_volume: float
    density: float
    """kg/m³, real gas"""
    relative_density: float
    carbon_atoms: float
    """C atoms per molecule of gas"""

    @property
    def molar_volume(self) -> float:
        """Real molar volume at the metering condition [L/mol]."""
        return self.molar_mass / self.density

    @property
    def carbon_per_volume(self) -> float:
        """tC per 10⁴ m³ at the metering condition."""
        return self.carbon_atoms * CARBON_MOLAR_MASS / self.molar_volume * 10.0

    @property
    def carbon_per_heat(self) -> float:
        """tC per TJ of net calorific value (the GB/T 32151 unit, tC/TJ = 10⁻³ tC/GJ)."""
        return self.carbon_atoms * CARBON_MOLAR_MASS / self.net_molar * 1000.0

    @property
    def net_per_volume_gj(self) -> float:
        """Net calorific value, GJ per 10⁴ m³ (the unit of China's inventories)."""
        return self.net_volume * 10.0


def gas_properties(
    composition: Mapping[str, float],
    *,
    combustion_c: int = 20,
    metering_c: int = 20,
    pressure_kpa: float = 101.325,
    source: str = "composition",
) -> GasProperties:
    """The properties of ``composition`` (component name → mole fraction); every problem with the
    composition at once as an :class:`~dualcarbon.errors.InputError`."""
    table = iso_6976()
    problems = []
    for name, fraction in composition.items():
        if name not in table.components:
            problems.append(
                InputProblem(
                    source,
                    f"not a component of ISO 6976:2016 here ({', '.join(table.components)})",
                    field=name,
                )
            )
        elif not (0.0 <= fraction <= 1.0) or not math.isfinite(fraction):
            problems.append(
                InputProblem(
                    source, "a mole fraction lies between 0 and 1", field=name, value=fraction
                )
            )
    total = math.fsum(composition.values())
    if abs(total - 1.0) > SUM_TOLERANCE:
        problems.append(
            InputProblem(
                source,
                f"the mole fractions sum to {total:.6f}, not 1 (normalise the analysis first)",
                field="composition",
                value=total,
            )
        )
    for field, value, known in (
        ("combustion_c", combustion_c, table.water_vaporisation),
        ("metering_c", metering_c, table.air_compression),
    ):
        if value not in known:
            problems.append(
                InputProblem(
                    source,
                    f"a temperature of the table: {sorted(known)} °C",
                    field=field,
                    value=value,
                )
            )
    if problems:
        raise InputError(problems)
    parts = [(table.components[name], x) for name, x in composition.items()]
    missing = [c.name for c, x in parts if x and metering_c not in c.summation]
    if missing:
        raise InputError(
            [
                InputProblem(
                    source,
                    f"no summation factor at {metering_c} °C in the table for {', '.join(missing)}",
                    field="metering_c",
                )
            ]
        )
    ratio = pressure_kpa / table.reference_pressure
    summation = math.fsum(x * c.summation[metering_c] for c, x in parts if x)
    compression = 1.0 - ratio * summation**2
    molar_mass = math.fsum(x * c.molar_mass for c, x in parts)
    gross = math.fsum(x * c.gross[combustion_c] for c, x in parts)
    hydrogen = math.fsum(x * c.hydrogen for c, x in parts)
    net = gross - table.water_vaporisation[combustion_c] / 2.0 * hydrogen
    ideal_volume = table.gas_constant * (metering_c + 273.15) / pressure_kpa  # L/mol = m³/kmol
    real_volume = compression * ideal_volume
    air_z = table.air_compression[metering_c]
    air_z = 1.0 - ratio * (1.0 - air_z)  # (18): Z_air at p2
    return GasProperties(
        combustion_c=combustion_c,
        metering_c=metering_c,
        pressure_kpa=pressure_kpa,
        compression=compression,
        molar_mass=molar_mass,
        gross_molar=gross,
        net_molar=net,
        gross_mass=gross / molar_mass,
        net_mass=net / molar_mass,
        gross_volume=gross / real_volume,
        net_volume=net / real_volume,
        density=molar_mass / real_volume,
        relative_density=molar_mass / table.air_molar_mass * air_z / compression,
        carbon_atoms=math.fsum(x * c.carbon for c, x in parts),
    )
