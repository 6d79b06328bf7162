"""``dualcarbon energy quotas|account|grade`` end to end through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.demo import demo_inventory_path

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))


def test_quotas_lists_every_standard() -> None:
    out = runner.invoke(app, ["energy", "quotas", "--json"])
    assert out.exit_code == 0, out.output
    numbers = {s["number"] for s in json.loads(out.stdout)}
    assert {"GB 16780-2021", "GB 21258-2024", "GB 21346-2022"} <= numbers


def test_account_json_balances(tmp_path: Path) -> None:
    html = tmp_path / "能耗.html"
    out = runner.invoke(
        app,
        ["energy", "account", str(EXAMPLES / "cement-2025.yaml"), "--json", "--html", str(html)],
    )
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["comprehensive_energy_tce"] == pytest.approx(
        document["consumed_tce"] - document["exported_tce"]
    )
    assert sum(row["tce"] for row in document["by_carrier"]) == pytest.approx(
        document["comprehensive_energy_tce"]
    )
    page = html.read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in page and "综合能耗" in page  # files default to Chinese


def test_grade_with_conditions_reports_each_unit(tmp_path: Path) -> None:
    out = runner.invoke(
        app,
        [
            "energy",
            "grade",
            str(demo_inventory_path()),
            "--conditions",
            str(EXAMPLES / "demo-plant-units.yaml"),
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    grades = json.loads(out.stdout)["grades"]
    assert {(g["indicator"], g["scope"]) for g in grades} == {
        ("supply_coal_rate", "#1"),
        ("supply_coal_rate", "#2"),
        ("heat_coal_rate", "#1"),
        ("heat_coal_rate", "#2"),
    }
    assert all(g["class"] == "subc_600" for g in grades)


def test_grade_without_classes_exits_1_naming_the_units() -> None:
    out = runner.invoke(app, ["energy", "grade", str(demo_inventory_path())])
    assert out.exit_code == 1
    assert "#1" in out.output and "subc_600" in out.output and "nothing was computed" in out.output


def test_grade_a_value_with_conditions() -> None:
    out = runner.invoke(
        app,
        [
            "energy",
            "grade",
            "--standard",
            "gb-16780-2021",
            "--indicator",
            "cement_energy",
            "--value",
            "92",
            "--condition",
            "clinker_ratio=80",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["grade"] == 2 and document["limits"][1]["limit"] == pytest.approx(92.75)


@pytest.mark.parametrize(
    "arguments",
    [
        ["--standard", "gb-16780-2021", "--indicator", "cement_energy", "--value", "92"],
        [
            "--standard",
            "gb-16780-2021",
            "--indicator",
            "cement_energy",
            "--value",
            "92",
            "--condition",
            "clinker_ratio=eighty",
        ],
        ["--standard", "gb-99999-2030", "--indicator", "x", "--value", "1"],
    ],
)
def test_bad_grading_requests_exit_1(arguments: list[str]) -> None:
    out = runner.invoke(app, ["energy", "grade", *arguments])
    assert out.exit_code == 1, out.output


def test_a_value_and_an_inventory_together_are_a_usage_error() -> None:
    out = runner.invoke(
        app,
        [
            "energy",
            "grade",
            str(demo_inventory_path()),
            "--standard",
            "gb-21258-2024",
            "--indicator",
            "supply_coal_rate",
            "--value",
            "300",
        ],
    )
    assert out.exit_code == 2


def test_account_works_on_a_power_plant_without_conditions() -> None:
    out = runner.invoke(app, ["energy", "account", str(demo_inventory_path()), "--json"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["exported_tce"] > 0  # the net power and heat supplied
