"""Uncertainty of the CO2 mass a CEMS measures: one hour by the project's GUM / Monte Carlo
engine, and the year from the hours under an explicit correlation assumption.

The hourly model (HJ 75-2017 Q_sn; 40 CFR 75 App. F §4.2 for the mass with a dry CO2 reading and
a wet flow)::

    Qsn = Qs * 273.15 / (273.15 + t) * p / 101.325 * (1 - Xsw / 100)
    m   = c / 100 * rho * Qsn / 1000

========  =============================================================  ===================
symbol    quantity                                                       unit
========  =============================================================  ===================
c         CO2 concentration, dry basis                                   % vol
Qs        flue-gas flow at stack conditions, wet                         m³/h
t         flue-gas temperature                                           °C
p         flue-gas absolute pressure                                     kPa
Xsw       moisture (water-vapour volume fraction)                        % vol
rho       CO2 density at 273.15 K and 101.325 kPa, M/V_m (a constant)    kg/m³
Qsn       flow at standard conditions, dry                               m³/h
m         CO2 mass in the hour (one hour of operation)                   t
========  =============================================================  ===================

``rho`` = M/V_m = 44.01 g/mol ÷ 22.4 L/mol = 1.964 73 kg/m³, the constant of
:mod:`dualcarbon.cems.mass` (the pipeline's formulas; :func:`hourly_mass` is its vectorised twin
and a test checks they agree), treated as exact: the ideal-gas approximation (CO2 at 0 °C
departs from it by under 1 %) is a convention shared by CEMS and reporting, not a measurement
error.

**The year.** Every input's standard uncertainty is split into a *systematic* part (calibration
of the flow monitor, the analyser's residual bias after its RATA, the pressure transmitter's
calibration: the same error in every hour) and a *random* part (repeatability, independent from
hour to hour). With a_ih = c_ih·u_sys,ih and b_ih = c_ih·u_rand,ih (c the sensitivity of hour h's
mass to input i) and r the correlation of the systematic errors between hours::

    u²(M) = Σ_i [ r·(Σ_h a_ih)² + (1 − r)·Σ_h a_ih² ] + Σ_h Σ_i b_ih²

Different inputs stay independent of each other. r = 1 (the default) is the physically expected
case for calibration errors; r = 0 treats everything as independent and understates the annual
uncertainty by roughly √N for a systematic-dominated budget (docs/cems-qa.md shows the curve).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dualcarbon._typing import FloatArray
from dualcarbon.cems.mass import CO2_DENSITY_KG_PER_M3, P0_KPA, T0_K
from dualcarbon.uncertainty import distributions as dist
from dualcarbon.uncertainty.gum import GumResult, law_of_propagation
from dualcarbon.uncertainty.mcm import McmResult, Validation, monte_carlo, validate
from dualcarbon.uncertainty.model import MeasurementModel

T0 = T0_K
"""Standard temperature [K] (:mod:`dualcarbon.cems.mass`)."""
P0 = P0_KPA
"""Standard pressure [kPa]."""
RHO_CO2 = CO2_DENSITY_KG_PER_M3
"""CO2 density at standard conditions [kg/m³], 44.01/22.4 = 1.964 73, the pipeline's value."""

EQUATIONS = (
    "Qsn = Qs * 273.15 / (273.15 + t) * p / 101.325 * (1 - Xsw / 100)",
    "m = c / 100 * rho * Qsn / 1000",
)
"""The hourly model in the uncertainty engine's equation syntax (docs/uncertainty.md)."""

INPUTS = ("c", "Qs", "t", "p", "Xsw")


def standard_flow(
    flow: float | FloatArray,
    temperature: float | FloatArray,
    pressure: float | FloatArray,
    moisture: float | FloatArray,
) -> float | FloatArray:
    """Dry flow at standard conditions Q_sn [m³/h] from the wet stack flow.

    Q_sn = Q_s · 273.15/(273.15 + t) · p/101.325 · (1 − X_sw) (HJ 75-2017, 烟气流量标准状态换算),
    ``flow`` [m³/h], ``temperature`` [°C], ``pressure`` absolute [kPa], ``moisture`` [% vol].
    """
    return flow * T0 / (T0 + temperature) * pressure / P0 * (1 - moisture / 100)


def hourly_mass(
    co2: float | FloatArray,
    flow: float | FloatArray,
    temperature: float | FloatArray,
    pressure: float | FloatArray,
    moisture: float | FloatArray,
) -> float | FloatArray:
    """CO2 mass of one operating hour [t]: c/100 · ρ_CO2 · Q_sn / 1000 (``co2`` [% vol dry])."""
    return co2 / 100 * RHO_CO2 * standard_flow(flow, temperature, pressure, moisture) / 1000


@dataclass(frozen=True)
class Reading:
    """One input of the hourly model: its value and standard uncertainties, same unit.

    ``u_systematic`` is the part that repeats every hour (calibration, bias); ``u_random`` the
    part that is independent between hours. The hourly u is √(u_sys² + u_rand²).
    """

    value: float
    u_systematic: float = 0.0
    u_random: float = 0.0

    @property
    def u(self) -> float:
        return math.hypot(self.u_systematic, self.u_random)


def u_from_relative_accuracy(value: float, relative_accuracy_percent: float) -> float:
    """Standard uncertainty of a reading from the monitor's relative accuracy (RA) [%].

    RA bounds the monitor's error relative to the reference method at about 95 % (it adds the
    confidence coefficient to the mean difference); with no further knowledge the error is taken
    as uniform within ±RA: u = RA·|x|/√3 (JCGM 100:2008 4.3.7). A conservative choice, since RA
    already contains the reference method's own scatter.
    """
    return abs(value) * relative_accuracy_percent / 100 / math.sqrt(3)


@dataclass(frozen=True)
class HourInputs:
    """The five inputs of one hour."""

    co2: Reading
    """CO2, dry [% vol]."""
    flow: Reading
    """Wet stack flow [m³/h]."""
    temperature: Reading
    """[°C]."""
    pressure: Reading
    """Absolute [kPa]."""
    moisture: Reading
    """[% vol]."""

    def as_tuple(self) -> tuple[Reading, ...]:
        return (self.co2, self.flow, self.temperature, self.pressure, self.moisture)


@dataclass(frozen=True)
class HourlyUncertainty:
    """The hourly mass with its GUM result, the Monte Carlo check and the budget."""

    model: MeasurementModel
    gum: GumResult
    mcm: McmResult | None
    validation: Validation | None

    @property
    def value(self) -> float:
        return self.gum.value

    @property
    def u(self) -> float:
        return self.gum.u

    @property
    def relative_u(self) -> float:
        return self.gum.u / abs(self.gum.value)


def hourly_model(inputs: HourInputs) -> MeasurementModel:
    """The hourly model with normal inputs (u = √(u_sys² + u_rand²)) and ρ_CO2 as a constant."""
    quantities = [
        dist.normal(name, reading.value, reading.u)
        if reading.u > 0
        else dist.constant(name, reading.value)
        for name, reading in zip(INPUTS, inputs.as_tuple(), strict=True)
    ]
    quantities.append(dist.constant("rho", RHO_CO2))
    return MeasurementModel.build(list(EQUATIONS), quantities)


def hourly_uncertainty(
    inputs: HourInputs,
    *,
    coverage: float = 0.95,
    trials: int | None = 200_000,
    seed: int | None = None,
) -> HourlyUncertainty:
    """GUM law of propagation for one hour's CO2 mass, checked by Monte Carlo (JCGM 101 clause 8).

    ``trials=0`` skips the Monte Carlo; ``None`` runs the adaptive procedure.
    """
    model = hourly_model(inputs)
    gum = law_of_propagation(model, coverage).results["m"]
    if trials == 0:
        return HourlyUncertainty(model, gum, None, None)
    mcm = monte_carlo(model, coverage=coverage, trials=trials, seed=seed)["m"]
    return HourlyUncertainty(model, gum, mcm, validate(gum, mcm))


# -- the year ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourlySeries:
    """Hourly inputs as arrays (one element per operating hour), u_sys and u_rand per input."""

    co2: FloatArray
    flow: FloatArray
    temperature: FloatArray
    pressure: FloatArray
    moisture: FloatArray
    u_systematic: tuple[FloatArray, ...]
    """Five arrays (c, Qs, t, p, Xsw order), each broadcastable to the hours."""
    u_random: tuple[FloatArray, ...]

    def values(self) -> tuple[FloatArray, ...]:
        return (self.co2, self.flow, self.temperature, self.pressure, self.moisture)

    @classmethod
    def one_hour(cls, inputs: HourInputs) -> HourlySeries:
        """A series of one hour from :class:`HourInputs`."""
        readings = inputs.as_tuple()

        def one(value: float) -> FloatArray:
            return np.array([value], dtype=float)

        return cls(
            co2=one(inputs.co2.value),
            flow=one(inputs.flow.value),
            temperature=one(inputs.temperature.value),
            pressure=one(inputs.pressure.value),
            moisture=one(inputs.moisture.value),
            u_systematic=tuple(one(r.u_systematic) for r in readings),
            u_random=tuple(one(r.u_random) for r in readings),
        )


def sensitivities(series: HourlySeries) -> tuple[FloatArray, FloatArray]:
    """Hourly masses [t] and ∂m/∂x_i per hour (5 × hours), from the product form of the model:

    ∂m/∂c = m/c, ∂m/∂Q_s = m/Q_s, ∂m/∂t = −m/(273.15 + t), ∂m/∂p = m/p,
    ∂m/∂X_sw = −m/(100 − X_sw).
    """
    c, q, t, p, x = (np.asarray(v, dtype=float) for v in series.values())
    m = np.asarray(hourly_mass(c, q, t, p, x), dtype=float)
    partial = np.vstack([m / c, m / q, -m / (T0 + t), m / p, -m / (100 - x)])
    return m, partial


@dataclass(frozen=True)
class AnnualUncertainty:
    """The annual mass and its standard uncertainty under one correlation assumption."""

    mass: float
    """Σ hourly masses [t]."""
    u: float
    correlation: float
    """r: correlation of each input's systematic error between hours."""
    u_systematic: float
    u_random: float
    hours: int
    by_input: tuple[tuple[str, float, float], ...]
    """(input, u from its systematic part, u from its random part) [t]."""

    @property
    def relative_u(self) -> float:
        return self.u / abs(self.mass) if self.mass else math.inf

    def expanded(self, k: float = 2.0) -> float:
        return k * self.u


def annual_uncertainty(series: HourlySeries, *, correlation: float = 1.0) -> AnnualUncertainty:
    """Uncertainty of M = Σ_h m_h with systematic errors correlated by r between hours.

    u²(M) = Σ_i [r·(Σ_h a_ih)² + (1 − r)·Σ_h a_ih²] + Σ_h Σ_i b_ih² (module docstring), from the
    law of propagation (JCGM 100 5.2.2) applied to the sum with the input covariance
    cov(x_ih, x_ik) = r·u_sys,ih·u_sys,ik for h ≠ k.
    """
    if not 0.0 <= correlation <= 1.0:
        raise ValueError("the correlation between hours must be within [0, 1]")
    m, partial = sensitivities(series)
    hours = m.size
    a = partial * np.vstack([np.broadcast_to(u, (hours,)) for u in series.u_systematic])
    b = partial * np.vstack([np.broadcast_to(u, (hours,)) for u in series.u_random])
    systematic_each = correlation * a.sum(axis=1) ** 2 + (1 - correlation) * (a**2).sum(axis=1)
    random_each = (b**2).sum(axis=1)
    u_sys = math.sqrt(float(systematic_each.sum()))
    u_rand = math.sqrt(float(random_each.sum()))
    return AnnualUncertainty(
        mass=float(m.sum()),
        u=math.hypot(u_sys, u_rand),
        correlation=correlation,
        u_systematic=u_sys,
        u_random=u_rand,
        hours=hours,
        by_input=tuple(
            (name, math.sqrt(float(s)), math.sqrt(float(r)))
            for name, s, r in zip(INPUTS, systematic_each, random_each, strict=True)
        ),
    )


def correlation_curve(
    series: HourlySeries, correlations: Sequence[float] = (0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 1.0)
) -> list[tuple[float, float]]:
    """(r, relative standard uncertainty of the annual mass) for each r: how much the answer
    rests on the correlation assumption."""
    return [(r, annual_uncertainty(series, correlation=r).relative_u) for r in correlations]


def relative_components(inputs: HourInputs) -> tuple[float, float]:
    """Relative standard uncertainty of one hour's mass from the systematic and from the random
    parts of its inputs: (u_sys/m, u_rand/m), by the same sensitivities as the year.

    For a pipeline that knows its monitors (RA, calibration) once, not hour by hour: with these
    two numbers :func:`mass_uncertainty` gives the uncertainty of any sum of hourly masses.
    """
    series = HourlySeries.one_hour(inputs)
    m, partial = sensitivities(series)
    a = partial[:, 0] * np.array([r.u_systematic for r in inputs.as_tuple()])
    b = partial[:, 0] * np.array([r.u_random for r in inputs.as_tuple()])
    return float(np.sqrt((a**2).sum()) / m[0]), float(np.sqrt((b**2).sum()) / m[0])


def mass_uncertainty(
    masses: Sequence[float] | FloatArray,
    relative_systematic: float,
    relative_random: float,
    *,
    correlation: float = 1.0,
) -> float:
    """Standard uncertainty [t] of Σ m_h when each hour carries the same relative systematic and
    random uncertainty (the month or year of a stack, for the pipeline's ``u_co2_t``):

    u² = r·(s·Σm)² + (1 − r)·s²·Σm² + q²·Σm²  (s systematic, q random, relative).

    It treats the systematic part as one combined error; :func:`annual_uncertainty` keeps the
    inputs apart, and the two agree whenever every hour has the same relative budget.
    """
    if not 0.0 <= correlation <= 1.0:
        raise ValueError("the correlation between hours must be within [0, 1]")
    m = np.asarray(masses, dtype=float)
    total, squares = float(m.sum()), float((m**2).sum())
    variance = (
        correlation * (relative_systematic * total) ** 2
        + (1 - correlation) * relative_systematic**2 * squares
        + relative_random**2 * squares
    )
    return math.sqrt(variance)


def sum_uncertainty(
    total: float,
    squares: float,
    substituted_squares: float,
    *,
    relative_systematic: float,
    relative_random: float,
    substituted_relative_random: float | None = None,
    correlation: float = 1.0,
) -> float:
    """Standard uncertainty [t] of a sum of hourly masses from its moments: ``total`` = Σm,
    ``squares`` = Σm² and ``substituted_squares`` = Σm² over the substituted hours::

        u² = r·(s·Σm)² + (1 − r)·s²·Σm² + q²·Σm²(measured) + q_sub²·Σm²(substituted)

    (:func:`mass_uncertainty` with the random part of a substituted hour apart: a substituted
    hour is not a measurement of that hour; ``substituted_relative_random`` defaults to q).
    """
    if not 0.0 <= correlation <= 1.0:
        raise ValueError("the correlation between hours must be within [0, 1]")
    r, s, q = correlation, relative_systematic, relative_random
    q_sub = q if substituted_relative_random is None else substituted_relative_random
    variance = (
        r * (s * total) ** 2
        + (1 - r) * s**2 * squares
        + q**2 * (squares - substituted_squares)
        + q_sub**2 * substituted_squares
    )
    return math.sqrt(variance)


def demo_series(hours: int = 8760, seed: int = 2024) -> HourlySeries:
    """A plausible year for a 600 MW coal unit (invented): load-following flow around
    2.0 × 10⁶ m³/h wet, CO2 ≈ 12.5 % dry, 50 °C, 101 kPa, 10 % moisture.

    Uncertainties (standard): CO2 1.0 % of reading systematic (RA ≈ 1.7 %, u = RA/√3) and 0.5 %
    random; flow 2.5 % systematic (velocity-profile and calibration) and 1.0 % random;
    temperature 1 °C systematic, 0.5 °C random; pressure 0.3 kPa systematic, 0.1 kPa random;
    moisture 0.5 % vol systematic, 0.3 % vol random.
    """
    rng = np.random.default_rng(seed)
    load = 0.8 + 0.15 * np.sin(np.arange(hours) * 2 * np.pi / 24) + rng.normal(0, 0.03, hours)
    flow = 2.0e6 * np.clip(load, 0.4, 1.05)
    co2 = 12.5 + rng.normal(0, 0.2, hours)
    temperature = 50 + rng.normal(0, 2, hours)
    pressure = 101.0 + rng.normal(0, 0.3, hours)
    moisture = 10 + rng.normal(0, 0.5, hours)
    return HourlySeries(
        co2=co2,
        flow=flow,
        temperature=temperature,
        pressure=pressure,
        moisture=moisture,
        u_systematic=(
            0.010 * co2,
            0.025 * flow,
            np.full(hours, 1.0),
            np.full(hours, 0.3),
            np.full(hours, 0.5),
        ),
        u_random=(
            0.005 * co2,
            0.010 * flow,
            np.full(hours, 0.5),
            np.full(hours, 0.1),
            np.full(hours, 0.3),
        ),
    )
