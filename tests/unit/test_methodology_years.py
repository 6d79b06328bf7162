"""Every data year a methodology claims can be accounted (issue 13, item 7): its grid and heat
factors resolve for each year of ``reporting_years``. A claim without a factor behind it is
narrowed in the file rather than failing on the user's data: GB/T 32150-2015 claimed 2016–2020,
and the national grid averages shipped start with 2021 data (MEE and NBS, 公告2024年第12号)."""

from __future__ import annotations

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.methodologies.definition import all_methodologies

CASES = [
    (methodology.id, year)
    for methodology in sorted(all_methodologies().values(), key=lambda m: m.id)
    for year in methodology.reporting_years
]


@pytest.mark.parametrize(("methodology_id", "year"), CASES)
def test_every_claimed_year_has_its_factors(methodology_id: str, year: int) -> None:
    methodology = all_methodologies()[methodology_id]
    tables: dict[str, pl.DataFrame] = {}
    if "electricity" in methodology.tables:
        tables["electricity"] = pl.DataFrame(
            {"month": [1], "direction": ["purchased"], "amount": [100.0], "amount_ref": ["结算单"]}
        )
    if "heat" in methodology.tables:
        tables["heat"] = pl.DataFrame(
            {"month": [1], "direction": ["purchased"], "amount": [100.0], "amount_ref": ["结算单"]}
        )
    assert tables, methodology_id
    header = InventoryHeader(organisation="t", year=year, methodology=methodology_id)
    result = account(Inventory(header, tables))
    for factor in result.factors.values():
        if factor.kind == "co2_emission_factor" and factor.year is not None:
            assert factor.year <= year, (factor.ref, year)  # never a factor of a later year
    assert result.lines["emission_co2e"].sum() > 0  # indirect lines may be reported apart
