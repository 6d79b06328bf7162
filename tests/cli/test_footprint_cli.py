"""``dualcarbon footprint compute`` end to end through typer's runner."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.demo import demo_footprint_path

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
PV = demo_footprint_path("pv-module-simple.yaml")
# the PV example's total, summed by hand in tests/unit/footprint/test_footprint.py
PV_TOTAL = 69.63194132593111


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")


def test_compute_json_with_its_interval(tmp_path: Path) -> None:
    out_file = tmp_path / "pv.json"
    out = runner.invoke(
        app,
        ["footprint", "compute", str(PV), "--json", "--draws", "300", "--seed", "4",
         "--json-out", str(out_file)],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data == json.loads(out_file.read_text(encoding="utf-8"))
    assert data["total"] == pytest.approx(PV_TOTAL, rel=1e-12)
    assert sum(line["contribution"] for line in data["trace"]) == pytest.approx(data["total"])
    assert sum(data["by_stage"].values()) == pytest.approx(data["total"])
    low, high = data["uncertainty"]["interval"]
    assert low < data["total"] < high
    assert (data["uncertainty"]["draws"], data["uncertainty"]["seed"]) == (300, 4)


def test_compute_overrides_a_parameter() -> None:
    """cell_packing 0.92 → 0.46 halves the cell and wafer supplies: the wafer and cell lines
    (35.9606 and 6.2308 kgCO2e, test_footprint.py) halve, the rest stays."""
    out = runner.invoke(
        app, ["footprint", "compute", str(PV), "--json", "--draws", "0",
              "--set", "cell_packing=0.46"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["uncertainty"] is None
    wafer, cell = 35.960618556701036, 6.230792
    assert data["total"] == pytest.approx(PV_TOTAL - (wafer + cell) / 2, rel=1e-12)


def test_compute_tables_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "zh")
    out = runner.invoke(app, ["footprint", "compute", str(PV), "--draws", "50"])
    assert out.exit_code == 0, out.output
    for text in ("分项", "生命周期阶段", "原材料获取", "电网平均", "初级数据占比", "95% 区间"):
        assert text in out.stdout


def test_a_broken_system_names_its_problems_and_writes_nothing(tmp_path: Path) -> None:
    raw = yaml.safe_load(PV.read_text(encoding="utf-8"))
    raw["processes"][0]["exchanges"][1]["unit"] = "zorkmid"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out_file = tmp_path / "out.json"
    out = runner.invoke(app, ["footprint", "compute", str(bad), "--json-out", str(out_file)])
    assert out.exit_code == 1
    assert "bad.yaml" in out.stderr and "unknown unit" in out.stderr and "zorkmid" in out.stderr
    assert not out_file.exists()


def test_a_bad_override_is_refused() -> None:
    out = runner.invoke(app, ["footprint", "compute", str(PV), "--set", "cell_packing"])
    assert out.exit_code == 2
    assert "name=number" in out.output


def test_openlca_round_trip_through_the_command_line(tmp_path: Path) -> None:
    package, back = tmp_path / "pv.zip", tmp_path / "pv-back.yaml"
    out = runner.invoke(app, ["footprint", "export-olca", str(PV), str(package)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["footprint", "import-olca", str(package), str(back)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["footprint", "compute", str(back), "--json", "--draws", "0"])
    assert json.loads(out.stdout)["total"] == pytest.approx(PV_TOTAL, rel=1e-9)


def test_a_foreign_file_is_not_a_package(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    out = runner.invoke(app, ["footprint", "import-olca", str(junk), str(tmp_path / "x.yaml")])
    assert out.exit_code == 1
    assert not (tmp_path / "x.yaml").exists()


def test_background_library_listing() -> None:
    out = runner.invoke(app, ["footprint", "background", "--json"])
    assert out.exit_code == 0, out.output
    records = {r["id"]: r for r in json.loads(out.stdout)}
    # worldsteel Sustainability Indicators 2023: 1.91 t CO2 per t crude steel (2022)
    assert records["steel_crude_worldsteel_2022"]["emission_factor"] == 1.91
    assert all(r["source"] for r in records.values())


def test_report_with_label(tmp_path: Path) -> None:
    page = tmp_path / "pv.html"
    out = runner.invoke(
        app,
        ["footprint", "report", str(PV), "--html", str(page), "--draws", "200",
         "--label-id", "CFP-PV-1", "--valid-from", "2025-01-01", "--valid-until", "2027-12-31",
         "--status", "third_party_verified", "--verifier", "某认证机构",
         "--verified-on", "2025-01-10", "--lang", "zh"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    html = page.read_text(encoding="utf-8")
    for text in ("GB/T 24067", "CFP-PV-1", "某认证机构", "69.63", "<svg"):
        assert text in html


def test_label_json_and_its_rules() -> None:
    out = runner.invoke(
        app,
        ["footprint", "label", str(PV), "--label-id", "CFP-PV-1",
         "--valid-from", "2025-01-01", "--valid-until", "2027-12-31"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    record = json.loads(out.stdout)
    assert record["value"] == pytest.approx(PV_TOTAL, rel=1e-12)
    assert record["standard"] == "GB/T 24067-2024"
    assert record["verification"]["status"] == "not_verified"
    interval = record["uncertainty"]  # 1 000 draws by default
    assert interval["draws"] == 1000 and interval["coverage"] == 0.95
    assert interval["low"] < record["value"] < interval["high"]
    assert 1 <= record["data_quality"]["temporal"] <= 5
    out = runner.invoke(
        app,
        ["footprint", "label", str(PV), "--label-id", "CFP-PV-1",
         "--valid-from", "2027-01-01", "--valid-until", "2025-12-31"],
    )  # fmt: skip
    assert out.exit_code == 2
    assert "must come after" in out.output
    out = runner.invoke(
        app,
        ["footprint", "label", str(PV), "--label-id", "L", "--valid-from", "2025-01-01",
         "--valid-until", "2026-01-01", "--status", "third_party_verified"],
    )  # fmt: skip
    assert out.exit_code == 2
    assert "names its verifier" in out.output


def test_workbook_round_trip_through_the_command_line(tmp_path: Path) -> None:
    book = tmp_path / "pv.xlsx"
    out = runner.invoke(app, ["footprint", "workbook", str(PV), "-o", str(book)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(app, ["footprint", "compute", str(book), "--json", "--draws", "0"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["total"] == pytest.approx(PV_TOTAL, rel=1e-12)
