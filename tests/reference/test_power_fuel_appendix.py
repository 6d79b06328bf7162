"""The power guideline's fuel appendix (常用化石燃料相关参数缺省值), every fuel and not only coal,
fuel oil, diesel and natural gas (issue 13, item 7), by hand for each revision. Values as the
appendix is transcribed (factor files cn-mee-power-*, confidence per value): gasoline 43.070 GJ/t,
18.9 tC/TJ, 98 %; LPG 50.179 GJ/t, 17.2 tC/TJ, 98 %; blast-furnace gas 33.000 GJ/10^4 Nm3,
70.8 tC/TJ, 99 %; converter gas 84.000 GJ/10^4 Nm3, 49.6 tC/TJ, 99 %."""

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader

R = 44 / 12


@pytest.mark.parametrize(
    ("methodology", "year"),
    [("cn-mee-power-2021", 2020), ("cn-mee-power-2021-rev2022", 2022), ("cn-mee-power-2022", 2023)],
)
def test_every_appendix_fuel_has_its_defaults(methodology: str, year: int) -> None:
    fuel = pl.DataFrame(
        {
            "month": [1, 1, 1, 1],
            "fuel": ["gasoline", "lpg", "blast_furnace_gas", "converter_gas"],
            "consumption": [2.0, 3.0, 50.0, 10.0],
            "consumption_unit": ["t", "t", "万Nm3", "万Nm3"],
            "consumption_ref": ["加油记录", "液化气台账", "煤气流量计", "煤气流量计"],
        }
    )
    header = InventoryHeader(organisation="t", year=year, methodology=methodology)
    result = account(Inventory(header, {"fuel": fuel}))
    by_item = dict(result.lines.select("item", "emission").iter_rows())
    assert by_item["gasoline"] == pytest.approx(2 * 43.070 * 0.0189 * 0.98 * R, rel=1e-12)
    assert by_item["lpg"] == pytest.approx(3 * 50.179 * 0.0172 * 0.98 * R, rel=1e-12)
    assert by_item["blast_furnace_gas"] == pytest.approx(50 * 33.0 * 0.0708 * 0.99 * R, rel=1e-12)
    assert by_item["converter_gas"] == pytest.approx(10 * 84.0 * 0.0496 * 0.99 * R, rel=1e-12)


def test_values_read_in_one_transcription_only_are_marked() -> None:
    header = InventoryHeader(organisation="t", year=2023, methodology="cn-mee-power-2022")
    fuel = pl.DataFrame(
        {"month": [1], "fuel": ["lng"], "consumption": [1.0], "consumption_ref": ["LNG 储罐"]}
    )
    result = account(Inventory(header, {"fuel": fuel}))
    marked = {ref for ref, factor in result.factors.items() if factor.transcribed}
    assert "cn-mee-power-2022/carbon_content_per_heat/lng@1" in marked
    assert result.factors[
        "cn-mee-power-2022/carbon_content_per_heat/lng@1"
    ].effective_confidence == ("unverified")
