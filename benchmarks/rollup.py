"""Benchmark: province and nation totals of 10,000 enterprises' results, on DuckDB and on Spark
(local mode) with the same SQL, against a polars group-by of the same figures in the same run.

    .venv/bin/python benchmarks/rollup.py [--facilities 10000] [--years 3]

Every engine's table must equal the baseline's (facilities, tCO2e, u, tce per group). Spark is
timed cold (its JVM starting) and warm (a second run in the same session). Writes
``benchmarks/results/rollup.json``; the README quotes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from dualcarbon.rollup.rollup import ALL_SECTORS, NATION, roll_up

RESULTS = Path(__file__).parent / "results"
PROVINCES = 31
SECTORS = ("power", "cement", "steel", "aluminium", "chemicals", "paper", "aviation", "other")


def build(facilities: int, years: int, seed: int = 2026) -> pa.Table:
    rng = np.random.default_rng(seed)
    rows = facilities * years
    ids = np.arange(rows) % facilities
    total = rng.lognormal(11.0, 1.2, rows)
    return pa.table(
        {
            "organisation": [f"企业{i:05d}" for i in ids],
            "facility": ["一厂"] * rows,
            "province": [f"省{i % PROVINCES:02d}" for i in ids],
            "sector": [SECTORS[i % len(SECTORS)] for i in ids],
            "year": np.repeat(np.arange(2023, 2023 + years), facilities),
            "tco2e": total,
            "u_tco2e": total * rng.uniform(0.005, 0.03, rows),
            "energy_tce": total / rng.uniform(1.5, 3.5, rows),
        }
    )


def baseline(table: pa.Table) -> dict[tuple[int, str, str], tuple[int, float, float, float]]:
    """The same totals by polars group-bys: province × sector, province, nation."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    sums = [
        pl.len().alias("n"),
        pl.col("tco2e").sum(),
        (pl.col("u_tco2e") ** 2).sum().sqrt().alias("u"),
        pl.col("energy_tce").sum(),
    ]
    found: dict[tuple[int, str, str], tuple[int, float, float, float]] = {}
    for keys, fill in (
        (["year", "province", "sector"], {}),
        (["year", "province"], {"sector": ALL_SECTORS}),
        (["year"], {"province": NATION, "sector": ALL_SECTORS}),
    ):
        for row in frame.group_by(keys).agg(sums).iter_rows(named=True):
            key = (
                row["year"],
                fill.get("province", row.get("province")),
                fill.get("sector", row.get("sector")),
            )
            found[key] = (row["n"], row["tco2e"], row["u"], row["energy_tce"])  # type: ignore[index]
    return found


def agrees(
    table: pa.Table, expected: dict[tuple[int, str, str], tuple[int, float, float, float]]
) -> float:
    """The largest relative difference from the baseline (asserting every group is there)."""
    rows = table.to_pylist()
    assert len(rows) == len(expected), (len(rows), len(expected))
    worst = 0.0
    for r in rows:
        n, tco2e, u, tce = expected[(r["year"], r["province"], r["sector"])]
        assert r["facilities"] == n
        for a, b in ((r["tco2e"], tco2e), (r["u_tco2e"], u), (r["energy_tce"], tce)):
            worst = max(worst, abs(a - b) / abs(b))
    return worst


def timed(run: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = run()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facilities", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()
    table = build(args.facilities, args.years)
    base_s, expected = timed(lambda: baseline(table))
    duck_s, duck = timed(lambda: roll_up(table, "duckdb"))
    spark_cold_s, spark = timed(lambda: roll_up(table, "spark"))
    spark_warm_s, spark = timed(lambda: roll_up(table, "spark"))
    result = {
        "benchmark": "rollup",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "facilities": args.facilities,
        "years": args.years,
        "rows": table.num_rows,
        "groups": duck.num_rows,
        "seconds": {
            "polars_baseline": round(base_s, 4),
            "duckdb": round(duck_s, 4),
            "spark_cold": round(spark_cold_s, 3),
            "spark_warm": round(spark_warm_s, 3),
        },
        "ratio_to_baseline": {
            "duckdb": round(duck_s / base_s, 2),
            "spark_warm": round(spark_warm_s / base_s, 2),
        },
        "max_relative_difference": {
            "duckdb": agrees(duck, expected),
            "spark": agrees(spark, expected),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rollup.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    assert all(math.isfinite(v) and v < 1e-9 for v in result["max_relative_difference"].values())


if __name__ == "__main__":
    main()
