"""Benchmark: the HJ 212 receiver under bursts, against the previous implementation.

N simulated data loggers (default 200) connect over loopback and send HJ 212-2017 minute
packets (CN=2051, Flag=5: acknowledgement wanted, 7 codes, about 320 bytes) at an offered rate
that is stepped up (default 1 000 → 16 000 packets/s in all). For each step it reports the
offered and the sent rate, the throughput (answers per second, from the step's start to its
last answer), the p50/p99/max time from a
packet's send to its answer, the fairness of the answers over the connections (Jain's index,
and the fewest answers a connection got beside the median) and what was still unanswered after
the step's drain. It runs the receiver of this tree (``new``) and the one of ``--baseline REF``
(default: the commit before the rework; its ``src`` is taken with ``git archive`` into a
temporary directory and run from there) in the same run, on the same packets, and prints the
ratios.

The load average of the machine at the start of each step is shown: the machine's other
work stretches every time (run on a quiet machine; compare the two implementations only within
one run).

How it measures. The receiver runs in a process of its own (its own core on a 2-core machine);
the loggers in another, asyncio, each with a 16 KiB send buffer (an embedded logger's is small)
and a user-space write buffer of 0, so that a packet counts as sent once the kernel holds it:
when the receiver stops reading, TCP's window closes, the logger's writes wait, and the
waiting is not counted as answer time (a logger keeps unsent data in its own store). The sent
rate then falls below the offered one: that is back-pressure. Every logger sends the packets
due each 50 ms, in writes of at most 16 packets. After each step the loggers stop sending and
the benchmark waits (at most ``--drain`` seconds) for the answers still owed. At the end the
receiver is stopped and the rows on disk are counted: each (source, minute) sent must be
stored exactly once.

    .venv/bin/python benchmarks/hj212_receiver.py [--loggers 200] [--rates 1000,2000,...]
        [--step 6] [--drain 15] [--baseline REF] [--only new|baseline] [--json PATH]

Bounded in time: about (steps × (step + drain)) per implementation; a step whose answers stall
(the baseline beyond saturation) costs at most ``--drain`` seconds more, and an implementation
whose answers are still owed after the drain is not taken to higher rates. Without ``--json`` the
results go to ``benchmarks/results/hj212_receiver.json`` (``--json ''``: nowhere).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
REPO = HERE.parent
RESULTS = HERE / "results"
BASELINE = "98ee72e"
"""The last commit before the receiver was reworked for bursts (issue 12)."""
START = datetime(2026, 5, 1, 0, 0)
TICK = 0.05
SEND_BUFFER = 16384
"""[byte] each logger's SO_SNDBUF (Linux doubles it): what a logger's kernel holds counts as
sent, so this bounds the part of the answer time spent before the receiver."""
CHUNK = 16

SERVER = r"""
import asyncio, json, sys
from dualcarbon.cems.hj212.receiver import Receiver
from dualcarbon.cems.hj212.sink import ParquetSink

async def main(root):
    receiver = Receiver(ParquetSink(root))
    await receiver.start("127.0.0.1", 0)
    print(receiver.port, receiver.flush_interval, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await receiver.stop()
    s = receiver.stats
    print(json.dumps({"accepted": s.accepted, "stored": s.stored, "acks": s.acks,
                      "repeats": s.repeats}), flush=True)

asyncio.run(main(sys.argv[1]))
"""


# --- the loggers (run in their own process: --client) ----------------------------------------


def build_packets(loggers: int, counts: list[int]) -> list[list[bytes]]:
    from dualcarbon.cems.hj212 import packet as hp

    out = []
    for logger in range(loggers):
        mine = []
        for index in range(counts[logger]):
            when = START + timedelta(minutes=index)
            items = {
                "a05001": {"Avg": f"{235000 + index % 977:.1f}", "Flag": "N"},
                "a19001": {"Avg": f"{6 + index % 13 / 10:.1f}", "Flag": "N"},
                "a00000": {"Avg": f"{120 + logger % 50:.2f}", "Flag": "N"},
                "a01012": {"Avg": f"{128 + index % 7:.1f}", "Flag": "N"},
                "a01013": {"Avg": "-0.40", "Flag": "N"},
                "a01006": {"Avg": "101.3", "Flag": "N"},
                "a01014": {"Avg": f"{7 + index % 5 / 10:.1f}", "Flag": "N"},
            }
            packet = hp.Packet(
                st="31",
                cn="2051",
                pw="123456",
                mn=f"BENCH{logger:04d}",
                cp=hp.build_cp(items, data_time=when),
                qn=f"{when:%Y%m%d%H%M%S}000",
                flag=5,
            )
            mine.append(packet.encode())
        out.append(mine)
    return out


class _Logger(asyncio.Protocol):
    def __init__(self) -> None:
        self.sent: deque[list[float]] = deque()
        self.answers: list[tuple[float, float]] = []  # (arrival, latency)
        self.buffer = b""
        self.can_write = asyncio.Event()
        self.can_write.set()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        transport.set_write_buffer_limits(high=0)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buffer += data
        count = self.buffer.count(b"\r\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n") + 2 :]
            for _ in range(count):
                sent = self.sent.popleft()
                self.answers.append((now, now - sent[0]))

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()


async def _send(proto: _Logger, packets: list[bytes]) -> None:
    assert proto.transport is not None
    for begin in range(0, len(packets), CHUNK):
        chunk = packets[begin : begin + CHUNK]
        stamps = [[time.perf_counter()] for _ in chunk]
        proto.sent.extend(stamps)
        proto.transport.write(b"".join(chunk))
        if not proto.can_write.is_set():
            await proto.can_write.wait()  # the kernel is full: TCP back-pressure
            now = time.perf_counter()
            for stamp in stamps:
                stamp[0] = max(stamp[0], now)  # sent once the kernel took it


async def _run_logger(
    proto: _Logger,
    packets: list[bytes],
    offset: float,
    each: float,
    begin: float,
    step: float,
    index: int,
    sent: list[int],
    cursor: list[int],
) -> None:
    """One logger during one step: every TICK, the packets due at ``each`` per second (the
    loggers spread over the tick by ``offset``)."""
    while True:
        now = time.perf_counter()
        if now - begin >= step:
            return
        due = min(int((now - begin + offset) * each) - sent[index], 10_000)
        if due > 0:
            start = cursor[index]
            await _send(proto, packets[start : start + due])
            cursor[index] += due
            sent[index] += due
        await asyncio.sleep(TICK)


async def client(port: int, loggers: int, rates: list[float], step: float, drain: float) -> Any:
    per_logger = [int(rate / loggers * step) + 2 for rate in rates] + [1]
    packets = build_packets(loggers, [sum(per_logger)] * loggers)
    loop = asyncio.get_running_loop()
    protos: list[_Logger] = []
    for _ in range(loggers):
        _, proto = await loop.create_connection(_Logger, "127.0.0.1", port)
        protos.append(proto)
    # warm-up, not measured: one packet per logger, answered (connections, imports, the log)
    for proto, mine in zip(protos, packets, strict=True):
        await _send(proto, mine[:1])
    while any(p.sent for p in protos):
        await asyncio.sleep(0.05)
    steps = []
    cursor = [1] * loggers
    for rate in rates:
        each = rate / loggers
        load = os.getloadavg()[0]
        begin = time.perf_counter()
        sent = [0] * loggers
        first_answer = [len(p.answers) for p in protos]  # the step's answers come after these

        await asyncio.gather(
            *(
                _run_logger(protos[i], packets[i], i / loggers * TICK, each, begin, step, i,
                            sent, cursor)
                for i in range(loggers)
            )
        )  # fmt: skip
        sending_end = time.perf_counter()
        deadline = sending_end + drain
        while any(p.sent for p in protos) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        end = time.perf_counter()
        window = [p.answers[first_answer[i] :] for i, p in enumerate(protos)]
        latencies = sorted(lat for answers in window for _, lat in answers)
        in_step = [sum(1 for t, _ in answers if t <= sending_end) for answers in window]
        total = sum(len(a) for a in window)
        last = max((t for answers in window for t, _ in answers), default=end)
        steps.append(
            {
                "offered": rate,
                "load_average": load,
                "sent_per_s": sum(sent) / step,
                "answers": total,
                # answers over the time from the step's start to its last answer (the drain
                # included): what the receiver handled, however late the answers came
                "throughput_per_s": total / max(last - begin, 1e-9),
                "in_step_per_s": sum(in_step) / step,
                "p50_s": _quantile(latencies, 0.50),
                "p99_s": _quantile(latencies, 0.99),
                "max_s": latencies[-1] if latencies else None,
                "unanswered": sum(len(p.sent) for p in protos),
                "jain": _jain(in_step),
                "fewest_vs_median": min(in_step) / max(statistics.median(in_step), 1),
                "starved": sum(1 for n, s in zip(in_step, sent, strict=True) if s and not n),
            }
        )
        if any(p.sent for p in protos):
            break  # answers stalled beyond the drain: higher rates only stall longer
    for proto in protos:
        assert proto.transport is not None
        proto.transport.close()
    return {"steps": steps, "sent": cursor}


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(q * len(values)))]


def _jain(values: list[int]) -> float:
    square = sum(v * v for v in values)
    return (sum(values) ** 2) / (len(values) * square) if square else 1.0


# --- the driver -------------------------------------------------------------------------------


def _source_tree(name: str, ref: str | None, scratch: Path) -> Path:
    if ref is None:
        return REPO / "src"
    target = scratch / name
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def run_one(name: str, src: Path, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    root = scratch / f"root-{name}"
    env = {**os.environ, "PYTHONPATH": str(src)}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        port_text, flush_interval = server.stdout.readline().split()
        load = subprocess.run(
            [sys.executable, __file__, "--client", port_text, "--loggers", str(args.loggers),
             "--rates", args.rates, "--step", str(args.step), "--drain", str(args.drain)],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
            timeout=len(args.rates.split(",")) * (args.step + args.drain + 60) + 120,
        )  # fmt: skip
        if load.returncode:
            raise RuntimeError(load.stderr[-3000:])
        result = json.loads(load.stdout)
        server.stdin.write("stop\n")
        server.stdin.flush()
        stats = json.loads(server.stdout.readline())
        server.wait(timeout=300)
    finally:
        if server.poll() is None:
            server.kill()
    result["server"] = stats
    result["flush_interval"] = float(flush_interval)
    result["rows"] = _count_rows(root, result["sent"])
    shutil.rmtree(root, ignore_errors=True)
    return result


def _count_rows(root: Path, sent: list[int]) -> dict[str, int]:
    import pyarrow.parquet as pq

    keys: dict[tuple[str, Any], int] = {}
    for file in root.glob("source=*/month=*/*.parquet"):
        table = pq.read_table(file, columns=["source", "time"], partitioning=None)
        for source, when in zip(
            table.column("source").to_pylist(), table.column("time").to_pylist(), strict=True
        ):
            keys[(source, when)] = keys.get((source, when), 0) + 1
    return {
        "sent_distinct": sum(sent),
        "stored_distinct": len(keys),
        "duplicated": sum(1 for n in keys.values() if n > 1),
    }


def _show(name: str, result: dict[str, Any]) -> None:
    print(f"\n{name}: flush_interval {result['flush_interval']} s; rows {result['rows']}")
    print(
        f"{'offered/s':>10} {'sent/s':>8} {'answers/s':>9} {'p50 s':>7} {'p99 s':>7} "
        f"{'max s':>7} {'jain':>5} {'min/med':>7} {'starved':>7} {'unanswered':>10} {'load':>5}"
    )
    for s in result["steps"]:
        print(
            f"{s['offered']:>10.0f} {s['sent_per_s']:>8.0f} {s['throughput_per_s']:>9.0f} "
            f"{_f(s['p50_s'])} {_f(s['p99_s'])} {_f(s['max_s'])} {s['jain']:>5.2f} "
            f"{s['fewest_vs_median']:>7.2f} {s['starved']:>7d} {s['unanswered']:>10d} "
            f"{s['load_average']:>5.1f}"
        )


def _f(value: float | None) -> str:
    return f"{'-':>7}" if value is None else f"{value:>7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loggers", type=int, default=200)
    parser.add_argument("--rates", default="1000,2000,4000,8000,12000,16000")
    parser.add_argument("--step", type=float, default=6.0)
    parser.add_argument("--drain", type=float, default=15.0)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--only", choices=["new", "baseline"])
    parser.add_argument("--json", default=str(RESULTS / "hj212_receiver.json"))
    parser.add_argument("--client", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    if args.client is not None:
        out = asyncio.run(client(args.client, args.loggers, rates, args.step, args.drain))
        print(json.dumps(out))
        return
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "loggers": args.loggers,
        "step_s": args.step,
        "baseline_ref": args.baseline,
    }
    with tempfile.TemporaryDirectory(prefix="hj212-bench-") as temporary:
        scratch = Path(temporary)
        for name, ref in (("baseline", args.baseline), ("new", None)):
            if args.only not in (None, name):
                continue
            results[name] = run_one(name, _source_tree(name, ref, scratch), args, scratch)
            _show(name, results[name])
    if "new" in results and "baseline" in results:
        best = {n: max(s["throughput_per_s"] for s in results[n]["steps"]) for n in
                ("new", "baseline")}  # fmt: skip
        results["ratio_saturated_throughput"] = best["new"] / best["baseline"]
        print(
            f"\nsaturated throughput: new {best['new']:.0f}/s, baseline {best['baseline']:.0f}/s,"
            f" ratio {results['ratio_saturated_throughput']:.2f}"
        )
        for new, old in zip(results["new"]["steps"], results["baseline"]["steps"], strict=False):
            if new["p99_s"] and old["p99_s"]:
                print(
                    f"at {new['offered']:.0f}/s offered: p99 {new['p99_s']:.2f} s vs "
                    f"{old['p99_s']:.2f} s (÷{old['p99_s'] / new['p99_s']:.1f})"
                )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
