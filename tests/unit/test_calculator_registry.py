"""The calculator registry (issue 13, item 1; decision 0014): every calculator is declared as
data with an equation over its slots, every methodology source names one, and every line the
engine makes satisfies its calculator's equation with the slots read from the line, its tiers
among those the slot accepts. So the declared formula is the computed one, and the uncertainty
can take its sensitivities from it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from dualcarbon.accounting.engine import IMPLEMENTATIONS, account
from dualcarbon.accounting.inventory import Inventory, InventoryHeader
from dualcarbon.accounting.result import AccountingResult
from dualcarbon.demo import demo_inventory_path, demo_register_path
from dualcarbon.errors import FactorDataError
from dualcarbon.io import read_inventory
from dualcarbon.io.register_files import read_register
from dualcarbon.methodologies import definition
from dualcarbon.methodologies.definition import all_methodologies, load_folder
from dualcarbon.methodologies.registry import (
    Calculator,
    calculators,
    get_calculator,
    load_calculator_file,
)
from reference.test_gbt_32150 import TABLES as GBT_32150_TABLES

SHIPPED = Path(definition.__file__).parent / "data"


EXAMPLES = Path(__file__).parents[2] / "examples"
SECTORS = ("cement", "aluminium", "steel")


def _results() -> list[AccountingResult]:
    demo = read_inventory(demo_inventory_path())
    found = [account(demo), account(demo, register=read_register(demo_register_path()))]
    for methodology, year in (("gbt-32150-2015-ipcc", 2024), ("gbt-32150-2025-ipcc", 2026)):
        header = InventoryHeader(organisation="t", year=year, methodology=methodology)
        found.append(account(Inventory(header, GBT_32150_TABLES)))
    found += [account(read_inventory(EXAMPLES / f"{sector}-2025.yaml")) for sector in SECTORS]
    return found


def test_every_calculator_is_evaluated_and_every_source_names_one() -> None:
    by_equation = {c.id for c in calculators().values() if c.by_equation}
    assert set(IMPLEMENTATIONS) | by_equation == set(calculators())
    assert not set(IMPLEMENTATIONS) & by_equation
    for methodology in all_methodologies().values():
        for source in methodology.sources:
            assert get_calculator(source.calculator).id == source.calculator


@pytest.mark.parametrize(
    "result",
    _results(),
    ids=["power", "power-with-register", "gbt-32150-2015", "gbt-32150-2025", *SECTORS],
)
def test_every_line_satisfies_its_calculators_equation(result: AccountingResult) -> None:
    """Read back from the inputs table alone: each line's slots give its emission by the
    calculator's equation, each derived slot its value by the derivation, and every tier is one
    the slot accepts."""
    lines = result.lines
    assert lines.height
    for calculator_id, group in lines.group_by("formula"):
        calculator = get_calculator(str(calculator_id[0]))
        wide = (
            result.inputs.filter(pl.col("calculator") == calculator.id, pl.col("slot") != "gwp")
            .pivot(on="slot", index="line", values="value")
            .rename(lambda name: name if name == "line" else f"slot:{name}")
        )
        group = group.join(wide, on="line", how="left")

        def slot_values(
            frame: pl.DataFrame, calculator: Calculator = calculator
        ) -> dict[str, np.ndarray]:
            return {
                slot.name: frame[f"slot:{slot.name}"].to_numpy().astype(float)
                if f"slot:{slot.name}" in frame.columns
                else np.full(frame.height, np.nan)
                for slot in calculator.slots
            }

        computed = calculator.compiled().evaluate(slot_values(group))
        assert computed == pytest.approx(group["emission"].to_numpy(), rel=1e-12)
        mine = result.inputs.filter(pl.col("calculator") == calculator.id)
        for slot in calculator.slots:
            tiers = set(mine.filter(pl.col("slot") == slot.name)["tier"].drop_nulls().to_list())
            accepted = {t.value for t in slot.tiers}
            if slot.derive is not None:
                accepted.add(slot.derive.when.value)
            assert tiers <= accepted, (calculator.id, slot.name, tiers)
            derivation = calculator.derivation(slot)
            if derivation is None:
                continue
            derived_lines = mine.filter(pl.col("slot") == slot.name, pl.col("derived"))["line"]
            derived = group.filter(pl.col("line").is_in(derived_lines.implode()))
            if not derived.height:
                continue
            assert derivation.evaluate(slot_values(derived)) == pytest.approx(
                derived[f"slot:{slot.name}"].to_numpy(), rel=1e-12
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
