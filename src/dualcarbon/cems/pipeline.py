"""The CEMS batch pipeline: minute data → valid hours → CO2 mass → substitution → day, month,
year. Expressed once, as the SQL files of ``sql/`` (DuckDB dialect, one step per file, each a
SELECT over the previous steps' views), and run on DuckDB (default) or Spark
(:mod:`.engines`).

Steps (view names; the rules and their sources are in each file and in ``docs/cems.md``):

==================  =======================================================================
``minute_valid``    minute values that count (flag N) — HJ 75-2017
``hour_means``      hourly means and valid-minute counts
``hour_valid``      the full hour grid; an hourly mean is valid with ≥ 45 valid minutes;
                    out-of-control hours (:mod:`.out_of_control`)
``hour_mass``       Q_sn and the CO2 mass concentration of valid hours (:mod:`.mass`)
``gap_runs``        each valid hour numbered: a run is a valid hour and the gap after it
``capture``         quarterly valid-data capture rate per parameter
``gaps``            per gap: its length, the values before and after, the 180/720/2160
                    valid-hour maxima it may need
``hourly``          substitution (tier by capture rate), status and CO2 mass [t] per hour
``daily``           day totals, valid days (≥ 20 valid hours), capture rate
``monthly``         month totals, valid months (≥ 25 valid days, February 23)
``annual``          year totals
==================  =======================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.parquet as pq

from dualcarbon.cems import out_of_control as ooc
from dualcarbon.cems.engines import DuckDBMinutes, MinuteEngine, SparkMinutes
from dualcarbon.cems.mass import M_CO2_G_PER_MOL, V_M_L_PER_MOL
from dualcarbon.errors import NoDataError

Engine = Literal["duckdb", "spark"]

OUTPUTS = {
    "hourly": ("source", "hour"),
    "daily": ("source", "day"),
    "monthly": ("source", "month"),
    "annual": ("source", "year"),
}
"""The result tables and the key each is sorted by."""

VIEWS = frozenset({"minute_valid", "hour_valid", "hour_mass"})
"""Steps left as views: each is read once, by the next step (the minute steps stream into the
hourly aggregate). Every other step is computed once and kept (a table in DuckDB, a cached
frame in Spark), since later steps or the result read it more than once."""


@dataclass(frozen=True)
class Step:
    """One SQL file of the pipeline: ``NN_name.sql`` defines the view ``name``."""

    name: str
    sql: str


def steps() -> list[Step]:
    """The pipeline's steps in order, read from the package's ``sql/`` directory."""
    folder = resources.files("dualcarbon.cems") / "sql"
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".sql")),
        key=lambda entry: entry.name,
    )
    return [
        Step(
            name=entry.name.removesuffix(".sql").split("_", 1)[1],
            sql=_with_constants(entry.read_text("utf-8")),
        )
        for entry in files
    ]


SQL_CONSTANTS = {"{M_CO2}": M_CO2_G_PER_MOL, "{V_M}": V_M_L_PER_MOL}
"""Constants the SQL names rather than repeats: one molar mass and one molar volume for the
receiver, the pipeline (DuckDB and Spark) and the uncertainty (:mod:`dualcarbon.cems.mass`)."""


def _with_constants(sql: str) -> str:
    for name, value in SQL_CONSTANTS.items():
        sql = sql.replace(name, repr(float(value)))
    return sql


@dataclass(frozen=True)
class PipelineResult:
    """Tables of one run: Arrow tables, or Parquet file paths when ``out`` was given.

    hourly
        one row per source and hour: ``status`` (measured, substituted, unfilled, stopped),
        ``co2_rule`` / ``qsn_rule`` (measured, mean_before_after, one_side, max_180, max_720,
        max_2160, unfilled, stopped), valid-minute counts ``<x>_n``, measured hourly means, the
        values used ``co2_mg_m3`` [mg/m³] and ``qsn`` [m³/h dry std], and ``co2_t`` [t].
    daily, monthly, annual
        per source and period: ``hours``, ``n_measured``, ``n_substituted``, ``n_unfilled``,
        ``n_stopped``, ``co2_t`` [t], ``capture_rate`` (measured / hours run) and the count of
        valid days (``valid`` on a day: ≥ 20 measured hours; on a month: ≥ 25 valid days,
        February 23; ``valid_months`` on the year).
    rows
        row counts: ``minute`` (input rows read) and one per table.
    """

    hourly: pa.Table | Path
    daily: pa.Table | Path
    monthly: pa.Table | Path
    annual: pa.Table | Path
    rows: dict[str, int] = field(default_factory=dict)


def make_engine(engine: Engine) -> MinuteEngine:
    """A fresh engine of the given kind."""
    if engine == "duckdb":
        return DuckDBMinutes()
    if engine == "spark":
        return SparkMinutes()
    raise ValueError(f"unknown engine {engine!r}; expected 'duckdb' or 'spark'")


def run(
    root: Path,
    *,
    engine: Engine = "duckdb",
    out: Path | None = None,
    sources: Sequence[str] | None = None,
    out_of_control: Sequence[ooc.OutOfControl] = (),
) -> PipelineResult:
    """Run the pipeline over the minute data under ``root`` (layout of :mod:`.schema`).

    Parameters
    ----------
    root
        folder of the hive-partitioned minute Parquet files (``source=…/month=…``).
    engine
        ``"duckdb"`` (embedded, default) or ``"spark"`` (the active SparkSession, else a new
        local one); both run the same SQL.
    out
        if given, each table is written to ``out/<table>.parquet`` and returned as that path.
    sources
        only these stacks (default: all under ``root``).
    out_of_control
        the monitors' out-of-control periods (:mod:`.out_of_control`), if any.
    """
    if not any(Path(root).glob("source=*/month=*/*.parquet")):
        raise NoDataError(
            str(root),
            "no minute data (source=…/month=…/*.parquet) under this folder: import some with "
            "`dualcarbon cems import` or receive it with `dualcarbon cems receive` first",
            "该文件夹下没有分钟数据（source=…/month=…/*.parquet）：请先用 dualcarbon cems import "
            "导入，或用 dualcarbon cems receive 接收",
        )
    runner = make_engine(engine)
    try:
        runner.register_minutes(Path(root), sources)
        runner.register_table("out_of_control", ooc.to_table(out_of_control))
        for step in steps():
            runner.view(step.name, step.sql, materialize=step.name not in VIEWS)
        rows = {"minute": runner.count("minute")}
        tables: dict[str, pa.Table | Path] = {}
        for name, key in OUTPUTS.items():
            table = runner.fetch(name, key)
            rows[name] = table.num_rows
            if out is None:
                tables[name] = table
            else:
                out.mkdir(parents=True, exist_ok=True)
                path = out / f"{name}.parquet"
                pq.write_table(table, path)
                tables[name] = path
    finally:
        runner.close()
    return PipelineResult(
        hourly=tables["hourly"],
        daily=tables["daily"],
        monthly=tables["monthly"],
        annual=tables["annual"],
        rows=rows,
    )
