"""Ids beyond what the database stores and NULs in URLs answer 4xx on every route, never a 500
(issue 12, "Platform": on PostgreSQL ``/results/99999999999``, ``/organisations/99999999999``,
``/footprints/%00`` and an upload to organisation 99999999999 answered a plain-text 500).

The routes are read from the server's own route table — the OpenAPI documents of the API, of the
web pages and of PACT, the last two generated although not served — so a route added later is
tried too. Each integer parameter of each route is sent as 99 999 999 999 (beyond PostgreSQL's
``integer``) with the others valid, and each text parameter as ``%00``; an id at the top of the
range must reach the route and be not found rather than overflow. Runs on SQLite and PostgreSQL
(where the 500s were). Each integer is also sent as ``2`` followed by U+0085: an integer in a URL
is ASCII digits only, or a URL could name an id it does not spell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from dualcarbon.api.schemas import MAX_ID
from dualcarbon.server import create_app
from dualcarbon.store import make_engine, upgrade

from .world import PASSWORD, World, seed, settings_for

BEYOND = 99_999_999_999


def _documents(app: FastAPI) -> list[dict[str, Any]]:
    """The OpenAPI documents of the API, the mounted web pages and PACT."""
    apps = [app] + [
        r.app for r in app.routes if isinstance(r, Mount) and isinstance(r.app, FastAPI)
    ]
    apps.append(app.state.pact)
    return [each.openapi() for each in apps]


def _operations() -> list[tuple[str, str, list[dict[str, Any]]]]:
    found = []
    for document in _documents(create_app(settings_for("sqlite://"))):
        for path, item in document["paths"].items():
            for method, operation in item.items():
                parameters = [
                    p for p in operation.get("parameters", []) if p["in"] in ("path", "query")
                ]
                found.append((method.upper(), path, parameters))
    return found


OPERATIONS = _operations()


def _types(parameter: dict[str, Any]) -> set[str]:
    schema = parameter["schema"]
    return {s.get("type", "") for s in schema.get("anyOf", [schema])}


def _cases() -> list[Any]:
    """(method, path, where the bad value goes, the bad value, the statuses allowed)."""
    cases = []
    for method, path, parameters in OPERATIONS:
        for parameter in parameters:
            name, where = parameter["name"], parameter["in"]
            label = f"{method} {path} {name}"
            if "integer" in _types(parameter):
                cases.append(pytest.param(method, path, name, BEYOND, {422}, id=f"{label}=big"))
                # "2" and U+0085 (NEXT LINE, Unicode white space): int() would read it as 2
                odd = {400} if path.startswith(("/3/", "/auth/")) else {422}
                cases.append(pytest.param(method, path, name, "2%C2%85", odd, id=f"{label}=nel"))
                if name.endswith("_id") and where == "path":
                    top = {400, 401, 403, 404, 409, 413, 415, 422}
                    cases.append(pytest.param(method, path, name, MAX_ID, top, id=f"{label}=max"))
            elif "string" in _types(parameter):
                nul = {400} if path.startswith(("/3/", "/auth/")) else {422}
                cases.append(pytest.param(method, path, name, "\x00", nul, id=f"{label}=nul"))
    return cases


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    upgrade(module_db_url)
    engine = make_engine(module_db_url)
    yield seed(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(module_db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(module_db_url))) as test_client:
        login = test_client.post(
            "/login",
            data={"email": world.email("admin"), "password": PASSWORD},
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        yield test_client


def _url(path: str, parameters: list[dict[str, Any]], bad: str, value: Any, world: World) -> str:
    """``path`` with every path parameter filled (``bad`` with ``value``, the others with valid
    seeded ids or plain text), and ``bad`` in the query string if it is a query parameter."""
    valid = {"organisation_id": world.org_a, "result_id": world.result_a}
    valid["inventory_id"] = world.inventory_a

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        chosen = value if name == bad else valid.get(name, 1)
        if name != bad and not any(
            p["name"] == name and "integer" in _types(p) for p in parameters
        ):
            chosen = "x"
        return "%00" if chosen == "\x00" else str(chosen)

    url = re.sub(r"\{(\w+)\}", fill, path)
    if not any(p["name"] == bad and p["in"] == "path" for p in parameters):
        url += f"?{bad}=" + ("%00" if value == "\x00" else str(value))
    return url


@pytest.mark.parametrize(("method", "path", "bad", "value", "statuses"), _cases())
def test_every_route_refuses_ids_beyond_the_database_and_nul(
    client: TestClient,
    world: World,
    method: str,
    path: str,
    bad: str,
    value: Any,
    statuses: set[int],
) -> None:
    parameters = next(p for m, q, p in OPERATIONS if m == method and q == path)
    url = _url(path, parameters, bad, value, world)
    headers = world.bearer("admin") if path.startswith("/api/") else {}
    response = client.request(method, url, headers=headers, follow_redirects=False)
    assert response.status_code in statuses, (url, response.status_code, response.text[:300])
    assert value != "\x00" or "\x00" not in response.text  # the NUL is not echoed back


def test_the_reported_pages_answer_422() -> None:
    """The four requests of the issue are among the cases above."""
    cases = {(p.values[0], p.values[1], p.values[3]) for p in _cases()}
    assert ("GET", "/results/{result_id}", BEYOND) in cases
    assert ("GET", "/organisations/{organisation_id}", BEYOND) in cases
    assert ("GET", "/footprints/{footprint_id}", "\x00") in cases
    assert ("POST", "/organisations/{organisation_id}/upload", BEYOND) in cases


def test_every_integer_in_a_url_is_bounded_by_the_database() -> None:
    """Every integer parameter of every surface carries a maximum the database can store, so a
    route added later without one fails here on any backend, not only on PostgreSQL."""
    unbounded = [
        f"{method} {path} {p['name']}"
        for method, path, parameters in OPERATIONS
        for p in parameters
        for s in p["schema"].get("anyOf", [p["schema"]])
        if s.get("type") == "integer" and not s.get("maximum", MAX_ID + 1) <= MAX_ID
    ]
    assert not unbounded


def test_a_body_the_database_cannot_store_is_422_not_500(client: TestClient, world: World) -> None:
    """A body model without the NUL rule (the PACT client's name, until it has one) reaches the
    database: PostgreSQL's refusal is a 422, not a 500 (SQLite stores it)."""
    response = client.post(
        f"/api/organisations/{world.org_a}/pact-clients",
        json={"name": "伙伴\x00系统"},
        headers=world.bearer("admin"),
    )
    assert response.status_code in (201, 422), response.text
