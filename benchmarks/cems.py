"""Benchmark: the CEMS batch pipeline over one year of minute data for a fleet of stacks.

Measures ``dualcarbon.cems.pipeline.run`` end to end — HJ 75-2017 validity of each minute and
hour, substitution of invalid hours, CO2 mass, aggregation to the day, month and year, the four
result tables written to Parquet — in rows per second and peak memory, beside a straightforward
pandas implementation of the same rules on a subset of the stacks (:func:`run_pandas`), in the
same run and on the same files. For every stack of the subset the two must agree on the annual
CO2 (relative 1e-9) and exactly on the hours measured, substituted, unfilled and stopped. For
scale, a third row times the pipeline's first two steps alone on DuckDB (the only ones that read
the minutes: validity and hourly means), and a fourth the peer benchmark's own bare hourly
aggregation on a table of its shape (the team's own measurement of DuckDB 2.0.0 grouping one
Parquet file of 20 M minute rows by stack and hour, integer stack id and flag: 0.71 s, 28.2 M
rows/s, median of 5, on a shared 2-core AMD EPYC VM with 24 GiB RAM), which shows how fast this
machine reads and groups minute rows at all.

The data are synthetic, seeded and written straight into the partitioned layout of
:mod:`dualcarbon.cems.schema` (``source=<MN>/month=<YYYY-MM>/part-0.parquet``): per stack a
load-following minute series (CO2 11–14 % dry, O2 5–8 % dry, flow, temperature, pressure,
moisture) with daily analyser calibrations (C), monthly maintenance (M), faults (D), stops of the
unit (F), nulls, lost minutes, lost hours, a few gaps longer than a day and, on every fourth
stack, a quarter whose CO2 capture rate is under 90 %. The data set is cached
between runs under ``--data`` (one directory per set of parameters); ``--regenerate`` rebuilds
it.

Every measurement runs in a child process of its own so that its peak RSS (``ru_maxrss``) is its
own; this process stays small for the same reason (Linux carries a process's peak across fork
and exec). Peak RSS is the larger of ``ru_maxrss`` and the RSS of the child's process tree
sampled every 50 ms (Spark's JVM is a child of the Python driver). The clock runs from the call
to the result, the libraries already imported; CPU seconds (user + system of the child) are
reported too, since other work on the machine stretches the wall time (the load average at the
start of each measurement is shown). The other cores' load matters: run on a quiet machine.

    .venv/bin/python benchmarks/cems.py [--stacks 200] [--days 365] [--pandas-stacks 5]
        [--engine duckdb|spark] [--repeat 1] [--data /tmp/dualcarbon-cems-bench] [--regenerate]
        [--generate-only] [--no-reference] [--quick]

The full data set (200 stacks × 365 days, about 104 million rows) takes 1.9 GiB under
``--data``. ``--repeat N`` reports the median of N pipeline runs. ``--engine spark`` is meant
for small sizes. ``--quick`` is a smoke run (4 stacks × 7 days, a stop and a gap over 24 h
included; no peer-shape row) for ``tests/cems/test_benchmark_smoke.py``. A DuckDB run that is
not ``--quick`` writes ``benchmarks/results/cems.json``; ``--json PATH`` writes elsewhere
(``--json ''``: nowhere).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
DEFAULT_DATA = Path("/tmp/dualcarbon-cems-bench")
GENERATOR_VERSION = 4
START = "2023-01-01"
"""First minute of the synthetic data (a year without 29 February: 365 days are one year)."""
FLAG_CODES = ("N", "C", "M", "D", "F")

# -- the data set ---------------------------------------------------------------------------------


def source_names(stacks: int) -> list[str]:
    """HJ 212 MN-like names of the stacks, in order."""
    return [f"44010000{i:06d}" for i in range(stacks)]


def _intervals(n: int, starts: Any, lengths: Any) -> Any:
    """Boolean mask of length n covering [start, start + length) for each interval."""
    import numpy as np

    starts = np.clip(np.asarray(starts, dtype=np.int64), 0, n)
    ends = np.clip(starts + np.asarray(lengths, dtype=np.int64), 0, n)
    delta = np.bincount(starts, minlength=n + 1) - np.bincount(ends, minlength=n + 1)
    return np.cumsum(delta[:n]) > 0


def generate_stack(index: int, days: int, seed: int) -> tuple[dict[str, Any], dict[str, int]]:
    """One stack's minute series: the columns of the minute schema, and counts of what was made.

    The load follows a daily and weekly cycle, the season and an hourly random walk; CO2 rises and
    O2 falls with load, flow is proportional to it. Flags are coded as indices of ``FLAG_CODES``;
    ``keep`` marks the minutes that reach the disk (the others are lost), ``null`` the values the
    logger did not send.
    """
    import numpy as np

    rng = np.random.default_rng([seed, index])
    n = days * 1440
    minute = np.arange(n)
    hour = minute // 60
    day = minute // 1440
    hours = days * 24
    # load in [0.35, 1]: daily shape (low at night), weekends lower, winter/summer peaks, walk
    hour_of_day = np.arange(hours) % 24
    daily = 0.72 + 0.18 * np.sin(2 * np.pi * (hour_of_day - 8) / 24)
    weekend = np.where((np.arange(hours) // 24 + 6) % 7 >= 5, -0.08, 0.0)
    season = 0.08 * np.cos(4 * np.pi * np.arange(hours) / (365 * 24))
    walk = np.cumsum(rng.normal(0, 0.02, hours))
    walk -= np.convolve(walk, np.ones(168) / 168, mode="same")  # keep the walk near zero
    load_h = np.clip(daily + weekend + season + walk + rng.uniform(-0.05, 0.05), 0.35, 1.0)
    load = np.repeat(load_h, 60) + rng.normal(0, 0.01, n)
    x = np.clip((load - 0.35) / 0.65, 0.0, 1.0)
    capacity = rng.uniform(0.8e6, 2.5e6)  # m3/h at full load, stack conditions
    values = {
        "co2": np.round(11.0 + 3.0 * x + rng.normal(0, 0.06, n), 2),
        "o2": np.round(8.0 - 3.0 * x + rng.normal(0, 0.06, n), 2),
        "flow": np.round(capacity * (0.3 + 0.7 * load) * (1 + rng.normal(0, 0.01, n))),
        "temperature": np.round(rng.uniform(110, 135) + 15 * x + rng.normal(0, 0.4, n), 1),
        "pressure": np.round(rng.uniform(97.5, 100.5) + 0.8 * x + rng.normal(0, 0.05, n), 2),
        "moisture": np.round(rng.uniform(6, 9) + 2 * x + rng.normal(0, 0.1, n), 2),
    }
    flags = {name: np.zeros(n, dtype=np.int8) for name in values}
    # daily calibration of the gas analyser (CO2, O2): 8–25 minutes from about 02:00, so that
    # the longer ones leave fewer than 45 valid minutes in the hour; flow probe weekly, 10 min
    cal_start = day[::1440] * 1440 + 120 + rng.integers(-30, 45, days)
    calibration = _intervals(n, cal_start, rng.integers(8, 26, days))
    for name in ("co2", "o2"):
        flags[name][calibration] = 1
    flow_cal = np.arange(0, days, 7) * 1440 + 600 + rng.integers(0, 50)
    flags["flow"][_intervals(n, flow_cal, 10)] = 1
    # faults of one parameter: 30 min to 20 h
    faults = rng.poisson(6 * days / 365)
    fault_params = rng.choice(list(values), faults)
    fault_start = rng.integers(0, n, faults)
    fault_length = np.clip(rng.lognormal(np.log(180), 1.0, faults), 30, 1200).astype(int)
    for name, start, length in zip(fault_params, fault_start, fault_length, strict=True):
        flags[name][start : start + length] = 3
    # every fourth stack, from the fourth, has a troubled CO2 analyser in its second quarter:
    # 25 faults of 10 h, so that the quarter's capture falls under 90 % and its gaps take the
    # maximum of the 2160 valid hours before them (HJ 75-2017)
    if index % 4 == 3 and days >= 120:
        troubled = rng.integers(n // 4, n // 2 - 600, 25)
        flags["co2"][_intervals(n, troubled, 600)] = 3
    # maintenance, about monthly, 1–8 h, every parameter
    visits = max(1, round(12 * days / 365))
    maintenance = _intervals(n, rng.integers(0, n, visits), rng.integers(60, 481, visits))
    for name in values:
        flags[name][maintenance] = 2
    # stops of the unit, 1–10 days on about half the stacks: every parameter flagged F (停运),
    # the values those of a cold, idle stack
    # (every fourth stack, from the second, has one stop in its second quarter and every fourth,
    # from the third, one long gap in its third quarter, so that short runs have both too)
    stop_start = rng.integers(0, n, rng.poisson(0.7 * days / 365))
    if index % 4 == 1:
        stop_start = np.append(stop_start, rng.integers(n // 4, n // 2))
    stop_count = stop_start.size
    stop_length = np.minimum(rng.integers(1440, 14401, stop_count), n // 4)
    stopped = _intervals(n, stop_start, stop_length)
    idle = {"co2": 0.05, "o2": 20.8, "flow": 0.02 * capacity, "temperature": 35.0}
    for name in values:
        flags[name][stopped] = 4
        if name in idle:
            values[name][stopped] = idle[name]
    # values the logger did not send (flag null too)
    null = {name: rng.random(n) < 0.0005 for name in values}
    # lost data: single minutes, whole hours (1–4), and gaps over a day on some stacks
    lost_hours = rng.poisson(20 * days / 365)
    gap_start = rng.integers(0, n, rng.poisson(0.6 * days / 365))
    if index % 4 == 2:
        gap_start = np.append(gap_start, rng.integers(n // 2, 3 * n // 4))
    long_gaps = gap_start.size
    gap_length = np.minimum(rng.integers(25 * 60, 96 * 60, long_gaps), max(n // 4, 25 * 60))
    lost = (
        (rng.random(n) < 0.002)
        | _intervals(
            n, rng.integers(0, hours, lost_hours) * 60, rng.integers(1, 5, lost_hours) * 60
        )
        | _intervals(n, gap_start, gap_length)
    )
    keep = ~lost
    counts = {
        "minutes": int(n),
        "rows": int(keep.sum()),
        "calibration_minutes": int((calibration & keep).sum()),
        "maintenance_minutes": int((maintenance & keep).sum()),
        "faults": int(faults),
        "stops": int(stop_count),
        "stopped_minutes": int((stopped & keep).sum()),
        "lost_minutes": int(lost.sum()),
        "gaps_over_24h": int(long_gaps),
        "hours": int(hours),
        "hours_with_rows": int(np.unique(hour[keep]).size),
    }
    return {"keep": keep, "values": values, "flags": flags, "null": null}, counts


def write_stack(root: Path, index: int, days: int, seed: int) -> dict[str, int]:
    """Generate one stack and write its minutes, one Parquet file per month."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dualcarbon.cems.schema import MINUTE_SCHEMA

    source = source_names(index + 1)[index]
    series, counts = generate_stack(index, days, seed)
    kept = np.flatnonzero(series["keep"])
    times = np.datetime64(START, "s") + kept.astype("timedelta64[m]")
    months = times.astype("datetime64[M]")
    boundaries = np.flatnonzero(months[1:] != months[:-1]) + 1
    dictionary = pa.array(FLAG_CODES)
    for part in np.split(np.arange(kept.size), boundaries):
        if part.size == 0:
            continue
        rows = kept[part]
        columns: dict[str, pa.Array] = {
            "source": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(rows.size, dtype=np.int8)), pa.array([source])
            ).cast(pa.string()),
            "time": pa.array(times[part], pa.timestamp("s")),
        }
        for name, value in series["values"].items():
            null = series["null"][name][rows]
            columns[name] = pa.array(value[rows], pa.float64(), mask=null)
            columns[f"{name}_flag"] = pa.DictionaryArray.from_arrays(
                pa.array(series["flags"][name][rows], mask=null), dictionary
            ).cast(pa.string())
        table = pa.table(columns, schema=MINUTE_SCHEMA)
        folder = root / f"source={source}" / f"month={months[part[0]]!s}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet")
    return counts


def _generate_worker(root: str, days: int, seed: int, first: int, step: int, stacks: int) -> None:
    counts = {
        source_names(stacks)[i]: write_stack(Path(root), i, days, seed)
        for i in range(first, stacks, step)
    }
    _answer({"counts": counts, "peak_rss_mib": _peak_rss_mib()})


def dataset(
    data: Path, stacks: int, days: int, seed: int, jobs: int, regenerate: bool
) -> tuple[Path, dict[str, Any]]:
    """The cached data set for these parameters: generated (in child processes) if missing."""
    folder = data / f"stacks{stacks}-days{days}-seed{seed}-v{GENERATOR_VERSION}"
    root = folder / "minutes"  # nothing but the Parquet layout under it (Spark reads every file)
    manifest = folder / "manifest.json"
    if manifest.exists() and not regenerate:
        found: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
        found["cached"] = True
        return root, found
    if folder.exists():
        shutil.rmtree(folder)
    root.mkdir(parents=True)
    start = time.perf_counter()
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--generate-worker",
                json.dumps([str(root), days, seed, j, jobs, stacks]),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for j in range(min(jobs, stacks))
    ]
    counts: dict[str, dict[str, int]] = {}
    peak = 0.0
    for worker in workers:
        out, _ = worker.communicate()
        if worker.returncode != 0:
            raise SystemExit(f"data generation failed (exit {worker.returncode})")
        answer = json.loads(out.strip().splitlines()[-1])
        counts.update(answer["counts"])
        peak = max(peak, answer["peak_rss_mib"])
    seconds = time.perf_counter() - start
    found = {
        "stacks": stacks,
        "days": days,
        "seed": seed,
        "start": START,
        "generator_version": GENERATOR_VERSION,
        "rows": sum(c["rows"] for c in counts.values()),
        "seconds": seconds,
        "jobs": jobs,
        "peak_rss_mib_per_job": peak,
        "bytes": sum(f.stat().st_size for f in root.rglob("*.parquet")),
        "counts": dict(sorted(counts.items())),
    }
    manifest.write_text(json.dumps(found, indent=1), encoding="utf-8")
    found["cached"] = False
    return root, found


# -- the pandas baseline --------------------------------------------------------------------------


VALID_MINUTES = 45
"""Valid minutes an hour needs for a valid hourly mean (HJ 75-2017)."""
SHORT_GAP_HOURS = 24
LOOKBACK_HOURS = 720
LOW_CAPTURE = 0.9
"""Below this quarterly capture rate every gap takes the 2160-valid-hour maximum (HJ 75-2017)."""
LOW_CAPTURE_LOOKBACK_HOURS = 2160
COMPARED = ("co2_t", "hours", "n_measured", "n_substituted", "n_unfilled", "n_stopped")
"""What the two implementations must agree on, per source and year (counts exactly)."""


def substitute(hourly: Any) -> Any:
    """Fill the invalid (NaN) hours of one series of the hours a stack ran.

    The tier follows the capture rate (valid / hours run) of the calendar quarter in which the
    gap starts. At 90 % or more, a gap of up to 24 h takes the mean of the valid hours either
    side of it, or the one there is at an edge of the data, and a longer gap the maximum of the
    720 valid hours before it; under 90 %, any gap takes the maximum of the 2160 valid hours
    before it. With nothing to take a value from, the hour stays NaN (unfilled).
    """
    valid = hourly.notna()
    run = valid.cumsum()  # a valid hour and the gap after it
    gap_hours = (~valid).groupby(run).transform("sum")
    capture = valid.groupby(hourly.index.to_period("Q")).transform("mean")
    gap_capture = capture.where(~valid).groupby(run).transform("first")
    before, after = hourly.ffill(), hourly.bfill()
    short = ((before + after) / 2).fillna(before).fillna(after)
    measured = hourly.dropna()
    max_720 = measured.rolling(LOOKBACK_HOURS, min_periods=1).max().reindex(hourly.index).ffill()
    max_2160 = measured.rolling(LOW_CAPTURE_LOOKBACK_HOURS, min_periods=1).max()
    max_2160 = max_2160.reindex(hourly.index).ffill()
    tiered = short.where(gap_hours <= SHORT_GAP_HOURS, max_720)
    return hourly.where(valid, tiered.where(gap_capture >= LOW_CAPTURE, max_2160))


def run_pandas(root: Path, sources: list[str]) -> dict[str, dict[str, float]]:
    """The pipeline written plainly in pandas: the year of each source (``co2_t`` [t], and the
    hours measured, substituted, unfilled and stopped).

    Minutes count when flagged N; an hourly mean is valid with 45 valid minutes; hours with 45
    minutes flagged F (stopped) emit nothing and are left out of the gaps; every hour from a
    stack's first to its last hour with data is accounted for; CO2 concentration [mg/m³] and
    dry standard flow [m³/h] are substituted separately, and their product is the hour's mass.
    """
    import pandas as pd

    from dualcarbon.cems.schema import PARAMETERS

    minutes = pd.concat(
        [pd.read_parquet(root / f"source={source}") for source in sources], ignore_index=True
    )
    minutes["source"] = minutes["source"].astype(str)
    minutes["hour"] = minutes["time"].dt.floor("h")
    for name in PARAMETERS:
        minutes[name] = minutes[name].where(minutes[f"{name}_flag"] == "N")
    minutes["stopped"] = minutes["flow_flag"] == "F"
    by_hour = minutes.groupby(["source", "hour"])
    means = by_hour[list(PARAMETERS)].mean()
    valid_minutes = by_hour[list(PARAMETERS)].count()
    stopped_minutes = by_hour["stopped"].sum()

    annual = {}
    for source in sources:
        hours = means.loc[source].index
        calendar = pd.date_range(hours.min(), hours.max(), freq="h")
        hourly = means.loc[source].reindex(calendar)
        valid = valid_minutes.loc[source].reindex(calendar, fill_value=0) >= VALID_MINUTES
        running = stopped_minutes.loc[source].reindex(calendar, fill_value=0) < VALID_MINUTES
        # CO2 [% vol dry] to mg/m³ at 273.15 K, 101.325 kPa: φ/100 · M/V_m · 1e6; flow at stack
        # conditions to dry standard flow Q_sn (HJ 75-2017, GB/T 16157-1996 §7)
        co2_mg_m3 = hourly["co2"] / 100 * 44.01 / 22.4 * 1e6  # M/22.4 as HJ 75-2017 (decision 0016)
        dry_standard_flow = (
            hourly["flow"]
            * 273.15
            / (273.15 + hourly["temperature"])
            * hourly["pressure"]
            / 101.325
            * (1 - hourly["moisture"] / 100)
        )
        flow_valid = valid[["flow", "temperature", "pressure", "moisture"]].all(axis=1)
        co2_mg_m3 = substitute(co2_mg_m3.where(valid["co2"])[running])
        dry_standard_flow = substitute(dry_standard_flow.where(flow_valid)[running])
        co2_t = co2_mg_m3 * dry_standard_flow * 1e-9  # mg/m³ · m³/h · 1 h → t
        measured = (valid["co2"] & flow_valid)[running]
        annual[source] = {
            "co2_t": float(co2_t.sum()),
            "hours": len(calendar),
            "n_measured": int(measured.sum()),
            "n_substituted": int((~measured & co2_t.notna()).sum()),
            "n_unfilled": int(co2_t.isna().sum()),
            "n_stopped": int((~running).sum()),
        }
    return annual


# -- dualcarbon -----------------------------------------------------------------------------------


def run_dualcarbon(
    root: Path, sources: list[str] | None, engine: str, out: Path
) -> tuple[dict[str, dict[str, float]], int | None]:
    """The year of each source by ``dualcarbon.cems.pipeline.run``, and the rows it read."""
    import pyarrow.parquet as pq

    from dualcarbon.cems import pipeline

    result = pipeline.run(root, engine=engine, out=out, sources=sources)  # type: ignore[arg-type]
    annual = result.annual
    table = pq.read_table(annual) if isinstance(annual, Path) else annual
    return _annual_by_source(table), result.rows.get("minute")


def _annual_by_source(table: Any) -> dict[str, dict[str, float]]:
    annual: dict[str, dict[str, float]] = {}
    for row in table.select(["source", *COMPARED]).to_pylist():  # a row per source and year
        year = annual.setdefault(str(row.pop("source")), dict.fromkeys(COMPARED, 0))
        for name, value in row.items():
            year[name] += value
    return annual


def run_scan_reference(root: Path) -> int:
    """For scale: the pipeline's first two steps alone (minute validity, hourly means and
    valid-minute counts: the only ones that read the minutes), on DuckDB, kept as a table."""
    from dualcarbon.cems import pipeline
    from dualcarbon.cems.engines import DuckDBMinutes

    engine = DuckDBMinutes()
    try:
        engine.register_minutes(root, None)
        first, second = pipeline.steps()[:2]
        engine.view(first.name, first.sql)
        engine.view(second.name, second.sql, materialize=True)
        return engine.count(second.name)
    finally:
        engine.close()


PEER_STACKS, PEER_MINUTES = 200, 100_000
"""The peer benchmark's table: 200 stacks × 100,000 minutes = 20 M rows in one file."""


def write_peer_shape(path: Path) -> None:
    """The table of the peer benchmark's hourly aggregation, rebuilt: 200 stacks × 100,000
    minutes in one Parquet file, 7 columns (integer stack id and flag), about 5 % of rows
    flagged invalid, snappy, 1 M-row row groups. Values are random: only the shape matters."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(2024)
    n = PEER_STACKS * PEER_MINUTES
    minutes = np.tile(np.arange(PEER_MINUTES), PEER_STACKS).astype("timedelta64[m]")
    table = pa.table(
        {
            "stack_id": np.repeat(np.arange(PEER_STACKS, dtype=np.int32), PEER_MINUTES),
            "ts": pa.array((np.datetime64(START, "m") + minutes).astype("datetime64[us]")),
            "co2_pct": rng.normal(12.0, 0.5, n),
            "o2_pct": rng.normal(6.0, 0.5, n),
            "flow": rng.uniform(0.8e6, 2.5e6, n),
            "temperature": rng.normal(130.0, 5.0, n),
            "flag": (rng.random(n) < 0.05).astype(np.int8),
        }
    )
    part = path.with_suffix(".part")
    pq.write_table(table, part, row_group_size=1_000_000, compression="snappy")
    part.replace(path)


def run_peer_shape(path: Path) -> int:
    """The peer benchmark's DuckDB query on its table: a bare hourly aggregation (valid count,
    mean CO2 and mass per stack and hour), fetched as Arrow. It sets this machine's ceiling for
    reading and grouping minute rows, beside the 28.2 M rows/s the peer measured on its VM."""
    import duckdb

    query = f"""
        SELECT stack_id, date_trunc('hour', ts) AS hour,
            count(*) FILTER (WHERE flag = 0) AS n_valid,
            avg(co2_pct) FILTER (WHERE flag = 0) AS mean_co2,
            sum(co2_pct * flow) FILTER (WHERE flag = 0) * 0.01977 AS mass_kg
        FROM read_parquet('{path}') GROUP BY ALL"""
    con = duckdb.connect()
    try:
        return int(con.sql(query).to_arrow_table().num_rows)
    finally:
        con.close()


# -- child processes -------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its ended, waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _TreeMemory:
    """Samples the RSS of this process and its descendants (Spark's JVM is a child of the
    Python driver, which ru_maxrss of the driver does not see) every 50 ms."""

    def __init__(self) -> None:
        import threading

        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while not self.done.wait(0.05):
            total = self.process.memory_info().rss
            for child in self.process.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # it may have ended meanwhile
                    total += child.memory_info().rss
            self.peak = max(self.peak, total)

    def stop(self) -> tuple[float, float]:
        """Peak RSS of the tree [MiB], and CPU seconds of the descendants still running."""
        import psutil

        self.done.set()
        self.thread.join()
        cpu = 0.0
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                times = child.cpu_times()
                cpu += times.user + times.system
        return self.peak / 2**20, cpu


def _answer(payload: dict[str, Any]) -> None:
    print(json.dumps(payload))


def _measure_worker(spec: dict[str, Any]) -> None:
    """One timed run in this (child) process; the libraries are imported before the clock."""
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    if spec["kind"] != "pandas":
        import dualcarbon.cems.pipeline  # noqa: F401
    if spec["kind"] == "peer":  # the file is read once before the clock, as the pipeline's are
        run_peer_shape(Path(spec["peer"]))
    root, sources = Path(spec["root"]), spec["sources"]
    tree = _TreeMemory()
    load_before = os.getloadavg()[0]
    cpu = _cpu_seconds()
    start = time.perf_counter()
    if spec["kind"] == "pandas":
        annual = run_pandas(root, sources)
        rows = None
    elif spec["kind"] == "scan":
        annual, rows = {}, run_scan_reference(root)
    elif spec["kind"] == "peer":
        annual, rows = {}, run_peer_shape(Path(spec["peer"]))
    else:
        annual, rows = run_dualcarbon(root, sources, spec["engine"], Path(spec["out"]))
    seconds = time.perf_counter() - start
    tree_peak, running_children_cpu = tree.stop()
    cpu_seconds = _cpu_seconds() - cpu + running_children_cpu
    _answer(
        {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "load_average": [load_before, os.getloadavg()[0]],
            "annual_t": annual,
            "rows_read": rows,
            "peak_rss_mib": max(_peak_rss_mib(), tree_peak),
            "process_peak_rss_mib": _peak_rss_mib(),
            "sampled_tree_peak_rss_mib": tree_peak,
        }
    )


def _child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[:2]} failed:\n{done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


# -- the run ---------------------------------------------------------------------------------------


def _machine(data: Path) -> dict[str, Any]:
    usage = shutil.disk_usage(data)
    with Path("/proc/meminfo").open(encoding="ascii") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    return {
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gib": round(total_kib / 2**20, 1),
        "python": platform.python_version(),
        "disk_free_gib": round(usage.free / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _versions() -> dict[str, str]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, pandas, pyarrow; "
            "print(duckdb.__version__, pandas.__version__, pyarrow.__version__)",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    names = ("duckdb", "pandas", "pyarrow")
    return dict(zip(names, done.stdout.split(), strict=False))


def _figures(
    stacks: int, rows: int, run: dict[str, Any], runs: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the table and the JSON show of one measurement (the median run of ``runs``)."""
    return {
        "stacks": stacks,
        "rows": rows,
        "seconds": run["seconds"],
        "rows_per_s": rows / run["seconds"],
        "cpu_seconds": run["cpu_seconds"],
        "rows_per_cpu_s": rows / run["cpu_seconds"],
        "peak_rss_mib": run["peak_rss_mib"],
        "process_peak_rss_mib": run["process_peak_rss_mib"],
        "sampled_tree_peak_rss_mib": run["sampled_tree_peak_rss_mib"],
        "load_average": run["load_average"],
        "runs_s": [r["seconds"] for r in runs],
        "runs_cpu_s": [r["cpu_seconds"] for r in runs],
        "runs_peak_rss_mib": [r["peak_rss_mib"] for r in runs],
    }


def _compare(ours: dict[str, dict[str, float]], theirs: dict[str, dict[str, float]]) -> float:
    """Print the subset's years side by side; the largest relative difference of CO2 (inf
    where a source is missing or an hour count differs)."""
    worst = 0.0
    print(
        "\nthe year of the pandas subset: CO2 [t]; hours measured/substituted/unfilled/stopped\n"
        f"{'source':16}{'dualcarbon':>18}{'pandas':>18}{'rel. diff':>11}  hours (both)"
    )
    for source, their in theirs.items():
        our = ours.get(source)
        if our is None:
            print(f"{source:16}{'missing':>18}{their['co2_t']:>18.6f}")
            worst = float("inf")
            continue
        diff = abs(our["co2_t"] - their["co2_t"]) / abs(their["co2_t"])
        counts = [(int(our[k]), int(their[k])) for k in COMPARED[2:]]
        same = int(our["hours"]) == int(their["hours"]) and all(a == b for a, b in counts)
        worst = max(worst, diff if same else float("inf"))
        shown = (
            "/".join(str(a) for a, _ in counts)
            if same
            else " vs ".join("/".join(str(pair[i]) for pair in counts) for i in (0, 1))
        )
        print(
            f"{source:16}{our['co2_t']:>18.6f}{their['co2_t']:>18.6f}{diff:>11.1e}  {shown}"
            + ("" if same else "  COUNTS DIFFER")
        )
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=200)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--pandas-stacks", type=int, default=5)
    parser.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    parser.add_argument("--repeat", type=int, default=1, help="runs of the pipeline (median)")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--jobs", type=int, default=2, help="processes generating the data")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--generate-only", action="store_true", help="make the data set, stop")
    parser.add_argument("--quick", action="store_true", help="4 stacks x 7 days, no JSON")
    parser.add_argument(
        "--no-reference", action="store_true", help="skip timing the pipeline's steps 1-2 alone"
    )
    parser.add_argument("--tolerance", type=float, default=1e-9)
    parser.add_argument("--json", default=None, help="where to write the results")
    parser.add_argument("--generate-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--measure-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--peer-worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_worker is not None:
        _generate_worker(*json.loads(args.generate_worker))
        return
    if args.measure_worker is not None:
        _measure_worker(json.loads(args.measure_worker))
        return
    if args.peer_worker is not None:
        write_peer_shape(Path(args.peer_worker))
        return
    if args.quick:
        args.stacks, args.days, args.pandas_stacks = 4, 7, 4
    json_path = args.json
    if json_path is None:
        json_path = "" if args.quick or args.engine != "duckdb" else str(RESULTS / "cems.json")

    args.data.mkdir(parents=True, exist_ok=True)
    machine = _machine(args.data)
    print(
        f"{machine['processor']}, {machine['cpus']} CPUs, {machine['memory_gib']} GiB, "
        f"Python {machine['python']}; {machine['disk_free_gib']} GiB free under {args.data}; "
        f"load average {machine['load_average']}"
    )
    root, data = dataset(args.data, args.stacks, args.days, args.seed, args.jobs, args.regenerate)
    rows = data["rows"]
    print(
        f"data: {args.stacks} stacks x {args.days} days = {rows:,} rows, "
        f"{data['bytes'] / 2**30:.2f} GiB of Parquet in {root}; "
        + (
            "cached"
            if data["cached"]
            else f"generated in {data['seconds']:.1f} s by {data['jobs']} processes "
            f"({rows / data['seconds'] / 1e6:.2f} M rows/s, "
            f"peak {data['peak_rss_mib_per_job']:.0f} MiB each)"
        )
    )
    if args.generate_only:
        return
    sources = source_names(args.stacks)
    subset = sources[: args.pandas_stacks]
    subset_rows = sum(data["counts"][s]["rows"] for s in subset)
    common = {"root": str(root), "start": START, "days": args.days, "engine": args.engine}
    out = args.data / "out"
    runs = []
    for _ in range(args.repeat):
        if out.exists():
            shutil.rmtree(out)
        spec = {**common, "kind": "dualcarbon", "sources": None, "out": str(out)}
        runs.append(_child(["--measure-worker", json.dumps(spec)]))
    runs.sort(key=lambda r: r["seconds"])
    ours = runs[len(runs) // 2]
    if ours["rows_read"] is not None and ours["rows_read"] != rows:
        print(f"warning: the pipeline read {ours['rows_read']:,} rows, the data set has {rows:,}")
    theirs = _child(
        ["--measure-worker", json.dumps({**common, "kind": "pandas", "sources": subset})]
    )
    scan = peer = None
    if not args.no_reference:
        scan = _child(["--measure-worker", json.dumps({**common, "kind": "scan", "sources": None})])
    if not args.no_reference and not args.quick:  # the peer's table is 20 M rows
        peer_file = args.data / "peer-shape-20M.parquet"
        if not peer_file.exists():
            subprocess.run([sys.executable, __file__, "--peer-worker", str(peer_file)], check=True)
        peer_spec = {**common, "kind": "peer", "sources": None, "peer": str(peer_file)}
        peer = _child(["--measure-worker", json.dumps(peer_spec)])
    worst = _compare(ours["annual_t"], theirs["annual_t"])
    label = f"dualcarbon-{args.engine}"
    figures = {
        label: _figures(args.stacks, rows, ours, runs),
        "pandas": _figures(len(subset), subset_rows, theirs, [theirs]),
    }
    if scan is not None:
        figures["(steps 1-2 only, duckdb)"] = _figures(args.stacks, rows, scan, [scan])
    if peer is not None:
        peer_rows = PEER_STACKS * PEER_MINUTES
        figures["(peer shape, duckdb)"] = _figures(PEER_STACKS, peer_rows, peer, [peer])
    ratio = figures[label]["rows_per_s"] / figures["pandas"]["rows_per_s"]
    print(
        f"\n{'':27}{'stacks':>7}{'rows':>13}{'seconds':>9}{'M rows/s':>10}{'CPU s':>8}"
        f"{'M rows/CPU-s':>13}{'peak RSS':>13}{'load':>6}"
    )
    for name, f in figures.items():
        print(
            f"{name:27}{f['stacks']:>7}{f['rows']:>13,}{f['seconds']:>9.2f}"
            f"{f['rows_per_s'] / 1e6:>10.2f}{f['cpu_seconds']:>8.1f}"
            f"{f['rows_per_cpu_s'] / 1e6:>13.2f}{f['peak_rss_mib']:>9.0f} MiB"
            f"{f['load_average'][0]:>6.1f}"
        )
    print(
        f"ratio dualcarbon/pandas (rows/s): {ratio:.1f}x; "
        + (
            f"annual CO2 agrees to {worst:.1e} (tolerance {args.tolerance:.0e}), hour counts "
            "exactly"
            if worst < float("inf")
            else "the two DISAGREE (a source missing or hour counts differ)"
        )
        + (
            f"; {args.repeat} runs: {', '.join(f'{r["seconds"]:.2f}' for r in runs)} s"
            if args.repeat > 1
            else ""
        )
    )
    report = {
        "command": " ".join([os.path.relpath(sys.executable), *sys.argv]),
        "machine": machine,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "versions": _versions(),
        "data": {k: v for k, v in data.items() if k != "counts"} | {"root": str(root)},
        **figures,
        "pipeline_rows_read": ours["rows_read"],
        "ratio_rows_per_s": ratio,
        "agreement": {
            "max_relative_difference": worst,
            "tolerance": args.tolerance,
            "annual": {
                s: {label: ours["annual_t"].get(s), "pandas": theirs["annual_t"][s]} for s in subset
            },
        },
        "goal": {"rows_per_s": 20e6, "peak_rss_mib": 4096},
    }
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(report, indent=2), encoding="utf-8")
        print(f"wrote {json_path}")
    if worst > args.tolerance:
        raise SystemExit(f"dualcarbon and pandas disagree: {worst:.1e} > {args.tolerance:.0e}")


if __name__ == "__main__":
    main()
