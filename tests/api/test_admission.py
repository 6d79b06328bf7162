"""Submissions run a few at a time per process, the rest waiting in order (issue 12, server
speed; ``dualcarbon.api.admission``)."""

from __future__ import annotations

import threading

import anyio
import pytest

from dualcarbon.api import admission


def _run(count: int) -> tuple[list[int], list[int]]:
    """``count`` submissions started in order, each blocking in its thread until released once
    the first turns are taken: (the order they entered, those that had entered by then)."""
    entered: list[int] = []
    lock = threading.Lock()
    release = threading.Event()

    def work(n: int) -> None:
        with lock:
            entered.append(n)
        assert release.wait(60), "never released"

    async def main() -> list[int]:
        async def submit(n: int) -> None:
            await admission.in_turn(lambda: work(n))

        async with anyio.create_task_group() as group:
            for n in range(count):
                group.start_soon(submit, n)
                await anyio.sleep(0)  # start them in this order
            with anyio.fail_after(30):
                while len(entered) < admission.AT_ONCE:
                    await anyio.sleep(0.001)
            await anyio.sleep(0.2)  # room for any more to enter (none should)
            with lock:
                early = list(entered)
            release.set()
        return early

    early = anyio.run(main)
    return entered, early


def test_at_most_at_once_run_and_the_rest_wait() -> None:
    entered, early = _run(6)
    # the first ones, no more (in either order: both run at once, in threads of their own)
    assert sorted(early) == list(range(admission.AT_ONCE))
    assert sorted(entered) == list(range(6))  # and then every one


def test_the_waiting_go_on_first_come_first_served(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admission, "AT_ONCE", 1)
    entered, early = _run(5)
    assert early == [0]
    assert entered == [0, 1, 2, 3, 4]
