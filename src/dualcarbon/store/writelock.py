"""One writer at a time on a SQLite file, queued instead of polled.

SQLite lets one connection write at a time; another that wants to write waits in SQLite's busy
handler, which sleeps and retries in growing steps (1, 2, 5 … 100 ms: ``sqliteDefaultBusyCallback``,
https://www.sqlite.org/c3ref/busy_timeout.html). With several server workers submitting at once,
the file sat unlocked while the waiters slept: throughput fell as clients were added, and the
last waiter's latency grew to seconds (issue 12, server speed; docs/decisions/0013-server-speed.md).

Here a connection takes a lock before its first write — a thread lock within the process, then an
exclusive ``flock`` on ``<database>.write-lock`` across processes (Linux and macOS; elsewhere
the thread lock alone) — and gives it back when the connection returns to the pool, after its
commit or rollback. Waiters sleep in the kernel's queue and are woken the moment the lock is
free. Reads take no lock (write-ahead logging lets them run beside the writer). SQLite's own
locking stays in force underneath: a writer that bypasses this (another program) is still
serialised by SQLite, only polled.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the thread lock alone
    fcntl = None  # type: ignore[assignment]

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
HELD = "dualcarbon_write_lock"


class FileWriteLock:
    """The lock of one database file in this process: a thread lock, then ``flock``."""

    def __init__(self, database: Path, timeout: float) -> None:
        self.path = Path(f"{database}.write-lock")
        self.timeout = timeout
        self.threads = threading.Lock()
        self.descriptor: int | None = None

    def acquire(self) -> None:
        if not self.threads.acquire(timeout=self.timeout):
            raise OperationalError(
                "waiting to write", None, Exception(f"no write turn in {self.timeout:g} s")
            )
        try:
            if fcntl is not None:
                if self.descriptor is None:
                    self.descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self.descriptor, fcntl.LOCK_EX)
        except BaseException:
            self.threads.release()
            raise

    def release(self) -> None:
        try:
            if fcntl is not None and self.descriptor is not None:
                fcntl.flock(self.descriptor, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_LOCKS: dict[Path, FileWriteLock] = {}
_LOCKS_GUARD = threading.Lock()


def lock_for(database: Path, timeout: float) -> FileWriteLock:
    """The process's one lock of ``database`` (engines of the same file share it)."""
    key = database.expanduser().resolve()
    with _LOCKS_GUARD:
        found = _LOCKS.get(key)
        if found is None:
            found = _LOCKS[key] = FileWriteLock(key, timeout)
        return found


def queue_writers(engine: Engine, database: Path, timeout: float) -> None:
    """Make ``engine``'s connections take the file's write lock before their first write."""
    lock = lock_for(database, timeout)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        info = connection.connection.info  # the pooled connection's: survives until checkin
        if HELD not in info and statement.lstrip()[:7].upper().startswith(WRITES):
            lock.acquire()
            info[HELD] = lock

    def _give_back(record: Any) -> None:
        held = record.info.pop(HELD, None)
        if held is not None:
            held.release()

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        _give_back(record)  # after the session's commit or the pool's rollback

    @event.listens_for(engine, "invalidate")
    def _invalidate(dbapi_connection: Any, record: Any, exception: Any) -> None:
        _give_back(record)
