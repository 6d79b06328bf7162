"""Bad input is refused whole, each problem naming file, table, row, field and rule."""

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.errors import InputError


def _inventory(
    fuel: pl.DataFrame, year: int = 2024, methodology: str = "cn-mee-power-2022"
) -> Inventory:
    header = InventoryHeader(organisation="t", year=year, methodology=methodology)
    return Inventory(header, {"fuel": fuel}, source="plant.yaml")


def test_mass_where_energy_is_required_is_refused() -> None:
    fuel = pl.DataFrame(
        {
            "month": [1, 2],
            "fuel": ["coal", "coal"],
            "consumption": [10.0, 10.0],
            "ncv": [20.0, 20.0],
            "ncv_unit": ["GJ/t", "t"],
        }
    )
    with pytest.raises(InputError) as info:
        account(_inventory(fuel))
    (problem,) = info.value.problems
    assert (problem.file, problem.sheet, problem.row, problem.field) == (
        "plant.yaml",
        "fuel",
        2,
        "ncv_unit",
    )
    assert "not a unit of ncv" in problem.rule


def test_every_problem_is_reported_at_once() -> None:
    fuel = pl.DataFrame(
        {
            "month": [13, 1, 1],
            "fuel": ["coal", "peat", "coal"],
            "consumption": [1.0, 1.0, -5.0],
            "ncv": [20.0, 20.0, 20.0],
        }
    )
    with pytest.raises(InputError) as info:
        account(_inventory(fuel))
    found = {(p.row, p.field) for p in info.value.problems}
    assert {(1, "month"), (2, "fuel"), (3, "consumption")} <= found


def test_coal_without_ncv_is_refused_naming_the_rule() -> None:
    fuel = pl.DataFrame(
        {"month": [1], "fuel": ["coal"], "consumption": [1.0], "ncv": [None]},
        schema_overrides={"ncv": pl.Float64},
    )
    with pytest.raises(InputError, match="must be measured"):
        account(_inventory(fuel))


def test_year_outside_the_revision_is_refused() -> None:
    fuel = pl.DataFrame({"month": [1], "fuel": ["coal"], "consumption": [1.0], "ncv": [20.0]})
    with pytest.raises(InputError, match="governs data of"):
        account(_inventory(fuel, year=2020))


def test_air_dried_basis_needs_moistures() -> None:
    fuel = pl.DataFrame(
        {
            "month": [1],
            "fuel": ["coal"],
            "consumption": [1.0],
            "ncv": [20.0],
            "carbon_content": [60.0],
            "carbon_content_basis": ["ad"],
        }
    )
    with pytest.raises(InputError) as info:
        account(_inventory(fuel))
    assert {p.field for p in info.value.problems} == {"moisture_ar", "moisture_ad"}


def test_a_bad_row_of_a_shared_table_is_reported_once() -> None:
    # electricity serves two sources (purchased and exported); its row problems must not double
    header = InventoryHeader(organisation="t", year=2026, methodology="gbt-32150-2025")
    electricity = pl.DataFrame({"month": [13], "direction": ["purchased"], "amount": [1.0]})
    with pytest.raises(InputError) as info:
        account(Inventory(header, {"electricity": electricity}, source="plant.yaml"))
    assert [(p.row, p.field) for p in info.value.problems] == [(1, "month")]


def test_a_gas_the_methodology_does_not_account_is_refused() -> None:
    """``gases`` of the methodology file is read (issue 13, item 3): the GB/T 32150—2025 file
    lists seven gases, CFC-11 not among them (a Montreal Protocol substance), so a CFC-11 row is
    refused by name, not only for want of a GWP."""
    process = pl.DataFrame(
        {
            "month": [1, 1],
            "process": ["石灰石分解", "制冷剂逸散"],
            "gas": ["CO2", "CFC-11"],
            "activity": [100.0, 0.1],
            "emission_factor": [0.44, 1.0],
        }
    )
    header = InventoryHeader(organisation="t", year=2026, methodology="gbt-32150-2025")
    with pytest.raises(InputError) as info:
        account(Inventory(header, {"process": process}, source="plant.yaml"))
    (problem,) = info.value.problems
    assert (problem.sheet, problem.row, problem.field) == ("process", 2, "gas")
    assert "accounts CO2, CH4, N2O, HFCs, PFCs, SF6, NF3 only" in problem.rule
