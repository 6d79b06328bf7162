"""A Parquet sink for the records the HJ 212 receiver accepts.

Rows are buffered in memory and written as Parquet files in the partitioned layout of
:mod:`dualcarbon.cems.schema`, one file per source and day (minute, real-time) or per source
and month (the logger's hourly and daily rows, which are few; see :data:`FILES`)::

    <root>/source=<MN>/month=<YYYY-MM>/minutes-<YYYY-MM-DD>.parquet                  CN=2051
    <root>/logger-realtime/source=<MN>/month=<YYYY-MM>/realtime-<YYYY-MM-DD>.parquet  CN=2011
    <root>/logger-hourly/source=<MN>/month=<YYYY-MM>/hourly-<YYYY-MM>.parquet         CN=2061
    <root>/logger-daily/source=<MN>/month=<YYYY-MM>/daily-<YYYY-MM>.parquet           CN=2031
    <root>/logger-invalid/<kind>/source=<MN>/month=<YYYY-MM>/invalid-…parquet     rules broken
    <root>/_wal/<sequence>.wal                                          write-ahead log
    <root>/_wal/receiver.lock                                           one sink per root

Minute and real-time rows follow :data:`~dualcarbon.cems.schema.STORED_SCHEMA` (real-time
``time`` keeps the logger's seconds); hourly and daily rows follow :data:`SUMMARY_SCHEMA`, the
logger's own averages, minima, maxima, totals and flags, kept apart so that they never mix with
the averages the pipeline computes from the minutes.

Two steps, two intervals:

1. **Durable** -- :meth:`ParquetSink.commit` appends the rows added since the last commit to the
   write-ahead log (:mod:`.wal`) and fsyncs it, many packets per fsync. The receiver commits
   every ``flush_interval`` (1 s) and answers the loggers after it.
2. **Parquet** -- rows stay in memory per dataset, source and day or month (a *partition*)
   until the partition holds ``max_rows`` rows or its oldest row is ``max_age`` seconds old
   (default 15 min; :meth:`ParquetSink.due`, :meth:`ParquetSink.write_due`), or the sink is
   flushed or closed; then they are *merged* into the partition's file: the file is read, the
   new rows added, the whole sorted by time and written under a hidden temporary name (not
   ending in ``.parquet``), fsynced and renamed over the old file, and the rename is fsynced.
   A reader thus sees the old file or the new one, never both, so never a row twice; a logger
   sending a minute a minute has one file a day, whatever ``max_age``. The price is write
   amplification: each write rewrites the day (at most 1 440 minute rows). Then the log
   segments whose rows are all in Parquet are deleted (the log starts a new segment after each
   write).

A new sink replays the segments a crash left: rows not already in their partition's file are
merged into it the same way, then the segments are deleted.

A sink holds ``<root>/_wal/receiver.lock`` (``flock``, exclusive) from its start to
:meth:`ParquetSink.close`: a second sink on the same root fails at once with
:class:`~.errors.RootInUseError` (it would replay and delete the first one's log and rewrite
its files). The kernel drops the lock when the process dies, so a crash leaves no stale lock.

``logger_root`` moves the three ``logger-*`` datasets elsewhere (the log stays under ``root``).
Left at ``root`` (the default), they sit *inside* the minute dataset's folder, so a reader of the
minute data must glob ``<root>/source=*/month=*/*.parquet``, not ``<root>/**/*.parquet`` (which
would also read real-time rows as minutes).

Each (source, time) is stored once per dataset: a repeat (a logger resending a packet whose
acknowledgement it missed) is dropped, whether it is still in memory, being written, or among
the last ``dedupe_window`` keys written (or replayed from the log) for that source; a repeat
that gets past all of these is dropped (and logged) when it is merged into its file.

Durability is tracked by *generation* (:attr:`ParquetSink.epoch`): every commit takes the rows
of the current generation and starts the next; once the log record is fsynced,
:attr:`ParquetSink.durable_epoch` becomes that generation. A row added (or found already held)
while the generation was ``n`` is therefore durable once ``durable_epoch >= n``; the receiver
holds the HJ 212 data response until then. A failed commit puts its rows back into the next
generation, so the rule still holds.

The keys written are remembered across restarts as far as it matters: a new sink reads the
``(source, time)`` of the files modified in the last ``recall`` seconds and the keys of the
log it replays. A receiver that crashed after a commit but before its answers went out thus
still recognises the loggers' resends as repeats.
"""

from __future__ import annotations

import logging
import os
import threading
import time as clock
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from dualcarbon.cems.hj212.codes import SUMMARY_FIELDS
from dualcarbon.cems.hj212.wal import (
    WAL_DIRECTORY,
    Entry,
    WriteAheadLog,
    fsync_directory,
    lock_root,
    read_segment,
)
from dualcarbon.cems.schema import PARAMETERS, STORED_SCHEMA

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

REASONS = pa.field("reasons", pa.string(), nullable=False)
"""Of an invalid row: every rule it breaks (:mod:`dualcarbon.cems.rules`), ``; ``-separated,
each naming its parameter (``temperature: outside [-60.0, 1500.0] degC …``) or ``time``."""

DATASETS: dict[str, tuple[str, pa.Schema]] = {
    "minute": ("", STORED_SCHEMA),
    "realtime": ("logger-realtime", STORED_SCHEMA),
    "hourly": ("logger-hourly", SUMMARY_SCHEMA),
    "daily": ("logger-daily", SUMMARY_SCHEMA),
    "invalid-minute": ("logger-invalid/minute", STORED_SCHEMA.append(REASONS)),
    "invalid-realtime": ("logger-invalid/realtime", STORED_SCHEMA.append(REASONS)),
    "invalid-hourly": ("logger-invalid/hourly", SUMMARY_SCHEMA.append(REASONS)),
    "invalid-daily": ("logger-invalid/daily", SUMMARY_SCHEMA.append(REASONS)),
}
"""dataset → (sub-directory of the root, schema). ``invalid-<kind>`` holds, for a packet of
that kind that breaks a rule of :mod:`dualcarbon.cems.rules`, its row as sent (values
converted, flags as sent) and the ``reasons``; its valid values (if its time is valid) are in
the ``<kind>`` dataset, with the invalid ones null."""

FILES: dict[str, tuple[str, str]] = {
    "minute": ("minutes", "%Y-%m-%d"),
    "realtime": ("realtime", "%Y-%m-%d"),
    "hourly": ("hourly", "%Y-%m"),
    "daily": ("daily", "%Y-%m"),
    "invalid-minute": ("invalid-minutes", "%Y-%m-%d"),
    "invalid-realtime": ("invalid-realtime", "%Y-%m-%d"),
    "invalid-hourly": ("invalid-hourly", "%Y-%m"),
    "invalid-daily": ("invalid-daily", "%Y-%m"),
}
"""dataset → (file name prefix, the period one file holds, as a ``strftime`` format). One file
per source and day for the minute rows (at most 1 440) and the real-time rows (2 880 at a 30 s
interval); per source and month for the logger's hourly (at most 744) and daily (31) rows, which
are too few to be worth a file a day. Every write rewrites its period's file, so the period
bounds both the file count and the write amplification."""


PartitionKey = tuple[str, str, str]
"""(dataset, source, period ``YYYY-MM-DD`` or ``YYYY-MM``, see :data:`FILES`): what one Parquet
file holds."""


@dataclass
class _Partition:
    """The rows of one partition waiting in memory for their Parquet file."""

    rows: dict[datetime, dict[str, Any]] = field(default_factory=dict)
    since: float = field(default_factory=clock.monotonic)
    """When the oldest row came (monotonic clock): the partition's age counts from it."""
    first_segment: int | None = None
    """The oldest log segment holding one of these rows (None: none logged yet). That segment
    and every later one must stay until the rows are in Parquet."""

    def absorb(self, other: _Partition) -> None:
        """Take back the rows of a failed write (the rows already here win)."""
        for time, row in other.rows.items():
            self.rows.setdefault(time, row)
        self.since = min(self.since, other.since)
        segments = [s for s in (self.first_segment, other.first_segment) if s is not None]
        self.first_segment = min(segments, default=None)


class ParquetSink:
    """Logs rows durably, buffers them per partition and writes them as Parquet in batches.

    Thread-safe: :meth:`add` may run in the event loop while :meth:`commit` and
    :meth:`write_due` run in worker threads (a commit does not wait for a Parquet write).
    """

    def __init__(
        self,
        root: str | Path,
        *,
        max_rows: int = 50_000,
        max_age: float = 900.0,
        dedupe_window: int = 50_000,
        logger_root: str | Path | None = None,
        recall: float = 3600.0,
    ) -> None:
        self.root = Path(root)
        self.logger_root = self.root if logger_root is None else Path(logger_root)
        self.max_rows = max_rows
        self.max_age = max_age
        self.dedupe_window = dedupe_window
        self._lock = threading.Lock()  # the buffers and counters below
        self._log_lock = threading.Lock()  # the write-ahead log: one commit or cleanup at once
        self._write_lock = threading.Lock()  # Parquet: one batch of files at once
        self._partitions: dict[PartitionKey, _Partition] = {}
        self._writing: dict[PartitionKey, _Partition] = {}
        self._pending: list[Entry] = []
        """Rows added since the last commit, in order: the next log record."""
        self._epoch = 1
        self.durable_epoch = 0
        """The last generation whose every row is durable (0: none yet)."""
        self._recent: dict[tuple[str, str], OrderedDict[datetime, None]] = {}
        self.duplicates = 0
        self.written_rows = 0
        self.files: list[Path] = []
        """The file of every Parquet write, in order (a day file appears once per rewrite)."""
        # first of all: a second sink on this root would replay and delete our log
        self._root_lock: BinaryIO | None = lock_root(self.root / WAL_DIRECTORY, self.root)
        try:
            self.wal = WriteAheadLog(self.root / WAL_DIRECTORY)
            self.recalled = self._recall(recall) if recall > 0 else 0
            """Keys read back from recent files at start-up."""
            self.replayed = self._replay()
            """Rows a crash left in the log only, written to Parquet at start-up."""
        except BaseException:
            self._unlock()
            raise

    # --- adding ------------------------------------------------------------------------------

    def add(self, dataset: str, row: dict[str, Any]) -> bool:
        """Buffer one row; False (and nothing stored) if its (source, time) is already held."""
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; expected one of {sorted(DATASETS)}")
        partition = _partition_of(dataset, row)
        with self._lock:
            if self._holds(partition, row["time"]):
                self.duplicates += 1
                return False
            self._partitions.setdefault(partition, _Partition()).rows[row["time"]] = row
            self._pending.append((dataset, row))
            return True

    def _holds(self, partition: PartitionKey, time: datetime) -> bool:
        # the rows of a write in progress count too: without them a resend arriving while they
        # are written would be buffered again and stored twice
        return any(
            partition in held and time in held[partition].rows
            for held in (self._partitions, self._writing)
        ) or self._is_recent(partition[0], (partition[1], time))

    @property
    def buffered(self) -> int:
        """Rows in memory, not yet in Parquet (logged or not)."""
        with self._lock:
            return sum(len(part.rows) for part in self._partitions.values())

    @property
    def epoch(self) -> int:
        """The generation rows are added to now. Read it *after* :meth:`add`: the rows of that
        call (or the held row it repeated) are durable once :attr:`durable_epoch` reaches it."""
        return self._epoch

    # --- step 1: the write-ahead log ---------------------------------------------------------

    def commit(self) -> int:
        """Append the rows added since the last commit to the log and fsync it; return how many.
        On success every row added up to now is durable and :attr:`durable_epoch` says so."""
        with self._log_lock:
            with self._lock:
                batch, self._pending = self._pending, []
                generation = self._epoch
                self._epoch += 1
            if batch:
                try:
                    segment = self._log(batch)
                except BaseException:
                    with self._lock:
                        self._pending[:0] = batch  # retried by the next commit
                    raise
                with self._lock:
                    self._pin(batch, segment)
            self.durable_epoch = generation
            return len(batch)

    def _log(self, batch: list[Entry]) -> int:
        """Write one record; return its segment (a seam for tests simulating a failing disk)."""
        return self.wal.append(batch)

    def _pin(self, batch: list[Entry], segment: int) -> None:
        # a partition being written counts too: if its write fails, its rows come back and
        # still need this segment
        for dataset, row in batch:
            partition = _partition_of(dataset, row)
            for held in (self._partitions, self._writing):
                part = held.get(partition)
                if part is not None and part.first_segment is None:
                    part.first_segment = segment

    # --- step 2: Parquet ---------------------------------------------------------------------

    def due(self) -> bool:
        """True when a partition is full (``max_rows``) or its oldest row ``max_age`` old."""
        now = clock.monotonic()
        with self._lock:
            return any(self._is_due(part, now) for part in self._partitions.values())

    def _is_due(self, part: _Partition, now: float) -> bool:
        return len(part.rows) >= self.max_rows or now - part.since >= self.max_age

    def write_due(self) -> list[Path]:
        """Write the partitions that are due; return the files written."""
        now = clock.monotonic()
        return self._write_partitions(lambda part: self._is_due(part, now))

    def flush(self) -> list[Path]:
        """Commit, then write every buffered row to Parquet; return the files written."""
        self.commit()
        return self._write_partitions(lambda part: True)

    def close(self) -> list[Path]:
        """Write what is left; the log is then empty. Releases the root for another sink, also
        when the writes fail (their rows stay in the log for the next sink to replay)."""
        try:
            written = self.flush()
            # also when nothing was left to write: the last segment may hold only rows that a
            # Parquet write took before they were logged
            self._drop_logged_segments()
            with self._log_lock:
                self.wal.close()
        finally:
            self._unlock()
        return written

    def _unlock(self) -> None:
        if self._root_lock is not None:
            self._root_lock.close()  # closing the descriptor releases the flock
            self._root_lock = None

    def _write_partitions(self, chosen: Callable[[_Partition], bool]) -> list[Path]:
        with self._write_lock:
            with self._lock:
                taken = sorted(key for key, part in self._partitions.items() if chosen(part))
                for key in taken:
                    self._writing[key] = self._partitions.pop(key)
            written: list[Path] = []
            try:
                for key in taken:
                    written.extend(self._write(key[0], self._writing[key].rows.values()))
                    with self._lock:
                        del self._writing[key]  # after _write remembered its keys
            finally:
                with self._lock:
                    # a failed write: its rows stay in memory (and in the log) for a retry
                    for key, part in self._writing.items():
                        self._partitions.setdefault(key, _Partition()).absorb(part)
                    self._writing = {}
                self.files.extend(written)
                if written:
                    self._drop_logged_segments()
            return written

    def _drop_logged_segments(self) -> None:
        """Delete the log segments whose rows are all in Parquet now."""
        with self._log_lock:
            self.wal.rotate()  # rows logged from now on go to a segment of their own
            with self._lock:
                pinned = [
                    part.first_segment
                    for held in (self._partitions, self._writing)
                    for part in held.values()
                    if part.first_segment is not None
                ]
            self.wal.delete_before(min(pinned, default=self.wal.current))

    # --- start-up ----------------------------------------------------------------------------

    def _replay(self) -> int:
        """Write the rows a crash left only in the log, then delete its segments."""
        segments = self.wal.segments()
        if not segments:
            return 0
        logged: dict[PartitionKey, dict[datetime, dict[str, Any]]] = {}
        for _, path in segments:
            for dataset, row in read_segment(path):
                if dataset not in DATASETS:
                    log.warning("write-ahead log %s: unknown dataset %r skipped", path, dataset)
                    continue
                logged.setdefault(_partition_of(dataset, row), {}).setdefault(row["time"], row)
        replayed = 0
        for partition, rows in sorted(logged.items()):
            dataset, source, _ = partition
            # logged rows were acknowledged: resends of them after the restart are repeats
            self._remember(dataset, source, rows)
            stored = self._stored_times(partition)
            missing = [row for time, row in rows.items() if time not in stored]
            if missing:
                self.files.extend(self._write(dataset, missing))
                replayed += len(missing)
        self.wal.delete_before(segments[-1][0] + 1)
        log.info(
            "replayed %d log segments: %d rows written, %d already in Parquet",
            len(segments),
            replayed,
            sum(len(rows) for rows in logged.values()) - replayed,
        )
        return replayed

    def _stored_times(self, partition: PartitionKey) -> set[datetime]:
        """The times of a partition already on disk (a crash may have come after the rename but
        before the log segments were deleted): its own file, and the files of other writers
        in its month directory (the bulk import's, the per-batch ``part-*`` files of earlier
        versions), but not the sibling files of other periods."""
        dataset, source, period = partition
        own = self._file(dataset, source, period)
        prefix = f"{FILES[dataset][0]}-"
        times: set[datetime] = set()
        for file in own.parent.glob("*.parquet"):
            if file != own and file.name.startswith(prefix):
                continue
            times.update(
                time
                for time in pq.read_table(file, columns=["time"]).column("time").to_pylist()
                if _period(dataset, time) == period
            )
        return times

    def _is_recent(self, dataset: str, key: tuple[str, datetime]) -> bool:
        recent = self._recent.get((dataset, key[0]))
        return recent is not None and key[1] in recent

    def _recall(self, seconds: float) -> int:
        """Remember the keys of the files written in the last ``seconds`` (by their modification
        time): the answers for them may never have reached the loggers, which then resend them
        to this process. A day file rewritten lately is read whole, which remembers more than
        the last ``seconds`` (at most a day of one source): harmless."""
        cutoff = datetime.now(UTC) - timedelta(seconds=seconds)
        count = 0
        for dataset, (subdir, _) in DATASETS.items():
            base = (self.root if dataset == "minute" else self.logger_root) / subdir
            for month in base.glob("source=*/month=*"):
                # a partition not touched since the cutoff holds no recent file: skip its files
                if _modified(month) < cutoff:
                    continue
                for file in month.glob("*.parquet"):
                    if _modified(file) < cutoff:
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
        """Merge ``rows`` into their periods' files (one per source and period); return them."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault((str(row["source"]), _period(dataset, row["time"])), []).append(row)
        written = []
        for (source, period), group in sorted(groups.items()):
            file = self._file(dataset, source, period)
            added = _merge_into(file, DATASETS[dataset][1], group)
            written.append(file)
            self._remember(dataset, source, (row["time"] for row in group))
            self.written_rows += added
            log.debug("merged %d %s rows into %s", added, dataset, file)
        return written

    def _directory(self, dataset: str, source: str, period: str) -> Path:
        base = self.root if dataset == "minute" else self.logger_root
        return base / DATASETS[dataset][0] / f"source={source}" / f"month={period[:7]}"

    def _file(self, dataset: str, source: str, period: str) -> Path:
        """``…/month=<YYYY-MM>/<prefix>-<period>.parquet``, e.g. ``minutes-2026-03-01.parquet``."""
        name = f"{FILES[dataset][0]}-{period}.parquet"
        return self._directory(dataset, source, period) / name


def _partition_of(dataset: str, row: dict[str, Any]) -> PartitionKey:
    return (dataset, str(row["source"]), _period(dataset, row["time"]))


def _period(dataset: str, time: datetime) -> str:
    # the FILES formats, %Y-%m-%d or %Y-%m, without strftime (this runs twice per row)
    if FILES[dataset][1] == "%Y-%m":
        return f"{time.year:04d}-{time.month:02d}"
    return f"{time.year:04d}-{time.month:02d}-{time.day:02d}"


def _modified(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _merge_into(file: Path, schema: pa.Schema, rows: list[dict[str, Any]]) -> int:
    """Replace ``file`` by its rows plus ``rows``, sorted by time; return how many were new.

    A time already in the file keeps the file's row (first value wins, as in memory): the
    sink's de-duplication should make this impossible, so it is logged when it happens (a
    resend older than ``recall`` after a restart, for instance)."""
    existing = _read(file, schema)
    stored = set(existing.column("time").to_pylist())
    fresh: dict[datetime, dict[str, Any]] = {}
    for row in rows:
        if row["time"] not in stored:
            fresh.setdefault(row["time"], row)
    if len(fresh) < len(rows):
        log.warning(
            "%s: %d of %d rows already stored (same source and time); the stored rows kept",
            file,
            len(rows) - len(fresh),
            len(rows),
        )
    if not fresh:
        return 0  # nothing new: the file stays as it is
    merged = pa.concat_tables([existing, pa.Table.from_pylist(list(fresh.values()), schema=schema)])
    _replace_atomically(file, merged.sort_by("time"))
    return len(fresh)


def _read(file: Path, schema: pa.Schema) -> pa.Table:
    """A period file's rows (none if it does not exist yet), in ``schema``."""
    if not file.exists():
        return schema.empty_table()
    # partitioning=None: the file's own columns only, not source/month from its path
    table = pq.read_table(file, partitioning=None)
    for column in schema:  # a file written before a column existed (schema.SENT_FIELDS): nulls
        if column.name not in table.column_names:
            table = table.append_column(column, pa.nulls(table.num_rows, column.type))
    return table.select(schema.names).cast(schema)


def _replace_atomically(final: Path, table: pa.Table) -> None:
    """Write ``table`` as ``final`` so that a reader sees the old file or the new one, whole,
    never both and never a part: a temporary name that readers skip (hidden, not ending in
    ``.parquet``), fsync, rename over ``final``, fsync of the directories. The rename must be
    durable before the log segments holding these rows are deleted."""
    directory = final.parent
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{final.name}.tmp"  # one writer per root: a fixed name is safe
    try:
        with temporary.open("wb") as handle:
            pq.write_table(table, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    for level in (directory, directory.parent, directory.parent.parent):
        fsync_directory(level)
