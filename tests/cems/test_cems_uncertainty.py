"""Uncertainty of the CEMS CO2 mass: one hour against a hand GUM calculation (sensitivity
coefficients written out, JCGM 100:2008 eq. (10)) and the Monte Carlo method (JCGM 101:2008);
the year with hour-to-hour correlation 0 and 1 by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dualcarbon.cems import mass
from dualcarbon.cems import uncertainty as cu

T0, P0, RHO = 273.15, 101.325, 44.01 / 22.4  # mass.py constants, restated (HJ 75-2017)

HOUR = cu.HourInputs(
    co2=cu.Reading(12.5, 0.125, 0.0625),  # % vol dry: 1 % sys, 0.5 % random of reading
    flow=cu.Reading(2.0e6, 5.0e4, 2.0e4),  # m³/h: 2.5 % sys, 1 % random
    temperature=cu.Reading(50.0, 1.0, 0.5),  # °C
    pressure=cu.Reading(101.0, 0.3, 0.1),  # kPa
    moisture=cu.Reading(10.0, 0.5, 0.3),  # % vol
)


def test_model_agrees_with_the_pipeline_formula() -> None:
    # the vectorised twin equals cems.mass.hourly_co2_mass and its worked value (test_mass.py)
    assert cu.hourly_mass(12.0, 1.5e6, 130.0, 101.0, 8.0) == pytest.approx(
        mass.hourly_co2_mass(12.0, 1.5e6, 130.0, 101.0, 8.0), rel=1e-14
    )
    assert float(cu.hourly_mass(12.0, 1.5e6, 130.0, 101.0, 8.0)) == pytest.approx(219.737, abs=0.01)
    assert abs(cu.RHO_CO2 - RHO) <= 1e-15 * RHO


def test_hourly_gum_by_hand() -> None:
    c, q, t, p, x = 12.5, 2.0e6, 50.0, 101.0, 10.0
    qsn = q * T0 / (T0 + t) * p / P0 * (1 - x / 100)
    m = c / 100 * RHO * qsn / 1000
    # sensitivity coefficients of m = c/100·ρ·Q·T0/(T0+t)·p/P0·(1 − X/100)/1000
    sens = {
        "c": m / c,
        "Qs": m / q,
        "t": -m / (T0 + t),
        "p": m / p,
        "Xsw": -m / (100 - x),
    }
    u = {
        "c": math.hypot(0.125, 0.0625),
        "Qs": math.hypot(5.0e4, 2.0e4),
        "t": math.hypot(1.0, 0.5),
        "p": math.hypot(0.3, 0.1),
        "Xsw": math.hypot(0.5, 0.3),
    }
    u_m = math.sqrt(sum((sens[k] * u[k]) ** 2 for k in sens))
    result = cu.hourly_uncertainty(HOUR, trials=0)
    assert result.value == pytest.approx(m, rel=1e-12)
    assert result.u == pytest.approx(u_m, rel=1e-9)
    by_input = {line.input: line for line in result.gum.budget}
    for name, coefficient in sens.items():
        assert by_input[name].sensitivity == pytest.approx(coefficient, rel=1e-9)
    # about 3.0 % relative, flow the largest contributor
    assert result.relative_u == pytest.approx(0.0302, abs=5e-4)
    assert max(by_input.values(), key=lambda b: abs(b.contribution)).input == "Qs"
    # the vectorised sensitivities used for the year are the same numbers
    _, partial = cu.sensitivities(cu.HourlySeries.one_hour(HOUR))
    assert partial[:, 0] == pytest.approx([sens[k] for k in cu.INPUTS], rel=1e-12)


def test_hourly_monte_carlo_validates_the_gum() -> None:
    # A nearly linear model with normal inputs: JCGM 101 clause 8 should pass, u within 1 %
    result = cu.hourly_uncertainty(HOUR, trials=400_000, seed=7)
    assert result.mcm is not None and result.validation is not None
    assert result.mcm.u == pytest.approx(result.u, rel=0.01)
    assert result.mcm.value == pytest.approx(result.value, rel=1e-3)
    assert result.validation.passed


def test_u_from_relative_accuracy() -> None:
    # RA 5 % of 12 % CO2, uniform within ±RA: u = 0.6/√3 = 0.3464
    assert cu.u_from_relative_accuracy(12.0, 5.0) == pytest.approx(0.34641, abs=1e-5)


def _three_hours(u_sys_flow: float, u_rand_co2: float) -> cu.HourlySeries:
    """Three hours with relative u on flow (systematic) and CO2 (random) only."""
    co2 = np.array([12.0, 12.5, 13.0])
    flow = np.array([1.8e6, 2.0e6, 2.2e6])
    zeros = np.zeros(3)
    return cu.HourlySeries(
        co2=co2,
        flow=flow,
        temperature=np.array([50.0, 50.0, 50.0]),
        pressure=np.array([101.0, 101.0, 101.0]),
        moisture=np.array([10.0, 10.0, 10.0]),
        u_systematic=(zeros, u_sys_flow * flow, zeros, zeros, zeros),
        u_random=(u_rand_co2 * co2, zeros, zeros, zeros, zeros),
    )


def test_annual_with_correlation_one_and_zero_by_hand() -> None:
    series = _three_hours(0.02, 0.0)
    m = np.array(
        [
            float(cu.hourly_mass(c, q, 50.0, 101.0, 10.0))
            for c, q in zip(series.co2, series.flow, strict=True)
        ]
    )
    total = m.sum()
    # r = 1: a 2 % flow error shared by all hours is 2 % of the year: u = 0.02·Σm
    one = cu.annual_uncertainty(series, correlation=1.0)
    assert one.mass == pytest.approx(total, rel=1e-12)
    assert one.u == pytest.approx(0.02 * total, rel=1e-12)
    assert one.relative_u == pytest.approx(0.02, rel=1e-12)
    # r = 0: independent hours, u = 0.02·√(Σm²)
    zero = cu.annual_uncertainty(series, correlation=0.0)
    assert zero.u == pytest.approx(0.02 * math.sqrt((m**2).sum()), rel=1e-12)
    # r = 0.5: u² = 0.5·(0.02Σm)² + 0.5·0.02²Σm²
    half = cu.annual_uncertainty(series, correlation=0.5)
    assert half.u == pytest.approx(
        math.sqrt(0.5 * (0.02 * total) ** 2 + 0.5 * 0.02**2 * (m**2).sum()), rel=1e-12
    )


def test_random_part_ignores_the_correlation() -> None:
    series = _three_hours(0.0, 0.01)
    m = np.asarray(cu.hourly_mass(series.co2, series.flow, 50.0, 101.0, 10.0))
    expected = 0.01 * math.sqrt(float((m**2).sum()))  # ∂m/∂c·u(c) = m·0.01 each hour
    for r in (0.0, 1.0):
        result = cu.annual_uncertainty(series, correlation=r)
        assert result.u == pytest.approx(expected, rel=1e-12)
        assert result.u_systematic == 0.0
    with pytest.raises(ValueError):
        cu.annual_uncertainty(series, correlation=1.5)


def test_the_year_rests_on_the_correlation_assumption() -> None:
    # 8760 hours of the demo: independent hours shrink the relative u by about √N,
    # fully correlated systematic parts keep it near the hourly systematic level (≈ 2.8 %).
    curve = dict(cu.correlation_curve(cu.demo_series()))
    assert curve[0.0] < 0.001
    assert 0.025 < curve[1.0] < 0.031
    values = list(curve.values())
    assert values == sorted(values)  # monotone in r


def test_relative_components_recombine_to_the_hourly_u() -> None:
    systematic, random = cu.relative_components(HOUR)
    assert math.hypot(systematic, random) == pytest.approx(
        cu.hourly_uncertainty(HOUR, trials=0).relative_u, rel=1e-12
    )
    # flow 2.5 %, CO2 1 %, t 1/323.15, p 0.3/101, X 0.5/90 (all systematic, relative)
    expected = math.sqrt(
        0.025**2 + 0.01**2 + (1 / 323.15) ** 2 + (0.3 / 101) ** 2 + (0.5 / 90) ** 2
    )
    assert systematic == pytest.approx(expected, rel=1e-12)


def test_mass_uncertainty_matches_the_input_wise_year() -> None:
    # constant relative budgets every hour: the combined shortcut equals the input-wise sum
    hours = 48
    rng = np.random.default_rng(3)
    flow = 2.0e6 * (0.8 + 0.2 * rng.random(hours))
    co2 = 12.0 + rng.random(hours)
    zeros = np.zeros(hours)
    series = cu.HourlySeries(
        co2=co2,
        flow=flow,
        temperature=np.full(hours, 50.0),
        pressure=np.full(hours, 101.0),
        moisture=np.full(hours, 10.0),
        u_systematic=(0.01 * co2, 0.025 * flow, zeros, zeros, zeros),
        u_random=(0.005 * co2, 0.01 * flow, zeros, zeros, zeros),
    )
    m, _ = cu.sensitivities(series)
    s, q = math.hypot(0.01, 0.025), math.hypot(0.005, 0.01)
    for r in (0.0, 0.3, 1.0):
        assert cu.mass_uncertainty(m, s, q, correlation=r) == pytest.approx(
            cu.annual_uncertainty(series, correlation=r).u, rel=1e-12
        )


def test_annual_formula_against_monte_carlo() -> None:
    # Sample the error model itself: one systematic error per input shared by all hours (r = 1),
    # fresh random errors per hour, the full non-linear model; compare with the formula.
    hours, trials = 24, 20_000
    rng = np.random.default_rng(11)
    base = _three_hours(0.0, 0.0)
    co2 = np.resize(base.co2, hours)
    flow = np.resize(base.flow, hours)
    t, p, x = np.full(hours, 50.0), np.full(hours, 101.0), np.full(hours, 10.0)
    u_sys = (
        0.01 * co2,
        0.025 * flow,
        np.full(hours, 1.0),
        np.full(hours, 0.3),
        np.full(hours, 0.5),
    )
    u_rand = (
        0.005 * co2,
        0.01 * flow,
        np.full(hours, 0.5),
        np.full(hours, 0.1),
        np.full(hours, 0.3),
    )
    series = cu.HourlySeries(co2, flow, t, p, x, u_systematic=u_sys, u_random=u_rand)
    values = series.values()
    shared = rng.standard_normal((trials, 5, 1))
    fresh = rng.standard_normal((trials, 5, hours))
    drawn = [values[i] + u_sys[i] * shared[:, i, :] + u_rand[i] * fresh[:, i, :] for i in range(5)]
    totals = np.asarray(cu.hourly_mass(*drawn)).sum(axis=1)
    formula = cu.annual_uncertainty(series, correlation=1.0)
    # 20 000 trials: the standard deviation is known to about 0.5 %; allow 2 %
    assert float(totals.std(ddof=1)) == pytest.approx(formula.u, rel=0.02)
    assert float(totals.mean()) == pytest.approx(formula.mass, rel=2e-3)
