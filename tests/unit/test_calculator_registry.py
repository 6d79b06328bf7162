"""The calculator registry (issue 13, item 1; decision 0014): every calculator is declared as
data with an equation over its slots, every methodology source names one, and every line the
engine makes satisfies its calculator's equation with the slots read from the line, its tiers
among those the slot accepts. So the declared formula is the computed one, and the uncertainty
can take its sensitivities from it."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
import yaml

from dualcarbon.accounting.engine import IMPLEMENTATIONS, account
from dualcarbon.accounting.inputs import LINE_INPUTS
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.errors import FactorDataError
from dualcarbon.io import read_inventory
from dualcarbon.methodologies import definition
from dualcarbon.methodologies.definition import all_methodologies, load_folder
from dualcarbon.methodologies.registry import calculators, get_calculator, load_calculator_file
from dualcarbon.metrology.register_io import read_register
from reference.test_gbt_32150 import TABLES as GBT_32150_TABLES

SHIPPED = Path(definition.__file__).parent / "data"


def _results() -> list[AccountingResult]:
    demo = read_inventory(demo_inventory_path())
    found = [account(demo), account(demo, register=read_register(demo_register_path()))]
    for methodology, year in (("gbt-32150-2015", 2024), ("gbt-32150-2025", 2026)):
        header = InventoryHeader(organisation="t", year=year, methodology=methodology)
        found.append(account(Inventory(header, GBT_32150_TABLES)))
    return found


def test_every_calculator_is_implemented_and_every_source_names_one() -> None:
    assert set(IMPLEMENTATIONS) == set(calculators())
    for methodology in all_methodologies().values():
        for source in methodology.sources:
            assert get_calculator(source.calculator).id == source.calculator


@pytest.mark.parametrize(
    "result", _results(), ids=["power", "power-with-register", "gbt-32150-2015", "gbt-32150-2025"]
)
def test_every_line_satisfies_its_calculators_equation(result: AccountingResult) -> None:
    lines = result.lines
    assert lines.height
    for calculator_id, group in lines.group_by("formula"):
        calculator = get_calculator(str(calculator_id[0]))
        values = {
            slot.name: group[slot.line_column].to_numpy().astype(float) for slot in calculator.slots
        }
        computed = calculator.compiled().evaluate(values)
        assert computed == pytest.approx(group["emission"].to_numpy(), rel=1e-12)
        for slot in calculator.slots:
            tier_column = LINE_INPUTS[slot.line_column].tier
            if tier_column is not None:
                tiers = set(group[tier_column].drop_nulls().to_list())
                assert tiers <= {t.value for t in slot.tiers}, (calculator.id, slot.name, tiers)
            derivation = calculator.derivation(slot)
            if derivation is None or slot.derive is None or tier_column is None:
                continue
            derived = group.filter(pl.col(tier_column) == slot.derive.when.value)
            assert derived.height  # the derivation is exercised
            inputs = {
                s.name: derived[s.line_column].to_numpy().astype(float) for s in calculator.slots
            }
            assert derivation.evaluate(inputs) == pytest.approx(
                derived[slot.line_column].to_numpy(), rel=1e-12
            )


def test_the_equation_gives_exact_sensitivities() -> None:
    fuel = get_calculator("fuel_combustion_co2").compiled()
    point = {"consumption": 1000.0, "carbon_content": 0.55, "oxidation_rate": 0.99}
    gradient = fuel.gradient(point)
    assert gradient["consumption"] == pytest.approx(0.55 * 0.99 * 44 / 12, rel=1e-15)
    assert gradient["carbon_content"] == pytest.approx(1000 * 0.99 * 44 / 12, rel=1e-15)
    assert math.isclose(fuel.evaluate(point), 1000 * 0.55 * 0.99 * 44 / 12, rel_tol=1e-15)


def _methodology_with(tmp_path: Path, **source_changes: object) -> str:
    raw = yaml.safe_load((SHIPPED / "gbt-32150-2025.yaml").read_text(encoding="utf-8"))
    for source in raw["sources"]:
        if source["kind"] == "purchased_electricity":
            source.update(source_changes)
            source.update({k: None for k, v in source_changes.items() if v is None})
    (tmp_path / "gbt-32150-2025.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
    )
    return load_folder(tmp_path).broken["gbt-32150-2025.yaml"].rule


def test_a_source_naming_no_registered_calculator_does_not_load(tmp_path: Path) -> None:
    rule = _methodology_with(tmp_path, calculator="grid_magic")
    assert "no calculator 'grid_magic'" in rule and "indirect_co2" in rule


def test_a_source_must_give_what_its_calculator_needs(tmp_path: Path) -> None:
    assert "needs the source to give ['direction']" in _methodology_with(tmp_path, direction=None)


def test_a_bad_calculator_names_its_file_and_rule(tmp_path: Path) -> None:
    raw = yaml.safe_load((SHIPPED / "calculators" / "emissions.yaml").read_text(encoding="utf-8"))
    raw[1]["equation"] = "emission = activity * grid_factor"  # no such slot
    path = tmp_path / "emissions.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FactorDataError) as raised:
        load_calculator_file(path)
    assert raised.value.entry == "indirect_co2"
    assert "'grid_factor' is not an input" in raised.value.rule
