"""Every request body is limited as it streams in (413), and a 422 never sends the input back.

Before: a 200 MB body to the login route was read whole, a 30 MB PACT event was stored, and a
20 MB password came back in its 422.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlalchemy import select as sql_select

from dualcarbon.pact.events import CLOUDEVENTS_JSON
from dualcarbon.store import session_scope
from dualcarbon.store.models import PactEvent

from .world import ORG_A, PASSWORD, World

LIMIT = 1024 * 1024
"""The default ``max_body_bytes``."""
OVER = 2 * LIMIT


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A JSON-looking body of ``total`` bytes as a generator: httpx sends it chunked, without
    Content-Length."""
    yield b'{"email": "a@example.com", "password": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


def events_stored(world: World) -> int:
    with session_scope(world.engine) as session:
        return session.scalar(sql_select(func.count()).select_from(PactEvent)) or 0


def assert_project_413(response: Any) -> None:
    assert response.status_code == 413, response.text
    body = response.json()
    assert set(body) == {"detail", "problems"}
    assert "larger than 1,048,576 bytes" in body["detail"]
    assert len(response.content) < 1000


def test_an_oversize_login_body_is_413(client: TestClient) -> None:
    body = b'{"email": "a@example.com", "password": "' + b"x" * OVER + b'"}'
    response = client.post(
        "/api/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert_project_413(response)


def test_an_oversize_chunked_login_body_is_413(client: TestClient) -> None:
    response = client.post(
        "/api/auth/login", content=chunks(OVER), headers={"content-type": "application/json"}
    )
    assert_project_413(response)


def test_a_body_within_the_limit_is_read(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/auth/login",
        json={"email": world.email("admin"), "password": PASSWORD, "pad": "x" * (LIMIT // 2)},
    )
    assert response.status_code != 413


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversize_pact_event_is_413_and_not_stored(
    client: TestClient, world: World, chunked: bool
) -> None:
    event = b'{"specversion": "1.0", "data": "' + b"x" * OVER + b'"}'
    response = client.post(
        "/3/events",
        content=chunks(OVER) if chunked else event,
        headers={"content-type": CLOUDEVENTS_JSON, "authorization": "Bearer whatever"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "BadRequest"  # PACT's error shape, {code, message}
    assert "larger than 1,048,576 bytes" in response.json()["message"]
    assert events_stored(world) == 0


def test_an_upload_route_takes_more_than_the_body_limit(client: TestClient, world: World) -> None:
    """Uploads keep their own, larger limit (max_upload_bytes): a 2 MiB YAML is read, and
    refused for what it says, not for its size."""
    text = "# padding\n" * (OVER // 10) + "inventory: [not, a, mapping]\n"
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        files={"file": ("plant.yaml", text.encode(), "application/x-yaml")},
        headers=world.bearer("admin"),
    )
    assert response.status_code == 422, response.text


def test_a_huge_wrong_password_is_not_sent_back(client: TestClient) -> None:
    secret = "s3cret-" * 100_000  # 700 kB, within the body limit, over the field's 1,024
    response = client.post("/api/auth/login", json={"email": "a@example.com", "password": secret})
    assert response.status_code == 422
    assert "s3cret" not in response.text
    assert len(response.content) < 1000
    (problem,) = response.json()["problems"]
    assert problem["field"] == "body.password" and problem["value"] is None


def test_a_long_value_from_a_file_is_cut_short(client: TestClient, world: World) -> None:
    """Problems still show a short offending value (useful in a file), never a long one."""
    text = f"inventory:\n  organisation: {ORG_A}\n  facility: {'厂' * 5000}\n  year: 2024\n"
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        files={"file": ("plant.yaml", text.encode(), "application/x-yaml")},
        headers=world.bearer("admin"),
    )
    assert response.status_code == 422, response.text
    assert "厂" * 101 not in response.text
    assert len(response.content) < 5000


# -- a real server, a body sent in chunks ---------------------------------------------------------


@contextmanager
def http_server(app: Any) -> Iterator[int]:
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields the port."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def send_chunked(port: int, path: str, media: str, most: int) -> tuple[bytes, int]:
    """POST up to ``most`` bytes in 64 KiB chunks (RFC 9112 §7.1), stopping as soon as the
    server answers; returns the answer's first bytes and how many body bytes were sent."""
    sent = 0
    chunk = b"x" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {media}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        while sent < most:
            if select.select([connection], [], [], 0)[0]:
                break  # answered already
            try:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                break  # the server closed the connection
            sent += len(chunk)
        connection.settimeout(20)
        return connection.recv(65536), sent


@pytest.mark.parametrize(
    ("path", "media"), [("/api/auth/login", "application/json"), ("/3/events", CLOUDEVENTS_JSON)]
)
def test_a_chunked_stream_is_cut_off_at_the_limit(
    client: TestClient, path: str, media: str
) -> None:
    """The server answers 413 while the client is still sending: it stops reading at the
    limit instead of taking the 64 MiB offered (socket buffers hold a few MiB more)."""
    most = 64 * 1024 * 1024
    with http_server(client.app) as port:
        answer, sent = send_chunked(port, path, media, most)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < most


def test_an_oversize_web_form_is_413(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=b"email=a%40example.com&password=" + b"x" * OVER,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert b"xxxxxxxx" not in response.content and len(response.content) < 1000
