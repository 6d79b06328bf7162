"""The two SQL engines the scale-out jobs run on: DuckDB (embedded, the default) and Apache Spark
(distributed; local mode in tests). A job registers its tables, then runs the same SQL steps,
written in the DuckDB dialect; for Spark each step is transpiled by sqlglot. The CEMS pipeline
(``cems/engines.py`` adds its minute files) and the regional roll-up (``rollup/``) use them; see
``docs/cems.md`` for why Spark.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot

from dualcarbon.errors import DualcarbonError

if TYPE_CHECKING:
    import duckdb


class SqlEngine(Protocol):
    """What a job needs of an engine."""

    def register_table(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table as ``name``."""

    def view(self, name: str, sql: str, *, materialize: bool = False) -> None:
        """Define ``name`` as the DuckDB-dialect ``sql``; computed once if ``materialize``."""

    def count(self, name: str) -> int:
        """Number of rows of view ``name``."""

    def fetch(self, name: str, order_by: Sequence[str]) -> pa.Table:
        """View ``name`` as an Arrow table sorted by ``order_by``."""

    def close(self) -> None:
        """Release what the engine holds for this run."""


def _normalise(table: pa.Table) -> pa.Table:
    """Give both engines' results the same Arrow types: integers (DuckDB sums are 128-bit)
    as int64, timestamps naive (Spark runs in UTC), flags 0/1 as int64."""
    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_integer(kind) or (pa.types.is_decimal(kind) and kind.scale == 0):
            kind = pa.int64()
        elif pa.types.is_timestamp(kind):
            kind = pa.timestamp("us")
        elif pa.types.is_floating(kind):
            kind = pa.float64()
        fields.append(pa.field(field.name, kind))
    return table.cast(pa.schema(fields))


class DuckDBEngine:
    """DuckDB in memory; one connection per run."""

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self.con: duckdb.DuckDBPyConnection = duckdb.connect()
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit is not None:
            self.con.execute("SET memory_limit = ?", [memory_limit])

    def register_table(self, name: str, table: pa.Table) -> None:
        self.con.register(f"{name}_arrow", table)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
        self.con.unregister(f"{name}_arrow")

    def view(self, name: str, sql: str, *, materialize: bool = False) -> None:
        kind = "TEMP TABLE" if materialize else "VIEW"
        self.con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")

    def count(self, name: str) -> int:
        rows = self.con.execute(f"SELECT count(*) FROM {name}").fetchall()
        return int(rows[0][0])

    def fetch(self, name: str, order_by: Sequence[str]) -> pa.Table:
        table = self.con.sql(
            f"SELECT * FROM {name} ORDER BY {', '.join(order_by)}"
        ).to_arrow_table()
        return _normalise(table)

    def close(self) -> None:
        self.con.close()


def spark_session() -> Any:
    """The active SparkSession, or a new local one set up for the jobs.

    Settings that matter for the results: session time zone UTC (the CEMS minute times are naive
    China Standard Time and must not shift), and no type inference of partition values
    (``source=0001`` stays a string, ``month=2024-01`` is not read as a date).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DualcarbonError(
            "the Spark engine needs pyspark and a Java 17+ runtime: pip install "
            "'dualcarbon[spark]' (make test installs it); the default engine, duckdb, needs "
            "neither"
        ) from None

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return (
        SparkSession.builder.master("local[*]")
        .appName("dualcarbon-cems")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        # should anything need a Python worker, it must be this Python
        .config("spark.pyspark.python", sys.executable)
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def to_spark_sql(sql: str) -> str:
    """Transpile one step from the DuckDB dialect to Spark SQL."""
    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


class SparkEngine:
    """Apache Spark SQL, each step transpiled by sqlglot."""

    def __init__(self, session: Any = None) -> None:
        self.spark = session if session is not None else spark_session()
        self.spark.conf.set("spark.sql.session.timeZone", "UTC")
        self.spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        self._cached: list[Any] = []
        self._views: list[str] = []
        self._tables: Path | None = None

    def register_table(self, name: str, table: pa.Table) -> None:
        # through a Parquet file, as the minutes are: JVM only, the same timestamp type
        if self._tables is None:
            self._tables = Path(tempfile.mkdtemp(prefix="dualcarbon-spark-"))
        path = self._tables / f"{name}.parquet"
        pq.write_table(table, path)
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
        self._views.append(name)

    def view(self, name: str, sql: str, *, materialize: bool = False) -> None:
        frame = self.spark.sql(to_spark_sql(sql))
        if materialize:
            # computed now and cut from its lineage: later steps then plan over a table, not
            # over every step before them (whose plans, inlined, grow until the driver is
            # out of memory)
            frame = frame.localCheckpoint(eager=True)
            self._cached.append(frame)
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def count(self, name: str) -> int:
        return int(self.spark.table(name).count())

    def fetch(self, name: str, order_by: Sequence[str]) -> pa.Table:
        frame = self.spark.table(name).orderBy(*order_by)
        return _normalise(frame.toArrow())

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        if self._tables is not None:
            shutil.rmtree(self._tables, ignore_errors=True)
