"""A server killed in the middle of an import leaves nothing half-written (issue 4).

The real server runs in a child process (``dualcarbon serve`` on 127.0.0.1, a free port), on a
store seeded beforehand with the API world (tests/api/world.py). An admin's API key sends large
imports — 20,000 fuel rows, as JSON and as an Excel workbook, so that reading, accounting and
storing take a moment — and the server is killed with SIGKILL while each is in flight:

1. a JSON import, the moment its write transaction writes its first row;
2. an Excel import, while its transaction is changing the database: on SQLite once it has
   appended pages to the write-ahead log (``<db>-wal``; the file is in WAL mode, decision 0013);
   on PostgreSQL a quarter of a second after its first write.

The store itself shows where each kill landed. On SQLite the server holds the write turn
(``<db>.write-lock``, an exclusive ``flock``) from the transaction's first write until its commit
or rollback; on PostgreSQL the server's connection (named by ``application_name``) has a
transaction id once it has written. Either way the counts after the restart, unchanged, show that
the killed transaction never committed (a SIGKILL leaves log frames without a commit record,
which SQLite ignores when it opens the file again).

After every kill the server is started again on the same store, and the store is checked whole:
the same counts as before the killed request, no inventory without its result or its evidence,
no evidence entry without its inventory, every log's size matching its entries and heads, and the
evidence audit (``dualcarbon.ledger.lodging.audit_store``) clean. Finally the restarted server
takes the killed Excel import again, and the store is still whole.

Every wait is bounded; nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openpyxl
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from dualcarbon.io.excel import HEADER_SHEET, write_template
from dualcarbon.ledger.lodging import audit_store
from dualcarbon.methodologies.definition import get_methodology
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import (
    EvidenceEntry,
    EvidenceHead,
    EvidenceLog,
    Facility,
    StoredInventory,
    StoredResult,
)
from locks import lock_is_free

from .world import ORG_A, TEST_LEDGER_KEY, TEST_SIGNER, World, seed

ROWS = 20_000
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 120.0
KILL_TIMEOUT = 60.0
APPLICATION_NAME = "dualcarbon-kill-test"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the server in a child process -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]


@contextlib.contextmanager
def serve(url: str, home: Path, world: World, run: int) -> Iterator[Server]:
    """``dualcarbon serve`` on the store at ``url``, answering to the admin's key; killed on exit
    if still running."""
    port = free_port()
    log = home / f"server-{run}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUALCARBON_")}
    env |= {
        "DUALCARBON_HOME": str(home),
        "DUALCARBON_SECRET_KEY": "kill-test-secret",
        "DUALCARBON_LEDGER_KEY": TEST_LEDGER_KEY,
    }
    command = [
        sys.executable,
        "-c",
        "from dualcarbon.cli.main import app; app()",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database",
        url,
        "--workers",
        "1",  # one process, killed as one (several: kill their process group)
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"the server exited:\n{server.log_tail()}"
            assert time.monotonic() < deadline, f"the server did not answer:\n{server.log_tail()}"
            with contextlib.suppress(httpx.TransportError):
                # also notes the key as used, so the imports below start with no write of it
                me = httpx.get(f"{server.base}/api/me", headers=world.bearer("admin"), timeout=5)
                if me.status_code == 200:
                    break
            time.sleep(0.05)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=KILL_TIMEOUT)


# -- big inventories -------------------------------------------------------------------------------


def json_inventory(facility: str) -> dict[str, Any]:
    return {
        "inventory": {
            "organisation": ORG_A,
            "facility": facility,
            "year": 2024,
            "methodology": "cn-mee-power-2022",
        },
        "fuel": [
            {
                "unit": f"#{i // 12 + 1}",
                "month": i % 12 + 1,
                "fuel": "coal",
                "consumption": 1000.0 + i,
                "consumption_ref": "皮带秤 BS-101",
                "ncv": 20.0 + (i % 7) / 10,
                "ncv_ref": f"热值报告 {i}",
                "carbon_content": 50.0 + (i % 11) / 2,
                "carbon_content_ref": f"元素碳报告 {i}",
            }
            for i in range(ROWS)
        ],
    }


def excel_inventory(folder: Path, facility: str) -> bytes:
    """The power template with ``ROWS`` fuel rows, of 甲 (2025: the example's year)."""
    book = openpyxl.load_workbook(
        write_template(get_methodology("cn-mee-power-2022"), folder / "t.xlsx", example=True)
    )
    header = book[HEADER_SHEET]
    header["B2"], header["B3"] = ORG_A, facility
    # fuel only, as the JSON inventory: the example's other rows would not match these units
    for sheet in book.worksheets:
        if sheet.title not in (HEADER_SHEET, "fuel") and sheet.max_row > 2:
            sheet.delete_rows(3, sheet.max_row - 2)
    fuel = book["fuel"]
    column = {cell.value: cell.column for cell in fuel[1]}
    for i in range(ROWS):
        row = 3 + i
        fuel.cell(row, column["unit"], f"#{i // 12 + 1}")
        fuel.cell(row, column["month"], i % 12 + 1)
        fuel.cell(row, column["fuel"], "coal")
        fuel.cell(row, column["consumption"], 1000.0 + i)
        fuel.cell(row, column["consumption_ref"], "皮带秤 BS-101")
        fuel.cell(row, column["ncv"], 20.5)
        fuel.cell(row, column["ncv_ref"], f"热值报告 {i}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- where the kill lands --------------------------------------------------------------------------


class Store:
    """The store under the server, and how to tell that the server is inside a write."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        parsed = make_url(url)
        database = Path(str(parsed.database)).resolve()
        sqlite = parsed.get_backend_name() == "sqlite"
        # SQLite runs in write-ahead-log mode (decision 0013): a transaction appends its pages to
        # <db>-wal, and the server holds the write turn (<db>.write-lock) from its first write to
        # its commit or rollback; a SIGKILL drops the turn and leaves frames without a commit.
        self.wal = Path(f"{database}-wal") if sqlite else None
        self.turn = Path(f"{database}.write-lock") if sqlite else None
        self.baseline = 0

    def server_url(self) -> str:
        """The URL the server is given: on PostgreSQL, naming its connections."""
        if self.wal is not None:
            return self.url
        named = make_url(self.url).update_query_dict({"application_name": APPLICATION_NAME})
        return named.render_as_string(hide_password=False)

    def mark(self) -> None:
        """Note the write-ahead log's size before a request."""
        self.baseline = self._wal_size()

    def _wal_size(self) -> int:
        if self.wal is None:
            return 0
        try:
            return self.wal.stat().st_size
        except FileNotFoundError:
            return 0

    def _turn_taken(self) -> bool:
        assert self.turn is not None
        return not lock_is_free(self.turn)

    def changing(self) -> bool:
        """Whether the server's open write transaction has appended pages to the log (SQLite)."""
        return self.writing() and self._wal_size() > self.baseline

    def writing(self) -> bool:
        """Whether the server has an open transaction that has written something."""
        if self.wal is not None:
            return self._turn_taken()
        with self.engine.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE application_name = :name AND backend_xid IS NOT NULL"
                    ),
                    {"name": APPLICATION_NAME},
                )
            )


@dataclass
class Flight:
    """A request sent from a thread; its answer or error once it ends."""

    thread: threading.Thread
    outcome: dict[str, Any] = field(default_factory=dict)


def send(call: Callable[[], httpx.Response]) -> Flight:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["response"] = call()
        except httpx.HTTPError as exc:  # the server died under it
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    flight = Flight(thread, outcome)
    thread.start()
    return flight


def wait_until(condition: Callable[[], bool], flight: Flight, what: str) -> None:
    deadline = time.monotonic() + REQUEST_TIMEOUT
    while not condition():
        assert flight.thread.is_alive(), f"the import ended before {what}: {flight.outcome}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def kill(server: Server, flight: Flight) -> None:
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=KILL_TIMEOUT)
    flight.thread.join(REQUEST_TIMEOUT)
    assert not flight.thread.is_alive()
    assert "error" in flight.outcome, f"the import was answered: {flight.outcome}"


# -- the store, whole ------------------------------------------------------------------------------

COUNTED = (Facility, StoredInventory, StoredResult, EvidenceEntry, EvidenceHead)


def counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def assert_whole(engine: Engine) -> None:
    """Nothing half-written: every inventory has its result and evidence, every evidence entry
    its inventory, every log as many entries and heads as its size, and the audit is clean."""
    with session_scope(engine) as session:
        inventories = set(session.scalars(select(StoredInventory.id)))
        with_result = set(session.scalars(select(StoredResult.inventory_id)))
        lodged = set(session.scalars(select(EvidenceEntry.inventory_id))) - {None}
        results_lodged = {
            subject
            for subject in session.scalars(select(EvidenceEntry.subject))
            if (subject or "").startswith("result:")
        }
        results = {f"result:{i}" for i in session.scalars(select(StoredResult.id))}
        assert results == results_lodged, "results and their evidence differ"
        assert inventories - with_result == set(), "inventories without a result"
        assert inventories - lodged == set(), "inventories without evidence"
        assert lodged - inventories == set(), "evidence of inventories not stored"
        for log in session.scalars(select(EvidenceLog)):
            entries = session.scalar(
                select(func.count())
                .select_from(EvidenceEntry)
                .where(EvidenceEntry.log_id == log.log_id)
            )
            heads = session.scalar(
                select(func.count())
                .select_from(EvidenceHead)
                .where(EvidenceHead.log_id == log.log_id)
            )
            assert (entries, heads) == (log.size, log.size), log.log_id
        reports = audit_store(session, TEST_SIGNER.public_key)
        assert reports, "no evidence log at all"
        assert all(report.ok for report in reports), [r.problems for r in reports]
        if session.get_bind().dialect.name == "sqlite":
            assert session.scalar(text("PRAGMA integrity_check")) == "ok"


# -- the test --------------------------------------------------------------------------------------


def test_a_server_killed_mid_import_leaves_nothing_half_written(
    db_url: str, tmp_path: Path
) -> None:
    upgrade(db_url)
    store = Store(db_url)
    world = seed(store.engine)
    url = store.server_url()
    org = world.org_a
    imports = f"/api/organisations/{org}/inventories"
    building = ThreadPoolExecutor(1)  # the workbook is written while the first server starts
    workbook_made = building.submit(excel_inventory, tmp_path, "kill-xlsx")
    headers = world.bearer("admin")
    try:
        assert_whole(store.engine)
        before = counts(store.engine)
        run = 0

        def restarted() -> contextlib.AbstractContextManager[Server]:
            nonlocal run
            run += 1
            return serve(url, tmp_path, world, run)

        # 1. killed the moment the JSON import's transaction writes its first row
        with restarted() as server:
            body = json_inventory("kill-json")
            store.mark()
            flight = send(
                lambda: httpx.post(
                    server.base + imports, json=body, headers=headers, timeout=REQUEST_TIMEOUT
                )
            )
            wait_until(store.writing, flight, "the first write")
            kill(server, flight)  # the counts after the restart show it never committed

        # 2. killed while the Excel import's transaction is changing the database file
        workbook = workbook_made.result(timeout=REQUEST_TIMEOUT)
        with restarted() as server:
            assert counts(store.engine) == before
            assert_whole(store.engine)
            store.mark()
            flight = send(
                lambda: httpx.post(
                    server.base + imports,
                    files={"file": ("电厂.xlsx", workbook, XLSX)},
                    headers=headers,
                    timeout=REQUEST_TIMEOUT,
                )
            )
            if store.wal is not None:
                wait_until(store.changing, flight, "pages of the database to be written")
            else:
                wait_until(store.writing, flight, "the first write")
                time.sleep(0.25)
            kill(server, flight)

        # the restarted server finds the store whole, and takes the Excel import again
        with restarted() as server:
            assert counts(store.engine) == before
            assert_whole(store.engine)
            again = httpx.post(
                server.base + imports,
                files={"file": ("电厂.xlsx", workbook, XLSX)},
                headers=headers,
                timeout=REQUEST_TIMEOUT,
            )
            assert again.status_code == 201, again.text
            assert again.json()["result"]["line_count"] >= ROWS
            results = httpx.get(
                f"{server.base}/api/organisations/{org}/results", headers=headers, timeout=30
            )
            assert again.json()["result"]["id"] in [r["id"] for r in results.json()]
        after = counts(store.engine)
        assert (after["inventories"], after["results"], after["evidence_entries"]) == (
            before["inventories"] + 1,
            before["results"] + 1,
            before["evidence_entries"] + 4,  # inventory and result, in two logs each
        )
        assert_whole(store.engine)
    finally:
        building.shutdown(cancel_futures=True)
        store.engine.dispose()
