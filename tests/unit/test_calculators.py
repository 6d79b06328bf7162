"""Each calculator against a hand calculation written out here."""

import numpy as np
import polars as pl
import pytest

from dualcarbon.methodologies import calculators as calc


def test_fuel_combustion_hand_value() -> None:
    # 1 000 t coal, C_ar 55 % (0.55 tC/t), OF 0.99: 1000 × 0.55 × 0.99 × 44/12 = 1 996.5 tCO2.
    assert calc.fuel_combustion_co2(1000.0, 0.55, 0.99) == pytest.approx(1996.5, rel=1e-12)


def test_carbon_from_heat_default() -> None:
    # 20.5 GJ/t × 0.03085 tC/GJ = 0.632425 tC/t
    assert calc.carbon_content_from_heat(20.5, 0.03085) == pytest.approx(0.632425, rel=1e-12)


def test_basis_conversions_follow_gbt_483() -> None:
    # C_ad 60 %, M_ar 10 %, M_ad 2 %: 60 × 90 / 98 = 55.102 04 %
    assert calc.as_received_from_air_dried(60.0, 10.0, 2.0) == pytest.approx(55.10204082, rel=1e-9)
    # C_d 62 %, M_ar 12 %: 62 × 0.88 = 54.56 %
    assert calc.as_received_from_dry(62.0, 12.0) == pytest.approx(54.56, rel=1e-12)


def test_recovered_co2() -> None:
    # 10 万Nm3 of 98 % CO2 at 19.77 t/万Nm3 = 193.746 t
    assert calc.co2_recovered(10.0, 0.98, 19.77) == pytest.approx(193.746, rel=1e-12)


def test_calculators_are_elementwise_on_arrays_series_and_expressions() -> None:
    fc = np.array([1.0, 2.0])
    assert calc.fuel_combustion_co2(fc, np.array([0.5, 0.5]), np.array([1.0, 1.0])).tolist() == (
        pytest.approx([0.5 * 44 / 12, 44 / 12])
    )
    frame = pl.DataFrame({"fc": [1.0, 2.0], "c": [0.5, 0.5], "of": [1.0, 1.0]})
    out = frame.select(calc.fuel_combustion_co2(pl.col("fc"), pl.col("c"), pl.col("of")))
    assert out.to_series().to_list() == pytest.approx([0.5 * 44 / 12, 44 / 12])


def test_standard_coal_follows_gbt_2589() -> None:
    # GB/T 2589-2020: 1 kgce = 29.3076 MJ, so 29 307.6 GJ = 1 000 tce
    assert calc.standard_coal(29307.6) == pytest.approx(1000.0, rel=1e-12)


def test_heat_share_and_intensity() -> None:
    # 1 000 tCO2 with 供热比 0.2: 200 t to heat, 800 t to power; 800 t / 1 000 MWh = 0.8 t/MWh
    heat = calc.heat_share(1000.0, 0.2)
    assert heat == pytest.approx(200.0)
    assert calc.intensity(1000.0 - heat, 1000.0) == pytest.approx(0.8)


def test_load_factor() -> None:
    # 2 400 MWh from a 600 MW unit over 5 h = 0.8
    assert calc.load_factor(2400.0, 600.0, 5.0) == pytest.approx(0.8)
