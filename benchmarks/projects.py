"""Benchmark: a CCER offshore wind project's whole crediting period in one monitoring report.

Ten years × 12 months × 8 metering points (960 monthly records, two meters each; the export
meters' first yearly calibration comes three months late) accounted by
``dualcarbon.projects.engine.account_project``
(checks, conservative readings, traced lines, plausibility) and its GUM uncertainty, against a
plain per-record Python implementation of CCER-01-002-V01 equations (1)–(4) and 7.3.4 in the
same run. The two totals must agree; the ratio says what the checks and the trace cost.

    .venv/bin/python benchmarks/projects.py [--years 10] [--points 8]

Writes ``benchmarks/results/projects.json``; the README quotes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from dualcarbon.io.project_yaml import project_from_mapping
from dualcarbon.io.register_files import register_from_mapping
from dualcarbon.metrology.register import Register
from dualcarbon.projects.engine import account_project

HERE = Path(__file__).parent
RESULTS = HERE / "results"
OM, BM = 0.8, 0.4


def build(years: int, points: int, seed: int = 2026) -> tuple[dict[str, Any], Register]:
    rng = np.random.default_rng(seed)
    first = 2025
    rows = []
    for year in range(first, first + years):
        for month in range(1, 13):
            for point in range(points):
                rows.append(
                    {
                        "year": year,
                        "month": month,
                        "unit": f"关口{point + 1}",
                        "export": float(rng.uniform(20_000, 40_000)),
                        "export_ref": f"JS-{year}{month:02d}-{point + 1}",
                        "import": float(rng.uniform(10, 80)),
                        "import_ref": f"JS-{year}{month:02d}-{point + 1}",
                    }
                )
    plan = []
    instruments = []
    calibrations = []
    for point in range(points):
        for side in ("E", "I"):
            meter = f"GK-{side}{point + 1:02d}"
            plan.append(
                {
                    "parameter": "export" if side == "E" else "import",
                    "meter": meter,
                    "point": f"关口{point + 1}",
                }
            )
            instruments.append(
                {
                    "id": meter,
                    "quantity": "有功电能",
                    "energy": "electricity",
                    "level": "site",
                    "kind": "electricity_meter",
                    "accuracy": "0.2S",
                    "interval_months": 12,
                }
            )
            for year in range(first - 1, first + years):
                # the export meters move from March to June: one late calibration each
                late = side == "E"
                day = dt.date(year, 6 if late and year >= first else 3, 10)
                calibrations.append(
                    {
                        "instrument": meter,
                        "date": day.isoformat(),
                        "result": "pass",
                        "certificate": f"C-{meter}-{year}",
                    }
                )
    end = dt.date(first + years - 1, 12, 31)
    document = {
        "project": {
            "id": "BENCH-OW",
            "name": "基准测试海上风电",
            "owner": "基准测试公司",
            "methodology": "ccer-01-002-v01",
            "grid": "华东",
            "crediting_period": {"start": f"{first}-01-01", "end": f"{first + 9}-12-31"},
            "monitoring_period": {"start": f"{first}-01-01", "end": end.isoformat()},
            "facts": {"distance_km": 45},
            "grid_margins": {first: {"om": OM, "bm": BM, "source": "基准测试用值"}},
        },
        "monitoring_plan": plan,
        "grid_supply": rows,
    }
    register = register_from_mapping(
        {"instruments": instruments, "calibrations": calibrations}, source="bench"
    )
    return document, register


def by_hand(document: dict[str, Any], register: Register) -> float:
    """Equations (1)–(4) record by record, with 7.3.4 for a month whose meter was overdue on
    its first or last day (class 0.2S: MPE 0.2 %)."""
    total = 0.0
    cm = OM * 0.5 + BM * 0.5
    for row in document["grid_supply"]:
        point = row["unit"].removeprefix("关口")
        export, imported = row["export"], row["import"]
        if _overdue(register, f"GK-E{int(point):02d}", row["year"], row["month"]):
            export *= 1 - 0.002
        total += (export - imported) * cm
    return total


def _overdue(register: Register, meter: str, year: int, month: int) -> bool:
    first = dt.date(year, month, 1)
    last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    for day in (first, last):
        done = [r.date for r in register.records_for(meter) if r.date <= day]
        if not done or day >= done[-1].replace(year=done[-1].year + 1):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--points", type=int, default=8)
    args = parser.parse_args()
    document, register = build(args.years, args.points)
    start = time.perf_counter()
    expected = by_hand(document, register)
    plain = time.perf_counter() - start
    start = time.perf_counter()
    inventory = project_from_mapping(document, source="bench.yaml")
    result = account_project(inventory, register=register)
    accounted = time.perf_counter() - start
    start = time.perf_counter()
    spread = result.uncertainty()
    propagated = time.perf_counter() - start
    records = len(document["grid_supply"])
    report = {
        "records": records,
        "years": args.years,
        "points": args.points,
        "corrections": len(result.corrections),
        "total_tco2e": result.total,
        "by_hand_tco2e": expected,
        "relative_difference": abs(result.total - expected) / expected,
        "plain_python_s": round(plain, 4),
        "account_project_s": round(accounted, 3),
        "uncertainty_gum_s": round(propagated, 3),
        "expanded_u_tco2e": spread.U,
        "ratio_account_to_plain": round(accounted / plain, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "projects.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    assert report["relative_difference"] < 1e-12, "the engine and the hand computation disagree"


if __name__ == "__main__":
    main()
