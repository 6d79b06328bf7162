"""Benchmark: the HTTP server under loopback load — reading a traced result (1 and 8 concurrent
clients) and submitting monthly data (1, 8 and 50) — with one worker process and with several,
side by side.

For each worker count of ``--workers`` (default ``1,2``: the one-process baseline, then one worker
per core of a 2-core machine), ``dualcarbon serve --workers N`` runs in a child process on
127.0.0.1 (a free port), on a fresh SQLite file (the embedded default) or, with ``--postgres URL``,
in a fresh schema of that PostgreSQL database (dropped afterwards). The store is seeded with the
demo organisation and an enterprise user with an API key; the demo plant's year of data
(docs/inventory-format.md) is imported once through the API so that there is a traced result to
read. Then this process — not the server's — drives the load with a pool of threads, one keep-alive
``http.client`` connection each (the standard library's: a fraction of httpx's CPU per request,
which on a small machine would otherwise compete with the server it measures), for a fixed time per
scenario:

- ``read_result``: ``GET /api/results/{id}``, the stored result with every line's trace and its
  evidence entries;
- ``submit_inventory``: ``POST /api/organisations/{id}/inventories``, a small JSON inventory (a
  year of monthly coal and electricity, 24 rows) whose figures differ on every request, so each
  one is read, accounted, stored and lodged in the evidence logs.

Reported per worker count, scenario and concurrency: requests per second, p50 and p99 latency,
and errors (any answer but the expected 200 / 201); and the ratios of each worker count's figures
to the first's. After each configuration the evidence logs are audited
(``dualcarbon.ledger.lodging.audit_store``) and the stored inventories counted against the
submissions answered 201 (nothing lost).

    .venv/bin/python benchmarks/server.py [--seconds 5] [--workers 1,2] \
        [--postgres postgresql+psycopg://…]

Writes the figures into ``benchmarks/results/server.json`` under the backend's name (``sqlite``,
``postgresql``; a run on one keeps the other's, and each keeps its ``before_this_change``: the
release before issue 12's speed work, measured once with this benchmark) and prints them.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from dualcarbon.cli import serve as serve_command
from dualcarbon.demo import demo_inventory_path
from dualcarbon.ledger.lodging import audit_store
from dualcarbon.ledger.signing import Signer
from dualcarbon.security import Passwords, new_api_key, sha256
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import ApiKey, Organisation, StoredInventory, User

WORKERS_OPTION = hasattr(serve_command, "server_workers")
"""Whether this dualcarbon has ``serve --workers`` (a release before it serves one process: the
benchmark then measures it with ``--workers 1``, for comparison)."""
HERE = Path(__file__).parent
RESULTS = HERE / "results"
ORGANISATION = "示范能源集团有限公司"
READ_CONCURRENCY = (1, 8)
SUBMIT_CONCURRENCY = (1, 8, 50)
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
IDLE_SECONDS = 3.0
"""A connection idle this long is reopened: 50 clients wait at the start line longer than
uvicorn's keep-alive (5 s), and a request sent on a connection the server has just closed fails
before it is read (no submission is lost that way, but it would count as an error)."""


# -- the store and the server ----------------------------------------------------------------------


@contextlib.contextmanager
def fresh_store(postgres: str | None, folder: Path) -> Iterator[str]:
    """URL of an empty store: a SQLite file in ``folder``, or a new schema of ``postgres``."""
    if postgres is None:
        yield f"sqlite:///{folder / 'bench.sqlite'}"
        return
    base = make_url(postgres)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def seed(url: str) -> tuple[int, str]:
    """The demo organisation and an enterprise user of it with an API key: (organisation id,
    key)."""
    upgrade(url)
    engine = make_engine(url)
    token, prefix = new_api_key()
    try:
        with session_scope(engine) as session:
            organisation = Organisation(name=ORGANISATION)
            session.add(organisation)
            session.flush()
            user = User(
                email="ops@demo.cn",
                name="示范用户",
                password_hash=Passwords(memory_kib=64, time_cost=1).hash(uuid.uuid4().hex),
                role="enterprise",
                organisation_id=organisation.id,
                active=True,
            )
            session.add(user)
            session.flush()
            session.add(
                ApiKey(user_id=user.id, name="bench", prefix=prefix, key_hash=sha256(token))
            )
            return organisation.id, token
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def server(url: str, home: Path, signer: Signer, key: str, workers: int) -> Iterator[str]:
    """``dualcarbon serve --workers N`` in a child process on 127.0.0.1; its base URL once it
    answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUALCARBON_")}
    env |= {
        "DUALCARBON_HOME": str(home),
        "DUALCARBON_SECRET_KEY": uuid.uuid4().hex,
        "DUALCARBON_LEDGER_KEY": base64.b64encode(signer.private_bytes()).decode(),
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
        *(["--workers", str(workers)] if WORKERS_OPTION else []),
    ]
    log = home / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                answer = httpx.get(f"{base}/api/me", headers=bearer(key), timeout=5)
                if answer.status_code == 200:
                    break
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# -- load ------------------------------------------------------------------------------------------


def monthly_inventory(n: int) -> dict[str, Any]:
    """A small year of monthly data, different for every ``n``."""
    shift = n * 1e-3
    return {
        "inventory": {
            "organisation": ORGANISATION,
            "facility": "基准测试电厂",
            "year": 2024,
            "methodology": "cn-mee-power-2022",
        },
        "fuel": [
            {
                "month": month,
                "fuel": "coal",
                "consumption": 90_000.0 + 500 * month + shift,
                "consumption_ref": "皮带秤 BS-101",
                "ncv": 20.9,
                "ncv_ref": f"热值报告 2024-{month:02d}",
                "carbon_content": 53.1,
                "carbon_content_ref": f"元素碳报告 C2024-{month:02d}",
            }
            for month in range(1, 13)
        ],
        "electricity": [
            {"month": month, "amount": 800.0 + month, "amount_ref": "关口表 GK-01"}
            for month in range(1, 13)
        ],
    }


class Connection:
    """One keep-alive HTTP/1.1 connection (reopened after an error): the status of each request,
    its body read in full and dropped."""

    def __init__(self, base: str, key: str) -> None:
        address = httpx.URL(base)
        self.host, self.port = address.host, address.port
        self.headers = bearer(key) | {"Content-Type": "application/json"}
        self.connection: http.client.HTTPConnection | None = None
        self.used = time.monotonic()

    def request(self, method: str, path: str, body: bytes | None = None) -> int:
        if time.monotonic() - self.used > IDLE_SECONDS:
            self.close()  # the server closes a connection idle for 5 s (uvicorn's keep-alive)
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                self.host, self.port, timeout=REQUEST_TIMEOUT
            )
        try:
            self.connection.request(method, path, body=body, headers=self.headers)
            answer = self.connection.getresponse()
            answer.read()
        except BaseException:
            self.close()
            raise
        self.used = time.monotonic()
        return answer.status

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def drive(
    base: str,
    key: str,
    request: Callable[[Connection, int], int],
    expected: int,
    concurrency: int,
    seconds: float,
    numbers: Iterator[int],
    warm_up: int = 3,
    succeeded: list[int] | None = None,
) -> dict[str, Any]:
    """``concurrency`` threads sending ``request`` back to back for ``seconds`` (after a short
    warm-up each): throughput, latency percentiles, errors."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    window: dict[str, float] = {}

    def open_window() -> None:  # run once, when every client has warmed up, before any goes on
        window["began"] = time.perf_counter()
        window["end"] = window["began"] + seconds

    start = threading.Barrier(concurrency + 1, action=open_window)

    def next_number() -> int:
        with lock:
            return next(numbers)

    def client_loop() -> None:
        with Connection(base, key) as client:
            for _ in range(warm_up):  # warm-up: connection, caches
                answer = request(client, next_number())
                if succeeded is not None and answer == expected:
                    with lock:
                        succeeded[0] += 1
            start.wait(timeout=REQUEST_TIMEOUT)
            mine: list[float] = []
            while True:
                number = next_number()
                began = time.perf_counter()
                if began >= window["end"]:
                    break
                try:
                    answer = request(client, number)
                    outcome = "" if answer == expected else str(answer)
                    if succeeded is not None and not outcome:
                        with lock:
                            succeeded[0] += 1
                except (OSError, http.client.HTTPException) as exc:
                    outcome = type(exc).__name__
                mine.append(time.perf_counter() - began)
                if outcome:
                    with lock:
                        errors[outcome] = errors.get(outcome, 0) + 1
            with lock:
                latencies.extend(mine)

    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(client_loop) for _ in range(concurrency)]
        start.wait(timeout=REQUEST_TIMEOUT)
        for future in futures:
            future.result(timeout=seconds + 2 * REQUEST_TIMEOUT)
        elapsed = time.perf_counter() - window["began"]
    ms = np.array(latencies) * 1000.0
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "errors": errors,
    }


def run_configuration(
    postgres: str | None, workers: int, seconds: float, numbers: Iterator[int]
) -> dict[str, Any]:
    """Every scenario against a fresh store served by ``workers`` processes; then the evidence
    audit, and whether every submission answered 201 is stored (nothing lost)."""
    signer = Signer.generate()
    with (
        tempfile.TemporaryDirectory(prefix="dualcarbon-bench-") as folder,
        fresh_store(postgres, Path(folder)) as url,
    ):
        organisation, key = seed(url)
        created = [0]
        with server(url, Path(folder), signer, key, workers) as base:
            demo = demo_inventory_path()
            imported = httpx.post(
                f"{base}/api/organisations/{organisation}/inventories",
                files={"file": (demo.name, demo.read_bytes(), "application/x-yaml")},
                headers=bearer(key),
                timeout=REQUEST_TIMEOUT,
            )
            imported.raise_for_status()
            created[0] += 1
            result_id = imported.json()["result"]["id"]
            document = httpx.get(
                f"{base}/api/results/{result_id}", headers=bearer(key), timeout=REQUEST_TIMEOUT
            )
            document.raise_for_status()

            def read(client: Connection, n: int) -> int:
                return client.request("GET", f"/api/results/{result_id}")

            def submit(client: Connection, n: int) -> int:
                return client.request(
                    "POST",
                    f"/api/organisations/{organisation}/inventories",
                    json.dumps(monthly_inventory(n)).encode(),
                )

            reads = [drive(base, key, read, 200, c, seconds, numbers) for c in READ_CONCURRENCY]
            submits = [
                drive(base, key, submit, 201, c, seconds, numbers, 1, created)
                for c in SUBMIT_CONCURRENCY
            ]
        engine = make_engine(url)
        try:
            with session_scope(engine) as session:
                reports = audit_store(session, signer.public_key)
                lodged = sum(report.entries for report in reports)
                evidence_ok = bool(reports) and all(report.ok for report in reports)
                stored = session.scalar(select(func.count()).select_from(StoredInventory))
        finally:
            engine.dispose()
    return {
        "workers": workers,
        "document_bytes": len(document.content),
        "lines": imported.json()["result"]["line_count"],
        "read_result": reads,
        "submit_inventory": submits,
        "evidence_after": {"entries": lodged, "audit_ok": evidence_ok},
        "submissions": {"answered_201": created[0], "stored": stored},
    }


def ratios(base: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``base``, per scenario and concurrency: throughput ×, p99 ×."""
    out: dict[str, Any] = {}
    for scenario in ("read_result", "submit_inventory"):
        out[scenario] = [
            {
                "concurrency": b["concurrency"],
                "requests_per_second": round(n["requests_per_second"] / b["requests_per_second"], 2)
                if b["requests_per_second"]
                else None,
                "p99_ms": round(n["p99_ms"] / b["p99_ms"], 2) if b["p99_ms"] else None,
            }
            for b, n in zip(base[scenario], new[scenario], strict=True)
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="load time per scenario")
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a fresh schema)")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="server processes per configuration, comma-separated; the first is the baseline "
        "the others are compared with (default 1,2)",
    )
    args = parser.parse_args()
    counts = [int(part) for part in args.workers.split(",")]
    numbers = itertools.count()
    configurations = [run_configuration(args.postgres, n, args.seconds, numbers) for n in counts]
    command = ".venv/bin/python benchmarks/server.py" + (
        f" --seconds {args.seconds:g}" if args.seconds != 5.0 else ""
    )
    if args.workers != "1,2":
        command += f" --workers {args.workers}"
    first = configurations[0]
    report = {
        "command": command + (" --postgres URL" if args.postgres else ""),
        "backend": "postgresql" if args.postgres else "sqlite",
        "server": "dualcarbon serve --workers N (uvicorn) on 127.0.0.1, a fresh store per "
        "configuration; load from this process with http.client, one keep-alive connection "
        "per thread",
        "seconds_per_scenario": args.seconds,
        "read_result": {
            "request": "GET /api/results/{id}",
            "document_bytes": first["document_bytes"],
            "lines": first["lines"],
        },
        "submit_inventory": {
            "request": "POST /api/organisations/{id}/inventories (JSON, 24 monthly rows, "
            "distinct every request)",
        },
        "configurations": configurations,
        "ratios_to_first": {
            f"{c['workers']} workers": ratios(first, c) for c in configurations[1:]
        },
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "when": time.strftime("%Y-%m-%d"),
    }
    path = RESULTS / "server.json"
    kept = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    before = kept.get(report["backend"], {}).get("before_this_change")
    if before is not None:  # dualcarbon before issue 12's speed work, measured once, kept
        report["before_this_change"] = before
    kept[report["backend"]] = report  # one entry per backend: a PostgreSQL run keeps SQLite's
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps(kept, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
