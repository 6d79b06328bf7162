"""Benchmark: a flood of wrong secrets at PACT's ``/auth/token`` and of wrong passwords at the
login, against ``dualcarbon serve`` with the production Argon2id costs (64 MiB, t = 3).

The server runs in a child process on 127.0.0.1 over a fresh SQLite file, seeded with one
organisation, one user with an API key and one PACT client. Then this process sends ``--burst``
(60) concurrent requests with wrong credentials — to ``/auth/token`` (one client id), then to
``/api/auth/login`` (one account) — while one more thread reads ``GET /api/me`` with the API key
(no hashing) as fast as it can. Reported per flood: the answers' status codes, the server's peak
resident memory (``VmHWM``), and the bystander's p50/p99 latency during the flood. Issue 12
measured 1.5 GiB and 4 s for the bystander before the throttle and the hashing gate.

    .venv/bin/python benchmarks/auth_flood.py [--burst 60]

Prints the figures as JSON (it writes no file: the figures depend on the machine's load).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from dualcarbon.pact import repository
from dualcarbon.security import Passwords, new_api_key, sha256
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import ApiKey, Organisation, User

PASSWORD = "the right password of the benchmark"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _seed(url: str) -> tuple[str, str]:
    """An organisation, a user with an API key, a PACT client: (API key, PACT client id)."""
    upgrade(url)
    engine = make_engine(url)
    passwords = Passwords()  # the production costs
    try:
        with session_scope(engine) as session:
            organisation = Organisation(name="洪水测试有限公司")
            session.add(organisation)
            session.flush()
            user = User(
                email="user@example.cn",
                name="user",
                password_hash=passwords.hash(PASSWORD),
                role="enterprise",
                organisation_id=organisation.id,
                active=True,
            )
            session.add(user)
            session.flush()
            token, prefix = new_api_key()
            session.add(ApiKey(user_id=user.id, name="b", prefix=prefix, key_hash=sha256(token)))
            client = repository.create_client(session, passwords, organisation.id, "partner")
            return token, client.client_id
    finally:
        engine.dispose()


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _flood(base: str, burst: int, send: Any, key: str) -> tuple[Counter[int], list[float], float]:
    """``burst`` concurrent ``send(http, n)``; meanwhile a bystander reads /api/me."""
    stop = threading.Event()
    latencies: list[float] = []

    def bystander() -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            for _ in range(100_000):  # bounded
                if stop.is_set():
                    return
                started = time.perf_counter()
                http.get("/api/me", headers={"Authorization": f"Bearer {key}"})
                latencies.append(time.perf_counter() - started)

    def one(n: int) -> int:
        with httpx.Client(base_url=base, timeout=120) as http:
            status: int = send(http, n).status_code
            return status

    watcher = threading.Thread(target=bystander)
    watcher.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=burst) as pool:
        codes = Counter(pool.map(one, range(burst)))
    elapsed = time.perf_counter() - started
    stop.set()
    watcher.join()
    return codes, latencies, elapsed


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/flood.sqlite"
        key, client_id = _seed(url)
        port = _free_port()
        env = {
            **os.environ,
            "DUALCARBON_DATABASE_URL": url,
            "DUALCARBON_SECRET_KEY": "benchmark-secret",
            "DUALCARBON_HOME": folder,
            "DUALCARBON_COOKIE_SECURE": "false",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from dualcarbon.cli.main import app; app()",
                "serve",
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):  # up to 60 s for the server to come up
                try:
                    httpx.get(f"{base}/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            report: dict[str, Any] = {"burst": args.burst, "idle_peak_mib": 0.0}
            report["idle_peak_mib"] = round(_peak_kib(server.pid) / 1024, 1)

            def token(http: httpx.Client, n: int) -> httpx.Response:
                basic = base64.b64encode(f"{client_id}:wrong secret {n}".encode()).decode()
                return http.post(
                    "/auth/token",
                    data={"grant_type": "client_credentials"},
                    headers={"Authorization": f"Basic {basic}"},
                )

            def login(http: httpx.Client, n: int) -> httpx.Response:
                return http.post(
                    "/api/auth/login", json={"email": "user@example.cn", "password": f"guess {n}"}
                )

            for name, send in (("pact_token", token), ("login", login)):
                codes, latencies, elapsed = _flood(base, args.burst, send, key)
                report[name] = {
                    "status_codes": dict(sorted(codes.items())),
                    "flood_seconds": round(elapsed, 2),
                    "server_peak_mib": round(_peak_kib(server.pid) / 1024, 1),
                    "bystander_requests": len(latencies),
                    "bystander_p50_ms": round(_quantile(latencies, 0.5) * 1000, 1),
                    "bystander_p99_ms": round(_quantile(latencies, 0.99) * 1000, 1),
                }
            print(json.dumps(report, indent=2))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
