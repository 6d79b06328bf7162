"""Simulated HJ 212-2017 data loggers against the real receiver on loopback.

Twenty loggers connect at once and each sends a day of minute data (1440 packets, 12:00 to
11:59 across a month end), written in chunks that cut packets anywhere. Some packets carry a
bad CRC (and are then resent correctly, as a logger does when no acknowledgement comes), some
are resent after being acknowledged, one logger splits each minute into two packets (Flag bit
D), one sends without asking for acknowledgements, one mixes garbage and malformed packets
into its stream, and one sends nothing but garbage. Every good packet must be acknowledged as
HJ 212-2017 prescribes (CN=9014, QN echoed, ST=91) and stored exactly once with its values and
flags; every bad one rejected and logged; the others unaffected.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import socket
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212.receiver import Receiver, run
from dualcarbon.cems.hj212.sink import ParquetSink
from dualcarbon.cems.hj212.wal import WAL_DIRECTORY, WriteAheadLog, read_segment
from dualcarbon.cems.schema import STORED_SCHEMA

START = datetime(2026, 1, 31, 12, 0)
MINUTES = 1440
LOGGERS = 20
FLAG_CYCLE = "NNNNNNNNNNNNNNNNNNNCMDSFTB"
# 1 % vol CO2 = 44.01/22.4 × 10⁴ mg/m³ (molar volume 22.4 L/mol, as in HJ 75-2017)
MG_PER_PERCENT = 44.01 / 22.4 * 1e4


def expected_minute(logger: int, minute: int) -> dict[str, Any]:
    """The values a logger measures (schema units) and the flags it sends."""
    return {
        "co2": round(10.0 + (minute % 300) / 100 + logger / 10, 3),
        "o2": round(5.0 + (minute % 70) / 10, 2),
        "flow": round(120.0 + logger + (minute % 50) / 4, 3) * 3600,
        "temperature": round(120.0 + (minute % 40) / 2, 1),
        "gauge": round(-0.5 + (minute % 10) / 100, 3),
        "ambient": 101.3,
        "moisture": round(7.0 + (minute % 30) / 10, 1),
        "flag": FLAG_CYCLE[(minute + logger) % len(FLAG_CYCLE)],
    }


def minute_items(logger: int, minute: int) -> dict[str, dict[str, str]]:
    v = expected_minute(logger, minute)
    flag = v["flag"]
    return {
        "a05001": {"Avg": f"{v['co2'] * MG_PER_PERCENT:.4f}", "Flag": flag},
        "a19001": {"Avg": f"{v['o2']}", "Flag": "N"},
        "a00000": {"Avg": f"{v['flow'] / 3600:.3f}", "Flag": "N"},
        "a01012": {"Avg": f"{v['temperature']}", "Flag": "N"},
        "a01013": {"Avg": f"{v['gauge']}", "Flag": "N"},
        "a01006": {"Avg": f"{v['ambient']}", "Flag": "N"},
        "a01014": {"Avg": f"{v['moisture']}", "Flag": flag},
    }


def mn_of(logger: int) -> str:
    return f"TEST{logger:04d}CEMS"


def qn_of(minute: int, part: int = 0) -> str:
    return f"{START + timedelta(minutes=minute):%Y%m%d%H%M%S}{part:03d}"


def minute_packets(logger: int, flag: int) -> list[hp.Packet]:
    packets = []
    for minute in range(MINUTES):
        items = minute_items(logger, minute)
        when = START + timedelta(minutes=minute)
        common: dict[str, Any] = {"st": "31", "cn": "2051", "pw": "123456", "mn": mn_of(logger)}
        if flag & hp.FLAG_SPLIT:
            first = dict(list(items.items())[:3])
            second = dict(list(items.items())[3:])
            for pno, part in ((1, first), (2, second)):
                cp = hp.build_cp(part, data_time=when)
                packets.append(
                    hp.Packet(**common, cp=cp, qn=qn_of(minute, pno), flag=flag, pnum=2, pno=pno)
                )
        else:
            cp = hp.build_cp(items, data_time=when)
            packets.append(hp.Packet(**common, cp=cp, qn=qn_of(minute), flag=flag))
    return packets


def corrupt(raw: bytes) -> bytes:
    crc = raw[-6:-2]
    return raw[:-6] + (b"0000" if crc != b"0000" else b"1111") + raw[-2:]


class Script:
    """What one logger sends, and what it expects back."""

    def __init__(self) -> None:
        self.stream = bytearray()
        self.acks_expected: list[str] = []  # QNs, in order
        self.rejects: Counter[str] = Counter()

    def good(self, packet: hp.Packet) -> None:
        self.stream += packet.encode()
        if packet.needs_ack:
            assert packet.qn is not None
            self.acks_expected.append(packet.qn)


def script_for(logger: int, rng: random.Random) -> Script:
    script = Script()
    if logger == 19:  # nothing but garbage, including things that look like headers
        for _ in range(200):
            script.stream += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 60)))
            script.stream += rng.choice([b"##", b"##12", b"##x", b"#"])
        return script
    flag = {17: 7, 16: 4}.get(logger, 5)  # 17 splits each minute in two; 16 wants no acks
    for index, packet in enumerate(minute_packets(logger, flag)):
        if index % 97 == 13:  # bad CRC, then the logger resends it (no ack came)
            script.stream += corrupt(packet.encode())
            script.rejects["CRC"] += 1
        script.good(packet)
        if index % 211 == 5:  # ack lost on the way: the logger resends; stored once
            script.good(packet)
        if logger == 18 and index % 120 == 60:  # garbage and malformed packets in between
            script.stream += b"\x00garbage\xff between packets"
            bad_cp = packet.data_segment().replace("DataTime=", "DataTime=x")
            script.stream += hp.frame(bad_cp.encode())
            script.rejects["DataTime"] += 1
            unknown = packet.data_segment().replace("CN=2051", "CN=2999")
            script.stream += hp.frame(unknown.encode())
            script.rejects["CN"] += 1
            script.stream += b"##0013ST=31;CN=2051;CP=&&&&0000\r\n"  # wrong length and CRC
            script.rejects["tail"] += 1  # the length field puts the end past "&&0000"
    return script


async def run_logger(port: int, script: Script, rng: random.Random) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    stream = bytes(script.stream)
    position = 0
    while position < len(stream):
        size = rng.choice([1, 7, 50, 333, 1000, 4096, 20000])
        writer.write(stream[position : position + size])
        position += size
        await writer.drain()
        if rng.random() < 0.05:
            await asyncio.sleep(0)
    received = bytearray()
    want = len(script.acks_expected)
    acks: list[bytes] = []
    decoder = hp.FrameDecoder()
    while len(acks) < want:
        chunk = await asyncio.wait_for(reader.read(65536), 30)
        assert chunk, "receiver closed the connection early"
        received += chunk
        acks.extend(item for item in decoder.feed(chunk) if isinstance(item, bytes))
    # nothing more may come: no ack for a rejected packet
    with pytest.raises(TimeoutError):
        extra = await asyncio.wait_for(reader.read(65536), 0.3)
        if not extra:  # closed by the server: also means nothing more
            raise TimeoutError
    writer.close()
    await writer.wait_closed()
    return acks


async def simulate(root: Path) -> tuple[Receiver, dict[int, Script], dict[int, list[bytes]]]:
    sink = ParquetSink(root, max_rows=5000, max_age=0.5)
    receiver = Receiver(sink, idle_timeout=30, flush_interval=0.05)
    await receiver.start("127.0.0.1", 0)
    scripts = {logger: script_for(logger, random.Random(logger)) for logger in range(LOGGERS)}
    results = await asyncio.gather(
        *(
            run_logger(receiver.port, scripts[logger], random.Random(1000 + logger))
            for logger in range(LOGGERS)
        )
    )
    await receiver.stop()
    return receiver, scripts, dict(enumerate(results))


def read_minutes(root: Path) -> list[dict[str, Any]]:
    files = sorted(root.glob("source=*/month=*/*.parquet"))
    rows: list[dict[str, Any]] = []
    for file in files:
        rows.extend(pq.read_table(file).to_pylist())
    return rows


def logged_minutes(root: Path) -> list[dict[str, Any]]:
    """The minute rows in the receiver's write-ahead log (durable, not yet in Parquet)."""
    return [
        row
        for _, segment in WriteAheadLog(root / WAL_DIRECTORY).segments()
        for dataset, row in read_segment(segment)
        if dataset == "minute"
    ]


def test_twenty_loggers_on_loopback(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="dualcarbon.cems.hj212")
    receiver, scripts, acks = asyncio.run(simulate(tmp_path))

    # every good packet acknowledged as HJ 212-2017 prescribes, and nothing else
    for logger, script in scripts.items():
        got = [hp.parse(raw) for raw in acks[logger]]
        assert [ack.qn for ack in got] == script.acks_expected, logger
        for ack in got:
            assert (ack.st, ack.cn, ack.mn, ack.pw, ack.flag, ack.cp) == (
                "91",
                "9014",
                mn_of(logger),
                "123456",
                4,
                "",
            )
    assert acks[16] == [] and acks[19] == []

    # every bad packet rejected, counted and logged, by the field that failed
    total_rejects: Counter[str] = Counter()
    for script in scripts.values():
        total_rejects.update(script.rejects)
    for field, count in total_rejects.items():
        assert receiver.stats.rejected[field] >= count, field
    assert receiver.stats.rejected["CRC"] == total_rejects["CRC"]
    assert receiver.stats.rejected["DataTime"] == total_rejects["DataTime"]
    assert receiver.stats.rejected["CN"] == total_rejects["CN"]
    # each rejection logged, or counted in a summary once a connection's first ten are logged
    summarised = sum(
        int(count)
        for line in re.findall(r"not logged one by one: (.*)", caplog.text)
        for kind, count in (item.rsplit(" ", 1) for item in line.split(", "))
        if kind != "garbage"
    )
    logged = caplog.text.count("rejected packet from")
    assert logged + summarised == sum(receiver.stats.rejected.values())
    assert logged <= 10 * receiver.stats.connections
    assert "HJ 212 CRC: received" in caplog.text
    assert receiver.stats.garbage_bytes > 0

    # stored exactly once, with the right values and flags, in the partitioned layout
    rows = read_minutes(tmp_path)
    keys = Counter((row["source"], row["time"]) for row in rows)
    assert len(keys) == 19 * MINUTES
    assert set(keys.values()) == {1}
    by_key = {(row["source"], row["time"]): row for row in rows}
    for logger in range(19):
        for minute in range(MINUTES):
            row = by_key[(mn_of(logger), START + timedelta(minutes=minute))]
            v = expected_minute(logger, minute)
            assert row["co2"] == pytest.approx(v["co2"], rel=1e-7)
            assert row["o2"] == pytest.approx(v["o2"])
            assert row["flow"] == pytest.approx(v["flow"], rel=1e-9)
            assert row["temperature"] == pytest.approx(v["temperature"])
            assert row["pressure"] == pytest.approx(v["ambient"] + v["gauge"])
            assert row["moisture"] == pytest.approx(v["moisture"])
            assert (row["co2_flag"], row["moisture_flag"], row["o2_flag"]) == (
                v["flag"],
                v["flag"],
                "N",
            )
    # resent packets (index % 211 == 5; logger 17 sends two packets a minute) stored once
    assert receiver.stats.repeats == sum(
        1
        for logger in range(19)
        for index in range(MINUTES * (2 if logger == 17 else 1))
        if index % 211 == 5
    )

    # the layout: one directory per source and month, no temporary files left
    months = {path.name for path in tmp_path.glob("source=*/month=*")}
    assert months == {"month=2026-01", "month=2026-02"}
    # one file per source and day, although Parquet was written every max_age (0.5 s)
    for directory in tmp_path.glob("source=*"):
        names = sorted(file.name for file in directory.glob("month=*/*.parquet"))
        assert names == ["minutes-2026-01-31.parquet", "minutes-2026-02-01.parquet"], directory
    assert not list(tmp_path.rglob("*.tmp"))
    assert not list(tmp_path.glob(f"source={mn_of(19)}"))
    assert not list((tmp_path / WAL_DIRECTORY).glob("*.wal"))  # all in Parquet: log emptied


def test_files_are_readable_with_duckdb(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    sink = ParquetSink(tmp_path)
    receiver = Receiver(sink)
    for minute in range(90):
        receiver.handle_packet(minute_packets(3, 5)[minute].encode())
    sink.close()
    pattern = str(tmp_path / "source=*" / "month=*" / "*.parquet")
    count, months, mean_co2 = duckdb.sql(
        f"select count(*), count(distinct month), avg(co2) "
        f"from read_parquet('{pattern}', hive_partitioning = true)"
    ).fetchall()[0]
    assert (count, months) == (90, 1)
    assert mean_co2 == pytest.approx(sum(expected_minute(3, m)["co2"] for m in range(90)) / 90)


def hourly_packet(logger: int, hour: int, cn: str = "2061") -> hp.Packet:
    when = START + timedelta(hours=hour)
    items = {
        "a05001": {
            "Cou": "8123.5",
            "Min": f"{11.0 * MG_PER_PERCENT:.3f}",
            "Avg": f"{12.0 * MG_PER_PERCENT:.3f}",
            "Max": f"{13.0 * MG_PER_PERCENT:.3f}",
            "Flag": "N",
        },
        "a00000": {"Cou": "540000", "Min": "140", "Avg": "150", "Max": "160", "Flag": "N"},
        "a01013": {"Avg": "-0.4", "Min": "-0.5", "Max": "-0.3", "Flag": "N"},
    }
    cp = hp.build_cp(items, data_time=when)
    return hp.Packet(
        st="31", cn=cn, pw="123456", mn=mn_of(logger), cp=cp, qn=qn_of(hour * 60), flag=5
    )


def test_hourly_daily_and_realtime_go_to_their_own_datasets(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    receiver = Receiver(sink, ambient_kpa={mn_of(1): 100.0})
    for hour in range(24):
        assert receiver.handle_packet(hourly_packet(1, hour).encode()) is not None
    assert receiver.handle_packet(hourly_packet(1, 0, cn="2031").encode()) is not None
    realtime = hp.Packet(
        st="31",
        cn="2011",
        pw="123456",
        mn=mn_of(1),
        cp=hp.build_cp(
            {"a19001": {"Rtd": "6.5", "Flag": "N"}}, data_time=datetime(2026, 2, 1, 0, 0, 30)
        ),
        qn="20260201000030000",
        flag=4,
    )
    assert receiver.handle_packet(realtime.encode()) is None  # Flag=4: no ack wanted
    sink.close()
    hourly = [
        row
        for file in sorted((tmp_path / "logger-hourly").rglob("*.parquet"))
        for row in pq.read_table(file).to_pylist()
    ]
    assert len(hourly) == 24
    first = min(hourly, key=lambda row: row["time"])
    assert first["time"] == START
    assert first["co2_avg"] == pytest.approx(12.0)
    assert (first["co2_min"], first["co2_max"]) == (pytest.approx(11.0), pytest.approx(13.0))
    assert first["co2_cou"] == 8123.5  # the logger's total, kg, unconverted
    assert first["flow_avg"] == pytest.approx(150 * 3600)
    assert first["flow_cou"] == 540000
    assert first["pressure_avg"] == pytest.approx(99.6)  # configured ambient 100 kPa − 0.4
    assert first["o2_avg"] is None
    daily = [
        row
        for file in (tmp_path / "logger-daily").rglob("*.parquet")
        for row in pq.read_table(file).to_pylist()
    ]
    assert len(daily) == 1
    realtime_rows = [
        row
        for file in (tmp_path / "logger-realtime").rglob("*.parquet")
        for row in pq.read_table(file).to_pylist()
    ]
    assert realtime_rows == [
        {
            **dict.fromkeys(STORED_SCHEMA.names),
            "source": mn_of(1),
            "time": datetime(2026, 2, 1, 0, 0, 30),
            "o2": 6.5,
            "o2_flag": "N",
        }
    ]
    assert not list(tmp_path.glob("source=*"))  # no minute data sent


def test_idle_timeout_oversize_and_a_connection_that_survives(tmp_path: Path) -> None:
    async def scenario() -> tuple[Receiver, bytes, bytes]:
        sink = ParquetSink(tmp_path)
        receiver = Receiver(sink, idle_timeout=0.3)
        await receiver.start("127.0.0.1", 0)
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        good = minute_packets(2, 5)[0]
        writer.write(b"##9999" + b"x" * 2000 + good.encode())
        await writer.drain()
        ack = await asyncio.wait_for(reader.read(1000), 5)
        closed = await asyncio.wait_for(idle_reader.read(100), 5)  # EOF after the idle timeout
        writer.close()
        idle_writer.close()
        await receiver.stop()
        return receiver, ack, closed

    receiver, ack, closed = asyncio.run(scenario())
    assert closed == b""
    assert receiver.stats.idle_closed >= 1
    assert receiver.stats.rejected["length"] == 1  # the oversize header
    assert hp.parse(ack).cn == "9014"
    assert len(read_minutes(tmp_path)) == 1


def test_run_entry_point_flushes_on_stop(tmp_path: Path) -> None:
    """A packet asking for an answer is answered once its minute is in the write-ahead log;
    Parquet waits (max_age 1 h) until the stop writes every minute, answered or not."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def scenario() -> None:
        stop = asyncio.Event()
        server = asyncio.create_task(
            run("127.0.0.1", port, tmp_path, stop=stop, max_age=3600, flush_interval=0.05)
        )
        for _ in range(100):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        first, *rest = minute_packets(4, 5)[:11]
        writer.write(first.encode())
        await writer.drain()
        await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)
        # answered: durable in the write-ahead log; Parquet waits for max_age or the stop
        # (it used to be written for every answer, one small file per packet)
        assert len(logged_minutes(tmp_path)) == 1
        assert len(read_minutes(tmp_path)) == 0
        for packet in rest:
            writer.write(replace(packet, flag=4).encode())  # no answer wanted
        await writer.drain()
        await asyncio.sleep(0.3)
        assert len(read_minutes(tmp_path)) == 0  # still buffered (and logged)
        assert len(logged_minutes(tmp_path)) == 11
        stop.set()
        stats = await server
        assert stats.stored == 11
        writer.close()

    asyncio.run(scenario())
    assert len(read_minutes(tmp_path)) == 11


def test_logger_datasets_can_live_outside_the_minute_root(tmp_path: Path) -> None:
    minute_root, logger_root = tmp_path / "minute", tmp_path / "logger"
    sink = ParquetSink(minute_root, logger_root=logger_root)
    receiver = Receiver(sink)
    receiver.handle_packet(minute_packets(5, 4)[0].encode())
    receiver.handle_packet(hourly_packet(5, 0).encode())
    sink.close()
    assert [p.relative_to(minute_root).parts[0] for p in minute_root.rglob("*.parquet")] == [
        f"source={mn_of(5)}"
    ]
    assert len(list((logger_root / "logger-hourly").rglob("*.parquet"))) == 1
