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
