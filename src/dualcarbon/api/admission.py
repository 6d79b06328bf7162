"""Submissions accounted at once per server process, the rest waiting their turn in order.

Accounting and storing a submission is CPU work in Python: one process runs one thread of it at a
time (the GIL), so fifty submissions at once in one process ran no faster than two, but each took
fifty times as long, and a thread holding the store's write turn waited for the GIL among all the
others (issue 12, server speed: p99 15 s at 50 clients; docs/decisions/0013-server-speed.md).
Here at most :data:`AT_ONCE` submissions of a process are in their worker thread; the others wait
in the event loop, first come first served (:class:`anyio.Semaphore` wakes its waiters in order),
holding no thread, no database connection and no transaction. Several processes
(``serve --workers``) use the cores.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

import anyio
from starlette.concurrency import run_in_threadpool

AT_ONCE = 2
"""Submissions one process accounts at once: two keep a core busy while one waits on the store."""

_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _turnstile() -> anyio.Semaphore:
    """This event loop's semaphore (a test runs several apps, each on a loop of its own)."""
    loop = asyncio.get_running_loop()
    found = _turns.get(loop)
    if found is None:
        found = _turns[loop] = anyio.Semaphore(AT_ONCE)
    return found


async def in_turn[T](work: Callable[[], T]) -> T:
    """Run ``work`` in a worker thread once a turn is free."""
    async with _turnstile():
        return await run_in_threadpool(work)
