"""The two SQL engines the CEMS pipeline runs on: DuckDB (embedded, the default) and Apache Spark
(distributed; local mode in tests). Both expose the minute data of :mod:`.schema` as the view
``minute`` and then run the same SQL steps, written in the DuckDB dialect; for Spark each step
is transpiled by sqlglot. See ``docs/cems.md`` for why Spark.
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

from dualcarbon.cems.schema import MINUTE_SCHEMA
from dualcarbon.errors import DualcarbonError

if TYPE_CHECKING:
    import duckdb

MINUTE_COLUMNS = ", ".join(MINUTE_SCHEMA.names)


class SqlEngine(Protocol):
    """What the pipeline needs of an engine."""

    def register_minutes(self, root: Path, sources: Sequence[str] | None) -> None:
        """Expose the minute data under ``root`` (of ``sources`` only, if given) as ``minute``."""

    def register_table(self, name: str, table: pa.Table) -> None:
        """Expose a small Arrow table (e.g. the out-of-control periods) as ``name``."""

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
    """DuckDB over the hive-partitioned Parquet files, in memory; one connection per run."""

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self.con: duckdb.DuckDBPyConnection = duckdb.connect()
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit is not None:
            self.con.execute("SET memory_limit = ?", [memory_limit])

    def register_minutes(self, root: Path, sources: Sequence[str] | None) -> None:
        pattern = str(Path(root) / "source=*" / "month=*" / "*.parquet").replace("'", "''")
        where = ""
        if sources is not None:
            quoted = ", ".join("'" + s.replace("'", "''") + "'" for s in sources)
            where = f" WHERE source IN ({quoted or 'NULL'})"
        self.con.execute(
            f"CREATE OR REPLACE VIEW minute AS SELECT {MINUTE_COLUMNS} FROM read_parquet("
            f"'{pattern}', hive_partitioning = true, hive_types_autocast = false){where}"
        )

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
    """The active SparkSession, or a new local one set up for the pipeline.

    Settings that matter for the results: session time zone UTC (the minute times are naive
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
    """Transpile one pipeline step from the DuckDB dialect to Spark SQL."""
    return str(sqlglot.transpile(sql, read="duckdb", write="spark")[0])


class SparkEngine:
    """Apache Spark SQL over the same files, each step transpiled by sqlglot."""

    def __init__(self, session: Any = None) -> None:
        self.spark = session if session is not None else spark_session()
        self.spark.conf.set("spark.sql.session.timeZone", "UTC")
        self.spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        self._cached: list[Any] = []
        self._views: list[str] = []
        self._tables: Path | None = None

    def register_minutes(self, root: Path, sources: Sequence[str] | None) -> None:
        # only the minute layout: the receiver keeps the loggers' own averages beside it
        minutes = str(Path(root) / "source=*" / "month=*")
        frame = self.spark.read.option("basePath", str(root)).parquet(minutes)
        if sources is not None:
            frame = frame.where(frame["source"].isin(list(sources)))
        frame.select(*MINUTE_SCHEMA.names).createOrReplaceTempView("minute")

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
        for name in ("minute", *self._views):
            self.spark.catalog.dropTempView(name)
        if self._tables is not None:
            shutil.rmtree(self._tables, ignore_errors=True)
