"""``dualcarbon rollup`` on the example results file: the nation's row is the column sums."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dualcarbon.cli.main import app

EXAMPLE = Path(__file__).parents[2] / "examples" / "rollup" / "facilities-2025.csv"


def test_the_nation_is_the_sum_of_the_file(tmp_path: Path) -> None:
    out = tmp_path / "汇总.parquet"
    result = CliRunner().invoke(app, ["rollup", str(EXAMPLE), "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = {(r["province"], r["sector"]): r for r in json.loads(result.stdout)}
    with EXAMPLE.open(encoding="utf-8") as handle:
        facilities = list(csv.DictReader(handle))
    nation = rows[("全国", "all")]
    assert nation["facilities"] == len(facilities)
    assert nation["tco2e"] == pytest.approx(sum(float(f["tco2e"]) for f in facilities))
    assert nation["u_tco2e"] == pytest.approx(
        math.sqrt(sum(float(f["u_tco2e"]) ** 2 for f in facilities))
    )
    assert out.is_file()


def test_a_file_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "results.txt"
    wrong.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["rollup", str(wrong)])
    assert result.exit_code == 1 and "results.txt" in result.stderr


def test_the_platforms_current_results_roll_up(tmp_path: Path) -> None:
    """The demo platform's store, once per facility and year: each facility's total, its GUM
    standard uncertainty and its GB/T 2589 energy, computed here from the stored results, add up
    to the nation's row; an organisation the provinces file leaves out is counted, and named."""
    from demo_platform import seeded_demo
    from dualcarbon.accounting.uncertainty import account_uncertainty
    from dualcarbon.energy.balance import energy_balance
    from dualcarbon.store import make_engine, session_scope
    from dualcarbon.store.repository import current_results, load_inventory, load_result

    settings = seeded_demo(tmp_path)
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        stored = [(load_inventory(r.inventory), load_result(r)) for r in current_results(session)]
    engine.dispose()
    organisations = sorted({result.meta.organisation for _, result in stored})
    assert len(organisations) >= 3
    provinces = tmp_path / "provinces.csv"
    rows = [("organisation", "province")] + [(o, "江苏省") for o in organisations[1:]]
    with provinces.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    done = CliRunner().invoke(
        app,
        ["rollup", "--database", settings.database_url, "--provinces", str(provinces), "--json"],
    )
    assert done.exit_code == 0, done.output
    assert organisations[0] in done.stderr  # not in the provinces file: named
    found = {(r["year"], r["province"], r["sector"]): r for r in json.loads(done.stdout)}
    for year in {result.meta.year for _, result in stored}:
        of_year = [(i, r) for i, r in stored if r.meta.year == year]
        nation = found[(year, "全国", "all")]
        assert nation["facilities"] == len(of_year)
        assert nation["tco2e"] == pytest.approx(sum(r.total() for _, r in of_year), rel=1e-12)
        assert nation["u_tco2e"] == pytest.approx(
            math.sqrt(sum(account_uncertainty(r).u ** 2 for _, r in of_year)), rel=1e-9
        )
        assert nation["energy_tce"] == pytest.approx(
            sum(energy_balance(i, r).total_tce for i, r in of_year), rel=1e-9
        )
    assert any(province == "未注明省份" for _, province, _ in found)


def test_the_store_needs_its_provinces(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["rollup", "--database", f"sqlite:///{tmp_path / 'x.db'}"])
    assert done.exit_code == 2
    bad = tmp_path / "provinces.csv"
    bad.write_text("organisation,province\n甲,江苏省\n甲,浙江省\n", encoding="utf-8")
    from dualcarbon.errors import InputError
    from dualcarbon.io.rollup_files import read_provinces

    with pytest.raises(InputError) as caught:
        read_provinces(bad)
    assert [(p.row, p.field) for p in caught.value.problems] == [(3, "province")]


def test_a_spreadsheets_provinces_export_reads(tmp_path: Path) -> None:
    """Excel's CSV: a byte-order mark, blank rows first, a trailing empty column, headings in
    Chinese or capitalised."""
    from dualcarbon.io.rollup_files import read_provinces

    export = tmp_path / "provinces.csv"
    export.write_text(
        "\ufeff\r\n,,\r\n单位,省份,\r\n甲,江苏省,\r\n\r\n乙,河北省,\r\n", encoding="utf-8"
    )
    assert read_provinces(export) == {"甲": "江苏省", "乙": "河北省"}
    export.write_text("Organisation,Province\n甲,江苏省\n", encoding="utf-8")
    assert read_provinces(export) == {"甲": "江苏省"}
