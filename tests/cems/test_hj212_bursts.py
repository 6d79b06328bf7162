"""The HJ 212 receiver under bursts and bad input (issue 12: "the HJ 212 receiver under
bursts").

* Back-pressure and fairness: a logger resending a large backlog at once beside loggers that
  send one packet and wait for its answer. Every connection gets every answer, in order; every
  row is stored once; the queue of packets held per connection stays bounded, because reading
  from a connection whose queue is full is paused (TCP flow control then holds the logger).
  Properties only, never latencies (benchmarks/hj212_receiver.py measures those).
* A stream of ``##xx#`` garbage costs a bounded number of log lines (it wrote one line per bad
  header: 7.46 M lines for 40 MB) and does not keep another logger from its answers.
* The bulk import's rules at intake: −300 °C, 150 % moisture, negative CO2, 3.6e15 m³/h and
  minutes stamped at :30 are stored as invalid with the rule, never as valid minutes.
* A logger without ambient pressure: warned about, once, and listed by ``missing()``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from dualcarbon.cems import rules
from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212 import receiver as receiver_module
from dualcarbon.cems.hj212.receiver import Receiver
from dualcarbon.cems.hj212.sink import ParquetSink
from dualcarbon.cems.intake import ImportSpec, import_files
from dualcarbon.cli.main import app
from dualcarbon.errors import InputError

START = datetime(2026, 4, 1, 0, 0)
MG_PER_PERCENT = 44.01 / 22.4 * 1e4


def items(
    *,
    co2: float = 12.0,
    temperature: float = 130.0,
    moisture: float = 8.0,
    flow_m3s: float = 150.0,
    ambient: float | None = 101.3,
) -> dict[str, dict[str, str]]:
    found = {
        "a05001": {"Avg": f"{co2 * MG_PER_PERCENT:.4f}", "Flag": "N"},
        "a19001": {"Avg": "6.0", "Flag": "N"},
        "a00000": {"Avg": f"{flow_m3s}", "Flag": "N"},
        "a01012": {"Avg": f"{temperature}", "Flag": "N"},
        "a01013": {"Avg": "-0.3", "Flag": "N"},
        "a01014": {"Avg": f"{moisture}", "Flag": "N"},
    }
    if ambient is not None:
        found["a01006"] = {"Avg": f"{ambient}", "Flag": "N"}
    return found


def packet(mn: str, when: datetime, **values: Any) -> hp.Packet:
    return hp.Packet(
        st="31",
        cn="2051",
        pw="123456",
        mn=mn,
        cp=hp.build_cp(items(**values), data_time=when),
        qn=f"{when:%Y%m%d%H%M%S}000",
        flag=5,
    )


def rows_of(root: Path, pattern: str) -> list[dict[str, Any]]:
    return [
        row
        for file in sorted(root.glob(pattern))
        for row in pq.read_table(file, partitioning=None).to_pylist()
    ]


async def read_answers(reader: asyncio.StreamReader, count: int) -> list[str | None]:
    return [
        hp.parse(await asyncio.wait_for(reader.readuntil(b"\r\n"), 30)).qn for _ in range(count)
    ]


# --- back-pressure and fairness ---------------------------------------------------------------

BACKLOG = 3000
"""Minutes the resending logger sends at once (about 1 MB)."""
PATIENT = 15
"""Loggers that send one minute and wait for its answer."""
EACH = 20


def test_a_backlog_burst_is_held_back_and_no_connection_starves(tmp_path: Path) -> None:
    async def patient_logger(port: int, mn: str) -> list[str | None]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        answers = []
        for minute in range(EACH):
            writer.write(packet(mn, START + timedelta(minutes=minute)).encode())
            await writer.drain()
            answers += await read_answers(reader, 1)
        writer.close()
        return answers

    async def resending_logger(port: int) -> list[str | None]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        backlog = b"".join(
            packet("BACKLOG", START + timedelta(minutes=m)).encode() for m in range(BACKLOG)
        )
        writer.write(backlog)  # all at once, as after an outage
        answers = await read_answers(reader, BACKLOG)
        await writer.drain()
        writer.close()
        return answers

    async def scenario() -> tuple[Receiver, list[list[str | None]]]:
        sink = ParquetSink(tmp_path, max_age=3600)
        receiver = Receiver(sink, flush_interval=0.05, max_queue=16, batch=4)
        await receiver.start("127.0.0.1", 0)
        answers = await asyncio.gather(
            resending_logger(receiver.port),
            *(patient_logger(receiver.port, f"PATIENT{i:02d}") for i in range(PATIENT)),
        )
        await receiver.stop()
        return receiver, answers

    receiver, answers = asyncio.run(scenario())
    qns = [f"{START + timedelta(minutes=m):%Y%m%d%H%M%S}000" for m in range(BACKLOG)]
    # every connection answered, every packet, in packet order
    assert answers[0] == qns
    for got in answers[1:]:
        assert got == qns[:EACH]
    # every row stored exactly once
    keys = Counter((row["source"], row["time"]) for row in rows_of(tmp_path, "source=*/*/*"))
    assert len(keys) == BACKLOG + PATIENT * EACH and set(keys.values()) == {1}
    # the burst was held back by pausing its reads; what one connection holds stays bounded:
    # the queue (16) plus the packets of one read (asyncio reads at most 256 KiB at a time)
    assert receiver.stats.paused > 0
    per_read = 256 * 1024 // len(packet("BACKLOG", START).encode()) + 1
    assert receiver.stats.max_queued <= 16 + per_read
    assert receiver.stats.acks == BACKLOG + PATIENT * EACH


# --- garbage ----------------------------------------------------------------------------------

GARBAGE = b"##xx#" * 100_000  # 500 kB, 100 000 bad headers


def test_garbage_costs_a_bounded_number_of_log_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dualcarbon.cems.hj212")

    async def scenario() -> tuple[Receiver, list[str | None], list[str | None]]:
        # one summary interval for the whole test, however slow the machine
        receiver = Receiver(
            ParquetSink(tmp_path, max_age=3600), flush_interval=0.05, warn_interval=3600
        )
        await receiver.start("127.0.0.1", 0)
        bad_reader, bad = await asyncio.open_connection("127.0.0.1", receiver.port)
        good_reader, good = await asyncio.open_connection("127.0.0.1", receiver.port)
        bad.write(GARBAGE + packet("AFTERJUNK", START).encode())
        for minute in range(20):
            good.write(packet("GOOD", START + timedelta(minutes=minute)).encode())
        await asyncio.gather(bad.drain(), good.drain())
        after_junk = await read_answers(bad_reader, 1)
        good_answers = await read_answers(good_reader, 20)
        bad.close()
        good.close()
        await receiver.stop()
        return receiver, after_junk, good_answers

    receiver, after_junk, good_answers = asyncio.run(scenario())
    assert after_junk == [f"{START:%Y%m%d%H%M%S}000"]  # the decoder found its way back
    assert len(good_answers) == 20
    assert receiver.stats.rejected["length"] == 100_000  # every bad header counted ...
    assert receiver.stats.max_queued <= 20  # ... at once, never queued (the good packets are)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    # ... but at most the first ten lines per connection, the notice that the rest are
    # counted, and the summary when the connection closes (was: one line per bad header)
    assert len(warnings) <= 10 + 1 + 1 + 1  # + the status line at the stop
    summary = [r.getMessage() for r in warnings if "not logged one by one" in r.getMessage()]
    assert len(summary) == 1
    counted = dict(item.rsplit(" ", 1) for item in summary[0].split(": ")[-1].split(", "))
    logged = sum(1 for r in warnings if "rejected packet" in r.getMessage())
    assert int(counted["length"]) + logged == 100_000


# --- the bulk import's rules at intake --------------------------------------------------------


def test_values_and_times_the_bulk_import_refuses_are_stored_invalid(tmp_path: Path) -> None:
    receiver = Receiver(ParquetSink(tmp_path))
    cases = {
        0: {"temperature": -300.0},
        1: {"moisture": 150.0},
        2: {"co2": -1.0},
        3: {"flow_m3s": 1e12},  # 3.6e15 m³/h
    }
    for minute, values in cases.items():
        assert receiver.handle_packet(packet("BAD", START + timedelta(minutes=minute), **values)
                                      .encode()) is not None  # fmt: skip
    # 30 distinct minutes, each sent at :00 and again at :30
    for minute in range(30):
        when = START + timedelta(hours=1, minutes=minute)
        for second in (0, 30):
            raw = packet("HALF", when + timedelta(seconds=second)).encode()
            assert receiver.handle_packet(raw) is not None  # stored and answered
    receiver.sink.close()

    minutes = {(r["source"], r["time"]): r for r in rows_of(tmp_path, "source=*/*/*")}
    invalid = rows_of(tmp_path, "logger-invalid/minute/source=*/*/*")
    # the 30 minutes count once each; the :30 copies are kept apart with their rule
    assert sum(1 for source, _ in minutes if source == "HALF") == 30
    halves = [r for r in invalid if r["source"] == "HALF"]
    assert len(halves) == 30 and all(r["time"].second == 30 for r in halves)
    assert {r["reasons"] for r in halves} == {f"time: {rules.WHOLE_MINUTE}"}
    # a value out of range is null (with its flag) among the minutes, the rest of the packet kept
    for minute, column in enumerate(("temperature", "moisture", "co2", "flow")):
        row = minutes[("BAD", START + timedelta(minutes=minute))]
        assert row[column] is None and row[f"{column}_flag"] is None
        assert row["o2"] == 6.0 and row["o2_flag"] == "N"
    by_time = {r["time"]: r for r in invalid if r["source"] == "BAD"}
    expected = {0: ("temperature", -300.0), 1: ("moisture", 150.0), 2: ("co2", -1.0),
                3: ("flow", 3.6e15)}  # fmt: skip
    for minute, (column, value) in expected.items():
        kept = by_time[START + timedelta(minutes=minute)]
        assert kept[column] == pytest.approx(value) and kept[f"{column}_flag"] == "N"
        assert kept["reasons"] == f"{column}: {rules.range_rule(column)}"
    assert receiver.stats.invalid == Counter(
        {"temperature": 1, "moisture": 1, "co2": 1, "flow": 1, "time": 30}
    )

    # one rule set: the bulk import refuses the same values with the same words
    table = pa.table(
        {
            "source": ["BAD"] * 5,
            "time": ["2026-04-01 00:00:00", "2026-04-01 00:01:00", "2026-04-01 00:02:00",
                     "2026-04-01 00:03:00", "2026-04-01 00:04:30"],
            "co2": ["12", "12", "-1", "12", "12"],
            "temperature": ["-300", "130", "130", "130", "130"],
            "moisture": ["8", "150", "8", "8", "8"],
            "flow": ["540000", "540000", "540000", "3.6e15", "540000"],
        }
    )  # fmt: skip
    source = tmp_path / "import.parquet"
    pq.write_table(table, source)
    with pytest.raises(InputError) as caught:
        import_files(source, tmp_path / "imported", ImportSpec())
    refused = {(p.row, p.field, p.rule) for p in caught.value.problems}
    assert refused == {
        (1, "temperature", rules.range_rule("temperature")),
        (2, "moisture", rules.range_rule("moisture")),
        (3, "co2", rules.range_rule("co2")),
        (4, "flow", rules.range_rule("flow")),
        (5, "time", rules.WHOLE_MINUTE),
    }


def test_a_repeat_of_an_invalid_packet_is_stored_once(tmp_path: Path) -> None:
    receiver = Receiver(ParquetSink(tmp_path))
    for _ in range(2):
        receiver.handle_packet(packet("BAD", START, temperature=-300.0).encode())
        receiver.handle_packet(packet("BAD", START + timedelta(seconds=30)).encode())
    receiver.sink.close()
    assert (receiver.stats.stored, receiver.stats.repeats) == (2, 2)
    assert len(rows_of(tmp_path, "source=*/*/*")) == 1
    assert len(rows_of(tmp_path, "logger-invalid/minute/source=*/*/*")) == 2


# --- a required parameter that never arrives --------------------------------------------------


def test_a_logger_without_ambient_pressure_is_warned_about_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="dualcarbon.cems.hj212")
    receiver = Receiver(ParquetSink(tmp_path), missing_after=10)
    for minute in range(30):
        raw = packet("NOAMBIENT", START + timedelta(minutes=minute), ambient=None).encode()
        assert receiver.handle_packet(raw) is not None  # stored and answered all the same
    assert receiver.missing() == {"NOAMBIENT": ["pressure"]}
    lines = [r.getMessage() for r in caplog.records if "no pressure" in r.getMessage()]
    assert len(lines) == 1 and "--ambient-kpa" in lines[0] and "NOAMBIENT" in lines[0]
    receiver.sink.close()

    # with the ambient pressure configured, the absolute pressure is stored and nothing missing
    configured = Receiver(ParquetSink(tmp_path / "configured"), ambient_kpa=101.0)
    for minute in range(30):
        raw = packet("NOAMBIENT", START + timedelta(minutes=minute), ambient=None).encode()
        configured.handle_packet(raw)
    assert configured.missing() == {}
    configured.sink.close()
    pressures = [r["pressure"] for r in rows_of(tmp_path / "configured", "source=*/*/*")]
    assert pressures == [pytest.approx(100.7)] * 30


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the blocking server by a recorder of its arguments."""
    calls: list[dict[str, Any]] = []

    def fake_serve(host: str, port: int, root: Path, **options: Any) -> None:
        calls.append({"host": host, "port": port, "root": root, **options})

    monkeypatch.setattr(receiver_module, "serve", fake_serve)
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    return calls


def test_cli_takes_the_ambient_pressure_and_a_code_table(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    table = tmp_path / "codes.yaml"
    table.write_text(
        "codes:\n  a05001: {column: co2, unit: '%'}\n  a01013: {column: pressure, unit: kPa, "
        "basis: gauge}\n",
        encoding="utf-8",
    )
    root = str(tmp_path / "r")
    out = CliRunner().invoke(
        app, ["cems", "receive", "--root", root, "--ambient-kpa", "101.3", "--codes", str(table)]
    )
    assert out.exit_code == 0, out.output
    [call] = served
    assert call["ambient_kpa"] == 101.3
    assert call["codes"].codes["a05001"].factor == 1.0  # % vol as sent, from the file
    assert sorted(call["codes"].codes) == ["a01013", "a05001"]

    per_logger = ["--ambient-kpa", "A01=100.5", "--ambient-kpa", "B02=99"]
    out = CliRunner().invoke(app, ["cems", "receive", "--root", root, *per_logger])
    assert out.exit_code == 0, out.output
    assert served[1]["ambient_kpa"] == {"A01": 100.5, "B02": 99.0}

    out = CliRunner().invoke(app, ["cems", "receive", "--root", root])
    assert served[2]["ambient_kpa"] is None and "no --ambient-kpa" in " ".join(out.output.split())


@pytest.mark.parametrize("value", ["abc", "1013", "A01=", "=100"])
def test_cli_refuses_a_bad_ambient_pressure(
    tmp_path: Path, served: list[dict[str, Any]], value: str
) -> None:
    out = CliRunner().invoke(
        app, ["cems", "receive", "--root", str(tmp_path / "r"), "--ambient-kpa", value]
    )
    assert out.exit_code == 2 and "--ambient-kpa" in out.output
    assert served == []


def test_cli_refuses_a_bad_code_table(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    table = tmp_path / "codes.yaml"
    table.write_text("codes:\n  a05001: {column: co2, unit: furlong}\n", encoding="utf-8")
    out = CliRunner().invoke(
        app, ["cems", "receive", "--root", str(tmp_path / "r"), "--codes", str(table)]
    )
    assert out.exit_code == 1 and "a05001" in "".join(out.output.split())
    assert served == []


def test_the_pipeline_never_measures_a_negative_hour_from_received_data(tmp_path: Path) -> None:
    """Two hours through the receiver: one good, one with a negative CO2 in every minute. The
    second was reported as a "measured" hour of −0.036 t; its CO2 is now invalid, so the hour
    is not measured and no hour has a negative mass."""
    from dualcarbon.cems import pipeline

    receiver = Receiver(ParquetSink(tmp_path))
    for minute in range(120):
        co2 = 12.0 if minute < 60 else -0.5
        receiver.handle_packet(packet("NEG", START + timedelta(minutes=minute), co2=co2).encode())
    receiver.sink.close()
    hourly = pipeline.run(tmp_path).hourly
    assert isinstance(hourly, pa.Table)
    hours = {row["hour"]: row for row in hourly.to_pylist()}
    first, second = hours[START], hours[START + timedelta(hours=1)]
    assert first["status"] == "measured" and first["co2_t"] > 0
    assert second["status"] != "measured"
    assert all(row["co2_t"] is None or row["co2_t"] >= 0 for row in hours.values())


def test_a_failing_packet_costs_its_connection_not_the_receiver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One task serves every connection: an unexpected error while handling one packet closes
    that connection (its logger resends) and the others go on being answered."""

    async def scenario() -> tuple[list[str | None], bool]:
        receiver = Receiver(ParquetSink(tmp_path, max_age=3600), flush_interval=0.05)
        original = receiver.handle_packet

        def handle(raw: bytes, *args: Any) -> bytes | None:
            if b"MN=BROKEN" in raw:
                raise RuntimeError("a bug")
            return original(raw, *args)

        monkeypatch.setattr(receiver, "handle_packet", handle)
        await receiver.start("127.0.0.1", 0)
        broken_reader, broken = await asyncio.open_connection("127.0.0.1", receiver.port)
        broken.write(packet("BROKEN", START).encode())
        await broken.drain()
        closed = await asyncio.wait_for(broken_reader.read(), 10) == b""
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(packet("HEALTHY", START).encode())
        await writer.drain()
        answers = await read_answers(reader, 1)
        writer.close()
        await receiver.stop()
        return answers, closed

    answers, closed = asyncio.run(scenario())
    assert closed and answers == [f"{START:%Y%m%d%H%M%S}000"]


def test_a_logger_that_never_reads_its_answers_is_held_back(tmp_path: Path) -> None:
    """Answers a logger does not read would pile up in the receiver's memory: once its
    transport's write buffer is over the high-water mark, reading from it pauses too."""

    async def scenario() -> tuple[Receiver, list[str | None]]:
        receiver = Receiver(ParquetSink(tmp_path, max_age=3600), flush_interval=0.02)
        await receiver.start("127.0.0.1", 0)
        _, deaf = await asyncio.open_connection("127.0.0.1", receiver.port)
        deaf.transport.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_RCVBUF, 4096
        )
        deaf.transport.pause_reading()  # never reads its answers
        while not receiver._connections:
            await asyncio.sleep(0.01)
        # a small kernel buffer and a small high-water mark (64 KiB by default), so that the
        # answers reach the mark soon (loopback's kernel buffers would hold megabytes first)
        [ours] = receiver._connections
        ours.transport.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
        )
        ours.transport.set_write_buffer_limits(high=4096)
        backlog = b"".join(
            packet("DEAF", START + timedelta(minutes=m)).encode() for m in range(5_000)
        )
        deaf.write(backlog)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        for minute in range(5):
            writer.write(packet("OTHER", START + timedelta(minutes=minute)).encode())
        answers = await read_answers(reader, 5)
        for _ in range(600):  # 30 s at most  # until the deaf logger's answers fill the buffers
            if any(c.unread for c in receiver._connections):
                break
            await asyncio.sleep(0.05)
        held = [c for c in receiver._connections if c.unread]
        assert held and held[0].paused
        # what is held for it stays bounded: no more is read while its answers are unread
        for _ in range(600):  # 30 s at most
            if not held[0].inbox:
                break
            await asyncio.sleep(0.05)
        accepted = receiver.stats.accepted
        await asyncio.sleep(0.5)
        assert receiver.stats.accepted == accepted
        deaf.transport.abort()
        writer.close()
        await receiver.stop()
        return receiver, answers

    receiver, answers = asyncio.run(scenario())
    assert len(answers) == 5
    assert receiver.stats.accepted < 5_000 + 5  # the rest never read: held back by TCP
