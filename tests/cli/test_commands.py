"""The dualcarbon command line, end to end through typer's runner."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.demo import demo_inventory_path

runner = CliRunner()


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)


def test_factors_search_json_in_chinese() -> None:
    out = runner.invoke(
        app, ["factors", "search", "天然气", "--kind", "net_calorific_value", "--json"]
    )
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    assert {f["source"]["id"] for f in found} >= {"ipcc-2006-v2-ch1", "cn-mee-power-2022"}
    assert all(f["kind"] == "net_calorific_value" for f in found)


def test_factors_show_json_names_versions() -> None:
    out = runner.invoke(app, ["factors", "show", "gwp-ipcc-ar6/gwp/CH4", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["value"] == 27.9 and data["versions"] == ["gwp-ipcc-ar6/gwp/CH4@1"]


def test_factors_show_unknown_exits_2() -> None:
    out = runner.invoke(app, ["factors", "show", "no/such/factor"])
    assert out.exit_code == 2


def test_template_then_account_round_trip(tmp_path: Path) -> None:
    workbook = tmp_path / "plant.xlsx"
    out = runner.invoke(app, ["template", "power-2022", "-o", str(workbook), "--example"])
    assert out.exit_code == 0, out.output
    html = tmp_path / "report.html"
    out = runner.invoke(app, ["account", str(workbook), "--json", "--html", str(html), "--store"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert result["meta"]["methodology"] == "cn-mee-power-2022@1"
    assert result["total_tco2e"] > 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_bad_file_is_refused_naming_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "inventory: {organisation: x, year: 2024, methodology: cn-mee-power-2022}\n"
        "fuel:\n  - {month: 13, fuel: coal, consumption: 10, ncv: 20}\n",
        encoding="utf-8",
    )
    out = runner.invoke(app, ["account", str(bad), "--store"])
    assert out.exit_code == 1
    assert "bad.yaml, sheet fuel, row 1, field month: month must be 1–12" in out.output
    assert "nothing was computed or stored" in out.output
    assert not (tmp_path / "home" / "dualcarbon.sqlite").exists()
    chinese = runner.invoke(app, ["account", str(bad)], env={"DUALCARBON_LANG": "zh"})
    assert "bad.yaml，工作表 fuel，第 1 行，字段 month：月份须为核算年度内的 1–12" in chinese.output
    assert str(tmp_path) not in chinese.output


def test_demo_writes_report_and_store(tmp_path: Path) -> None:
    out = runner.invoke(app, ["demo", "--output", str(tmp_path / "out")])
    assert out.exit_code == 0, out.output
    for name in (
        "demo-report.html",
        "demo-report.en.html",
        "demo-result.json",
        "dualcarbon.sqlite",
    ):
        assert (tmp_path / "out" / name).exists(), name
    assert "Months on defaults" in out.output


def test_account_terminal_summary_shows_tiers() -> None:
    out = runner.invoke(app, ["account", str(demo_inventory_path())])
    assert out.exit_code == 0, out.output
    assert "default" in out.output and "lab" in out.output


def test_methodologies_list_json() -> None:
    out = runner.invoke(app, ["methodologies", "list", "--json"])
    ids = {m["id"] for m in json.loads(out.stdout)}
    assert ids == {
        "cn-mee-power-2021",
        "cn-mee-power-2021-rev2022",
        "cn-mee-power-2022",
        "gbt-32150-2015",
        "gbt-32150-2025",
        "gbt-32150-2015-ipcc",
        "gbt-32150-2025-ipcc",
        "cn-mee-cement-2024",
        "cn-mee-aluminium-2024",
        "cn-mee-steel-2024",
        "ccer-01-001-v01",
        "ccer-01-002-v01",
        "ccus-iso-27916",
    }
    sectors = {m["id"]: m["sector"] for m in json.loads(out.stdout)}
    assert sectors["cn-mee-cement-2024"] == "cement"


def test_account_with_uncertainty_json() -> None:
    out = runner.invoke(
        app, ["account", str(demo_inventory_path()), "--json", "--uncertainty", "gum"]
    )
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)["uncertainty"]
    assert found["method"] == "gum" and found["U"] > 0
    assert 0 < found["relative_U"] < 0.05
    assert found["budget"] and found["budget"][0]["variance_share"] > 0


def test_account_with_register_flags_readings() -> None:
    from dualcarbon.demo import demo_register_path

    out = runner.invoke(
        app, ["account", str(demo_inventory_path()), "--register", str(demo_register_path())]
    )
    assert out.exit_code == 0, out.output
    assert "out of calibration" in out.output and "BS-101" in out.output


def test_evidence_verify_names_tampering(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    database = f"sqlite:///{tmp_path / 'store.sqlite'}"
    env = {"DUALCARBON_DATABASE_URL": database}
    out = runner.invoke(app, ["account", str(demo_inventory_path()), "--store"], env=env)
    assert out.exit_code == 0, out.output
    clean = runner.invoke(app, ["evidence", "verify", "--database", database, "--json"])
    assert clean.exit_code == 0, clean.output
    assert all(log["ok"] for log in json.loads(clean.stdout))
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE evidence_entries SET content_json = "
                "replace(content_json, '2024', '2023') WHERE sequence = 0"
            )
        )
    engine.dispose()
    caught = runner.invoke(app, ["evidence", "verify", "--database", database])
    assert caught.exit_code == 1
    assert "#0" in caught.output and "altered" in caught.output


def test_store_refuses_a_file_stored_already(tmp_path: Path) -> None:
    """Issue 14, item 3: `account --store` refuses a file already stored, as the web does; the
    second run stores nothing and says so in Chinese and English."""
    from sqlalchemy import create_engine, func, select

    from dualcarbon.store.models import StoredInventory, StoredResult

    database = f"sqlite:///{tmp_path / 'store.sqlite'}"
    env = {"DUALCARBON_DATABASE_URL": database}
    first = runner.invoke(app, ["account", str(demo_inventory_path()), "--store"], env=env)
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["account", str(demo_inventory_path()), "--store"], env=env)
    assert again.exit_code == 1
    assert "已保存" in again.output and "stored already" in again.output
    engine = create_engine(database)
    with engine.connect() as connection:
        counts = [
            connection.scalar(select(func.count()).select_from(table))
            for table in (StoredInventory, StoredResult)
        ]
    engine.dispose()
    assert counts == [1, 1]


def test_uncertainty_with_nothing_stated_says_so_rather_than_plus_minus_zero(
    tmp_path: Path,
) -> None:
    """Issue 14, item 6: a total with no stated uncertainty on any input is not "± 0"."""
    inventory = tmp_path / "steel.yaml"
    inventory.write_text(
        "inventory: {organisation: 测试, year: 2025, methodology: cn-mee-steel-2024}\n"
        "carbon_flows:\n"
        "  - {month: 1, material: 石灰石, flow: 输入, amount: 1000, amount_ref: 地磅}\n",
        encoding="utf-8",
    )
    out = runner.invoke(app, ["account", str(inventory), "--uncertainty", "gum", "--lang", "zh"])
    assert out.exit_code == 0, out.output
    assert "无法评定" in out.output and "± 0 tCO2e" not in out.output


def _doubled_row(tmp_path: Path) -> tuple[Path, int]:
    """The demo inventory with its fourth fuel row entered twice (a duplicate_row warning)."""
    import yaml

    data = yaml.safe_load(demo_inventory_path().read_text(encoding="utf-8"))
    data["fuel"].append(dict(data["fuel"][3]))
    path = tmp_path / "台账.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path, len(data["fuel"])


def test_a_warning_stops_account_until_accepted_with_a_reason(tmp_path: Path) -> None:
    """Issue 14, item 1: a warning is acknowledged explicitly (--accept CODE:ROW and a reason);
    the acknowledgement, who gave it and why go into the stored result, whose digest the
    evidence log keeps."""
    from sqlalchemy import create_engine, select

    from dualcarbon.store.models import StoredResult

    inventory, row = _doubled_row(tmp_path)
    database = f"sqlite:///{tmp_path / 'store.sqlite'}"
    env = {"DUALCARBON_DATABASE_URL": database, "DUALCARBON_LANG": "zh"}
    refused = runner.invoke(app, ["account", str(inventory), "--store"], env=env)
    assert refused.exit_code == 1
    assert (
        f"第 {row} 行" in refused.output and f"--accept duplicate_row:fuel:{row}" in refused.output
    )
    assert str(tmp_path) not in refused.output  # the file's name, not the machine's folders

    no_reason = runner.invoke(
        app, ["account", str(inventory), "--accept", f"duplicate_row:fuel:{row}"], env=env
    )
    assert no_reason.exit_code == 2 and "理由" in no_reason.output

    accepted = runner.invoke(
        app,
        [
            "account",
            str(inventory),
            "--store",
            "--accept",
            f"duplicate_row:fuel:{row}",
            "--accept-reason",
            "4月两批次同量入炉",
            "--accepted-by",
            "张工",
        ],
        env=env,
    )
    assert accepted.exit_code == 0, accepted.output
    assert "已由 张工 确认：4月两批次同量入炉" in accepted.output
    engine = create_engine(database)
    with engine.connect() as connection:
        stored = json.loads(connection.scalar(select(StoredResult.result_json)) or "{}")
    engine.dispose()
    (finding,) = [f for f in stored["findings"] if f["code"] == "duplicate_row"]
    assert finding["row"] == row and finding["accepted"]["by"] == "张工"
    assert finding["accepted"]["reason"] == "4月两批次同量入炉"
    verified = runner.invoke(app, ["evidence", "verify"], env=env)
    assert verified.exit_code == 0, verified.output


def test_files_written_are_chinese_whatever_the_locale(tmp_path: Path) -> None:
    """Issue 14, item 5: the README says reports default to Chinese; under an English locale the
    terminal speaks English and the files are still Chinese unless --lang says otherwise."""
    report, exported = tmp_path / "报告.html", tmp_path / "结果.json"
    out = runner.invoke(
        app,
        ["account", str(demo_inventory_path()), "--html", str(report), "--json-out", str(exported)],
        env={"DUALCARBON_LANG": "", "LANG": "en_US.UTF-8"},
    )
    assert out.exit_code == 0, out.output
    assert "Total emissions" in out.output  # the terminal follows the locale
    assert '<html lang="zh' in report.read_text(encoding="utf-8")
    lines = json.loads(exported.read_text(encoding="utf-8"))["tree"][0]["sources"][0]["units"]
    assert "月" in lines[0]["lines"][0]["explanation"]
    english = tmp_path / "report.en.html"
    runner.invoke(
        app, ["account", str(demo_inventory_path()), "--html", str(english), "--lang", "en"]
    )
    assert '<html lang="en' in english.read_text(encoding="utf-8")


def test_a_searched_id_pastes_into_factors_show_on_a_narrow_terminal() -> None:
    """Issue 14, item 6: the search table cut ids to fit (cn-mee-power…); each id is printed
    whole, on its own line, whatever the width."""
    found = runner.invoke(app, ["factors", "search", "天然气"], env={"COLUMNS": "40"})
    assert found.exit_code == 0, found.output
    ids = [line for line in found.output.splitlines() if "@" in line and " " not in line]
    assert len(ids) >= 5 and all("…" not in i for i in ids)
    for factor_id in ids[:3]:
        shown = runner.invoke(app, ["factors", "show", factor_id], env={"COLUMNS": "40"})
        assert shown.exit_code == 0, shown.output


def test_a_register_that_links_no_reading_says_so(tmp_path: Path) -> None:
    """Issue 14, item 6: --register with a register none of whose instruments the inventory's
    readings name used to pass in silence."""
    workbook, register = tmp_path / "电厂.xlsx", tmp_path / "台账.xlsx"
    assert (
        runner.invoke(app, ["template", "power-2022", "-o", str(workbook), "--example"]).exit_code
        == 0
    )
    assert (
        runner.invoke(app, ["instruments", "template", "-o", str(register), "--example"]).exit_code
        == 0
    )
    unlinked = runner.invoke(app, ["account", str(workbook), "--register", str(register)])
    assert unlinked.exit_code == 0, unlinked.output
    assert "none of the register's 5 instrument(s) matches a reading" in " ".join(
        unlinked.output.split()
    )
    linked = runner.invoke(
        app, ["account", str(demo_inventory_path()), "--register", str(register)]
    )
    assert linked.exit_code == 0 and "matches a reading" not in " ".join(linked.output.split())
