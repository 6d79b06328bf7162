"""``dualcarbon factors from-gas``: ISO 6976:2016's worked example 3 through the command, and the
fields it writes carried into an inventory's natural-gas line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.factors import default_catalogue

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))


def test_the_published_example_gives_its_printed_values() -> None:
    """ISO 6976:2016 D.4.3.1 (15 °C / 15 °C, fractions uncorrelated): H̃_N 35.86811 MJ/m³,
    u 0.024757; D 0.76462 kg/m³, u 0.000586; H̃_G 39.73351, u 0.026917."""
    out = runner.invoke(
        app, ["factors", "from-gas", str(EXAMPLES / "gas" / "iso-6976-example-3.yaml"), "--json"]
    )
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)["properties"]
    for name, value, u in (
        ("H_net_volume", 35.86811, 0.024757),
        ("D", 0.76462, 0.000586),
        ("H_gross_volume", 39.73351, 0.026917),
    ):
        assert found[name]["value"] == pytest.approx(value, abs=5e-6), name
        assert found[name]["u"] == pytest.approx(u, abs=5e-7), name
        assert found[name]["monte_carlo_agrees"] is True, name
    # the carbon factor follows, per 10⁴ m³ at 15 °C: n̄_C·A_C/(Z·V°)·10
    carbon = found["carbon_atoms"]["value"] * 12.0107 * found["D"]["value"] / found["M"]["value"]
    assert found["carbon_per_volume"]["value"] == pytest.approx(carbon * 10, rel=1e-12)
    assert 0 < found["carbon_per_volume"]["u"] < 0.01 * found["carbon_per_volume"]["value"]


def test_the_fields_feed_a_lab_tier_gas_line(tmp_path: Path) -> None:
    """The demo analysis's fields pasted into the rolling mill's January line: that line becomes
    the only lab-tier carbon, and its emission is FC × C × OF × 44/12 with the default oxidation
    rate of GB/T 32151 Table C.1."""
    out = runner.invoke(
        app,
        ["factors", "from-gas", str(EXAMPLES / "gas" / "pipeline-gas-2025-03.yaml"), "--json"],
    )
    assert out.exit_code == 0, out.output
    fields = json.loads(out.stdout)["inventory_fields"]
    assert fields["carbon_content_unit"] == "tC/万Nm3"
    assert fields["carbon_content_ref"].startswith("TRQ-2025-0312")
    inventory = yaml.safe_load((EXAMPLES / "rolling-mill-2025.yaml").read_text("utf-8"))
    line = inventory["fuel"][0]
    line.update(fields)
    path = tmp_path / "mill.yaml"
    path.write_text(yaml.safe_dump(inventory, allow_unicode=True), "utf-8")
    result = runner.invoke(app, ["account", str(path), "--json"])
    assert result.exit_code == 0, result.output
    tiers = {t["carbon_tier"]: t["tco2e"] for t in json.loads(result.stdout)["tiers"]}
    oxidation = default_catalogue().get("gbt-32151-common-fuels/oxidation_rate/natural_gas").value
    expected = line["consumption"] * fields["carbon_content"] * oxidation * 44 / 12
    assert tiers["lab"] == pytest.approx(expected, rel=1e-12)


def test_a_wrong_file_is_refused_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "zh")
    path = tmp_path / "组分.yaml"
    path.write_text(
        "report: {number: R-1}\nunit: mol%\ncomposition: {甲烷: 90, 丁烷: 5}\n", encoding="utf-8"
    )
    out = runner.invoke(app, ["factors", "from-gas", str(path)])
    assert out.exit_code == 1
    assert out.stdout == ""
    assert "组分.yaml" in out.stderr and "composition.丁烷" in out.stderr
    assert "摩尔分数之和为 0.950000" in out.stderr


def test_a_misspelt_field_or_an_impossible_date_is_refused(tmp_path: Path) -> None:
    """A field with a typo would silently fall back to a default (the conditions); a date the
    calendar does not have stops at reading, with the file named."""
    typo = tmp_path / "typo.yaml"
    typo.write_text(
        "report: {number: R-1}\nconditon: {metering_c: 20}\nunits: mol%\n"
        "composition: {methane: 0.95, ethane: 0.05}\n",
        encoding="utf-8",
    )
    out = runner.invoke(app, ["factors", "from-gas", str(typo)])
    assert out.exit_code == 1
    assert "conditon" in out.stderr and "units" in out.stderr
    date = tmp_path / "date.yaml"
    date.write_text(
        "report: {number: R-1, date: 2025-13-45}\ncomposition: {methane: 1.0}\n", encoding="utf-8"
    )
    out = runner.invoke(app, ["factors", "from-gas", str(date)])
    assert out.exit_code == 1 and "date.yaml" in out.stderr
