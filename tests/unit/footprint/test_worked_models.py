"""The worked product models of demo/data/footprint/ on the background library, and the
service-life functional units, against arithmetic written out by hand from the files' amounts
and the library's factors.

The foreground amounts of both examples are illustrative (see their headers); the factors are
records of src/dualcarbon/footprint/data/background.yaml, whose sources are cited below."""

from __future__ import annotations

import pytest

from dualcarbon.demo import demo_footprint_path
from dualcarbon.footprint.background import default_background_library
from dualcarbon.footprint.footprint import compute_footprint
from dualcarbon.footprint.model import Stage
from dualcarbon.footprint.service_life import (
    FEQC_PER_YEAR,
    battery_total_energy,
    footprint_per_unit,
    pv_degradation_sum,
    pv_lifetime_energy,
    pv_module_power_stc,
)
from dualcarbon.io.product_yaml import read_product_system

EXAMPLES = demo_footprint_path()
BATTERY = EXAMPLES / "lfp-ev-battery-pack.yaml"
PV = EXAMPLES / "pv-module-per-kwp.yaml"

# Factors of the background library [kgCO2e per unit], with their sources.
GRID = 0.6205  # electricity_cn_grid_cfp_2023: MEE/NBS/NEA 2023 national CFP factor, per kWh
LI2CO3 = 12.6  # lithium_carbonate_cn_liu: China consumption average, per kg
GRAPHITE = 13.8  # graphite_synthetic_anode_2022: J. Ind. Ecol. inventory, per kg
COPPER = 2.6  # copper_primary_northey2013: Northey et al. 2013 average, per kg
AL_PRIMARY = 15.1  # aluminium_primary_iai_2022: IAI 2022, per kg
AL_CLOSED_LOOP = 0.9950779  # aluminium_closed_loop_desnz_2025: DESNZ 2025, per kg
STEEL = 1.91  # steel_crude_worldsteel_2022: worldsteel 2022, per kg (CO2 only)
PP = 2.57757172  # polypropylene_desnz_2025: DESNZ 2025, per kg
PET = 3.86390131  # pet_desnz_2025: DESNZ 2025, per kg
PLASTICS = 3.17249932  # plastics_average_desnz_2025: DESNZ 2025, per kg (EVA proxy)
NATURAL_GAS = 0.0561  # natural_gas_combustion_ipcc2006: IPCC 2006 Table 1.4, per MJ
SEA = 0.01612  # freight_sea_container_desnz_2025: DESNZ 2025, per t·km
ROAD = 0.10163  # freight_road_hgv_desnz_2025: DESNZ 2025, per t·km
POLYSILICON = 37.0  # polysilicon_granular_gcl: GCL statement, per kg
GLASS = 1.03  # glass_float_agc: AGC EPD 10.3 kg/m² of 4 mm glass ÷ 10 kg/m², per kg


def test_the_constants_above_are_the_library_values() -> None:
    library = default_background_library()
    expected = {
        "electricity_cn_grid_cfp_2023": GRID,
        "lithium_carbonate_cn_liu": LI2CO3,
        "graphite_synthetic_anode_2022": GRAPHITE,
        "copper_primary_northey2013": COPPER,
        "aluminium_primary_iai_2022": AL_PRIMARY,
        "aluminium_closed_loop_desnz_2025": AL_CLOSED_LOOP,
        "steel_crude_worldsteel_2022": STEEL,
        "polypropylene_desnz_2025": PP,
        "pet_desnz_2025": PET,
        "plastics_average_desnz_2025": PLASTICS,
        "natural_gas_combustion_ipcc2006": NATURAL_GAS,
        "freight_sea_container_desnz_2025": SEA,
        "freight_road_hgv_desnz_2025": ROAD,
        "polysilicon_granular_gcl": POLYSILICON,
        "glass_float_agc": GLASS,
    }
    for record_id, value in expected.items():
        assert library.get(record_id).emission_factor == value, record_id


# -- service-life functional units ---------------------------------------------------------------


def test_battery_total_energy_worked_example() -> None:
    # Our own arithmetic on the EU 2023/1542 draft EV delegated act's FEqC per year (April 2024
    # draft, as read in public summaries): a 75 kWh M1 battery with an 8-year warranty delivers
    # 75 × 60 × 8 = 36 000 kWh; 5 400 kgCO2e over its life is then 0.15 kgCO2e/kWh.
    assert FEQC_PER_YEAR["M1"] == 60
    assert FEQC_PER_YEAR["N1"] == 60
    assert FEQC_PER_YEAR["L"] == 20
    assert FEQC_PER_YEAR["N3"] == 250
    assert battery_total_energy(75, FEQC_PER_YEAR["M1"], 8) == 36_000.0
    assert footprint_per_unit(5_400.0, 36_000.0) == pytest.approx(0.15, rel=1e-12)


def test_pv_power_and_lifetime_energy() -> None:
    # 2.0 m² × 0.21 × 1 kW/m² = 0.42 kWp
    assert pv_module_power_stc(2.0, 0.21) == pytest.approx(0.42, rel=1e-12)
    # Σ_{t=1..30} (1 − 0.005 (t − 1)) = 30 − 0.005 × 30 × 29 / 2 = 30 − 2.175 = 27.825 years
    assert pv_degradation_sum(30, 0.005) == pytest.approx(27.825, rel=1e-12)
    # the closed form equals the year-by-year sum
    assert pv_degradation_sum(30, 0.005) == pytest.approx(
        sum(1 - 0.005 * (t - 1) for t in range(1, 31)), rel=1e-12
    )
    # 1 kWp × 1133 kWh/kWp × 27.825 = 31 525.725 kWh
    assert pv_lifetime_energy(1.0, 1133.0, 30, 0.005) == pytest.approx(31_525.725, rel=1e-12)
    assert pv_degradation_sum(1, 0.9) == 1.0  # one year: no degradation yet


@pytest.mark.parametrize(
    "call",
    [
        lambda: battery_total_energy(0, 60, 8),
        lambda: battery_total_energy(60, 60, float("nan")),
        lambda: footprint_per_unit(1.0, 0.0),
        lambda: pv_module_power_stc(2.0, 1.2),
        lambda: pv_degradation_sum(30, 0.05),  # 1 − 0.05 × 29 < 0: no output left
        lambda: pv_degradation_sum(0, 0.005),
        lambda: pv_lifetime_energy(-1.0, 1133.0, 30, 0.005),
    ],
)
def test_service_life_refuses_impossible_inputs(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


# -- LFP EV battery pack, per kWh delivered over the service life --------------------------------

# E_total = usable capacity × FEqC/year × service life = 60 kWh × 60 × 8 years = 28 800 kWh
E_TOTAL = 60 * 60 * 8
CELLS = 64  # kWh of cells per pack (nominal_capacity_kwh)

# cam_synthesis, per kg LiFePO4: Li2CO3 0.5 × 73.89 / 157.76 kg, electricity 8 kWh
LI2CO3_PER_CAM = 0.5 * 73.89 / 157.76  # 0.234185 kg/kg
CAM_PER_KG = LI2CO3_PER_CAM * LI2CO3 + 8 * GRID  # 2.950731 + 4.964 = 7.914731
# all of cam_synthesis is raw material acquisition: 64 kWh × 2.0 kg/kWh × 7.914731
PACK_CAM = CELLS * 2.0 * CAM_PER_KG  # 1013.086

# cell_manufacturing, per kWh of cells; materials reported as raw material acquisition
CELL_RAW = CELLS * (1.0 * GRAPHITE + 0.8 * COPPER + 0.5 * AL_PRIMARY + 0.08 * PP)
CELL_ELECTRICITY = CELLS * 30 * GRID  # 1191.36 (production)
# bms: 2.0 kg copper + 1.5 kg PP (raw), 10 kWh (production)
BMS_RAW = 2.0 * COPPER + 1.5 * PP
BMS_ELECTRICITY = 10 * GRID
# housing: 35 kg primary aluminium + 25 kg steel (raw), 60 kWh (production)
HOUSING_RAW = 35 * AL_PRIMARY + 25 * STEEL  # 528.5 + 47.75 = 576.25
HOUSING_ELECTRICITY = 60 * GRID
# pack_assembly: 80 kWh (production)
ASSEMBLY_ELECTRICITY = 80 * GRID
# distribution: 0.45 t × 19 000 km by sea, 0.45 t × 800 km by road
DISTRIBUTION = 0.45 * 19_000 * SEA + 0.45 * 800 * ROAD  # 137.826 + 36.5868
# end of life: 0.45 t × 300 km by road, 120 kWh, 900 MJ natural gas
END_OF_LIFE = 0.45 * 300 * ROAD + 120 * GRID + 900 * NATURAL_GAS  # 13.72 + 74.46 + 50.49

PACK_RAW = PACK_CAM + CELL_RAW + BMS_RAW + HOUSING_RAW
PACK_PRODUCTION = CELL_ELECTRICITY + BMS_ELECTRICITY + HOUSING_ELECTRICITY + ASSEMBLY_ELECTRICITY
PACK_TOTAL = PACK_RAW + PACK_PRODUCTION + DISTRIBUTION + END_OF_LIFE  # ≈ 4708.6 kgCO2e


def test_battery_pack_per_kwh_delivered() -> None:
    system = read_product_system(BATTERY)
    result = compute_footprint(system)
    assert battery_total_energy(60, 60, 8) == E_TOTAL == 28_800
    # the reference flow is 1 / E_total of a pack's life cycle
    assert result.reference_flow == (pytest.approx(1 / 28_800, rel=1e-12), "piece")
    # ≈ 4708.6 kgCO2e per pack / 28 800 kWh ≈ 0.1635 kgCO2e per kWh delivered
    assert result.total == pytest.approx(PACK_TOTAL / E_TOTAL, rel=1e-9)
    assert result.total == pytest.approx(0.16349, rel=1e-4)
    assert footprint_per_unit(PACK_TOTAL, E_TOTAL) == pytest.approx(result.total, rel=1e-9)


def test_battery_pack_by_stage_as_the_battery_regulation_reports_them() -> None:
    result = compute_footprint(read_product_system(BATTERY))
    assert set(result.by_stage) == {
        Stage.RAW_MATERIAL_ACQUISITION,
        Stage.PRODUCTION,
        Stage.DISTRIBUTION,
        Stage.END_OF_LIFE,
    }
    expected = {
        Stage.RAW_MATERIAL_ACQUISITION: PACK_RAW / E_TOTAL,
        Stage.PRODUCTION: PACK_PRODUCTION / E_TOTAL,
        Stage.DISTRIBUTION: DISTRIBUTION / E_TOTAL,
        Stage.END_OF_LIFE: END_OF_LIFE / E_TOTAL,
    }
    for stage, value in expected.items():
        assert result.by_stage[stage] == pytest.approx(value, rel=1e-9), stage
    assert result.by_process["cam_synthesis"] == pytest.approx(PACK_CAM / E_TOTAL, rel=1e-9)
    assert result.by_process["housing"] == pytest.approx(
        (HOUSING_RAW + HOUSING_ELECTRICITY) / E_TOTAL, rel=1e-9
    )


def test_battery_pack_components_and_cut_off() -> None:
    system = read_product_system(BATTERY)
    result = compute_footprint(system)
    # every factor is fossil and none is air transport
    assert result.components.fossil == pytest.approx(result.total, rel=1e-12)
    assert result.components.aircraft == 0.0
    assert {c.product for c in result.cut_off} == {
        "iron_phosphate",
        "electrolyte",
        "bms_electronics",
    }
    assert {e.stage for e in system.stage_exclusions} == {Stage.USE}


def test_battery_pack_longer_warranty_lowers_the_footprint_per_kwh() -> None:
    system = read_product_system(BATTERY)
    result = compute_footprint(system, overrides={"service_life_years": 10})
    # 60 × 60 × 10 = 36 000 kWh; the pack's footprint does not change
    assert result.total == pytest.approx(PACK_TOTAL / 36_000, rel=1e-9)


# -- PV module, per kWp and per kWh generated ----------------------------------------------------

P_STC = 2.0 * 0.21 * 1.0  # kWp per module = area × efficiency × G_STC = 0.42
WAFER_AREA = 2.0 * 0.92 / 0.97  # m² of wafer per module: cells 1.84 m² / cell yield 0.97
WAFER_PER_M2 = 0.5 * POLYSILICON + 25 * GRID  # 18.5 + 15.5125 = 34.0125 (raw)
GLASS_KG = 2.0 * 3.2 / 1000 * 2500  # 16 kg per module
MODULE_RAW = (
    WAFER_AREA * WAFER_PER_M2  # wafer process
    + GLASS_KG * GLASS  # 16.48
    + 1.5 * AL_PRIMARY  # 22.65
    + 1.0 * AL_CLOSED_LOOP  # 0.9950779
    + 0.6 * PET  # 2.318341
    + 1.0 * PLASTICS  # EVA, proxy: 3.172499
)
MODULE_PRODUCTION = 2.0 * 0.92 * 10 * GRID + 8 * GRID  # cell 11.4172 + assembly 4.964
MODULE_TOTAL = MODULE_RAW + MODULE_PRODUCTION  # ≈ 126.516 kgCO2e per module


def test_pv_module_per_kwp() -> None:
    system = read_product_system(PV)
    result = compute_footprint(system)
    assert pv_module_power_stc(2.0, 0.21) == pytest.approx(P_STC, rel=1e-12)
    # 1 kWp = 1 / 0.42 modules
    assert result.reference_flow == (pytest.approx(1 / 0.42, rel=1e-12), "piece")
    # ≈ 126.516 kgCO2e per module / 0.42 kWp ≈ 301.23 kgCO2e per kWp
    assert result.total == pytest.approx(MODULE_TOTAL / P_STC, rel=1e-9)
    assert result.total == pytest.approx(301.228, rel=1e-5)
    assert result.by_stage[Stage.RAW_MATERIAL_ACQUISITION] == pytest.approx(
        MODULE_RAW / P_STC, rel=1e-9
    )
    assert result.by_stage[Stage.PRODUCTION] == pytest.approx(MODULE_PRODUCTION / P_STC, rel=1e-9)
    assert system.recycled_content("module_assembly") == {"aluminium": pytest.approx(0.4)}
    assert {c.product for c in result.cut_off} == {
        "silver_paste",
        "junction_box",
        "process_chemicals",
    }


def test_pv_module_per_kwh_generated() -> None:
    system = read_product_system(PV)
    per_kwp = compute_footprint(system).total
    # IEA PVPS lifetime 30 years, linear degradation 0.5 %/year (Jordan & Kurtz 2013),
    # first-year yield 1133 kWh/kWp (China 2015 average utilisation hours, NEA):
    # E_life per kWp = 1133 × (30 − 0.005 × 30 × 29 / 2) = 1133 × 27.825 = 31 525.725 kWh
    e_life = pv_lifetime_energy(1.0, 1133.0, 30, 0.005)
    assert e_life == pytest.approx(31_525.725, rel=1e-12)
    per_kwh = footprint_per_unit(per_kwp, e_life)
    # ≈ 301.23 / 31 525.7 ≈ 0.00955 kgCO2e per kWh (module manufacturing only)
    assert per_kwh == pytest.approx(MODULE_TOTAL / P_STC / 31_525.725, rel=1e-9)
    assert per_kwh == pytest.approx(0.009555, rel=1e-3)


def test_pv_example_states_its_yield_assumptions_as_parameters() -> None:
    system = read_product_system(PV)
    values = {p.name: p.value for p in system.parameters}
    assert values["specific_yield"] == 1133
    assert values["lifetime_years"] == 30
    assert values["degradation_per_year"] == 0.005


def test_pv_efficiency_override_changes_kwp_not_the_module() -> None:
    system = read_product_system(PV)
    result = compute_footprint(system, overrides={"module_efficiency": 0.22})
    # 2.0 m² × 0.22 = 0.44 kWp per module; the module's footprint is unchanged
    assert result.total == pytest.approx(MODULE_TOTAL / 0.44, rel=1e-9)
