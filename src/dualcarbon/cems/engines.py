"""The CEMS pipeline's engines: the shared DuckDB and Spark engines (``dualcarbon.engines``) with
the minute data of :mod:`.schema` exposed as the view ``minute``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from dualcarbon.cems.schema import MINUTE_SCHEMA
from dualcarbon.engines import DuckDBEngine, SparkEngine, SqlEngine

MINUTE_COLUMNS = ", ".join(MINUTE_SCHEMA.names)


class MinuteEngine(SqlEngine, Protocol):
    """What the pipeline needs of an engine: the shared steps and the minute files."""

    def register_minutes(self, root: Path, sources: Sequence[str] | None) -> None:
        """Expose the minute data under ``root`` (of ``sources`` only, if given) as ``minute``."""


class DuckDBMinutes(DuckDBEngine):
    """DuckDB over the hive-partitioned Parquet files."""

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


class SparkMinutes(SparkEngine):
    """Apache Spark over the same files."""

    def register_minutes(self, root: Path, sources: Sequence[str] | None) -> None:
        # only the minute layout: the receiver keeps the loggers' own averages beside it
        minutes = str(Path(root) / "source=*" / "month=*")
        frame = self.spark.read.option("basePath", str(root)).parquet(minutes)
        if sources is not None:
            frame = frame.where(frame["source"].isin(list(sources)))
        frame.select(*MINUTE_SCHEMA.names).createOrReplaceTempView("minute")
        self._views.append("minute")
