"""The component table of ISO 6976:2016 (Tables 1–3 and A.1–A.5) as data, with the standard
uncertainties of its values (``gas/data/iso-6976-2016.yaml``, whose header gives the confidence).

A component is found by its English name or its Chinese name (甲烷, 二氧化碳 …), as a laboratory
report writes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dualcarbon.guards.safe_yaml import safe_load

_ATOM = re.compile(r"([A-Z][a-z]?)(\d*)")


@dataclass(frozen=True)
class Measured:
    value: float
    u: float


@dataclass(frozen=True)
class Component:
    name: str
    zh: str
    formula: str
    molar_mass: float
    """M_j, kg/kmol, as Table 1 prints it (the model builds it from the atoms' weights)."""
    gross: dict[int, float]
    """Ideal gross molar calorific value H̄_G,j at each combustion temperature, kJ/mol."""
    u_gross: float
    summation: dict[int, float]
    """Summation factor s_j at 101.325 kPa at each metering temperature."""
    u_summation: float

    @property
    def atoms(self) -> dict[str, int]:
        """Atoms per molecule, read from the formula (``C2H6`` → C 2, H 6)."""
        counts: dict[str, int] = {}
        for element, count in _ATOM.findall(self.formula):
            counts[element] = counts.get(element, 0) + int(count or 1)
        return counts

    @property
    def carbon(self) -> int:
        return self.atoms.get("C", 0)

    @property
    def hydrogen(self) -> int:
        return self.atoms.get("H", 0)

    @property
    def identifier(self) -> str:
        """The name as a model identifier (``carbon dioxide`` → ``carbon_dioxide``)."""
        return re.sub(r"\W", "_", self.name)


@dataclass(frozen=True)
class Table:
    components: dict[str, Component]
    gas_constant: Measured
    reference_pressure: float
    air_molar_mass: Measured
    air_compression: dict[int, float]
    u_air_compression: float
    water_vaporisation: dict[int, float]
    u_water_vaporisation: float
    atomic_weights: dict[str, Measured]

    def find(self, name: str) -> Component | None:
        """The component named ``name`` in English or Chinese, or None."""
        key = name.strip()
        found = self.components.get(key.lower())
        return found or next((c for c in self.components.values() if c.zh == key), None)

    @property
    def combustion_temperatures(self) -> tuple[int, ...]:
        return tuple(sorted(self.water_vaporisation))

    @property
    def metering_temperatures(self) -> tuple[int, ...]:
        return tuple(sorted(self.air_compression))


def _measured(raw: Any) -> Measured:
    return Measured(float(raw["value"]), float(raw["u"]))


def _by_temperature(raw: Any) -> dict[int, float]:
    return {int(t): float(v) for t, v in raw.items()}


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
                zh=str(row["zh"]),
                formula=str(row["formula"]),
                molar_mass=float(row["M"]),
                gross=_by_temperature(row["gross"]),
                u_gross=float(row["u_gross"]),
                summation=_by_temperature(row["s"]),
                u_summation=float(row["u_s"]),
            )
            for name, row in raw["components"].items()
        },
        gas_constant=_measured(constants["gas_constant"]),
        reference_pressure=float(constants["reference_pressure"]),
        air_molar_mass=_measured(constants["air_molar_mass"]),
        air_compression=_by_temperature(constants["air_compression"]),
        u_air_compression=float(constants["u_air_compression"]),
        water_vaporisation=_by_temperature(constants["water_vaporisation"]),
        u_water_vaporisation=float(constants["u_water_vaporisation"]),
        atomic_weights={k: _measured(v) for k, v in constants["atomic_weights"].items()},
    )
