"""CO2 mass of a stack hour (dualcarbon.cems.mass), checked against arithmetic written out here,
and the pipeline's SQL (sql/04_hour_mass.sql, 08_hourly.sql) against the same functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest

from dualcarbon.cems import mass, pipeline

# Worked example, by hand (the formulas are those of mass.py; HJ 75-2017 / GB/T 16157-1996):
#   12 % CO2 dry; Q_s = 1 500 000 m³/h wet at t_s = 130 °C, p_s = 101.0 kPa; X_sw = 8 %.
#   273.15 / (273.15 + 130)       = 273.15 / 403.15          = 0.677 539 4
#   p_s / 101.325                 = 101.0 / 101.325           = 0.996 792 5
#   Q_sn = 1 500 000 × 0.677 539 4 × 0.996 792 5 × 0.92       = 932 005.3 m³/h
#   ρ_CO2 = 44.01 / 22.4 (HJ 75-2017's molar volume)          = 1.964 732 kg/m³
#   c = 0.12 × 1.964 732 kg/m³ = 0.235 767 9 kg/m³            = 235 767.9 mg/m³
#   E = 235 767.9 mg/m³ × 932 005.3 m³/h × 10⁻⁹ t/mg          = 219.737 t/h
WORKED_QSN = 932_005.3
WORKED_C = 235_767.9
WORKED_E = 219.737


def test_worked_example_standard_dry_flow() -> None:
    assert mass.standard_dry_flow(1_500_000.0, 130.0, 101.0, 8.0) == pytest.approx(
        WORKED_QSN, abs=0.1
    )


def test_worked_example_mass_concentration() -> None:
    assert mass.co2_mass_concentration(12.0) == pytest.approx(WORKED_C, abs=0.1)


def test_worked_example_hourly_mass() -> None:
    assert mass.co2_mass_rate(WORKED_C, WORKED_QSN) == pytest.approx(WORKED_E, abs=5e-4)
    assert mass.hourly_co2_mass(12.0, 1_500_000.0, 130.0, 101.0, 8.0) == pytest.approx(
        WORKED_E, abs=5e-4
    )


def test_one_percent_co2_is_19647_mg_per_m3() -> None:
    # 1 % vol = 0.01 × 44.01/22.4 kg/m³ = 19 647.3 mg/m³, with the molar volume HJ 75-2017
    # converts µmol/mol to mg/m³ with (M/22.4)
    assert mass.co2_mass_concentration(1.0) == pytest.approx(19_647.3, abs=0.05)
    density = mass.CO2_DENSITY_KG_PER_M3
    assert density == pytest.approx(1.964732, abs=1e-6)


def test_a_loggers_mg_per_m3_goes_and_comes_back_exactly() -> None:
    """Issue 14, item 4: the receiver converted mg/m³ to % with 22.4 L/mol and the pipeline back
    with 22.414, so every hour from logger data was 0.0625 % low. One molar volume now: the
    logger's mg/m³ is the mass concentration the pipeline uses, to the last bit."""
    from dualcarbon.cems.hj212.codes import CO2_MG_PER_M3_PER_PERCENT

    for sent in (235_767.8, 19_647.32, 1.0, 987_654.321):
        percent = sent / CO2_MG_PER_M3_PER_PERCENT
        assert mass.co2_mass_concentration(percent) == pytest.approx(sent, rel=1e-15)
    assert "{V_M}" not in "".join(step.sql for step in pipeline.steps())
    assert repr(mass.V_M_L_PER_MOL) in "".join(step.sql for step in pipeline.steps())


def test_flow_already_at_standard_dry_conditions_is_unchanged() -> None:
    assert mass.standard_dry_flow(1000.0, 0.0, 101.325, 0.0) == pytest.approx(1000.0, rel=1e-12)


def test_each_correction_acts_alone() -> None:
    # Only the moisture: half the gas is water, so half is dry gas.
    assert mass.standard_dry_flow(1000.0, 0.0, 101.325, 50.0) == pytest.approx(500.0)
    # Only the temperature: 273.15 °C is 2 × 273.15 K, so the volume halves.
    assert mass.standard_dry_flow(1000.0, 273.15, 101.325, 0.0) == pytest.approx(500.0)
    # Only the pressure: twice the standard pressure, twice the standard volume.
    assert mass.standard_dry_flow(1000.0, 0.0, 202.65, 0.0) == pytest.approx(2000.0)


HOURS = [
    # co2 [%], flow [m³/h], temperature [°C], pressure [kPa], moisture [%]
    (12.0, 1_500_000.0, 130.0, 101.0, 8.0),
    (3.5, 80_000.0, 45.0, 99.2, 15.5),
    (14.2, 2_750_000.0, 160.0, 100.1, 6.0),
    (9.9, 640_000.0, 95.5, 102.3, 11.0),
]


def test_pipeline_sql_agrees_with_mass_functions(tmp_path: Path, minutes: Any, write: Any) -> None:
    stack = minutes("M", "2024-03-01T00:00", "2024-03-01T04:00")
    for hour, (co2, flow, temperature, pressure, moisture) in enumerate(HOURS):
        stack.set(
            f"2024-03-01T{hour:02d}:00",
            f"2024-03-01T{hour + 1:02d}:00",
            co2=co2,
            flow=flow,
            temperature=temperature,
            pressure=pressure,
            moisture=moisture,
        )
    write(tmp_path, stack.table())
    hourly = pipeline.run(tmp_path).hourly
    assert not isinstance(hourly, Path)
    measured = hourly.filter(pc.equal(hourly["status"], "measured"))
    assert measured.num_rows == len(HOURS)
    for row, inputs in zip(measured.to_pylist(), HOURS, strict=True):
        co2, flow, temperature, pressure, moisture = inputs
        assert row["qsn"] == pytest.approx(
            mass.standard_dry_flow(flow, temperature, pressure, moisture), rel=1e-12
        )
        assert row["co2_mg_m3"] == pytest.approx(mass.co2_mass_concentration(co2), rel=1e-12)
        assert row["co2_t"] == pytest.approx(mass.hourly_co2_mass(*inputs), rel=1e-12)
