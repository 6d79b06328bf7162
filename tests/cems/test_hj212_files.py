"""One Parquet file per source and day, replaced atomically; one receiver per root.

Writing a Parquet file per ``max_age`` window gave a slow logger ~96 files a day, millions for a
fleet, which ruins the batch pipeline's reads. Now every write merges its rows into the day's
file (read, add, sort, write a hidden temporary file, fsync, rename over): a reader sees the old
day file or the new one, never both, so never a row twice. A second sink on the same root is
refused (it would replay and delete the first one's log and rewrite the same files).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212.errors import RootInUseError
from dualcarbon.cems.hj212.receiver import Receiver
from dualcarbon.cems.hj212.sink import ParquetSink
from dualcarbon.cems.hj212.wal import WAL_DIRECTORY, WriteAheadLog
from dualcarbon.cems.schema import MINUTE_SCHEMA

START = datetime(2026, 2, 28, 0, 0)  # two days across a month boundary
MN = "FILES0001"
DAY = 1440


def minute_row(minute: int) -> dict[str, Any]:
    return {"source": MN, "time": START + timedelta(minutes=minute), "o2": 5.0 + minute / 1e4}


def minute_packet(minute: int) -> hp.Packet:
    when = START + timedelta(minutes=minute)
    cp = hp.build_cp({"a19001": {"Avg": "5.500", "Flag": "N"}}, data_time=when)
    return hp.Packet(
        st="31", cn="2051", pw="123456", mn=MN, cp=cp, qn=f"{when:%Y%m%d%H%M%S}000", flag=5
    )


def minutes(count: int, first: int = 0) -> list[datetime]:
    return [START + timedelta(minutes=m) for m in range(first, first + count)]


def parquet_files(root: Path) -> list[Path]:
    """What a reader of the minute data globs."""
    return sorted(root.glob("source=*/month=*/*.parquet"))


def keys_seen_by_a_reader(root: Path) -> list[tuple[str, datetime]]:
    """Every (source, time) a reader of the whole layout gets now, duplicates included. Each
    file is read through one open handle, as DuckDB does: the reader then holds one version of
    a day file even if it is replaced meanwhile. (``pq.read_table(path)`` opens a path twice,
    for the schema and for the data, and may fail if a rewrite comes between the two.)"""
    keys = []
    for file in parquet_files(root):
        with file.open("rb") as handle:
            table = pq.ParquetFile(handle).read(columns=["source", "time"])
        sources, times = table.column("source").to_pylist(), table.column("time").to_pylist()
        keys.extend(zip(sources, times, strict=True))
    return keys


def assert_no_row_twice(root: Path) -> None:
    keys = keys_seen_by_a_reader(root)
    assert len(keys) == len(set(keys)), "a reader sees a (source, time) twice"


def segments(root: Path) -> list[Path]:
    return [path for _, path in WriteAheadLog(root / WAL_DIRECTORY).segments()]


# --- (a) one file per source and day ---------------------------------------------------------


def test_many_writes_over_two_days_leave_one_sorted_file_per_day(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    # two days sent in random-ish order of batches, each batch forced to Parquet: six writes a day
    batches = [range(first, first + 240) for first in range(0, 2 * DAY, 240)]
    for batch in batches[1::2] + batches[0::2]:
        for minute in batch:
            assert sink.add("minute", minute_row(minute))
        sink.flush()
        assert_no_row_twice(tmp_path)  # (b) after every rewrite
        assert len(parquet_files(tmp_path)) <= 2
    sink.close()

    assert [f.relative_to(tmp_path).as_posix() for f in parquet_files(tmp_path)] == [
        f"source={MN}/month=2026-02/minutes-2026-02-28.parquet",
        f"source={MN}/month=2026-03/minutes-2026-03-01.parquet",
    ]
    for day, file in enumerate(parquet_files(tmp_path)):
        times = pq.read_table(file).column("time").to_pylist()
        assert times == minutes(DAY, day * DAY)  # every minute once, sorted
    assert len(sink.files) == len(batches)  # twelve rewrites, two files
    assert sink.written_rows == 2 * DAY
    assert segments(tmp_path) == []
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_receiver_with_a_short_max_age_keeps_one_file_per_day(tmp_path: Path) -> None:
    """Over TCP, across midnight, with Parquet written every few packets."""
    packets = [minute_packet(m) for m in range(DAY - 40, DAY + 40)]

    async def scenario() -> ParquetSink:
        sink = ParquetSink(tmp_path, max_age=0.05)
        receiver = Receiver(sink, flush_interval=0.02)
        await receiver.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        for packet in packets:
            writer.write(packet.encode())
            await writer.drain()
            await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
        writer.close()
        await receiver.stop()
        return sink

    sink = asyncio.run(scenario())
    assert len(sink.files) > 2  # several writes per day ...
    assert [f.name for f in parquet_files(tmp_path)] == [  # ... into one file per day
        "minutes-2026-02-28.parquet",
        "minutes-2026-03-01.parquet",
    ]
    assert sorted(t for _, t in keys_seen_by_a_reader(tmp_path)) == minutes(80, DAY - 40)
    assert_no_row_twice(tmp_path)


def test_logger_datasets_get_day_or_month_files(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    for hour in range(48):
        when = START + timedelta(hours=hour)
        sink.add("hourly", {"source": MN, "time": when, "co2_avg": 12.0})
        sink.add("realtime", {"source": MN, "time": when + timedelta(seconds=30), "o2": 5.0})
        sink.flush()
    sink.add("daily", {"source": MN, "time": START, "co2_avg": 12.0})
    sink.close()
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert names == [
        f"logger-daily/source={MN}/month=2026-02/daily-2026-02.parquet",
        f"logger-hourly/source={MN}/month=2026-02/hourly-2026-02.parquet",
        f"logger-hourly/source={MN}/month=2026-03/hourly-2026-03.parquet",
        f"logger-realtime/source={MN}/month=2026-02/realtime-2026-02-28.parquet",
        f"logger-realtime/source={MN}/month=2026-03/realtime-2026-03-01.parquet",
    ]


# --- (b) a reader never sees a row twice -----------------------------------------------------


def test_a_concurrent_reader_never_sees_a_row_twice_nor_loses_one(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    done = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def reader() -> None:
        while not done.is_set():
            try:
                keys = keys_seen_by_a_reader(tmp_path)
            except Exception as error:  # a half-written or vanished file
                problems.append(repr(error))
                return
            if len(keys) != len(set(keys)):
                problems.append(f"duplicates among {len(keys)} rows")
            if seen and len(keys) < seen[-1]:
                problems.append(f"{seen[-1]} rows, then {len(keys)}")
            seen.append(len(keys))

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        for minute in range(300):
            sink.add("minute", minute_row(minute))
            if minute % 10 == 9:
                sink.flush()
    finally:
        done.set()
        watcher.join()
    sink.close()
    assert problems == []
    assert len(seen) > 1
    assert sorted(t for _, t in keys_seen_by_a_reader(tmp_path)) == minutes(300)


def test_a_failed_rewrite_leaves_the_old_day_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = ParquetSink(tmp_path)
    for minute in range(10):
        sink.add("minute", minute_row(minute))
    sink.flush()
    (day_file,) = parquet_files(tmp_path)
    before = day_file.read_bytes()

    def disk_full(table: Any, where: Any, **options: Any) -> None:
        where.write(b"PAR1 half a file")
        raise OSError("disk full (simulated)")

    for minute in range(10, 20):
        sink.add("minute", minute_row(minute))
    with monkeypatch.context() as patched:
        patched.setattr(pq, "write_table", disk_full)
        with pytest.raises(OSError, match="disk full"):
            sink.flush()
    assert parquet_files(tmp_path) == [day_file]
    assert day_file.read_bytes() == before  # the readers' file untouched
    assert not list(tmp_path.rglob("*.tmp"))  # the half-written temporary file removed
    assert sink.buffered == 10  # kept (and logged) for the retry
    sink.close()
    assert pq.read_table(day_file).column("time").to_pylist() == minutes(20)


def test_a_duplicate_found_by_the_merge_is_kept_once_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sink = ParquetSink(tmp_path)
    for minute in range(5):
        sink.add("minute", minute_row(minute))
    sink.flush()
    # past every in-memory check (as a resend older than ``recall`` after a restart would be)
    with caplog.at_level(logging.WARNING, logger="dualcarbon.cems.hj212"):
        sink._write("minute", [{**minute_row(3), "o2": 99.0}, minute_row(5)])
    sink.close()
    (day_file,) = parquet_files(tmp_path)
    rows = pq.read_table(day_file).to_pylist()
    assert [r["time"] for r in rows] == minutes(6)
    assert rows[3]["o2"] == minute_row(3)["o2"]  # the stored row wins
    assert "1 of 2 rows already stored" in caplog.text


# --- (c) crash and replay into an existing day file ------------------------------------------


def test_a_crash_replays_into_the_existing_day_file_exactly_once(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    for minute in range(60):
        sink.add("minute", minute_row(minute))
    sink.flush()  # the day file holds 0..59; the log is empty
    for minute in range(60, 120):
        sink.add("minute", minute_row(minute))
    sink.commit()  # 60..119 acknowledged from the log
    sink._write("minute", [minute_row(m) for m in range(60, 90)])  # cut off before the cleanup
    assert segments(tmp_path)
    del sink  # the crash: no close

    restarted = ParquetSink(tmp_path, recall=0)
    assert restarted.replayed == 30
    (day_file,) = parquet_files(tmp_path)
    assert pq.read_table(day_file).column("time").to_pylist() == minutes(120)
    assert segments(tmp_path) == []
    assert restarted.add("minute", minute_row(100)) is False  # a resend after the restart
    restarted.close()
    assert pq.read_table(day_file).column("time").to_pylist() == minutes(120)


def test_a_replay_skips_rows_in_files_of_other_writers(tmp_path: Path) -> None:
    """A ``part-*`` file of an earlier version (or of the bulk import) in the same month holds
    some logged rows: the replay does not store them again."""
    sink = ParquetSink(tmp_path)
    for minute in range(10):
        sink.add("minute", minute_row(minute))
    sink.commit()
    del sink
    month = tmp_path / f"source={MN}" / "month=2026-02"
    month.mkdir(parents=True)
    legacy = pa.Table.from_pylist([minute_row(m) for m in range(4)], schema=MINUTE_SCHEMA)
    pq.write_table(legacy, month / "part-20260228T000000000000-legacy00.parquet")
    restarted = ParquetSink(tmp_path, recall=0)
    assert restarted.replayed == 6
    assert sorted(t for _, t in keys_seen_by_a_reader(tmp_path)) == minutes(10)
    restarted.close()


# --- (d) one receiver per root ---------------------------------------------------------------


def test_a_second_sink_on_the_same_root_is_refused_until_the_first_closes(
    tmp_path: Path,
) -> None:
    first = ParquetSink(tmp_path)
    with pytest.raises(RootInUseError, match=f"storage root {tmp_path} is in use"):
        ParquetSink(tmp_path)
    other = ParquetSink(tmp_path / "elsewhere")  # another root is free
    other.close()
    first.close()
    second = ParquetSink(tmp_path)  # released by close
    second.close()


def test_a_crashed_sink_leaves_no_stale_lock(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    sink.add("minute", minute_row(0))
    sink.commit()
    del sink  # the process's descriptors go with it, and with them the lock
    restarted = ParquetSink(tmp_path)
    assert restarted.replayed == 1
    restarted.close()


# --- the batch pipeline reads what the receiver wrote ---------------------------------------


def test_the_pipeline_reads_the_day_files_once(tmp_path: Path) -> None:
    """Two hours of the worked example (tests/cems/test_mass.py: 12 % CO2 dry, 1 500 000 m³/h
    at 130 °C, 101.0 kPa, 8 % moisture → 219.737 t CO2/h), stored by the sink in four writes,
    each rewriting the day's file: the pipeline finds 120 minutes, two measured hours and
    2 × 219.737 t, not a row twice."""
    from dualcarbon.cems import pipeline

    sink = ParquetSink(tmp_path)
    steady = {
        "co2": 12.0,
        "o2": 6.0,
        "flow": 1_500_000.0,
        "temperature": 130.0,
        "pressure": 101.0,
        "moisture": 8.0,
    }
    flags = {f"{name}_flag": "N" for name in steady}
    for first in range(0, 120, 30):
        for minute in range(first, first + 30):
            row = {"source": MN, "time": START + timedelta(minutes=minute), **steady, **flags}
            assert sink.add("minute", row)
        sink.flush()
    sink.close()
    assert len(parquet_files(tmp_path)) == 1
    done = pipeline.run(tmp_path)
    assert done.rows["minute"] == 120
    hourly = done.hourly
    assert isinstance(hourly, pa.Table)
    assert hourly.column("status").to_pylist() == ["measured", "measured"]
    annual = done.annual
    assert isinstance(annual, pa.Table)
    assert annual.column("co2_t")[0].as_py() == pytest.approx(2 * 219.737, rel=1e-5)


def test_a_day_file_written_before_the_sent_columns_takes_new_rows(tmp_path: Path) -> None:
    """Issue 14, item 4: files written before the CO2 value as sent was kept (MINUTE_SCHEMA
    only) still take new minutes, which keep theirs; the old rows read null there."""
    day = tmp_path / f"source={MN}" / "month=2026-02" / "minutes-2026-02-28.parquet"
    day.parent.mkdir(parents=True)
    old = pa.Table.from_pylist([minute_row(0)], schema=MINUTE_SCHEMA)
    pq.write_table(old, day)
    sink = ParquetSink(tmp_path)
    sink.add(
        "minute", {**minute_row(1), "co2": 12.0, "co2_sent": 235767.8, "co2_sent_unit": "mg/m3"}
    )
    sink.flush()
    sink.close()
    rows = pq.read_table(day, partitioning=None).to_pylist()
    assert [(r["co2_sent"], r["co2_sent_unit"]) for r in rows] == [
        (None, None),
        (235767.8, "mg/m3"),
    ]
