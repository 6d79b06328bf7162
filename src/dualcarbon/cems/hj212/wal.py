"""The write-ahead log that makes the receiver's rows durable before Parquet does.

An HJ 212 data response (CN=9014) may only leave once its rows survive a crash. Writing a
Parquet file for every batch of answers made one tiny file per packet for a slow logger, so
rows are instead appended to a log and fsynced (many packets per fsync: group commit); the
Parquet files are written later, in large batches, from memory.

Layout: ``<root>/_wal/<sequence>.wal``, numbered segments; the sink starts a new segment after
every Parquet write, so that a segment whose rows all reached Parquet can be deleted whole.
Readers of the minute data glob ``source=*/month=*`` and never see ``_wal`` (``pyarrow.dataset``
skips names starting with ``_`` too). ``<root>/_wal/receiver.lock`` is the root's lock
(:func:`lock_root`): one sink per root, since a second would replay and delete this log.

Record format, chosen to be readable with nothing but the standard library::

    <length: 4 bytes big-endian> <CRC-32 of the payload: 4 bytes big-endian> <payload>

The payload is UTF-8 JSON ``[[dataset, row], …]``; ``row["time"]`` is ISO 8601, every other
value a string, a float or null. A crash while appending leaves a torn last record (short
header, short payload, or a CRC that does not match): reading stops there, which loses only rows
that were never acknowledged, because their fsync never returned.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import struct
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from dualcarbon.cems.hj212.errors import RootInUseError

log = logging.getLogger("dualcarbon.cems.hj212")

WAL_DIRECTORY = "_wal"
"""The log's directory under the sink's root (never matched by ``source=*/month=*``)."""

LOCK_FILE = "receiver.lock"
"""The lock file in the log's directory: held (``flock``) by the one sink writing to a root."""

_HEADER = struct.Struct(">II")
_SUFFIX = ".wal"

Entry = tuple[str, dict[str, Any]]
"""One logged row: (dataset, row)."""


def encode_record(entries: list[Entry]) -> bytes:
    """One record holding ``entries``, framed with its length and CRC."""
    payload = json.dumps(
        [[dataset, {**row, "time": row["time"].isoformat()}] for dataset, row in entries],
        separators=(",", ":"),
        allow_nan=True,  # a NaN value must survive the log as it would survive Parquet
    ).encode()
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_segment(path: Path) -> Iterator[Entry]:
    """The entries of one segment, up to its first torn or corrupt record (logged)."""
    data = path.read_bytes()
    offset = 0
    while offset < len(data):
        entries = _record_at(data, offset)
        if entries is None:
            log.warning(
                "write-ahead log %s: torn or corrupt record at byte %d of %d ignored "
                "(never acknowledged)",
                path,
                offset,
                len(data),
            )
            return
        payload_end = offset + _HEADER.size + _HEADER.unpack_from(data, offset)[0]
        yield from entries
        offset = payload_end


def _record_at(data: bytes, offset: int) -> list[Entry] | None:
    if len(data) - offset < _HEADER.size:
        return None
    length, crc = _HEADER.unpack_from(data, offset)
    payload = data[offset + _HEADER.size : offset + _HEADER.size + length]
    # a zero length is refused: a crash can leave a zero-filled tail, whose CRC would match
    if length == 0 or len(payload) < length or zlib.crc32(payload) != crc:
        return None
    try:
        return [
            (dataset, {**row, "time": datetime.fromisoformat(row["time"])})
            for dataset, row in json.loads(payload)
        ]
    except (ValueError, TypeError, KeyError):
        return None


class WriteAheadLog:
    """Numbered, append-only segments in one directory. Not thread-safe: the sink serialises
    every call under its own lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        existing = self.segments()
        self.current = (existing[-1][0] + 1) if existing else 1
        """The sequence number the next append goes to."""
        self._handle: BinaryIO | None = None

    def segments(self) -> list[tuple[int, Path]]:
        """(sequence, path) of the segments on disk, oldest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob(f"*{_SUFFIX}"):
            if path.stem.isdigit():
                found.append((int(path.stem), path))
        return sorted(found)

    def append(self, entries: list[Entry]) -> int:
        """Append one record and fsync it; return the segment's sequence number. On an error
        the segment is abandoned (its tail may be torn, and after a failed fsync the kernel may
        have dropped the pages): the retry goes to a new segment."""
        record = encode_record(entries)
        handle = self._open()
        try:
            handle.write(record)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            self.rotate()
            raise
        return self.current

    def rotate(self) -> None:
        """Close the current segment; the next append starts a new one."""
        if self._handle is None:
            return
        try:
            self._handle.close()
        except OSError:
            log.exception("closing write-ahead log segment %d failed", self.current)
        self._handle = None
        self.current += 1

    def delete_before(self, sequence: int) -> int:
        """Delete the closed segments numbered below ``sequence``; return how many."""
        deleted = 0
        for number, path in self.segments():
            if number >= min(sequence, self.current):
                break
            path.unlink(missing_ok=True)
            deleted += 1
        if deleted:
            fsync_directory(self.directory)
        return deleted

    def close(self) -> None:
        self.rotate()

    def _open(self) -> BinaryIO:
        if self._handle is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{self.current:012d}{_SUFFIX}"
            self._handle = path.open("ab")
            # the new name must be durable too, or the fsynced records could vanish with it
            fsync_directory(self.directory)
        return self._handle


def fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def lock_root(directory: Path, root: Path) -> BinaryIO:
    """Take the exclusive lock of a root (``<directory>/receiver.lock``) without waiting; raise
    :class:`.RootInUseError` naming ``root`` if another sink holds it. The lock lives as long as
    the returned handle: closing it (or the process ending, even by SIGKILL) releases it, so a
    crashed receiver never leaves a stale lock."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_FILE
    handle = path.open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RootInUseError(str(root), str(path)) from None
    return handle
