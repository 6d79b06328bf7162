"""The access list (MN → PW) of the HJ 212 receiver: a wrong password or an unlisted MN is
rejected (logged with the MN, never a password; not stored; not answered) and the connection
stays usable; the file is checked entry by entry; ``dualcarbon cems receive --access``."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from dualcarbon.cems.hj212 import packet as hp
from dualcarbon.cems.hj212 import receiver as receiver_module
from dualcarbon.cems.hj212.access import AccessList, load_access
from dualcarbon.cems.hj212.errors import AccessError, AccessListError
from dualcarbon.cems.hj212.receiver import Receiver
from dualcarbon.cems.hj212.sink import ParquetSink
from dualcarbon.cli.main import app

START = datetime(2026, 4, 1, 0, 0)
LISTED, STRANGER = "ALLOWED01", "STRANGER9"
RIGHT, WRONG = "s3cret", "W7RONG"


def minute_packet(minute: int, *, mn: str = LISTED, pw: str = RIGHT) -> hp.Packet:
    when = START + timedelta(minutes=minute)
    cp = hp.build_cp({"a19001": {"Avg": "6.0", "Flag": "N"}}, data_time=when)
    return hp.Packet(st="31", cn="2051", pw=pw, mn=mn, cp=cp, qn=f"{when:%Y%m%d%H%M%S}000", flag=5)


def stored(root: Path) -> list[tuple[str, datetime]]:
    return sorted(
        (row["source"], row["time"])
        for file in root.glob("source=*/month=*/*.parquet")
        for row in pq.read_table(file, columns=["source", "time"]).to_pylist()
    )


def test_wrong_password_and_unknown_mn_are_rejected_and_the_connection_survives(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dualcarbon.cems.hj212")

    async def scenario() -> tuple[Receiver, list[str | None]]:
        sink = ParquetSink(tmp_path, max_age=3600)
        receiver = Receiver(sink, flush_interval=0.05, access={LISTED: RIGHT})
        await receiver.start("127.0.0.1", 0)
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port)
        writer.write(minute_packet(0, pw=WRONG).encode())
        writer.write(minute_packet(1, mn=STRANGER).encode())
        writer.write(minute_packet(2).encode())
        await writer.drain()
        answers = [hp.parse(await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)).qn]
        # nothing for the two rejected packets
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.readuntil(b"\r\n"), 0.3)
        writer.write(minute_packet(3).encode())  # the same connection still works
        await writer.drain()
        answers.append(hp.parse(await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)).qn)
        writer.close()
        await receiver.stop()
        return receiver, answers

    receiver, answers = asyncio.run(scenario())
    assert answers == [minute_packet(2).qn, minute_packet(3).qn]
    assert receiver.stats.rejected == {"PW": 1, "MN": 1}
    assert stored(tmp_path) == [(LISTED, START + timedelta(minutes=m)) for m in (2, 3)]
    assert f"wrong access password for MN={LISTED}" in caplog.text
    assert f"MN={STRANGER} is not on the access list" in caplog.text
    assert WRONG not in caplog.text and RIGHT not in caplog.text


def test_without_an_access_list_any_password_is_accepted(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    receiver = Receiver(sink)
    assert receiver.access is None
    assert receiver.handle_packet(minute_packet(0, mn=STRANGER, pw=WRONG).encode()) is not None
    sink.close()
    assert stored(tmp_path) == [(STRANGER, START)]


def test_the_check_itself() -> None:
    access = AccessList({LISTED: RIGHT})
    access.check(minute_packet(0))
    with pytest.raises(AccessError) as wrong:
        access.check(minute_packet(0, pw=WRONG))
    assert wrong.value.field == "PW" and WRONG not in str(wrong.value)
    with pytest.raises(AccessError) as unknown:
        access.check(minute_packet(0, mn=STRANGER))
    assert unknown.value.field == "MN"
    with pytest.raises(AccessError):  # a prefix of the password is not the password
        access.check(minute_packet(0, pw=RIGHT[:-1]))


# --- the file --------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "access.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_access(tmp_path: Path) -> None:
    path = write(tmp_path, f'loggers:\n  {LISTED}: "{RIGHT}"\n  "0042": "012345"\n')
    access = load_access(path)
    assert access.passwords == {LISTED: RIGHT, "0042": "012345"}
    assert access.source == str(path)


@pytest.mark.parametrize(
    ("text", "entry", "reason"),
    [
        ("loggers:\n  A1: 012345\n", "loggers.A1", "quoted string"),  # YAML: octal 5349
        ('loggers:\n  A1: "toolong7"\n', "loggers.A1", "1 to 6 letters or digits"),
        ('loggers:\n  "bad/mn": "123456"\n', "loggers.bad/mn", "MN must be"),
        ('loggers:\n  A1: "123456"\n  A1: "654321"\n', "", "appears twice"),
        ("loggers: []\n", "", "'loggers' mapping"),
        ("loggers: {}\n", "loggers", "is empty"),
        ('loggers:\n  A1: "123456"\nlogers: {}\n', "logers", "unknown key"),
        ("loggers: [unclosed\n", "", "not valid YAML"),
    ],
)
def test_a_bad_file_names_file_and_entry(
    tmp_path: Path, text: str, entry: str, reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AccessListError) as error:
        load_access(path)
    message = str(error.value)
    assert str(path) in message and entry in message and reason in message
    assert "toolong7" not in message and "654321" not in message  # passwords stay out


# --- the command -----------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Replace the blocking server by a recorder of its arguments."""
    calls: list[dict[str, Any]] = []

    def fake_serve(host: str, port: int, root: Path, **options: Any) -> None:
        calls.append({"host": host, "port": port, "root": root, **options})

    monkeypatch.setattr(receiver_module, "serve", fake_serve)
    monkeypatch.setenv("DUALCARBON_LANG", "en")
    return calls


def test_cli_passes_the_access_list(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    path = write(tmp_path, f'loggers:\n  {LISTED}: "{RIGHT}"\n')
    out = CliRunner().invoke(
        app,
        ["cems", "receive", "--root", str(tmp_path / "r"), "--access", str(path),
         "--flush-interval", "0.5", "--max-age", "60"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    flat = "".join(out.output.split())  # rich wraps long paths anywhere, even inside a name
    assert "access.yaml:1loggers" in flat and RIGHT not in flat
    [call] = served
    assert call["access"].passwords == {LISTED: RIGHT}
    assert call["flush_interval"] == 0.5 and call["max_age"] == 60.0


def test_cli_without_access_says_it_is_open(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    out = CliRunner().invoke(app, ["cems", "receive", "--root", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    assert "any MN and password" in " ".join(out.output.split())
    assert served[0]["access"] is None and served[0]["flush_interval"] == 0.2
    assert served[0]["max_age"] == 900.0  # Parquet every 15 min per source and month


def test_cli_refuses_a_bad_access_file(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    path = write(tmp_path, f"loggers:\n  {LISTED}: 123456\n")
    out = CliRunner().invoke(
        app, ["cems", "receive", "--root", str(tmp_path / "r"), "--access", str(path)]
    )
    assert out.exit_code == 1
    flat = "".join(out.output.split())  # rich wraps long paths anywhere, even inside a name
    assert "access.yaml" in flat and f"loggers.{LISTED}" in flat and "quotedstring" in flat
    assert served == []


def test_cli_refuses_a_missing_access_file(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    out = CliRunner().invoke(
        app, ["cems", "receive", "--root", str(tmp_path), "--access", str(tmp_path / "no.yaml")]
    )
    # typer's error box wraps the path inside its border: drop the border and the breaks
    assert out.exit_code == 2 and "no.yaml" in "".join(out.output.replace("│", "").split())
    assert served == []


def test_a_malformed_password_is_not_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = Receiver(ParquetSink(tmp_path))
    segment = minute_packet(0).data_segment().replace(f"PW={RIGHT}", "PW=Secret99")
    assert receiver.handle_packet(hp.frame(segment.encode())) is None
    assert receiver.stats.rejected == {"PW": 1}
    assert "Secret99" not in caplog.text and "PW: a value of 8 characters" in caplog.text
