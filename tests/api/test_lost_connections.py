"""Database connections lost under requests: 503 with Retry-After or a retried answer, never a
500 or no answer (issue 12, "Platform": ``pg_terminate_backend`` during load gave 45 × 500 and
21 dropped answers).

PostgreSQL only: the server's backends are ended with ``pg_terminate_backend`` (waiting until
each is gone). The app's connections carry an ``application_name`` of their own, so only this
test's backends are ended, never another test's running beside it.

- **Mid-request, deterministically.** A hook on the app's engine ends the backend of the very
  connection about to run a statement (once, or every time): a GET (API, page, PACT) is run again
  on a fresh connection and answers 200; a GET that keeps losing its connection answers 503 with
  ``Retry-After``; a POST answers 503 at once (never repeated by the server) and stores nothing.
- **Between requests.** Every pooled connection is ended while idle: the next requests are
  served (the pool tests a connection before lending it).
- **Under load.** Eight clients send reads and comments to a real server while every backend of
  the app is ended again and again: every answer is 2xx, or 503 with ``Retry-After``; none is a
  500 and none is missing.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url

from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.server import create_app
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import ResultComment

from .test_robustness import serving
from .world import PASSWORD, POSTGRES_ENV, World, database, seed, settings_for

pytestmark = pytest.mark.postgres

REQUESTS = 240
"""Requests of the load test (a bound: the test ends when they are answered)."""
CLIENTS = 8


@pytest.fixture(scope="module")
def named_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL database of this module, its connections named ``dc-lost-<random>``."""
    import os

    if not os.environ.get(POSTGRES_ENV):
        pytest.skip(f"{POSTGRES_ENV} is not set")
    for url in database("postgresql", tmp_path_factory.mktemp("lost")):
        name = f"dc-lost-{uuid.uuid4().hex[:12]}"
        yield (
            make_url(url)
            .update_query_dict({"application_name": name})
            .render_as_string(hide_password=False)
        )


@pytest.fixture(scope="module")
def world(named_url: str) -> Iterator[World]:
    upgrade(named_url)
    engine = make_engine(named_url)
    yield seed(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def admin(named_url: str) -> Iterator[Engine]:
    """A connection outside the app's, to end the app's backends with."""
    engine = make_engine(make_url(named_url).update_query_dict({"application_name": "dc-admin"}))
    yield engine
    engine.dispose()


@pytest.fixture
def app(named_url: str, world: World) -> Iterator[FastAPI]:
    served = create_app(settings_for(named_url))
    yield served
    served.state.engine.dispose()


def _name(url: str) -> str:
    return str(make_url(url).query["application_name"])


def end_backends(admin: Engine, name: str) -> int:
    """End every backend named ``name``; how many there were."""
    with admin.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    return int(ended)


class Killer:
    """Ends the backend of the app's connection that is about to run a statement, ``times``
    times (``None``: every time), once armed."""

    def __init__(self, engine: Engine, admin: Engine) -> None:
        self.admin = admin
        self.left: int | None = 0
        self.ended = 0
        event.listen(engine, "before_cursor_execute", self._before)

    def arm(self, times: int | None = 1) -> None:
        self.left = times

    def _before(self, connection: Any, cursor: Any, *args: Any) -> None:
        if self.left is not None and self.left <= 0:
            return
        if self.left is not None:
            self.left -= 1
        pid = cursor.connection.info.backend_pid
        with self.admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        self.ended += 1


def _comments(world: World) -> int:
    with session_scope(world.engine) as session:
        return session.scalar(select(func.count()).select_from(ResultComment)) or 0


def _unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert int(response.headers["retry-after"]) > 0


def test_a_read_whose_connection_dies_is_answered_from_a_fresh_one(
    app: FastAPI, world: World, admin: Engine
) -> None:
    killer = Killer(app.state.engine, admin)
    with TestClient(app) as client:
        assert client.get("/api/me", headers=world.bearer("admin")).status_code == 200
        killer.arm()
        response = client.get(f"/api/results/{world.result_a}", headers=world.bearer("admin"))
        assert response.status_code == 200, response.text[:300]
        assert killer.ended == 1
        client.post("/login", data={"email": world.email("admin"), "password": PASSWORD})
        killer.arm()
        page = client.get(f"/results/{world.result_a}/report")
        assert page.status_code == 200, page.text[:300]
        assert killer.ended == 2


def test_a_read_that_keeps_losing_its_connection_answers_503(
    app: FastAPI, world: World, admin: Engine
) -> None:
    killer = Killer(app.state.engine, admin)
    with TestClient(app) as client:
        killer.arm(None)
        _unavailable(client.get("/api/organisations", headers=world.bearer("admin")))
        assert killer.ended == 2  # tried twice, no more
        killer.arm(0)
        assert client.get("/api/organisations", headers=world.bearer("admin")).status_code == 200


def test_a_write_whose_connection_dies_answers_503_and_stores_nothing(
    app: FastAPI, world: World, admin: Engine
) -> None:
    killer = Killer(app.state.engine, admin)
    before = _comments(world)
    with TestClient(app) as client:
        killer.arm()
        response = client.post(
            f"/api/results/{world.result_a}/comments",
            json={"text": "连接中断时的意见"},
            headers=world.bearer("verifier"),
        )
        _unavailable(response)
        assert response.json()["detail"].startswith("the database is unavailable")
        assert killer.ended == 1  # not repeated by the server
        assert _comments(world) == before


def test_a_page_post_whose_connection_dies_answers_a_503_page(
    app: FastAPI, world: World, admin: Engine
) -> None:
    killer = Killer(app.state.engine, admin)
    with TestClient(app) as client:
        client.post(
            "/login",
            data={"email": world.email("verifier"), "password": PASSWORD},
        )
        killer.arm()
        response = client.post(
            f"/results/{world.result_a}/comments",
            data={"text": "连接中断"},
            follow_redirects=False,
        )
        _unavailable(response)
        assert "数据库暂时无法访问" in response.text
        killer.arm()
        page = client.get(f"/results/{world.result_a}")
        assert page.status_code == 200


def test_a_pact_read_whose_connection_dies_is_answered(
    app: FastAPI, world: World, admin: Engine
) -> None:
    killer = Killer(app.state.engine, admin)
    with TestClient(app) as client:
        created = client.post(
            f"/api/organisations/{world.org_a}/pact-clients",
            json={"name": "partner"},
            headers=world.bearer("admin"),
        ).json()
        basic = base64.b64encode(f"{created['client_id']}:{created['client_secret']}".encode())
        token = client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic.decode()}"},
        ).json()["access_token"]
        killer.arm()
        response = client.get("/3/footprints", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        killer.arm(None)
        lost = client.get("/3/footprints", headers={"Authorization": f"Bearer {token}"})
        _unavailable(lost)
        assert lost.json()["code"] == "InternalError"


def test_idle_connections_ended_between_requests_are_replaced(
    app: FastAPI, world: World, admin: Engine, named_url: str
) -> None:
    with TestClient(app) as client:
        for _ in range(3):
            for _ in range(4):
                response = client.get("/api/organisations", headers=world.bearer("admin"))
                assert response.status_code == 200
            assert end_backends(admin, _name(named_url)) >= 1
        assert client.get("/api/organisations", headers=world.bearer("admin")).status_code == 200


def test_backends_ended_under_load_never_give_a_500(
    app: FastAPI, world: World, admin: Engine, named_url: str
) -> None:
    name = _name(named_url)
    statuses: Counter[int] = Counter()
    missing: list[str] = []
    done = threading.Event()
    ended = 0

    def kill_repeatedly() -> None:
        nonlocal ended
        for _ in range(10_000):  # bounded; stops as soon as the requests are answered
            if done.wait(0.02):
                return
            ended += end_backends(admin, name)

    with TestClient(app) as signing:
        signing.post("/login", data={"email": world.email("admin"), "password": PASSWORD})
        cookies = {COOKIE_NAME: signing.cookies[COOKIE_NAME]}
    escaped: list[str] = []

    async def recording(scope: Any, receive: Any, send: Any) -> None:
        """The app, noting any error that escapes it (after an answer began, the client may
        get it whole, cut short, or not at all)."""
        try:
            await app(scope, receive, send)
        except Exception as exc:
            escaped.append(repr(exc))
            raise

    with serving(recording) as port:  # type: ignore[arg-type]
        base = f"http://127.0.0.1:{port}"

        def one(i: int) -> None:
            try:
                with httpx.Client(base_url=base, timeout=60, cookies=cookies) as http:
                    if i % 3 == 2:
                        response = http.post(
                            f"/api/results/{world.result_a}/comments",
                            json={"text": f"负载下的意见 {i}"},
                            headers=world.bearer("admin"),
                        )
                    elif i % 3 == 1:
                        response = http.get(f"/results/{world.result_a}/report")
                    else:
                        response = http.get(
                            f"/api/organisations/{world.org_a}/results",
                            headers=world.bearer("admin"),
                        )
            except httpx.HTTPError as exc:
                missing.append(f"{i}: {exc!r}")
                return
            statuses[response.status_code] += 1
            if response.status_code == 503:
                assert "retry-after" in response.headers
            else:
                assert response.status_code < 400, (response.status_code, response.text[:300])

        killer = threading.Thread(target=kill_repeatedly)
        killer.start()
        try:
            with ThreadPoolExecutor(CLIENTS) as pool:
                list(pool.map(one, range(REQUESTS)))
        finally:
            done.set()
            killer.join(timeout=30)
    assert not missing, missing[:5]
    assert not escaped, escaped[:5]
    assert sum(statuses.values()) == REQUESTS, statuses
    assert 500 not in statuses, statuses
    assert ended > 0  # the backends were really ended under the requests
    print(f"answers {dict(statuses)}, backends ended {ended}")
