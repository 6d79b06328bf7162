"""A Parquet sink for the records the HJ 212 receiver accepts.

Rows are buffered in memory and written as Parquet files in the partitioned layout of
:mod:`dualcarbon.cems.schema`::

    <root>/source=<MN>/month=<YYYY-MM>/part-<UTC time>-<id>.parquet      minute data, CN=2051
    <root>/logger-realtime/source=<MN>/month=<YYYY-MM>/part-….parquet    real-time, CN=2011
    <root>/logger-hourly/source=<MN>/month=<YYYY-MM>/part-….parquet      hourly, CN=2061
    <root>/logger-daily/source=<MN>/month=<YYYY-MM>/part-….parquet       daily, CN=2031

Minute and real-time rows follow :data:`~dualcarbon.cems.schema.MINUTE_SCHEMA` (real-time
``time`` keeps the logger's seconds); hourly and daily rows follow :data:`SUMMARY_SCHEMA`, the
logger's own averages, minima, maxima, totals and flags, kept apart so that they never mix with
the averages the pipeline computes from the minutes.

A file appears atomically: it is written under a hidden temporary name in its partition
directory, flushed to disk, then renamed. Readers that glob ``*.parquet`` never see a partial
file. Rows are written when the buffer holds ``max_rows`` rows, when the oldest buffered row
is ``max_age`` seconds old, whenever the receiver needs them on disk to answer a logger
(:meth:`ParquetSink.flush`), and on :meth:`ParquetSink.close`.

``logger_root`` moves the three ``logger-*`` datasets elsewhere. Left at ``root`` (the
default), they sit *inside* the minute dataset's folder, so a reader of the minute data must
glob ``<root>/source=*/month=*/*.parquet``, not ``<root>/**/*.parquet`` (which would also
read real-time rows as minutes).

Each (source, time) is stored once per dataset: a repeat (a logger resending a packet whose
acknowledgement it missed) is dropped, whether it is still in the buffer, being written, or
among the last ``dedupe_window`` keys written for that source.

Durability is tracked by *generation* (:attr:`ParquetSink.epoch`): every flush takes the whole
buffer of the current generation and starts the next; once the write has succeeded (files
fsynced and renamed), :attr:`ParquetSink.durable_epoch` becomes that generation. A row added
(or found already held) while the generation was ``n`` is therefore on disk once
``durable_epoch >= n``; the receiver holds the HJ 212 data response until then. A failed flush
puts its rows back into the next generation, so the rule still holds.

The keys written are remembered across restarts as far as it matters: a new sink reads the
``(source, time)`` of the files written in the last ``recall`` seconds (by the UTC time in
their names). A receiver that crashed after a flush but before its answers went out thus still
recognises the loggers' resends as repeats.
"""

from __future__ import annotations

import logging
import os
import threading
import time as clock
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dualcarbon.cems.hj212.codes import SUMMARY_FIELDS
from dualcarbon.cems.schema import MINUTE_SCHEMA, PARAMETERS

log = logging.getLogger("dualcarbon.cems.hj212")

SUMMARY_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("s"), nullable=False),
        *(
            pa.field(f"{name}_{suffix}", pa.string() if suffix == "flag" else pa.float64())
            for name in PARAMETERS
            for suffix in (*SUMMARY_FIELDS, "flag")
        ),
    ]
)
"""Hourly and daily rows as the logger computed them: ``<p>_avg``, ``<p>_min``, ``<p>_max``
in the units of :data:`~dualcarbon.cems.schema.UNITS`, ``<p>_cou`` the logger's cumulative
value in the code's ``cou_unit`` (data/codes.yaml: flow m³, CO2 kg), ``<p>_flag``."""

DATASETS: dict[str, tuple[str, pa.Schema]] = {
    "minute": ("", MINUTE_SCHEMA),
    "realtime": ("logger-realtime", MINUTE_SCHEMA),
    "hourly": ("logger-hourly", SUMMARY_SCHEMA),
    "daily": ("logger-daily", SUMMARY_SCHEMA),
}
"""dataset → (sub-directory of the root, schema)."""


class ParquetSink:
    """Buffers rows per dataset and writes them atomically as partitioned Parquet files.

    Thread-safe: :meth:`add` may run in the event loop while :meth:`flush` runs in a worker
    thread.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        max_rows: int = 50_000,
        max_age: float = 60.0,
        dedupe_window: int = 50_000,
        logger_root: str | Path | None = None,
        recall: float = 3600.0,
    ) -> None:
        self.root = Path(root)
        self.logger_root = self.root if logger_root is None else Path(logger_root)
        self.max_rows = max_rows
        self.max_age = max_age
        self.dedupe_window = dedupe_window
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._buffer: dict[str, dict[tuple[str, datetime], dict[str, Any]]] = {
            name: {} for name in DATASETS
        }
        self._rows = 0
        self._oldest: float | None = None
        self._epoch = 1
        self.durable_epoch = 0
        """The last generation whose every row is on disk (0: none yet)."""
        self._flushing: dict[str, dict[tuple[str, datetime], dict[str, Any]]] = {}
        self._recent: dict[tuple[str, str], OrderedDict[datetime, None]] = {}
        self.duplicates = 0
        self.written_rows = 0
        self.files: list[Path] = []
        self.recalled = self._recall(recall) if recall > 0 else 0
        """Keys read back from recent files at start-up."""

    def add(self, dataset: str, row: dict[str, Any]) -> bool:
        """Buffer one row; False (and nothing stored) if its (source, time) is already held."""
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; expected one of {sorted(DATASETS)}")
        key = (str(row["source"]), row["time"])
        with self._lock:
            if self._holds(dataset, key):
                self.duplicates += 1
                return False
            self._buffer[dataset][key] = row
            self._rows += 1
            if self._oldest is None:
                self._oldest = clock.monotonic()
            return True

    def _holds(self, dataset: str, key: tuple[str, datetime]) -> bool:
        # the rows of a flush in progress count too: without them a resend arriving while they
        # are written would be buffered again and stored twice
        return (
            key in self._buffer[dataset]
            or key in self._flushing.get(dataset, {})
            or self._is_recent(dataset, key)
        )

    @property
    def buffered(self) -> int:
        return self._rows

    @property
    def epoch(self) -> int:
        """The generation rows are added to now. Read it *after* :meth:`add`: the rows of that
        call (or the held row it repeated) are durable once :attr:`durable_epoch` reaches it."""
        return self._epoch

    def due(self) -> bool:
        """True when the buffer is full or its oldest row is older than ``max_age``."""
        with self._lock:
            if self._rows >= self.max_rows:
                return True
            return self._oldest is not None and clock.monotonic() - self._oldest >= self.max_age

    def flush(self) -> list[Path]:
        """Write every buffered row; return the files written. On success every row added up to
        now is on disk and :attr:`durable_epoch` says so."""
        with self._write_lock:
            with self._lock:
                taken = self._buffer
                generation = self._epoch
                self._epoch += 1
                self._flushing = taken
                self._buffer = {name: {} for name in DATASETS}
                self._rows = 0
                self._oldest = None
            written: list[Path] = []
            try:
                for dataset, rows in taken.items():
                    if rows:
                        written.extend(self._write(dataset, rows.values()))
            except BaseException:
                # put back what was not written, so a retry (or close) can still store it
                with self._lock:
                    for dataset, rows in taken.items():
                        for key, row in rows.items():
                            if not self._is_recent(dataset, key):
                                self._buffer[dataset].setdefault(key, row)
                    self._rows = sum(len(rows) for rows in self._buffer.values())
                    self._oldest = clock.monotonic() if self._rows else None
                raise
            finally:
                with self._lock:
                    self._flushing = {}
            self.files.extend(written)
            self.durable_epoch = generation
            return written

    def close(self) -> list[Path]:
        """Write what is left."""
        return self.flush()

    def _is_recent(self, dataset: str, key: tuple[str, datetime]) -> bool:
        recent = self._recent.get((dataset, key[0]))
        return recent is not None and key[1] in recent

    def _recall(self, seconds: float) -> int:
        """Remember the keys of the files written in the last ``seconds``: the answers for them
        may never have reached the loggers, which then resend them to this process."""
        cutoff = datetime.now(UTC) - timedelta(seconds=seconds)
        count = 0
        for dataset, (subdir, _) in DATASETS.items():
            base = (self.root if dataset == "minute" else self.logger_root) / subdir
            for month in base.glob("source=*/month=*"):
                # a partition not touched since the cutoff holds no recent file: skip its files
                if datetime.fromtimestamp(month.stat().st_mtime, UTC) < cutoff:
                    continue
                for file in month.glob("part-*.parquet"):
                    written = _written_at(file.name)
                    if written is None or written < cutoff:
                        continue
                    table = pq.read_table(file, columns=["source", "time"])
                    for source, time in zip(
                        table.column("source").to_pylist(),
                        table.column("time").to_pylist(),
                        strict=True,
                    ):
                        self._remember(dataset, source, [time])
                        count += 1
        if count:
            log.info("remembered %d keys written in the last %.0f s", count, seconds)
        return count

    def _remember(self, dataset: str, source: str, times: Iterable[datetime]) -> None:
        with self._lock:
            recent = self._recent.setdefault((dataset, source), OrderedDict())
            for time in times:
                recent[time] = None
            while len(recent) > self.dedupe_window:
                recent.popitem(last=False)

    def _write(self, dataset: str, rows: Iterable[dict[str, Any]]) -> list[Path]:
        subdir, schema = DATASETS[dataset]
        partitions: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            partitions.setdefault((row["source"], f"{row['time']:%Y-%m}"), []).append(row)
        written = []
        for (source, month), part in sorted(partitions.items()):
            part.sort(key=lambda row: row["time"])
            base = self.root if dataset == "minute" else self.logger_root
            directory = base / subdir / f"source={source}" / f"month={month}"
            directory.mkdir(parents=True, exist_ok=True)
            name = f"part-{datetime.now(UTC):{_STAMP}}-{uuid.uuid4().hex[:8]}.parquet"
            final = directory / name
            temporary = directory / f".{name}.tmp"
            table = pa.Table.from_pylist(part, schema=schema)
            with temporary.open("wb") as handle:
                pq.write_table(table, handle)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(final)
            written.append(final)
            self._remember(dataset, source, (row["time"] for row in part))
            self.written_rows += len(part)
            log.debug("wrote %d %s rows to %s", len(part), dataset, final)
        return written


_STAMP = "%Y%m%dT%H%M%S%f"
"""The UTC write time in a file's name (``part-<stamp>-<id>.parquet``)."""


def _written_at(name: str) -> datetime | None:
    """When a file of this sink was written, from its name; None for files of other writers."""
    stamp = name.removeprefix("part-").partition("-")[0]
    try:
        return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
