"""The tier rules (issue 13, item 2; docs/inventory-format.md, "Evidence"): a measured value
names its instrument or meter record, a lab value its report, a default typed into the
inventory its source and clause; anything else is refused naming table, row and column."""

from __future__ import annotations

import polars as pl
import pytest

from dualcarbon.accounting.engine import account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.errors import InputError, InputProblem


def _problems(methodology: str, year: int, **tables: pl.DataFrame) -> list[InputProblem]:
    header = InventoryHeader(organisation="t", year=year, methodology=methodology)
    try:
        account(Inventory(header, tables, source="plant.yaml"))
    except InputError as exc:
        return list(exc.problems)
    return []


def _where(problems: list[InputProblem]) -> list[tuple[str | None, int | None, str | None]]:
    return [(p.sheet, p.row, p.field) for p in problems]


def test_measured_and_lab_values_name_their_evidence() -> None:
    fuel = pl.DataFrame(
        {
            "month": [1, 2],
            "fuel": ["coal", "coal"],
            "consumption": [1000.0, 900.0],
            "consumption_ref": ["皮带秤 BS-101", None],
            "ncv": [20.5, 21.0],
            "ncv_ref": ["热值报告 2024-01", " "],
            "carbon_content": [55.2, None],
            "carbon_content_ref": [None, None],
        }
    )
    problems = _problems("cn-mee-power-2022", 2024, fuel=fuel)
    assert sorted(_where(problems)) == [
        ("fuel", 1, "carbon_content_ref"),
        ("fuel", 2, "consumption_ref"),
        ("fuel", 2, "ncv_ref"),  # blank is no evidence
    ]
    rules = {p.field: p.rule for p in problems}
    assert "a measured value names its instrument or meter record" in rules["consumption_ref"]
    assert "a laboratory value names its analysis report" in rules["carbon_content_ref"]
    assert all(p.file == "plant.yaml" for p in problems)


def test_defaults_of_the_methodology_and_calculated_values_need_nothing_more() -> None:
    fuel = pl.DataFrame(  # no NCV, no carbon: both from the factor files, which name themselves
        {
            "month": [1, 2],
            "fuel": ["fuel_oil", "fuel_oil"],
            "consumption": [12.0, 10.0],
            "consumption_ref": ["油罐 T-2", None],
            "consumption_tier": ["measured", "calculated"],
        }
    )
    assert _problems("cn-mee-power-2022", 2024, fuel=fuel) == []


def test_a_typed_default_names_its_source_and_clause() -> None:
    process = pl.DataFrame(
        {
            "month": [1, 1],
            "process": ["石灰石分解", "石灰石分解"],
            "activity": [100.0, 50.0],
            "activity_ref": ["地磅 DB-1", "地磅 DB-1"],
            "emission_factor": [0.44, 0.44],
            "emission_factor_ref": ["GB/T 32151.8 附录B", ""],
        }
    )
    problems = _problems("gbt-32150-2025", 2026, process=process)
    assert _where(problems) == [("process", 2, "emission_factor_ref")]
    assert "a default names its source and clause" in problems[0].rule


@pytest.mark.parametrize(
    ("missing", "field"), [("volume_ref", "volume_ref"), ("purity_ref", "purity_ref")]
)
def test_recovered_co2_names_its_meter_and_its_purity_report(missing: str, field: str) -> None:
    row = {
        "month": [3],
        "volume": [10.0],
        "purity": [0.99],
        "volume_ref": ["FQ-1"],
        "purity_ref": ["浓度报告"],
    }
    row[missing] = [""]
    problems = _problems("gbt-32150-2025", 2026, recovered=pl.DataFrame(row))
    assert _where(problems) == [("recovered", 1, field)]
