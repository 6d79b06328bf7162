"""Full-year worked example: the demo coal plant, computed by hand, against the engine.

Two 600 MW coal units, a year of monthly data (src/dualcarbon/demo/data/demo-plant.yaml): unit #1
has no element-carbon analysis in April and September; unit #2's July analysis does not qualify
(lab without CMA accreditation) and unit #2 did not run in March. Fuel oil is burnt at start-ups.

Rules, from 「企业温室气体排放核算与报告指南 发电设施」(环办气候函〔2022〕485号):
  E_燃烧 = Σ FC × C_ar × OF × 44/12, OF(coal) = 0.99;
  months without a qualifying analysis: C_ar = NCV_ar × 0.03085 tC/GJ (the conservative default
  of the 2022-06 MEE notice, continued for 2023+ data);
  fuel oil: NCV 41.816 GJ/t × 0.0211 tC/GJ × OF 0.98 (guideline appendix defaults);
  purchased electricity: E_电 = AD × 0.5703 tCO2/MWh (环办气候函〔2023〕43号).
"""

import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.demo import demo_inventory_path
from dualcarbon.io import read_inventory

R = 44 / 12  # CO2/C

# Unit #1: (t coal, NCV GJ/t, C_ar % or None when no qualifying analysis)
UNIT_1 = [
    (112400, 21.43, 55.21),
    (101800, 21.87, 56.04),
    (108300, 22.05, 56.38),
    (96500, 21.62, None),
    (88200, 21.18, 54.37),
    (104700, 20.94, 53.92),
    (121900, 20.71, 53.41),
    (124300, 20.88, 53.78),
    (106100, 21.25, None),
    (97400, 21.56, 55.27),
    (109800, 21.74, 55.69),
    (118600, 21.39, 54.98),
]
# Unit #2: March not operated; July analysis not qualified (treated as None).
UNIT_2 = [
    (109700, 21.38, 55.12),
    (99200, 21.79, 55.90),
    (0, None, None),
    (42100, 21.55, 55.31),
    (91800, 21.21, 54.44),
    (107300, 20.97, 53.99),
    (119600, 20.66, None),
    (122800, 20.91, 53.84),
    (103900, 21.19, 54.61),
    (95100, 21.48, 55.10),
    (106200, 21.70, 55.61),
    (115900, 21.35, 54.90),
]
FUEL_OIL_T = 46.2 + 38.7 + 12.4 + 21.5
PURCHASED_MWH = 1840.0 + 620.5 + 210.0


def coal_month(fc: float, ncv: float | None, c_ar: float | None) -> float:
    if fc == 0:
        return 0.0
    assert ncv is not None
    carbon = c_ar / 100 if c_ar is not None else ncv * 0.03085
    return fc * carbon * 0.99 * R


def test_demo_plant_year_by_hand() -> None:
    result = account(read_inventory(demo_inventory_path()))

    coal_1 = sum(coal_month(*m) for m in UNIT_1)
    coal_2 = sum(coal_month(*m) for m in UNIT_2)
    oil = FUEL_OIL_T * 41.816 * 0.0211 * 0.98 * R
    electricity = PURCHASED_MWH * 0.5703

    # January of unit #1, written out: 112 400 t × 0.5521 × 0.99 × 44/12 = 225 263.43 tCO2
    january = result.lines.filter(
        (result.lines["unit"] == "#1")
        & (result.lines["month"] == 1)
        & (result.lines["item"] == "coal")
    )
    assert january["emission"].item() == pytest.approx(225_263.4252, rel=1e-9)
    # April of unit #1 (no analysis): 96 500 × 21.62 × 0.03085 × 0.99 × 44/12 = 233 683.9… tCO2
    april = result.lines.filter(
        (result.lines["unit"] == "#1")
        & (result.lines["month"] == 4)
        & (result.lines["item"] == "coal")
    )
    assert april["emission"].item() == pytest.approx(96500 * 21.62 * 0.03085 * 0.99 * R, rel=1e-12)
    assert april["carbon_tier"].item() == "default"
    assert "0.03085" in april["explanation_zh"].item()

    by_source = dict(result.by("source").select("source", "tco2e").iter_rows())
    assert by_source["fuel_combustion"] == pytest.approx(coal_1 + coal_2 + oil, rel=1e-12)
    assert by_source["purchased_electricity"] == pytest.approx(electricity, rel=1e-12)
    assert result.total() == pytest.approx(coal_1 + coal_2 + oil + electricity, rel=1e-12)


def test_unqualified_analysis_falls_back_with_its_reason() -> None:
    result = account(read_inventory(demo_inventory_path()))
    july = result.lines.filter(
        (result.lines["unit"] == "#2")
        & (result.lines["month"] == 7)
        & (result.lines["item"] == "coal")
    )
    assert july["carbon_tier"].item() == "default"
    assert "CMA" in july["explanation_zh"].item()
    assert july["emission"].item() == pytest.approx(119600 * 20.66 * 0.03085 * 0.99 * R)


def test_result_names_methodology_and_factor_versions() -> None:
    result = account(read_inventory(demo_inventory_path()))
    assert result.meta.methodology == "cn-mee-power-2022@1"
    assert "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured@1" in result.meta.factors
    assert "cn-mee-notice-2023-43/co2_emission_factor/grid@1" in result.meta.factors
    # Defaults of fuels the plant does not burn are not recorded as used.
    assert not any("natural_gas" in ref for ref in result.meta.factors)


def test_supply_intensity_splits_by_heat_ratio() -> None:
    result = account(read_inventory(demo_inventory_path()))
    assert result.production is not None
    row = result.production.filter(result.production["unit"] == "#1").row(0, named=True)
    # Σ_m E_m (1 − α_m) / Σ_m supply_m, with α the monthly 供热比
    lines = result.lines.filter(
        (result.lines["unit"] == "#1") & (result.lines["source"] == "fuel_combustion")
    )
    assert row["emission_tco2"] == pytest.approx(lines["emission"].sum(), rel=1e-12)
    assert 0.7 < row["supply_intensity"] < 1.0  # tCO2/MWh, a coal unit's plausible range
    assert 0 < row["heat_ratio"] < 0.2


def test_monthly_supply_intensity_by_hand() -> None:
    """The dashboard's intensity trend: I_m = E_m (1 − α_m) / supply_m, per unit and month."""
    from dualcarbon.accounting.engine import production_table
    from dualcarbon.accounting.power import monthly_supply_intensity

    inventory = read_inventory(demo_inventory_path())
    result = account(inventory)
    monthly = monthly_supply_intensity(result.lines, production_table(inventory))
    january = monthly.filter((monthly["unit"] == "#1") & (monthly["month"] == 1)).row(0, named=True)
    # unit #1, January: coal only (demo-plant.yaml), 供热比 0.1367, supply 250 138 MWh
    expected = coal_month(*UNIT_1[0]) * (1 - 0.1367) / 250138.0
    assert january["supply_intensity"] == pytest.approx(expected, rel=1e-12)
    # unit #2 did not run in March: no supply, no point on the trend
    assert monthly.filter((monthly["unit"] == "#2") & (monthly["month"] == 3)).height == 0
    # weighted by supply, the months give the year's intensity of the production table
    assert result.production is not None
    for unit in ("#1", "#2"):
        months = monthly.join(
            production_table(inventory).select("unit", "month", "supply"), on=["unit", "month"]
        ).filter(monthly["unit"] == unit)
        weighted = (months["supply_intensity"] * months["supply"]).sum() / months["supply"].sum()
        annual = result.production.filter(result.production["unit"] == unit)["supply_intensity"]
        assert weighted == pytest.approx(annual.item(), rel=1e-12)
