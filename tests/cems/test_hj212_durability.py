"""The HJ 212 data response (CN=9014) vouches for the disk: it is sent only once the packet's
rows are in the sink's fsynced write-ahead log, never while they sit in memory only. (Parquet
files come later, in batches: see test_hj212_wal.py.) A commit that fails holds the answer back
(the logger would resend); a resend while rows are being written is still stored once; answers
leave a connection in packet order."""

from __future__ import annotations

import asyncio
import shutil
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212.receiver import Receiver
from dualcarbon.cems.hj212.sink import ParquetSink

START = datetime(2026, 3, 1, 8, 0)
MN = "DURABLE01"


def minute_packet(minute: int, *, flag: int = 5, mn: str = MN) -> hp.Packet:
    when = START + timedelta(minutes=minute)
    cp = hp.build_cp(
        {"a19001": {"Avg": f"{5 + minute / 100:.2f}", "Flag": "N"}, "a01012": {"Avg": "130.0"}},
        data_time=when,
    )
    return hp.Packet(
        st="31", cn="2051", pw="123456", mn=mn, cp=cp, qn=f"{when:%Y%m%d%H%M%S}000", flag=flag
    )


def minutes_on_disk(root: Path) -> list[datetime]:
    """What a reader globbing the layout sees now (temporary files are hidden and do not end in
    '.parquet': '.minutes-<day>.parquet.tmp')."""
    return sorted(
        row["time"]
        for file in root.glob("source=*/month=*/*.parquet")
        for row in pq.read_table(file, columns=["time"]).to_pylist()
    )


def minutes_after_a_crash_now(root: Path, scratch: Path) -> list[datetime]:
    """What a restart would find if the receiver died this instant: a copy of the root as it is
    on disk now, opened by a fresh sink (which replays the write-ahead log into Parquet)."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(root, scratch)
    ParquetSink(scratch, recall=0)
    return minutes_on_disk(scratch)


async def read_answer(reader: asyncio.StreamReader, timeout: float = 5) -> hp.Packet:
    return hp.parse(await asyncio.wait_for(reader.readuntil(b"\r\n"), timeout))


class SlowSink(ParquetSink):
    """A sink whose Parquet writes take a while (a slow disk), and whose Parquet writes
    (``failures``) or log commits (``log_failures``) can be told to fail."""

    def __init__(self, root: Path, **options: Any) -> None:
        super().__init__(root, **options)
        self.delay = 0.0
        self.failures = 0
        self.log_failures = 0
        self.flushes_done = 0

    def _log(self, batch: Any) -> int:
        if self.log_failures:
            self.log_failures -= 1
            raise OSError("disk full (simulated)")
        return super()._log(batch)

    def _write(self, dataset: str, rows: Any) -> list[Path]:
        if self.failures:
            self.failures -= 1
            raise OSError("disk full (simulated)")
        threading.Event().wait(self.delay)
        return super()._write(dataset, rows)

    def flush(self) -> list[Path]:
        written = super().flush()
        self.flushes_done += 1
        return written


def test_answer_only_once_the_minute_is_durable(tmp_path: Path) -> None:
    root, scratch = tmp_path / "root", tmp_path / "after-crash"

    async def scenario() -> tuple[Receiver, list[tuple[str | None, list[datetime]]]]:
        sink = SlowSink(root, max_age=3600)  # no Parquet file before the stop
        receiver = Receiver(sink, flush_interval=0.1)
        await receiver.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        seen = []
        for minute in range(5):
            writer.write(minute_packet(minute).encode())
            await writer.drain()
            answer = await read_answer(reader)
            # the moment the answer is in, its minute must survive a crash: it is in the
            # fsynced log (not yet in Parquet, which comes in batches)
            assert minutes_on_disk(root) == []
            seen.append((answer.qn, minutes_after_a_crash_now(root, scratch)))
        writer.close()
        await receiver.stop()
        return receiver, seen

    receiver, seen = asyncio.run(scenario())
    for minute, (qn, recovered) in enumerate(seen):
        assert qn == minute_packet(minute).qn
        assert recovered == [START + timedelta(minutes=m) for m in range(minute + 1)]
    assert receiver.stats.acks == 5
    assert minutes_on_disk(root) == [START + timedelta(minutes=m) for m in range(5)]


def test_answers_are_batched_and_keep_packet_order(tmp_path: Path) -> None:
    """200 packets sent at once: all answered, in order, from a handful of flushes (not one
    file per packet)."""

    async def scenario() -> tuple[SlowSink, list[str | None]]:
        sink = SlowSink(tmp_path, max_age=3600)
        receiver = Receiver(sink, flush_interval=0.2)
        await receiver.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(b"".join(minute_packet(m).encode() for m in range(200)))
        await writer.drain()
        answers = [(await read_answer(reader)).qn for _ in range(200)]
        writer.close()
        await receiver.stop()
        return sink, answers

    sink, answers = asyncio.run(scenario())
    assert answers == [minute_packet(m).qn for m in range(200)]
    assert len(sink.files) < 20  # a few Parquet writes, not one per packet
    assert len(list(tmp_path.glob("source=*/month=*/*.parquet"))) == 1  # into one day file
    assert len(minutes_on_disk(tmp_path)) == 200


def test_a_failed_commit_holds_the_answer_until_a_commit_succeeds(tmp_path: Path) -> None:
    root, scratch = tmp_path / "root", tmp_path / "after-crash"

    async def scenario() -> tuple[Receiver, SlowSink, list[datetime]]:
        sink = SlowSink(root, max_age=3600)
        sink.log_failures = 1
        receiver = Receiver(sink, flush_interval=0.1)
        await receiver.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(minute_packet(0).encode())
        await writer.drain()
        await read_answer(reader)  # comes after the retry (the next tick)
        recovered = minutes_after_a_crash_now(root, scratch)
        writer.close()
        await receiver.stop()
        return receiver, sink, recovered

    receiver, sink, recovered = asyncio.run(scenario())
    assert recovered == [START]
    assert sink.log_failures == 0 and receiver.stats.acks == 1
    assert minutes_on_disk(root) == [START]


def test_a_failed_parquet_write_keeps_the_rows_for_a_retry(tmp_path: Path) -> None:
    """A Parquet write that fails loses nothing: the rows stay in memory and in the log (whose
    segments are only deleted once their rows are in Parquet), and the next write stores them."""
    sink = SlowSink(tmp_path)
    sink.add("minute", {"source": MN, "time": START})
    sink.failures = 1
    with pytest.raises(OSError, match="simulated"):
        sink.flush()
    assert sink.durable_epoch == 1  # the commit before the write succeeded
    assert sink.buffered == 1 and minutes_on_disk(tmp_path) == []
    assert sink.add("minute", {"source": MN, "time": START}) is False  # still held
    assert sink.wal.segments()
    sink.close()
    assert minutes_on_disk(tmp_path) == [START]
    assert sink.wal.segments() == []


def test_no_answer_without_a_flush_and_the_resend_is_stored_once(tmp_path: Path) -> None:
    """A receiver that never reaches its commit (as if it crashed) never answers; the logger
    resends, and packets resent while the first copy is held or being written are stored once."""

    async def scenario() -> Receiver:
        sink = SlowSink(tmp_path, max_age=3600)
        sink.delay = 0.3
        receiver = Receiver(sink, flush_interval=30)  # no commit within this test's waits
        await receiver.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(minute_packet(0).encode())
        await writer.drain()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readuntil(b"\r\n"), 0.5)
        assert minutes_on_disk(tmp_path) == []
        writer.write(minute_packet(0).encode())  # the logger's resend: held once
        await writer.drain()
        await asyncio.sleep(0.1)
        flushing = asyncio.create_task(asyncio.to_thread(sink.flush))
        await asyncio.sleep(0.1)  # the write is in progress (0.3 s) ...
        writer.write(minute_packet(0).encode())  # ... when another resend comes
        await writer.drain()
        await flushing
        await asyncio.sleep(0.1)
        writer.close()
        await receiver.stop()
        return receiver

    receiver = asyncio.run(scenario())
    assert minutes_on_disk(tmp_path) == [START]
    assert receiver.stats.stored == 1 and receiver.stats.repeats == 2


def test_the_sink_counts_generations(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    assert (sink.epoch, sink.durable_epoch) == (1, 0)
    sink.add("minute", {"source": MN, "time": START})
    held = sink.epoch
    sink.flush()
    assert sink.durable_epoch >= held
    assert sink.epoch == held + 1


def test_a_resend_after_a_restart_is_still_a_repeat(tmp_path: Path) -> None:
    """The answer was lost (or the receiver died between the write and the answer): the logger
    resends to the restarted receiver, which answers it and does not store it again."""

    async def one_run(sink: ParquetSink) -> Receiver:
        receiver = Receiver(sink, flush_interval=0.05)
        await receiver.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(minute_packet(0).encode())
        await writer.drain()
        assert (await read_answer(reader)).qn == minute_packet(0).qn
        writer.close()
        await receiver.stop()
        return receiver

    first = asyncio.run(one_run(ParquetSink(tmp_path)))
    restarted = ParquetSink(tmp_path)
    assert restarted.recalled == 1
    second = asyncio.run(one_run(restarted))
    assert (first.stats.stored, second.stats.stored, second.stats.repeats) == (1, 0, 1)
    assert minutes_on_disk(tmp_path) == [START]
    # recall can be limited (files older than the window are not read) or switched off
    assert ParquetSink(tmp_path, recall=0).recalled == 0
