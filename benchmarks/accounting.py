"""Benchmark: account 10,000 synthetic facilities × 12 months × 4 fuels from Parquet, and a
mixed run of the three ETS sectors (cement, aluminium, steel: 10,000 facilities in all).

Compares the vectorised engine (``dualcarbon.accounting.engine.account``) with a plain per-record
Python implementation of the same rules, in the same run, both keeping a full trace per line
(for the sectors, every line's inputs with their tiers and references). Each runs in its own
child process so that peak memory (ru_maxrss) is its own.

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
    # each facility's fuel has its own size, and its months vary ±30 % around it (a plausible
    # year: the engine's plausibility checks, part of what is measured, find nothing to stop)
    base = np.where(
        is_coal[: facilities * len(FUELS)].reshape(facilities, len(FUELS))[:, None, :],
        rng.uniform(5e3, 2e5, (facilities, 1, len(FUELS))),
        rng.uniform(1.0, 500.0, (facilities, 1, len(FUELS))),
    )
    consumption = (base * rng.uniform(0.7, 1.3, (facilities, 12, len(FUELS)))).reshape(n)
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


SECTORS = ("cement", "aluminium", "steel")
STEEL_MATERIALS = ("limestone", "dolomite", "electrode", "crude_steel")


def make_mixed(facilities: int, folder: Path, seed: int = 20242) -> dict[str, Path]:
    """One Parquet file per sector table, a third of the facilities each."""
    rng = np.random.default_rng(seed)
    per = max(facilities // 3, 1)
    names = [f"S{i:05d}" for i in range(per)]

    def frame(rows_per_month: int) -> tuple[pl.Series, np.ndarray, int]:
        n = per * 12 * rows_per_month
        facility = pl.Series(np.repeat(np.array(names), 12 * rows_per_month))
        month = np.tile(np.repeat(np.arange(1, 13), rows_per_month), per)
        return facility, month, n

    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    facility, month, n = frame(1)
    oxides = rng.random(n) < 0.5
    paths["clinker"] = folder / "clinker.parquet"
    pl.DataFrame(
        {
            "facility": facility,
            "month": month,
            "clinker_type": "portland",
            "clinker_output": rng.uniform(5e4, 2e5, n),
            "clinker_output_ref": "belt scale",
            "clinker_output_mpe": 1.0,
            "cao_clinker": pl.Series(np.where(oxides, rng.uniform(64, 66, n), np.nan)).fill_nan(
                None
            ),
            "cao_noncarbonate": pl.Series(
                np.where(oxides, rng.uniform(0.5, 2, n), np.nan)
            ).fill_nan(None),
            "mgo_clinker": pl.Series(np.where(oxides, rng.uniform(1.5, 3, n), np.nan)).fill_nan(
                None
            ),
            "mgo_noncarbonate": pl.Series(
                np.where(oxides, rng.uniform(0.1, 0.4, n), np.nan)
            ).fill_nan(None),
            "oxides_ref": "lab report",
        }
    ).write_parquet(paths["clinker"])
    facility, month, n = frame(2)
    paths["alternative_materials"] = folder / "alternative_materials.parquet"
    pl.DataFrame(
        {
            "facility": facility,
            "month": month,
            "material": np.tile(np.array(["carbide_slag", "steel_slag"]), n // 2),
            "amount": rng.uniform(1e3, 8e3, n),
            "amount_ref": "batch scale",
        }
    ).write_parquet(paths["alternative_materials"])
    facility, month, n = frame(1)
    measured = rng.random(n) < 0.5
    paths["electrolysis"] = folder / "electrolysis.parquet"
    pl.DataFrame(
        {
            "facility": facility,
            "month": month,
            "aluminium_output": rng.uniform(1e4, 3e4, n),
            "aluminium_output_ref": "metal weighing",
            "anode_effect_minutes": pl.Series(
                np.where(measured, rng.uniform(0.05, 0.3, n), np.nan)
            ).fill_nan(None),
            "anode_effect_ref": "pot controller",
        }
    ).write_parquet(paths["electrolysis"])
    facility, month, n = frame(len(STEEL_MATERIALS))
    material = np.tile(np.array(STEEL_MATERIALS), n // len(STEEL_MATERIALS))
    is_electrode = material == "electrode"
    paths["carbon_flows"] = folder / "carbon_flows.parquet"
    pl.DataFrame(
        {
            "facility": facility,
            "month": month,
            "material": material,
            "flow": np.where(material == "crude_steel", "output", "input"),
            "amount": np.where(is_electrode, rng.uniform(50, 150, n), rng.uniform(1e3, 4e5, n)),
            "amount_ref": "weighbridge",
            "carbon_content": pl.Series(
                np.where(is_electrode, rng.uniform(98, 99.5, n), np.nan)
            ).fill_nan(None),
            "carbon_content_ref": "lab report",
        }
    ).write_parquet(paths["carbon_flows"])
    return paths


MIXED_TABLES = {
    "cn-mee-cement-2024": ("clinker", "alternative_materials"),
    "cn-mee-aluminium-2024": ("electrolysis",),
    "cn-mee-steel-2024": ("carbon_flows",),
}


def run_engine_mixed(paths: dict[str, Path]) -> dict[str, Any]:
    from dualcarbon.accounting.engine import account
    from dualcarbon.accounting.inventory import Inventory, InventoryHeader

    start = time.perf_counter()
    total, lines, inputs = 0.0, 0, 0
    for methodology, tables in MIXED_TABLES.items():
        inventory = Inventory(
            InventoryHeader(organisation="bench", year=2025, methodology=methodology),
            {name: pl.read_parquet(paths[name]) for name in tables},
            source=methodology,
        )
        result = account(inventory)
        total += result.total()
        lines += result.lines.height
        inputs += result.inputs.height
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "total_tco2e": total, "lines": lines, "inputs": inputs}


def run_per_record_mixed(paths: dict[str, Path]) -> dict[str, Any]:
    """The three sectors' rules, one dict per record, each line with its inputs listed."""
    from dualcarbon.factors import default_catalogue

    start = time.perf_counter()
    catalogue = default_catalogue()

    def factor(key: str) -> tuple[float, str]:
        found = catalogue.get(key)
        return found.value, found.ref

    gwp = {gas: factor(f"gwp-ipcc-ar5/gwp/{gas}")[0] for gas in ("CF4", "C2F6")}
    trace: list[dict[str, Any]] = []
    total = 0.0

    def line(record: dict[str, Any], emission: float, sign: int, inputs: list[Any]) -> None:
        nonlocal total
        total += sign * emission
        trace.append({**record, "emission": emission, "sign": sign, "inputs": inputs})

    for record in pl.read_parquet(paths["clinker"]).iter_rows(named=True):
        if record["cao_clinker"] is not None:
            ef = (record["cao_clinker"] - record["cao_noncarbonate"]) / 100 * 44 / 56 + (
                record["mgo_clinker"] - record["mgo_noncarbonate"]
            ) / 100 * 44 / 40
            ef_input = ("clinker_factor", ef, "calculated", None)
        else:
            ef, ref = factor(f"cn-mee-cement-2024/clinker/{record['clinker_type']}")
            ef_input = ("clinker_factor", ef, "default", ref)
        q = record["clinker_output"]
        u = q * record["clinker_output_mpe"] / 100 / 3**0.5
        line(
            record,
            q * ef,
            1,
            [("clinker_output", q, "measured", record["clinker_output_ref"], u), ef_input],
        )
    for record in pl.read_parquet(paths["alternative_materials"]).iter_rows(named=True):
        d, ref = factor(f"cn-mee-cement-2024/deduction/{record['material']}")
        m = record["amount"]
        line(
            record,
            m * d,
            -1,
            [
                ("amount", m, "measured", record["amount_ref"]),
                ("deduction_factor", d, "default", ref),
            ],
        )
    nc, nc_ref = factor("cn-mee-aluminium-2024/net_anode_consumption")
    sulphur, s_ref = factor("cn-mee-aluminium-2024/anode_sulphur")
    ash, a_ref = factor("cn-mee-aluminium-2024/anode_ash")
    cf4_default, cf4_ref = factor("cn-mee-aluminium-2024/cf4_factor")
    c2f6_default, c2f6_ref = factor("cn-mee-aluminium-2024/c2f6_factor")
    slope, slope_ref = factor("cn-mee-aluminium-2024/cf4_slope")
    ratio, ratio_ref = factor("cn-mee-aluminium-2024/c2f6_ratio")
    for record in pl.read_parquet(paths["electrolysis"]).iter_rows(named=True):
        p = record["aluminium_output"]
        anode = p * nc * (1 - sulphur / 100 - ash / 100) * 44 / 12
        line(
            record,
            anode,
            1,
            [
                ("aluminium_output", p),
                ("net_anode", nc, nc_ref),
                ("anode_sulphur", sulphur, s_ref),
                ("anode_ash", ash, a_ref),
            ],
        )
        aem = record["anode_effect_minutes"]
        if aem is not None:
            cf4, c2f6 = slope * aem / 1000, ratio * slope * aem / 1000
            how = [
                ("anode_effect_minutes", aem, "measured"),
                ("cf4_slope", slope, slope_ref),
                ("c2f6_ratio", ratio, ratio_ref),
            ]
        else:
            cf4, c2f6 = cf4_default / 1000, c2f6_default / 1000
            how = [("cf4_factor", cf4, cf4_ref), ("c2f6_factor", c2f6, c2f6_ref)]
        line(record, p * cf4 * gwp["CF4"], 1, [("aluminium_output", p), *how, ("gwp", gwp["CF4"])])
        line(
            record, p * c2f6 * gwp["C2F6"], 1, [("aluminium_output", p), *how, ("gwp", gwp["C2F6"])]
        )
    for record in pl.read_parquet(paths["carbon_flows"]).iter_rows(named=True):
        if record["carbon_content"] is not None:
            ef = record["carbon_content"] / 100 * 44 / 12
            ef_input = ("co2_factor", ef, "calculated", record["carbon_content_ref"])
        else:
            ef, ref = factor(f"cn-ndrc-steel-2013/co2_factor/{record['material']}")
            ef_input = ("co2_factor", ef, "default", ref)
        sign = 1 if record["flow"] == "input" else -1
        line(
            record,
            record["amount"] * ef,
            sign,
            [("amount", record["amount"], "measured", record["amount_ref"]), ef_input],
        )
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "total_tco2e": total, "lines": len(trace)}


def _child(target: str, path: Any, queue: mp.Queue[dict[str, Any]]) -> None:
    runners = {
        "engine": run_engine,
        "per_record": run_per_record,
        "engine_mixed": run_engine_mixed,
        "per_record_mixed": run_per_record_mixed,
    }
    figures = runners[target](path)
    figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    queue.put(figures)


def measure(target: str, path: Any) -> dict[str, Any]:
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
    mixed_paths = make_mixed(args.facilities, DATA / f"mixed-{args.facilities}")
    mixed_engine = measure("engine_mixed", mixed_paths)
    mixed_baseline = measure("per_record_mixed", mixed_paths)
    mixed_relative = abs(mixed_engine["total_tco2e"] - mixed_baseline["total_tco2e"]) / abs(
        mixed_baseline["total_tco2e"]
    )
    report = {
        "command": f".venv/bin/python benchmarks/accounting.py --facilities {args.facilities}",
        "records": engine["lines"],
        "engine": engine,
        "per_record_python": baseline,
        "speedup": baseline["seconds"] / engine["seconds"],
        "memory_ratio": engine["peak_rss_mib"] / baseline["peak_rss_mib"],
        "totals_agree_to": relative,
        "mixed_sectors": {
            "what": "cement, aluminium and steel inventories, a third of the facilities each",
            "lines": mixed_engine["lines"],
            "engine": mixed_engine,
            "per_record_python": mixed_baseline,
            "speedup": mixed_baseline["seconds"] / mixed_engine["seconds"],
            "memory_ratio": mixed_engine["peak_rss_mib"] / mixed_baseline["peak_rss_mib"],
            "totals_agree_to": mixed_relative,
        },
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
