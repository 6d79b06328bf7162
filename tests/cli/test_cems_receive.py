"""``dualcarbon cems receive`` as an operator runs it: a process listening on a TCP port, a data
logger sending a minute packet that asks for an acknowledgement, the acknowledgement HJ 212-2017
specifies (CN=9014, the packet's QN echoed, sent once the minute is in the write-ahead log), and
on SIGINT the buffered minute written to Parquet in the layout of dualcarbon.cems.schema and
the log emptied; a second receiver on a root already in use refused at once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212.sink import ParquetSink

DUALCARBON = Path(sys.executable).with_name("dualcarbon")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connect(port: int, deadline: float) -> socket.socket:
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.skipif(not DUALCARBON.exists(), reason="the dualcarbon script is not installed")
def test_receive_acknowledges_and_stores(tmp_path: Path) -> None:
    port, root = _free_port(), tmp_path / "minutes"
    server = subprocess.Popen(
        [str(DUALCARBON), "cems", "receive", "--root", str(root), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DUALCARBON_LANG": "en"},
    )  # fmt: skip
    try:
        when = dt.datetime(2024, 5, 1, 8, 30)
        cp = hp.build_cp(
            {"a19001": {"Avg": "6.1", "Flag": "N"}, "a01012": {"Avg": "128.5", "Flag": "N"}},
            data_time=when,
        )
        sent = hp.Packet(
            st="31", cn="2051", pw="123456", mn="CLI0001CEMS", cp=cp,
            qn="20240501083000123", flag=hp.FLAG_ACK | (1 << 2),
        )  # fmt: skip
        with _connect(port, time.monotonic() + 30) as logger:
            logger.sendall(sent.encode())
            answer = logger.recv(4096)
        ack = hp.parse(answer)
        assert (ack.cn, ack.st, ack.qn, ack.mn) == ("9014", "91", sent.qn, sent.mn)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    rows = ds.dataset(root / "source=CLI0001CEMS", format="parquet").to_table().to_pylist()
    assert [(r["time"], r["o2"], r["temperature"], r["o2_flag"]) for r in rows] == [
        (when, 6.1, 128.5, "N")
    ]
    assert not list((root / "_wal").glob("*.wal"))


@pytest.mark.skipif(not DUALCARBON.exists(), reason="the dualcarbon script is not installed")
def test_receive_refuses_a_root_another_receiver_holds(tmp_path: Path) -> None:
    """Two receivers on one root would replay and delete each other's write-ahead log: the
    second exits at once with status 1, naming the root, without listening."""
    root = tmp_path / "minutes"
    holder = ParquetSink(root)  # the running receiver's sink
    try:
        second = subprocess.run(
            [str(DUALCARBON), "cems", "receive", "--root", str(root), "--host", "127.0.0.1",
             "--port", str(_free_port())],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "DUALCARBON_LANG": "en", "COLUMNS": "1000"},
        )  # fmt: skip
    finally:
        holder.close()
    assert second.returncode == 1
    flat = "".join(second.stderr.split())  # rich may wrap the long path anywhere
    assert "".join(f"storage root {root} is in use by another receiver".split()) in flat
    assert "Traceback" not in second.stderr
