"""``dualcarbon cbam report|export``: the communication opens in the Commission's template (v2.1.1)
with the values where an importer's tool reads them (openpyxl with cached values, as the public
parser github.com/tecnomod-um/CBAM does), and the JSON carries the same numbers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from dualcarbon.cbam.see import embedded_emissions
from dualcarbon.cli.main import app
from dualcarbon.io.cbam_files import file_sources, read_declaration

ROOT = Path(__file__).resolve().parents[3]
CEMENT = ROOT / "src" / "dualcarbon" / "demo" / "data" / "cbam" / "cement-works-2025.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("cbam")
    book, record = folder / "communication.xlsx", folder / "communication.json"
    done = runner.invoke(
        app, ["cbam", "export", str(CEMENT), "-o", str(book), "--json", str(record)]
    )
    assert done.exit_code == 0, done.output
    return book, json.loads(record.read_text(encoding="utf-8"))


def test_the_workbook_is_the_template_with_the_values_in_place(
    exported: tuple[Path, dict[str, object]],
) -> None:
    book_path, _ = exported
    report = embedded_emissions(read_declaration(CEMENT), file_sources(CEMENT.parent))
    clinker, cement = report.goods
    book = openpyxl.load_workbook(book_path, data_only=True)
    assert {"Summary_Communication", "A_InstData", "Summary_Products"} <= set(book.sheetnames)
    assert book["0_Versions"]["E38"].value == "2.1.1"  # the Commission's file, not a look-alike
    summary = book["Summary_Communication"]
    assert summary["G12"].value == "Demo clinker and cement works"
    assert summary["G16"].value == "CN"
    assert summary["G20"].value == dt.datetime(2025, 1, 1)
    assert summary["G21"].value == dt.datetime(2025, 12, 31)
    assert isinstance(summary["G18"].value, str)  # coordinates as text, as the template's own
    assert book["A_InstData"]["I26"].value == "China"  # a name from the template's list
    rows = {summary[f"C{r}"].value: r for r in (26, 27)}
    first, second = rows[1], rows[2]
    assert summary[f"F{first}"].value == "25231000" and summary[f"F{second}"].value == "25232900"
    assert summary[f"I{first}"].value == pytest.approx(clinker.see_direct_product, rel=1e-12)
    assert summary[f"J{first}"].value == pytest.approx(clinker.see_indirect_product, rel=1e-12)
    assert summary[f"K{first}"].value == pytest.approx(clinker.see_total, rel=1e-12)
    # the template's unit is the tonne of cement; its clinker factor (column AC) converts
    assert summary[f"I{second}"].value == pytest.approx(cement.see_direct_product, rel=1e-12)
    assert summary[f"AC{second}"].value == pytest.approx(0.75, rel=1e-12)
    assert summary[f"N{second}"].value == "D.4(a)"  # the Commission's factor
    electricity = summary[f"O{second}"].value
    assert summary[f"J{second}"].value / electricity == pytest.approx(0.605, rel=1e-12)
    assert summary[f"P{second}"].value == 0.605
    assert summary["C28"].value == 3 and summary["D28"].value is None  # nothing invented
    assert book["Summary_Products"]["F10"].value == "25231000"


def test_the_json_carries_the_same_numbers(exported: tuple[Path, dict[str, object]]) -> None:
    _, record = exported
    report = embedded_emissions(read_declaration(CEMENT), file_sources(CEMENT.parent))
    goods = record["goods"]
    assert isinstance(goods, list)
    assert [g["cn_code"] for g in goods] == ["2523 10 00", "2523 29 00"]
    for item, good in zip(goods, report.goods, strict=True):
        assert item["see_direct"] == good.see_direct
        assert item["see_total"] == good.see_total
        assert item["share_of_default_values"] == 0.0
    assert goods[1]["functional_unit"] == "t clinker contained"
    assert goods[1]["precursors"][0]["source"] == "installation"
    assert "入窑煤粉秤 1#线" in goods[0]["evidence"]["emissions"]
    assert goods[0]["carbon_price"]["note"].startswith("information only")


def test_report_in_both_languages(tmp_path: Path) -> None:
    for lang, words in (("zh", "单位隐含排放"), ("en", "Specific embedded emissions")):
        page = tmp_path / f"cbam-{lang}.html"
        done = runner.invoke(
            app, ["cbam", "report", str(CEMENT), "--html", str(page), "--lang", lang]
        )
        assert done.exit_code == 0, done.output
        html = page.read_text(encoding="utf-8")
        assert words in html and "<svg" in html and "2523 29 00" in html
    done = runner.invoke(app, ["cbam", "report", str(CEMENT), "--json"])
    assert json.loads(done.stdout)["format"] == "dualcarbon.cbam-communication/1"


def test_a_broken_declaration_names_its_field(tmp_path: Path) -> None:
    broken = tmp_path / "cbam.yaml"
    broken.write_text(
        CEMENT.read_text(encoding="utf-8").replace("year: 2025", "year: twenty"), encoding="utf-8"
    )
    done = runner.invoke(app, ["cbam", "report", str(broken), "--lang", "en"])
    assert done.exit_code == 1
    assert "year" in done.output
