"""Province and nation totals from enterprises' results, one SQL on either engine.

Input: one row per accounted facility-year (``RESULT_SCHEMA``): its province, sector, total
emissions and their standard uncertainty, and comprehensive energy. Output: one row per year ×
province × sector, with the subtotals of each province and the nation (``GROUP BY ROLLUP``): the
number of facilities, Σ tCO2e, its standard uncertainty, Σ tce and the emissions per tce.

The facilities' results are independent measurements, so u(Σ) = √Σ u² (JCGM 100 5.1.2 without
covariances); a national default factor shared by every facility would correlate them, and the
sum's u is then a lower bound (said in docs/rollup.md).
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa

from dualcarbon.engines import DuckDBEngine, SparkEngine, SqlEngine
from dualcarbon.errors import InputError, InputProblem

Engine = Literal["duckdb", "spark"]

RESULT_SCHEMA = pa.schema(
    [
        ("organisation", pa.string()),
        ("facility", pa.string()),
        ("province", pa.string()),
        ("sector", pa.string()),
        ("year", pa.int64()),
        ("tco2e", pa.float64()),
        ("u_tco2e", pa.float64()),
        ("energy_tce", pa.float64()),
    ]
)

NATION = "全国"
ALL_SECTORS = "all"

ROLLUP_SQL = f"""
SELECT
    year,
    coalesce(province, '{NATION}') AS province,
    coalesce(sector, '{ALL_SECTORS}') AS sector,
    CAST(count(*) AS BIGINT) AS facilities,
    sum(tco2e) AS tco2e,
    CASE WHEN count(u_tco2e) = count(*) THEN sqrt(sum(u_tco2e * u_tco2e)) END AS u_tco2e,
    CASE WHEN count(energy_tce) = count(*) THEN sum(energy_tce) END AS energy_tce,
    CASE WHEN count(energy_tce) = count(*) AND sum(energy_tce) > 0
        THEN sum(tco2e) / sum(energy_tce) END AS tco2e_per_tce
FROM results
GROUP BY year, ROLLUP (province, sector)
"""
"""DuckDB dialect; Spark runs it transpiled. A province or sector is never NULL in the input
(checked), so a NULL here is a subtotal. A group with a facility of unknown u or energy has none
(a sum of the known ones would look complete and is not)."""

ORDER = ("year", "province", "sector")


def checked(results: pa.Table, source: str = "results") -> pa.Table:
    """The results cast to :data:`RESULT_SCHEMA`; every problem at once."""
    problems: list[InputProblem] = []
    missing = [n for n in RESULT_SCHEMA.names if n not in results.column_names]
    if missing:
        raise InputError(
            [
                InputProblem(
                    source, f"missing column (needs {', '.join(RESULT_SCHEMA.names)})", field=name
                )
                for name in missing
            ]
        )
    try:
        table = results.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise InputError([InputProblem(source, f"a column of the wrong type: {error}")]) from None
    for name in ("province", "sector", "year", "tco2e"):
        nulls = table.column(name).null_count
        if nulls:
            problems.append(InputProblem(source, f"{nulls} row(s) without a value", field=name))
    if problems:
        raise InputError(problems)
    return table


def make_engine(engine: Engine) -> SqlEngine:
    if engine == "duckdb":
        return DuckDBEngine()
    return SparkEngine()


def roll_up(results: pa.Table, engine: Engine = "duckdb") -> pa.Table:
    """Province and nation totals of ``results`` (module docstring), sorted."""
    table = checked(results)
    runner = make_engine(engine)
    try:
        runner.register_table("results", table)
        runner.view("rollup", ROLLUP_SQL)
        return runner.fetch("rollup", ORDER)
    finally:
        runner.close()
