r"""Calorific value, density, Wobbe index and carbon content of a natural gas from its measured
composition (ISO 6976:2016; China's GB/T 11062-2020 covers the same calculation), with their
uncertainty, so that an inventory's gas line can rest on the laboratory's analysis instead of a
default (issue 18, item 3).

The calculation is one measurement model of the project's GUM engine (``uncertainty/``): the
properties are its outputs, and the composition, the table values and the constants its inputs.
Evaluating it gives the values; its exact Jacobian and the inputs' covariance give their
uncertainty by the law of propagation (JCGM 100 5.2), which ISO 6976:2016 Annex B writes out term by
term; :func:`monte_carlo_check` checks it by JCGM 101.

For mole fractions :math:`x_j`, combustion temperature :math:`t_1`, metering temperature
:math:`t_2` and pressure :math:`p_2` (ISO 6976:2016 equation numbers as transcribed):

* (1) compression factor :math:`Z = 1 - (p_2/p_0)\,(\sum_j x_j s_j(t_2))^2`;
* (5) molar mass :math:`M = \sum_j x_j M_j`, with :math:`M_j` the sum of its atoms' weights (Table
  A.2), so that the weights' uncertainties correlate the molar masses as eq. (24) has it;
* (2) gross molar calorific value :math:`\bar H_G = \sum_j x_j \bar H_{G,j}(t_1)`; (3) net
  :math:`\bar H_N = \bar H_G - (L^\circ(t_1)/2) \sum_j x_j b_j` with :math:`b_j` hydrogen atoms;
* mass basis :math:`\hat H = \bar H / M`; (8) ideal molar volume :math:`V^\circ = R T_2 / p_2`;
  (12) real volumetric :math:`\tilde H = \bar H / (Z V^\circ)`;
* (14, 19) density :math:`D = M / (Z V^\circ)`; (18) :math:`Z_{air}(p_2)`; (17) relative density
  :math:`G = (M / M_{air}) Z_{air} / Z`; (21) Wobbe index :math:`W = \tilde H / \sqrt{G}`;
* carbon (stoichiometry): :math:`\bar n_C = \sum_j x_j a_j` atoms per molecule; per volume at the
  metering condition :math:`\bar n_C A_C / (Z V^\circ)`; per unit net heat
  :math:`\bar n_C A_C / \bar H_N`. Carbon dioxide in the gas is counted: it leaves the stack
  with the rest (decision 0024).

Reference conditions (decision 0024): the inventories' "Nm³" is the normal cubic metre, 0 °C and
101.325 kPa (``units.txt``), so the default metering temperature is 0 °C; the default combustion
temperature is 20 °C, China's standard reference condition for natural gas (GB/T 19205, not read:
unverified). Both are parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from dualcarbon.errors import InputError, InputProblem
from dualcarbon.gas.composition import Composition, composition
from dualcarbon.gas.table import Component, Table, iso_6976
from dualcarbon.guards.safe_yaml import safe_load
from dualcarbon.uncertainty.distributions import InputQuantity, constant, normal
from dualcarbon.uncertainty.gum import GumOutputs, law_of_propagation
from dualcarbon.uncertainty.mcm import Validation, monte_carlo, validate
from dualcarbon.uncertainty.model import MeasurementModel

PRESSURE_RANGE_KPA = (90.0, 110.0)
"""ISO 6976:2016 clause 5's metering pressures (as transcribed; unverified)."""
MINIMUM_COMPRESSION = 0.9
"""ISO 6976:2016 clause 5: the method holds for Z > 0.9 (as transcribed; unverified)."""


@dataclass(frozen=True)
class Output:
    name: str
    zh: str
    en: str
    unit: str


@cache
def outputs() -> dict[str, Output]:
    """The outputs a report shows, in order (the model's others are intermediate)."""
    text = resources.files("dualcarbon.gas").joinpath("data", "outputs.yaml").read_text("utf-8")
    raw: Any = safe_load(text)
    return {
        name: Output(name, str(r["zh"]), str(r["en"]), str(r["unit"])) for name, r in raw.items()
    }


@dataclass(frozen=True)
class Conditions:
    combustion_c: int = 20
    metering_c: int = 0
    pressure_kpa: float = 101.325

    def problems(self, table: Table, source: str, prefix: str = "") -> list[InputProblem]:
        found = []
        for name, value, known in (
            ("combustion_c", self.combustion_c, table.combustion_temperatures),
            ("metering_c", self.metering_c, table.metering_temperatures),
        ):
            if value not in known:
                found.append(
                    InputProblem(
                        source,
                        f"a temperature of the table: {list(known)} °C",
                        field=f"{prefix}{name}",
                        value=value,
                    )
                )
        low, high = PRESSURE_RANGE_KPA
        if not low <= self.pressure_kpa <= high:
            found.append(
                InputProblem(
                    source,
                    f"ISO 6976:2016 covers {low:g}–{high:g} kPa",
                    field=f"{prefix}pressure_kpa",
                    value=self.pressure_kpa,
                )
            )
        return found


@dataclass(frozen=True)
class GasProperties:
    """A gas's properties at its combustion and metering conditions (module docstring)."""

    conditions: Conditions
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
    wobbe_gross: float
    """MJ/m³"""
    wobbe_net: float
    carbon_atoms: float
    """C atoms per molecule of gas"""
    carbon_per_volume: float
    """tC per 10⁴ m³ at the metering condition."""
    carbon_per_heat: float
    """tC per TJ of net calorific value (the GB/T 32151 unit, tC/TJ = 10⁻³ tC/GJ)."""
    net_per_volume_gj: float
    """Net calorific value, GJ per 10⁴ m³ (the unit of China's inventories)."""


@dataclass(frozen=True)
class GasModel:
    """The measurement model of one composition at one set of conditions."""

    composition: Composition
    conditions: Conditions
    model: MeasurementModel

    def properties(self) -> GasProperties:
        values = self.model.evaluate(self.model.estimates())
        v = {name: float(values[name]) for name in outputs()}  # type: ignore[arg-type]
        return GasProperties(
            conditions=self.conditions,
            compression=v["Z"],
            molar_mass=v["M"],
            gross_molar=v["H_gross_molar"],
            net_molar=v["H_net_molar"],
            gross_mass=v["H_gross_mass"],
            net_mass=v["H_net_mass"],
            gross_volume=v["H_gross_volume"],
            net_volume=v["H_net_volume"],
            density=v["D"],
            relative_density=v["G"],
            wobbe_gross=v["W_gross"],
            wobbe_net=v["W_net"],
            carbon_atoms=v["carbon_atoms"],
            carbon_per_volume=v["carbon_per_volume"],
            carbon_per_heat=v["carbon_per_heat"],
            net_per_volume_gj=v["ncv_per_volume"],
        )

    def uncertainty(self, coverage: float = 0.95) -> GumOutputs:
        """The law of propagation over composition, table values and constants."""
        return law_of_propagation(self.model, coverage)

    def monte_carlo_check(
        self, *, trials: int | None = None, seed: int | None = 0, coverage: float = 0.95
    ) -> MonteCarloCheck:
        """JCGM 101 clause 8: the GUM interval of each reported output against Monte Carlo's, the
        fractions drawn jointly normal with their correlations; ``trials=None`` runs the adaptive
        procedure (JCGM 101 7.9) until the intervals are stable to two significant digits."""
        gum = self.uncertainty(coverage)
        mcm = monte_carlo(self.model, coverage=coverage, trials=trials, seed=seed)
        return MonteCarloCheck(
            trials=next(iter(mcm.values())).trials,
            intervals={name: mcm[name].interval for name in outputs()},
            validations={
                name: validate(gum.results[name], mcm[name])
                for name in outputs()
                if gum.results[name].u > 0
            },
        )

    def input_label(self, name: str, lang: str) -> str:
        """An input of the model as a reader knows it: ``x(乙烷)``, ``s(甲烷)``, ``原子量 C``."""
        kind, _, key = name.partition("_")
        component = next((c for c in iso_6976().components.values() if c.identifier == key), None)
        if component is not None and kind in ("x", "s", "Hc"):
            shown = component.zh if lang == "zh" else component.name
            symbol = {"x": "x", "s": "s", "Hc": "H̄G"}[kind]
            table = "" if kind == "x" else (" 表值" if lang == "zh" else " (table)")
            return f"{symbol}({shown}){table}"
        if kind == "A":
            return ("原子量 " if lang == "zh" else "atomic weight ") + key
        return name


@dataclass(frozen=True)
class MonteCarloCheck:
    trials: int
    intervals: dict[str, tuple[float, float]]
    """Monte Carlo's probabilistically symmetric coverage interval of each reported output."""
    validations: dict[str, Validation]


def _quantity(name: str, value: float, u: float | None) -> InputQuantity:
    return normal(name, value, u) if u else constant(name, value)


def _sum(terms: list[str]) -> str:
    return " + ".join(terms) if terms else "0"


def gas_model(gas: Composition, conditions: Conditions = Conditions()) -> GasModel:
    """The model of ``gas`` (module docstring); every problem at once as an :class:`InputError`."""
    table = iso_6976()
    problems = conditions.problems(table, gas.source)
    present = [(table.components[name], x) for name, x in gas.fractions.items() if x]
    if problems:
        raise InputError(problems)
    missing = [c.name for c, _ in present if conditions.metering_c not in c.summation]
    combustible = [c for c, _ in present if c.gross[conditions.combustion_c] and c.name != "water"]
    if missing:
        problems.append(
            InputProblem(
                gas.source,
                f"no summation factor at {conditions.metering_c} °C in the "
                f"table for {', '.join(missing)}",
                field="metering_c",
            )
        )
    if not combustible:
        problems.append(
            InputProblem(
                gas.source, "no combustible component: not a fuel gas", field="composition"
            )
        )
    if problems:
        raise InputError(problems)
    t1, t2 = conditions.combustion_c, conditions.metering_c
    ratio = conditions.pressure_kpa / table.reference_pressure
    inputs: list[InputQuantity] = []
    elements: set[str] = set()
    for component, x in present:
        key = component.identifier
        inputs.append(_quantity(f"x_{key}", x, gas.u.get(component.name)))
        inputs.append(_quantity(f"s_{key}", component.summation[t2], component.u_summation))
        if component.gross[t1]:
            inputs.append(_quantity(f"Hc_{key}", component.gross[t1], component.u_gross))
        elements |= set(component.atoms)
    for element in sorted(elements):
        weight = table.atomic_weights[element]
        inputs.append(normal(f"A_{element}", weight.value, weight.u))
    inputs += [
        normal("R", table.gas_constant.value, table.gas_constant.u),
        normal("L", table.water_vaporisation[t1], table.u_water_vaporisation),
        normal("M_air", table.air_molar_mass.value, table.air_molar_mass.u),
        normal("Z_air_0", table.air_compression[t2], table.u_air_compression),
    ]

    def fraction_sum(term: Callable[[Component], str | None]) -> str:
        return _sum([f"x_{c.identifier}*{t}" for c, _ in present if (t := term(c)) is not None])

    def molar_mass(component: Component) -> str:
        return "(" + " + ".join(f"{n}*A_{e}" for e, n in component.atoms.items()) + ")"

    equations = [
        f"S = {fraction_sum(lambda c: f's_{c.identifier}')}",
        f"Z = 1 - {ratio!r}*S**2",
        f"M = {fraction_sum(molar_mass)}",
        "H_gross_molar = " + fraction_sum(lambda c: f"Hc_{c.identifier}" if c.gross[t1] else None),
        f"hydrogen_atoms = {fraction_sum(lambda c: str(c.hydrogen) if c.hydrogen else None)}",
        "H_net_molar = H_gross_molar - L/2*hydrogen_atoms",
        f"V_ideal = R*{t2 + 273.15!r}/{conditions.pressure_kpa!r}",
        "H_gross_mass = H_gross_molar/M",
        "H_net_mass = H_net_molar/M",
        "H_gross_volume = H_gross_molar/(Z*V_ideal)",
        "H_net_volume = H_net_molar/(Z*V_ideal)",
        "D = M/(Z*V_ideal)",
        f"Z_air = 1 - {ratio!r}*(1 - Z_air_0)",
        "G = M/M_air*Z_air/Z",
        "W_gross = H_gross_volume/sqrt(G)",
        "W_net = H_net_volume/sqrt(G)",
        f"carbon_atoms = {fraction_sum(lambda c: str(c.carbon) if c.carbon else None)}",
        "carbon_per_volume = carbon_atoms*A_C/(Z*V_ideal)*10"
        if "C" in elements
        else "carbon_per_volume = 0",
        "carbon_per_heat = carbon_atoms*A_C/H_net_molar*1000"
        if "C" in elements
        else "carbon_per_heat = 0",
        "ncv_per_volume = H_net_volume*10",
    ]
    correlations = [
        (f"x_{table.components[a].identifier}", f"x_{table.components[b].identifier}", r)
        for pair, r in gas.correlations.items()
        for a, b in [sorted(pair)]
        if gas.fractions[a] and gas.fractions[b] and gas.u.get(a) and gas.u.get(b)
    ]
    model = MeasurementModel.build(equations, inputs, correlations)
    built = GasModel(gas, conditions, model)
    z = built.properties().compression
    if z <= MINIMUM_COMPRESSION:
        raise InputError(
            [
                InputProblem(
                    gas.source,
                    f"Z = {z:.4f} at these conditions: ISO 6976:2016 holds for "
                    f"Z > {MINIMUM_COMPRESSION}",
                    field="composition",
                )
            ]
        )
    return built


def gas_properties(
    fractions: Mapping[str, float],
    *,
    combustion_c: int = 20,
    metering_c: int = 0,
    pressure_kpa: float = 101.325,
    source: str = "composition",
) -> GasProperties:
    """The properties of ``fractions`` (component name → mole fraction), without uncertainty."""
    conditions = Conditions(combustion_c, metering_c, pressure_kpa)
    try:
        gas = composition(fractions, source=source)
    except InputError as error:
        raise InputError([*error.problems, *conditions.problems(iso_6976(), source)]) from None
    return gas_model(gas, conditions).properties()
