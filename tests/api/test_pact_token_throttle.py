"""PACT's ``/auth/token`` is throttled per client id (from an address) and per address, and
checks secrets through the bounded hashing gate (issue 12: 60 concurrent wrong secrets took the
server to 1.5 GiB). Time is a fake clock; nothing asserts a duration."""

from __future__ import annotations

import base64
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from dualcarbon.api import throttle
from dualcarbon.pact import repository
from dualcarbon.security import HashingGate, Passwords
from dualcarbon.store import session_scope

from .world import World

T0 = 1_800_000_000.0


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "now", lambda: T0)


@pytest.fixture
def partner(client: TestClient, world: World) -> tuple[str, str]:
    passwords: Passwords = client.app.state.passwords  # type: ignore[attr-defined]
    with session_scope(world.engine) as session:
        made = repository.create_client(session, passwords, world.org_a, "partner")
    return made.client_id, made.client_secret


def _token(client: TestClient, client_id: str, secret: str) -> Response:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )


def _from(client: TestClient, host: str) -> TestClient:
    return TestClient(client.app, client=(host, 50000))


def _counting(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the secrets checked (Argon2 verifications), under a lock."""
    passwords: Passwords = client.app.state.passwords  # type: ignore[attr-defined]
    checked = [0]
    lock = threading.Lock()
    verify = passwords.verify

    def counted(*args: Any) -> bool:
        with lock:
            checked[0] += 1
        return verify(*args)

    monkeypatch.setattr(passwords, "verify", counted)
    return checked


def test_wrong_secrets_make_the_client_wait_from_that_address_only(
    client: TestClient,
    partner: tuple[str, str],
    frozen: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client_id, secret = partner
    attacker = _from(client, "203.0.113.9")
    for _ in range(5):
        assert _token(attacker, client_id, "guess").status_code == 401
    checked = _counting(client, monkeypatch)
    refused = _token(attacker, client_id, secret)  # even the right secret
    assert refused.status_code == 429
    assert refused.json()["error"] == "temporarily_unavailable"
    assert int(refused.headers["Retry-After"]) == 1
    assert checked == [0]  # refused before Argon2
    granted = _token(_from(client, "198.51.100.7"), client_id, secret)
    assert granted.status_code == 200, granted.text  # the partner, elsewhere, is not locked out


def test_many_client_ids_from_one_address_are_throttled(
    client: TestClient, partner: tuple[str, str], frozen: None
) -> None:
    scanner = _from(client, "203.0.113.9")
    for n in range(20):
        assert _token(scanner, f"pact_{n:016x}", "guess").status_code == 401
    assert _token(scanner, "pact_ffffffffffffffff", "guess").status_code == 429


def test_sixty_concurrent_wrong_secrets_get_at_most_the_limit_checked(
    client: TestClient,
    partner: tuple[str, str],
    frozen: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client_id, _ = partner
    checked = _counting(client, monkeypatch)
    start = threading.Barrier(60)

    def guess(n: int) -> int:
        start.wait()
        return _token(client, client_id, f"guess {n}").status_code

    with ThreadPoolExecutor(max_workers=60) as pool:
        codes = list(pool.map(guess, range(60)))
    assert checked[0] <= 5
    assert codes.count(401) == checked[0]
    assert codes.count(429) + codes.count(503) == 60 - checked[0]


def test_a_full_hashing_gate_answers_503(
    client: TestClient, partner: tuple[str, str], frozen: None
) -> None:
    client_id, secret = partner
    gate = HashingGate(slots=1, queue=0)
    client.app.state.passwords.gate = gate  # type: ignore[attr-defined]
    with gate.slot():
        busy = _token(client, client_id, secret)
    assert busy.status_code == 503
    assert busy.json()["error"] == "temporarily_unavailable"
    assert int(busy.headers["Retry-After"]) >= 1
    assert _token(client, client_id, secret).status_code == 200
