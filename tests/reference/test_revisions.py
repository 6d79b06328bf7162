"""Revisions of the power guideline keep their own defaults; a result names the one it used."""

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.methodologies.definition import methodology_for_year
from evidence import all_with_evidence

R = 44 / 12
FUEL = pl.DataFrame({"month": [1], "fuel": ["coal"], "consumption": [1000.0], "ncv": [20.0]})


@pytest.mark.parametrize(
    ("year", "methodology", "default", "grid"),
    [
        # 环办气候〔2021〕9号: 0.03356 tC/GJ (chemlinked summary of the 2022-06 notice)
        (2020, "cn-mee-power-2021", 0.03356, 0.6101),
        # 2022-06-08 MEE notice: lowered to 0.03085 tC/GJ for 2021 and 2022 data
        (2022, "cn-mee-power-2021-rev2022", 0.03085, 0.5810),
        # 环办气候函〔2022〕485号 with 环办气候函〔2023〕43号 grid factor
        (2024, "cn-mee-power-2022", 0.03085, 0.5703),
    ],
)
def test_unmeasured_coal_default_by_revision(
    year: int, methodology: str, default: float, grid: float
) -> None:
    assert methodology_for_year("power", year).id == methodology
    electricity = pl.DataFrame({"month": [1], "amount": [100.0]})
    header = InventoryHeader(organisation="t", year=year, methodology=methodology)
    tables = all_with_evidence({"fuel": FUEL, "electricity": electricity})
    result = account(Inventory(header, tables))
    assert result.meta.methodology == f"{methodology}@1"
    fuel = 1000 * 20.0 * default * 0.99 * R
    assert result.total() == pytest.approx(fuel + 100 * grid, rel=1e-12)
