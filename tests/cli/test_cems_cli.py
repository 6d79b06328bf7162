"""``dualcarbon cems qa`` and ``cems compare`` end to end through typer's runner."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.demo import demo_inventory_path

runner = CliRunner()
QA = Path(__file__).resolve().parents[2] / "src/dualcarbon/demo/data/cems-qa.yaml"


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")


def test_qa_campaign_with_its_report(tmp_path: Path) -> None:
    page = tmp_path / "qa.html"
    out = runner.invoke(app, ["cems", "qa", str(QA), "--html", str(page), "--lang", "zh"])
    assert out.exit_code == 0, out.output
    assert "合格" in out.stdout and "40 CFR Part 75" in out.stdout
    html = page.read_text(encoding="utf-8")
    assert "DEMO-#1" in html and "<svg" not in html.split("<body")[0]


def test_compare_with_the_demo_series(tmp_path: Path) -> None:
    """The demo CEMS series is 15 % below accounting in the months booked on the default carbon
    content (dualcarbon.cems.comparison.demo_comparison): those rows are significant."""
    page = tmp_path / "cmp.html"
    out = runner.invoke(
        app, ["cems", "compare", str(demo_inventory_path()), "--demo", "--html", str(page)]
    )
    assert out.exit_code == 0, out.output
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in out.stdout.splitlines()
        if line.startswith("│")
    ]
    significant = {(row[0], row[1]) for row in rows if abs(float(row[-1])) > 1}
    # the demo plant's default-carbon months (tests/cems/test_comparison.py): #1 Apr, Sep; #2 Jul
    assert significant == {("#1", "4"), ("#1", "9"), ("#2", "7")}
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "E" in html


def test_compare_needs_one_cems_source() -> None:
    out = runner.invoke(app, ["cems", "compare", str(demo_inventory_path())])
    assert out.exit_code == 2
    assert "--demo" in out.output


def steady_day_csv(folder: Path) -> Path:
    """A day of minutes of the worked example (tests/cems/test_mass.py) as a CSV file."""
    rows = ["time,co2,o2,flow,temperature,pressure,moisture"]
    rows += [
        f"2024-03-01 {h:02d}:{m:02d}:00,12.0,6.0,1500000,130,101.0,8.0"
        for h in range(24)
        for m in range(60)
    ]
    data = folder / "stack.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return data


def test_import_then_run(tmp_path: Path) -> None:
    """A day of steady minutes of the worked example (tests/cems/test_mass.py: 12 % CO2 dry,
    1 500 000 m³/h at 130 °C, 101.0 kPa, 8 % moisture → 219.737 t CO2 per hour) imported from
    CSV and run through the pipeline: 24 measured hours, 24 × 219.737 t."""
    data = steady_day_csv(tmp_path)
    root = tmp_path / "minutes"
    out = runner.invoke(app, ["cems", "import", str(data), "--root", str(root), "--source", "A1"])
    assert out.exit_code == 0, out.output
    assert "1440 rows" in out.stdout
    out = runner.invoke(app, ["cems", "run", "--root", str(root), "--json"])
    assert out.exit_code == 0, out.output
    annual = json.loads(out.stdout)["annual"]
    assert [row["source"] for row in annual] == ["A1"]
    assert annual[0]["co2_t"] == pytest.approx(24 * 219.737, rel=1e-4)
    again = runner.invoke(app, ["cems", "import", str(data), "--root", str(root), "--source", "A1"])
    assert again.exit_code == 1  # the same minutes twice: refused, nothing written


def test_compare_from_the_pipeline_with_a_monitoring_plan(tmp_path: Path) -> None:
    """Two days of the worked example's steady stack (219.737 t CO2 per hour, tests/cems/
    test_mass.py) for unit #1 in January: the January row of #1 carries 48 × 219.737 t; the
    plan's monitor uncertainties give it a non-zero U; months without CEMS data are not rows."""
    rows = ["time,co2,o2,flow,temperature,pressure,moisture"]
    rows += [
        f"2024-01-{d:02d} {h:02d}:{m:02d}:00,12.0,6.0,1500000,130,101.0,8.0"
        for d in (10, 11)
        for h in range(24)
        for m in range(60)
    ]
    data, root = tmp_path / "da001.csv", tmp_path / "minutes"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = runner.invoke(
        app, ["cems", "import", str(data), "--root", str(root), "--source", "DA001"]
    )
    assert imported.exit_code == 0, imported.output
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        'units: {DA001: "#1"}\n'
        "co2: {systematic: 1.0, random: 0.5}\nflow: {systematic: 2.5, random: 1.0}\n"
        "temperature: {systematic: 1.0}\npressure: {systematic: 0.3}\n"
        "moisture: {systematic: 0.5}\n",
        encoding="utf-8",
    )
    out = runner.invoke(
        app,
        ["cems", "compare", str(demo_inventory_path()), "--root", str(root), "--plan", str(plan)],
    )
    assert out.exit_code == 0, out.output
    table = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in out.stdout.splitlines()
        if line.startswith("│")
    ]
    assert [(row[0], row[1]) for row in table] == [("#1", "1")]
    assert float(table[0][2].replace(",", "")) == pytest.approx(48 * 219.737, rel=1e-3)


def test_run_with_out_of_control_periods(tmp_path: Path) -> None:
    """The same steady day with 10:00–12:00 of the CO2 analyser out of control: two hours of
    24 substituted (by the maximum of the 180 valid hours before, HJ 75-2017: the same steady
    value), so the total is unchanged and 22 hours stay measured. A bad periods file is refused
    naming its row and field."""
    data = steady_day_csv(tmp_path)
    root = tmp_path / "minutes"
    out = runner.invoke(app, ["cems", "import", str(data), "--root", str(root), "--source", "A1"])
    assert out.exit_code == 0, out.output
    periods = tmp_path / "ooc.csv"
    periods.write_text(
        "source,parameter,start,end,reason\nA1,co2,2024-03-01T10:00,2024-03-01T12:00,drift\n",
        encoding="utf-8",
    )
    out = runner.invoke(
        app, ["cems", "run", "--root", str(root), "--out-of-control", str(periods), "--json"]
    )
    assert out.exit_code == 0, out.output
    (year,) = json.loads(out.stdout)["annual"]
    assert (year["n_measured"], year["n_substituted"]) == (22, 2)
    assert year["co2_t"] == pytest.approx(24 * 219.737, rel=1e-4)

    periods.write_text(
        "source,parameter,start,end\nA1,so2,2024-03-01T10:00,2024-03-01T09:00\n", encoding="utf-8"
    )
    out = runner.invoke(app, ["cems", "run", "--root", str(root), "--out-of-control", str(periods)])
    assert out.exit_code == 1
    assert "row 2" in out.output and "parameter" in out.output and "end" in out.output
