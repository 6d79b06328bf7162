"""The CEMS benchmark still runs: ``benchmarks/cems.py --quick`` (4 stacks x 7 days) completes,
and the pipeline and the benchmark's pandas implementation agree on every stack's annual CO2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).parents[2] / "benchmarks" / "cems.py"


def test_quick_run_completes_and_both_implementations_agree(tmp_path: Path) -> None:
    results = tmp_path / "cems.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARK),
            "--quick",
            "--data",
            str(tmp_path),
            "--json",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(results.read_text(encoding="utf-8"))
    ours, pandas = report["dualcarbon-duckdb"], report["pandas"]
    assert ours["rows"] == pandas["rows"] == report["data"]["rows"] > 35_000
    agreement = report["agreement"]
    assert len(agreement["annual"]) == 4
    assert agreement["max_relative_difference"] <= agreement["tolerance"] == 1e-9
    for both in agreement["annual"].values():
        theirs, mine = both["pandas"], both["dualcarbon-duckdb"]
        assert theirs["co2_t"] > 0
        assert theirs["n_measured"] > 0
        counts = ("hours", "n_measured", "n_substituted", "n_unfilled", "n_stopped")
        assert {k: mine[k] for k in counts} == {k: theirs[k] for k in counts}
    years = [both["pandas"] for both in agreement["annual"].values()]
    assert any(year["n_stopped"] > 0 for year in years)  # a stop, and a gap over 24 h
    assert any(year["n_substituted"] > 24 for year in years)
    assert "the year of the pandas subset" in done.stdout
