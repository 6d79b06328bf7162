"""``dualcarbon parks account|evaluate`` on the demo park, through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app

runner = CliRunner()
PARK = Path(__file__).parents[2] / "src" / "dualcarbon" / "demo" / "data" / "park" / "park.yaml"


@pytest.fixture(autouse=True)
def _home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))


def test_evaluate_writes_json_and_a_chinese_report(tmp_path: Path) -> None:
    html = tmp_path / "园区.html"
    out = runner.invoke(app, ["parks", "evaluate", str(PARK), "--json", "--html", str(html)])
    assert out.exit_code == 0, out.output
    document = json.loads(out.stdout)
    assert document["location_tco2e"] < document["naive_tco2e"]
    indicators = {i["id"]: i for i in document["evaluation"]["indicators"]}
    assert indicators["carbon_per_energy"]["limit"] == 0.2
    assert indicators["carbon_per_energy"]["outcome"] == "not_met"
    page = html.read_text("utf-8")
    assert 'lang="zh-CN"' in page and "零碳园区评价" in page and "910号" in page


def test_account_prints_the_boundary() -> None:
    out = runner.invoke(app, ["parks", "account", str(PARK)])
    assert out.exit_code == 0, out.output
    assert "moved inside the park" in out.stdout and "Zero-carbon" not in out.stdout


def test_a_park_file_with_a_missing_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "park.yaml"
    path.write_text(
        "park: {name: 测试园区, year: 2025}\nmembers:\n  - {name: 甲, inventory: 无此文件.yaml}\n",
        encoding="utf-8",
    )
    out = runner.invoke(app, ["parks", "account", str(path)])
    assert out.exit_code == 1 and out.stdout == ""
    assert "members[1].inventory" in out.stderr
