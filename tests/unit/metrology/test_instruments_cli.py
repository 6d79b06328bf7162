"""``dualcarbon instruments …`` end to end through typer's runner, on a SQLite store in tmp."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app
from dualcarbon.io.register_files import read_register, write_register

DEMO = Path(__file__).parents[3] / "src/dualcarbon/demo/data/demo-register.yaml"

runner = CliRunner()


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DUALCARBON_DATABASE_URL", raising=False)


def _flat(text: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(text.split())


def _import(*args: str) -> None:
    out = runner.invoke(app, ["instruments", "import", str(DEMO), *args])
    assert out.exit_code == 0, out.output


def test_import_then_import_again_is_a_no_op() -> None:
    out = runner.invoke(app, ["instruments", "import", str(DEMO)])
    assert out.exit_code == 0, out.output
    assert "示范能源集团有限公司" in out.output and "5 new" in _flat(out.output)
    assert "11 new calibration" in _flat(out.output)
    again = runner.invoke(app, ["instruments", "import", str(DEMO)])
    assert again.exit_code == 0, again.output
    assert "0 new, 0 updated, 5 unchanged" in _flat(again.output)
    assert "11 already stored" in _flat(again.output)


def test_list_status_at_a_date() -> None:
    _import()
    out = runner.invoke(app, ["instruments", "list", "--at", "2024-03-05", "--json"])
    assert out.exit_code == 0, out.output
    states = {row["id"]: row for row in json.loads(out.stdout)}
    assert states["BS-101"]["state"] == "overdue"
    assert states["BS-101"]["due_date"] == "2024-03-01"
    assert states["BS-101"]["explanation"].startswith("instrument BS-101 is overdue")
    assert {states[i]["state"] for i in ("BS-201", "FO-1", "FO-2", "GK-01")} == {"valid"}
    table = runner.invoke(app, ["instruments", "list", "--at", "2024-03-05"])
    assert table.exit_code == 0, table.output
    assert "overdue" in table.output and "GK-01" in table.output


def test_list_speaks_chinese_under_a_chinese_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    _import()
    monkeypatch.setenv("DUALCARBON_LANG", "zh")
    out = runner.invoke(app, ["instruments", "list", "--at", "2024-03-05"])
    assert out.exit_code == 0, out.output
    assert "已超期" in out.output and "有效" in out.output


def test_show_one_instrument() -> None:
    _import()
    out = runner.invoke(app, ["instruments", "show", "BS-101", "--at", "2024-03-05", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["state"] == "overdue"
    assert [r["date"] for r in data["calibrations"]] == ["2023-03-01", "2024-04-15", "2025-04-08"]
    assert data["standard_uncertainty"]["distribution"] == "rectangular"
    assert data["standard_uncertainty"]["value"] == pytest.approx(0.5 / 3**0.5)
    text = runner.invoke(app, ["instruments", "show", "GK-01", "--at", "2024-03-05"])
    assert text.exit_code == 0, text.output
    assert "DN2021-05-0217" in text.output and "2027-05-18" in text.output
    missing = runner.invoke(app, ["instruments", "show", "XX-1"])
    assert missing.exit_code == 2
    assert "no instrument XX-1" in _flat(missing.output)


def test_review_json_and_html(tmp_path: Path) -> None:
    html = tmp_path / "review.html"
    out = runner.invoke(
        app,
        ["instruments", "review", str(DEMO), "--at", "2024-03-05", "--json", "--html", str(html)],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["summary"]["nonconformities"] == 1
    (finding,) = [f for f in data["findings"] if f["severity"] == "nonconformity"]
    assert finding["instrument"] == "BS-101" and finding["clause"].startswith("GB 17167-2006 5.3")
    page = html.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page  # Chinese by default, whatever the terminal speaks
    english = tmp_path / "review.en.html"
    out = runner.invoke(
        app,
        [
            "instruments",
            "review",
            str(DEMO),
            "--at",
            "2024-03-05",
            "--html",
            str(english),
            "--lang",
            "en",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "non-conformit" in out.output and "BS-101" in out.output
    assert '<html lang="en">' in english.read_text(encoding="utf-8")


def test_review_of_a_bad_file_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "instruments"
    sheet.append(["id", "quantity", "energy", "level", "kind", "accuracy", "interval_months"])
    sheet.append(["BS-101", "质量", "coal", "plant", "weigher_dynamic", "0.5", 12])
    workbook.save(path)
    out = runner.invoke(app, ["instruments", "review", str(path)])
    assert out.exit_code == 1
    assert "bad.xlsx, sheet instruments, row 2, field level" in _flat(out.output)
    assert "nothing was computed or stored" in _flat(out.output)
    imported = runner.invoke(app, ["instruments", "import", str(path)])
    assert imported.exit_code == 1
    listed = runner.invoke(app, ["instruments", "list"])
    assert listed.exit_code == 1 and "no register stored" in _flat(listed.output)


def test_export_writes_what_was_stored(tmp_path: Path) -> None:
    _import()
    path = tmp_path / "register.xlsx"
    out = runner.invoke(app, ["instruments", "export", "-o", str(path)])
    assert out.exit_code == 0, out.output
    assert read_register(path) == read_register(DEMO)
    folder = tmp_path / "csv"
    assert runner.invoke(app, ["instruments", "export", "-o", str(folder)]).exit_code == 0
    assert (folder / "calibrations.csv").is_file()
    bad = runner.invoke(app, ["instruments", "export", "-o", str(tmp_path / "r.json")])
    assert bad.exit_code == 2


def test_organisation_from_the_option(tmp_path: Path) -> None:
    folder = write_register(read_register(DEMO), tmp_path / "csv")  # CSV names no organisation
    out = runner.invoke(app, ["instruments", "import", str(folder)])
    assert out.exit_code == 2 and "--organisation" in out.output
    assert runner.invoke(app, ["instruments", "import", str(folder), "-O", "乙公司"]).exit_code == 0
    _import()
    both = runner.invoke(app, ["instruments", "list"])
    assert both.exit_code == 2 and "乙公司" in both.output
    one = runner.invoke(app, ["instruments", "list", "-O", "乙公司", "--json"])
    assert one.exit_code == 0, one.output
    assert len(json.loads(one.stdout)) == 5
    unknown = runner.invoke(app, ["instruments", "list", "-O", "丙公司"])
    assert unknown.exit_code == 1 and "丙公司" in unknown.output


def test_bad_date_is_refused() -> None:
    out = runner.invoke(app, ["instruments", "review", str(DEMO), "--at", "2024-02-30"])
    assert out.exit_code == 2
    assert "YYYY-MM-DD" in out.output
