"""GB/T 32150 (2015 and 2025 editions), every source, against a hand calculation.

Reference values used by hand below:
- IPCC 2006 Vol. 2 Ch. 1: other bituminous coal NCV 25.8 TJ/Gg (Table 1.2), carbon content
  25.8 kg C/GJ (Table 1.3), oxidation factor 1 — the reference values dualcarbon applies where
  GB/T 32150 prints none (docs/decisions/0003-gbt-32150-defaults.md);
- national grid average 2023, 0.5306 tCO2/MWh (MEE/NBS 公告2025年第47号), the latest not after
  the data year;
- purchased heat 0.11 tCO2/GJ (GB/T 32150—2025 7.5.6);
- GWP N2O: AR6 273 (2025 edition), SAR 310 (2015 edition);
- CO2 recovered: Q × PUR × 19.77 t/10^4 Nm3.
"""

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.errors import InputError

R = 44 / 12

TABLES = {
    "fuel": pl.DataFrame(
        {
            "month": [1, 2],
            "fuel": ["bituminous_coal", "bituminous_coal"],
            "consumption": [600.0, 400.0],
            "consumption_ref": ["皮带秤 BS-1", "皮带秤 BS-1"],
            "ncv": [None, 22.0],
            "ncv_ref": [None, "热值报告 2026-02"],
        },
        schema_overrides={"ncv": pl.Float64},
    ),
    "electricity": pl.DataFrame(
        {
            "month": [1, 1],
            "direction": ["purchased", "exported"],
            "amount": [1000.0, 100.0],
            "amount_ref": ["关口表 GK-1", "关口表 GK-2"],
        }
    ),
    "heat": pl.DataFrame(
        {
            "month": [1, 1],
            "direction": ["purchased", "exported"],
            "amount": [500.0, 50.0],
            "amount_ref": ["热量表 RL-1", "热量表 RL-2"],
        }
    ),
    "process": pl.DataFrame(
        {
            "month": [1, 1],
            "process": ["石灰石分解", "硝酸生产"],
            "gas": ["CO2", "N2O"],
            "activity": [100.0, 10.0],
            "activity_ref": ["石灰石地磅 DB-1", "硝酸产量台账"],
            "emission_factor": [0.44, 0.1],
            "emission_factor_ref": ["CaCO3 化学计量 44/100", "企业实测 2026"],
        }
    ),
    "recovered": pl.DataFrame(
        {
            "month": [3],
            "volume": [10.0],
            "volume_ref": ["回收气流量计 FQ-1"],
            "purity": [0.99],
            "purity_ref": ["浓度报告 2026-03"],
        }
    ),
}


def _result(methodology: str, year: int) -> tuple[float, dict[str, float]]:
    header = InventoryHeader(organisation="t", year=year, methodology=methodology)
    result = account(Inventory(header, TABLES))
    return result.total(), dict(result.by("source").select("source", "tco2e").iter_rows())


# Month 1: no NCV measured → 600 t × 25.8 GJ/t × 0.0258 tC/GJ × 1 × 44/12
# Month 2: measured NCV 22.0 GJ/t, no carbon analysis → 400 × 22.0 × 0.0258 × 44/12
FUEL = 600 * 25.8 * 0.0258 * R + 400 * 22.0 * 0.0258 * R
ELECTRICITY = 1000 * 0.5306
EXPORTED_ELECTRICITY = -100 * 0.5306
HEAT = 500 * 0.11
EXPORTED_HEAT = -50 * 0.11
RECOVERED = 10 * 0.99 * 19.77


def test_2025_edition() -> None:
    total, by_source = _result("gbt-32150-2025-ipcc", 2026)
    process = 100 * 0.44 + 10 * 0.1 * 273
    assert by_source["fuel_combustion"] == pytest.approx(FUEL, rel=1e-12)
    assert by_source["process"] == pytest.approx(process, rel=1e-12)
    assert by_source["purchased_electricity"] == pytest.approx(ELECTRICITY, rel=1e-12)
    assert by_source["exported_electricity"] == pytest.approx(EXPORTED_ELECTRICITY, rel=1e-12)
    assert by_source["purchased_heat"] == pytest.approx(HEAT, rel=1e-12)
    assert by_source["exported_heat"] == pytest.approx(EXPORTED_HEAT, rel=1e-12)
    # Reported beside the total, not deducted from it, in the 2025 edition (decision 0003).
    assert by_source["co2_recovered"] == pytest.approx(-RECOVERED, rel=1e-12)
    expected = FUEL + process + ELECTRICITY + EXPORTED_ELECTRICITY + HEAT + EXPORTED_HEAT
    assert total == pytest.approx(expected, rel=1e-12)


def test_2015_edition_deducts_recovered_co2_and_uses_sar() -> None:
    total, by_source = _result("gbt-32150-2015-ipcc", 2024)
    process = 100 * 0.44 + 10 * 0.1 * 310
    assert by_source["process"] == pytest.approx(process, rel=1e-12)
    expected = (
        FUEL + process + ELECTRICITY + EXPORTED_ELECTRICITY + HEAT + EXPORTED_HEAT - RECOVERED
    )
    assert total == pytest.approx(expected, rel=1e-12)


def test_the_common_fuel_table_by_hand() -> None:
    """GB/T 32150 as Chinese practice applies it: the common fuel table of the GB/T 32151 parts
    (附录C 表C.1): natural gas 389.31 GJ/10^4 Nm3, 15.3 tC/TJ, 99 %; diesel 42.652 GJ/t,
    20.2 tC/TJ, 98 %; bituminous coal 26.1 tC/TJ, 93 %, its NCV measured (docs/decisions/
    0015-common-fuel-table.md). The IPCC 2006 set stays available as gbt-32150-2015-ipcc."""
    fuel = pl.DataFrame(
        {
            "month": [1, 1, 1],
            "fuel": ["natural_gas", "diesel", "bituminous_coal"],
            "consumption": [10.0, 5.0, 1000.0],
            "consumption_unit": ["万Nm3", "t", "t"],
            "consumption_ref": ["燃气表", "油罐", "皮带秤"],
            "ncv": [None, None, 22.0],
            "ncv_ref": [None, None, "热值报告"],
        },
        schema_overrides={"ncv": pl.Float64},
    )
    for methodology, year in (("gbt-32150-2015", 2024), ("gbt-32150-2025", 2026)):
        header = InventoryHeader(organisation="t", year=year, methodology=methodology)
        result = account(Inventory(header, {"fuel": fuel}))
        expected = (
            10 * 389.31 * 0.0153 * 0.99 * R
            + 5 * 42.652 * 0.0202 * 0.98 * R
            + 1000 * 22.0 * 0.0261 * 0.93 * R
        )
        assert result.total() == pytest.approx(expected, rel=1e-12), methodology
        assert any(ref.startswith("gbt-32151-common-fuels/") for ref in result.meta.factors)


def test_coal_without_a_measured_ncv_is_refused_on_the_common_table() -> None:
    fuel = pl.DataFrame(
        {"month": [1], "fuel": ["bituminous_coal"], "consumption": [100.0],
         "consumption_ref": ["皮带秤"]}
    )  # fmt: skip
    header = InventoryHeader(organisation="t", year=2024, methodology="gbt-32150-2015")
    with pytest.raises(InputError) as raised:
        account(Inventory(header, {"fuel": fuel}))
    assert [(p.row, p.field) for p in raised.value.problems] == [(1, "ncv")]
