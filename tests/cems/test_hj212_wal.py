"""The write-ahead log: acknowledged rows survive a crash, and Parquet is written in batches.

A logger sending one minute packet a minute used to get one Parquet file per packet, because
every answer waited for a Parquet write. Now answers wait for an fsynced log record and Parquet
is written per source and day when a partition is full or old, and at the stop, merged into the
day's one file (see test_hj212_files.py). A
receiver killed without a shutdown leaves its log behind; the next start replays it into
Parquet, once, even if part of it had already reached Parquet; a torn last record is ignored.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212.receiver import Receiver
from dualcarbon.cems.hj212.sink import ParquetSink
from dualcarbon.cems.hj212.wal import WAL_DIRECTORY, WriteAheadLog, encode_record, read_segment

START = datetime(2026, 3, 1, 8, 0)
MN = "WAL0001"


def minute_packet(minute: int, *, mn: str = MN) -> hp.Packet:
    when = START + timedelta(minutes=minute)
    cp = hp.build_cp(
        {"a19001": {"Avg": f"{5 + minute / 1000:.3f}", "Flag": "N"}, "a01012": {"Avg": "130.0"}},
        data_time=when,
    )
    return hp.Packet(
        st="31", cn="2051", pw="123456", mn=mn, cp=cp, qn=f"{when:%Y%m%d%H%M%S}000", flag=5
    )


def minute_row(minute: int) -> dict[str, object]:
    return {"source": MN, "time": START + timedelta(minutes=minute), "o2": 5.0 + minute}


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.glob("source=*/month=*/*.parquet"))


def minutes_in_parquet(root: Path) -> list[datetime]:
    return sorted(
        time
        for file in parquet_files(root)
        for time in pq.read_table(file, columns=["time"]).column("time").to_pylist()
    )


def segments(root: Path) -> list[Path]:
    return [path for _, path in WriteAheadLog(root / WAL_DIRECTORY).segments()]


def minutes(count: int, first: int = 0) -> list[datetime]:
    return [START + timedelta(minutes=m) for m in range(first, first + count)]


async def send_and_await_answers(port: int, packets: list[hp.Packet]) -> list[str | None]:
    """A logger that sends each packet and waits for its answer before the next."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    for packet in packets:
        writer.write(packet.encode())
        await writer.drain()
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
        answers.append(hp.parse(raw).qn)
    writer.close()
    return answers


# --- (b) few files ---------------------------------------------------------------------------


def test_a_slow_logger_gets_a_handful_of_files_not_one_per_packet(tmp_path: Path) -> None:
    packets = [minute_packet(m) for m in range(120)]

    async def scenario() -> list[str | None]:
        receiver = Receiver(ParquetSink(tmp_path), flush_interval=0.02)  # default max_age
        await receiver.start("127.0.0.1", 0)
        answers = await send_and_await_answers(receiver.port, packets)
        await receiver.stop()
        return answers

    answers = asyncio.run(scenario())
    assert answers == [packet.qn for packet in packets]  # each answered: 120 commits
    assert len(parquet_files(tmp_path)) == 1  # two hours of one day: the day's file
    assert minutes_in_parquet(tmp_path) == minutes(120)  # all, exactly once
    assert segments(tmp_path) == []  # everything in Parquet: the log is empty


def test_a_partition_is_written_when_full_or_old_and_its_log_segments_go(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, max_rows=50, max_age=3600)
    for minute in range(49):
        sink.add("minute", minute_row(minute))
    sink.commit()
    assert not sink.due() and sink.write_due() == []
    assert len(segments(tmp_path)) == 1
    sink.add("minute", minute_row(49))
    sink.commit()
    assert sink.due()
    assert len(sink.write_due()) == 1  # full: one file of 50 rows
    assert minutes_in_parquet(tmp_path) == minutes(50)
    assert segments(tmp_path) == []  # its rows are all in Parquet

    aging = ParquetSink(tmp_path / "aging", max_age=0.05)
    aging.add("minute", minute_row(0))
    aging.commit()
    time.sleep(0.1)
    assert aging.due() and len(aging.write_due()) == 1


def test_a_segment_stays_while_another_partition_still_needs_it(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, max_rows=2, max_age=3600)
    sink.add("minute", minute_row(0))
    sink.add("minute", {**minute_row(0), "source": "OTHER"})
    sink.add("minute", minute_row(1))  # MN's partition is full, OTHER's is not
    sink.commit()
    assert len(sink.write_due()) == 1
    assert len(segments(tmp_path)) == 1  # OTHER's row is only in memory and in this segment
    sink.add("minute", minute_row(2))
    sink.commit()  # a new segment (rotated after the write)
    assert len(segments(tmp_path)) == 2
    sink.close()
    assert segments(tmp_path) == []
    assert len(minutes_in_parquet(tmp_path)) == 4


# --- (c) crash and replay --------------------------------------------------------------------

RECEIVER = """
import asyncio, sys
from dualcarbon.cems.hj212.receiver import run
asyncio.run(run("127.0.0.1", int(sys.argv[1]), sys.argv[2], max_age=3600, flush_interval=0.05))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connect(port: int, deadline: float) -> socket.socket:
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_acknowledged_rows_survive_sigkill_and_are_replayed_once(tmp_path: Path) -> None:
    """A receiver process killed with SIGKILL (no shutdown, nothing in Parquet yet): every
    minute it acknowledged is in Parquet after the restart, once; the log is then gone, and
    the logger's resend of an acknowledged minute is a repeat."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, str(port), str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with _connect(port, time.monotonic() + 30) as logger:
            stream = logger.makefile("rb")
            for minute in range(30):
                logger.sendall(minute_packet(minute).encode())
                assert hp.parse(stream.readline()).qn == minute_packet(minute).qn
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
    assert minutes_in_parquet(tmp_path) == []  # acknowledged from the log only
    assert segments(tmp_path)

    restarted = ParquetSink(tmp_path)
    assert restarted.replayed == 30
    assert minutes_in_parquet(tmp_path) == minutes(30)
    assert segments(tmp_path) == []

    async def resend() -> Receiver:
        receiver = Receiver(restarted, flush_interval=0.02)
        await receiver.start("127.0.0.1", 0)
        await send_and_await_answers(receiver.port, [minute_packet(29), minute_packet(30)])
        await receiver.stop()
        return receiver

    receiver = asyncio.run(resend())
    assert (receiver.stats.repeats, receiver.stats.stored) == (1, 1)
    assert minutes_in_parquet(tmp_path) == minutes(31)


def test_a_crash_after_the_parquet_write_replays_nothing_twice(tmp_path: Path) -> None:
    """Killed between a Parquet write and the deletion of its log segment: the replay finds
    the rows in Parquet already and writes only the others."""
    sink = ParquetSink(tmp_path)
    for minute in range(10):
        sink.add("minute", minute_row(minute))
    sink.commit()
    sink._write("minute", [minute_row(m) for m in range(6)])  # as if cut off before the cleanup
    sink.add("minute", minute_row(10))  # added, never committed, never answered: lost
    del sink  # no close: the crash

    restarted = ParquetSink(tmp_path, recall=0)  # not by recall: by the partition's files
    assert restarted.replayed == 4
    assert minutes_in_parquet(tmp_path) == minutes(10)
    assert restarted.add("minute", minute_row(9)) is False  # a resend after the restart


def test_the_logger_datasets_are_logged_and_replayed_too(tmp_path: Path) -> None:
    minute_root, logger_root = tmp_path / "minute", tmp_path / "logger"
    sink = ParquetSink(minute_root, logger_root=logger_root)
    hour = {"source": MN, "time": START, "co2_avg": 12.0, "co2_cou": 8123.5, "co2_flag": "N"}
    sink.add("hourly", hour)
    sink.add("daily", {**hour, "time": START.replace(hour=0)})
    sink.add("minute", minute_row(0))
    sink.commit()
    del sink

    ParquetSink(minute_root, logger_root=logger_root)
    hourly = [
        row
        for file in (logger_root / "logger-hourly").rglob("*.parquet")
        for row in pq.read_table(file).to_pylist()
    ]
    assert [(r["time"], r["co2_avg"], r["co2_cou"], r["co2_flag"]) for r in hourly] == [
        (START, 12.0, 8123.5, "N")
    ]
    assert len(list((logger_root / "logger-daily").rglob("*.parquet"))) == 1
    assert minutes_in_parquet(minute_root) == minutes(1)


# --- (d) torn records ------------------------------------------------------------------------


def _cut_payload(data: bytes) -> bytes:
    return data[:-5]


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0xFF])


def _half_a_header(data: bytes) -> bytes:
    return data + b"\x00\x00\x01"


def _zero_tail(data: bytes) -> bytes:
    return data + bytes(64)  # what a file system may show after a crash during an extension


@pytest.mark.parametrize(
    ("damage", "kept"),
    [
        pytest.param(_cut_payload, 5, id="last payload cut short"),
        pytest.param(_flip_last_byte, 5, id="last record fails its CRC"),
        pytest.param(_half_a_header, 6, id="a header cut short"),
        pytest.param(_zero_tail, 6, id="zero-filled tail"),
    ],
)
def test_a_torn_last_record_is_ignored_and_the_rest_replayed(
    tmp_path: Path, damage: Callable[[bytes], bytes], kept: int
) -> None:
    sink = ParquetSink(tmp_path)
    for minute in range(5):
        sink.add("minute", minute_row(minute))
    sink.commit()
    sink.add("minute", minute_row(5))
    sink.commit()  # the last record (one row)
    del sink  # the crash
    (segment,) = segments(tmp_path)
    segment.write_bytes(damage(segment.read_bytes()))

    restarted = ParquetSink(tmp_path)
    assert minutes_in_parquet(tmp_path) == minutes(kept)
    assert restarted.replayed == kept
    assert segments(tmp_path) == []


def test_reading_stops_at_the_first_bad_record(tmp_path: Path) -> None:
    first = encode_record([("minute", minute_row(0))])
    second = encode_record([("minute", minute_row(1))])
    path = tmp_path / "000000000001.wal"
    path.write_bytes(first + second[:-1] + b"X" + first)
    assert [row["time"] for _, row in read_segment(path)] == minutes(1)
