"""Benchmark: account 10,000 synthetic facilities × 12 months × 4 fuels from Parquet.

Compares the vectorised engine (``dualcarbon.accounting.engine.account``) with a plain per-record
Python implementation of the same rules, in the same run, both keeping a full trace per line.
Each runs in its own child process so that peak memory (ru_maxrss) is its own.

    .venv/bin/python benchmarks/accounting.py [--facilities 10000]

Writes ``benchmarks/results/accounting.json``; the README quotes it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

HERE = Path(__file__).parent
DATA = HERE / "data"
RESULTS = HERE / "results"
FUELS = ("coal", "fuel_oil", "diesel", "natural_gas")
UNITS = {"coal": "t", "fuel_oil": "t", "diesel": "t", "natural_gas": "万Nm3"}


def make_parquet(facilities: int, path: Path, seed: int = 20241) -> Path:
    """Synthetic fuel records: coal measured in most months, the other fuels on defaults."""
    rng = np.random.default_rng(seed)
    n = facilities * 12 * len(FUELS)
    facility = np.repeat(np.arange(facilities), 12 * len(FUELS))
    month = np.tile(np.repeat(np.arange(1, 13), len(FUELS)), facilities)
    fuel = np.tile(np.array(FUELS), facilities * 12)
    is_coal = fuel == "coal"
    consumption = np.where(is_coal, rng.uniform(5e3, 2e5, n), rng.uniform(1.0, 500.0, n))
    ncv = np.where(is_coal, rng.uniform(18.0, 24.0, n), np.nan)
    measured = is_coal & (rng.random(n) < 0.85)
    carbon = np.where(measured, rng.uniform(48.0, 60.0, n), np.nan)
    qualified = rng.random(n) < 0.95
    frame = pl.DataFrame(
        {
            "facility": pl.Series([f"F{i:05d}" for i in facility]),
            "unit": "#1",
            "month": month,
            "fuel": fuel,
            "consumption": consumption,
            "consumption_unit": pl.Series(fuel).replace_strict(UNITS),
            "consumption_ref": "meter",
            "ncv": pl.Series(ncv).fill_nan(None),
            "ncv_ref": "heat value report",
            "carbon_content": pl.Series(carbon).fill_nan(None),
            "carbon_content_qualified": qualified,
            "carbon_content_ref": "lab report",
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return path


def run_engine(path: Path) -> dict[str, Any]:
    from dualcarbon.accounting.engine import account
    from dualcarbon.accounting.inventory import Inventory, InventoryHeader

    start = time.perf_counter()
    fuel = pl.read_parquet(path)
    inventory = Inventory(
        InventoryHeader(organisation="bench", year=2024, methodology="cn-mee-power-2022"),
        {"fuel": fuel},
        source=str(path),
    )
    result = account(inventory)
    total = result.total()
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "total_tco2e": total, "lines": result.lines.height}


def run_per_record(path: Path) -> dict[str, Any]:
    """The same rules, one Python dict per record: what a straightforward implementation does."""
    from dualcarbon.factors import default_catalogue
    from dualcarbon.methodologies.definition import get_methodology

    start = time.perf_counter()
    records = pl.read_parquet(path).to_dicts()
    methodology = get_methodology("cn-mee-power-2022")
    catalogue = default_catalogue()
    rules: dict[str, dict[str, Any]] = {}
    for key, fuel in methodology.fuels.items():
        ncv = fuel.net_calorific_value.fallback
        cc = fuel.carbon_content.fallback
        of = fuel.oxidation_rate.fallback
        assert cc is not None and of is not None
        rules[key] = {
            "ncv": catalogue.get(ncv.factor).value if ncv else None,
            "cc": catalogue.get(cc.factor).value,
            "of": catalogue.get(of.factor).value,
            "unit_factor": 1e-4 if fuel.consumption_unit == "万Nm3" else 1.0,
        }
    trace = []
    total = 0.0
    for record in records:
        rule = rules[record["fuel"]]
        ncv = record["ncv"] if record["ncv"] is not None else rule["ncv"]
        measured = record["carbon_content"] is not None and record["carbon_content_qualified"]
        carbon = record["carbon_content"] / 100.0 if measured else ncv * rule["cc"]
        emission = record["consumption"] * carbon * rule["of"] * 44.0 / 12.0
        total += emission
        trace.append(
            {
                **record,
                "ncv_used": ncv,
                "carbon_used": carbon,
                "tier": "lab" if measured else "default",
                "emission": emission,
                "explanation": f"month {record['month']}: "
                + ("measured" if measured else f"default {rule['cc']} × {ncv}"),
            }
        )
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "total_tco2e": total, "lines": len(trace)}


def _child(target: str, path: Path, queue: mp.Queue[dict[str, Any]]) -> None:
    figures = run_engine(path) if target == "engine" else run_per_record(path)
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    queue.put(figures)


def measure(target: str, path: Path) -> dict[str, Any]:
    context = mp.get_context("spawn")
    queue: mp.Queue[dict[str, Any]] = context.Queue()
    process = context.Process(target=_child, args=(target, path, queue))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{target} run failed (exit code {process.exitcode})")
    return queue.get(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilities", type=int, default=10_000)
    args = parser.parse_args()
    path = make_parquet(args.facilities, DATA / f"fuel-{args.facilities}.parquet")
    engine = measure("engine", path)
    baseline = measure("per_record", path)
    relative = abs(engine["total_tco2e"] - baseline["total_tco2e"]) / baseline["total_tco2e"]
    report = {
        "command": f".venv/bin/python benchmarks/accounting.py --facilities {args.facilities}",
        "records": engine["lines"],
        "engine": engine,
        "per_record_python": baseline,
        "speedup": baseline["seconds"] / engine["seconds"],
        "memory_ratio": engine["peak_rss_mib"] / baseline["peak_rss_mib"],
        "totals_agree_to": relative,
        "machine": (
            f"{platform.machine()}, {mp.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "when": time.strftime("%Y-%m-%d"),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "accounting.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
