"""``GET /api/results/{id}`` keeps a result's rendered export and uncertainty (issue 12, server
speed; docs/decisions/0013-server-speed.md): a cached read answers the same bytes, and the cache
hides no tampering — the stored JSON is checked against its SHA-256 and the row's columns against
the evidence log on every read, hit or miss."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from dualcarbon.api import documents, principals, services

from .world import World


def _disable_result_trigger(connection: object, dialect: str) -> None:
    statement = (
        "DROP TRIGGER results_immutable"
        if dialect == "sqlite"
        else "ALTER TABLE results DISABLE TRIGGER results_immutable"
    )
    connection.execute(text(statement))  # type: ignore[attr-defined]


def _read(client: TestClient, world: World) -> bytes:
    answer = client.get(f"/api/results/{world.result_a}", headers=world.bearer("enterprise"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    return answer.content


def test_a_cache_hit_answers_the_bytes_of_the_miss_and_the_same_document(
    client: TestClient, world: World
) -> None:
    documents.clear()
    missed = _read(client, world)
    hit = _read(client, world)
    assert hit == missed
    with Session(world.engine) as session:
        principal = principals.for_api_key(session, world.keys["enterprise"])
        assert principal is not None
        built = services.result_document(session, principal, world.result_a)
    parsed = json.loads(missed)
    assert parsed == json.loads(json.dumps(built))  # the dict the API answered before
    assert list(parsed) == list(built)  # key for key, in the same order
    assert parsed["commitment"] == {"state": "lodged", "differs": []}
    assert parsed["uncertainty"] and parsed["evidence"]


def test_a_halved_total_is_flagged_on_a_cache_hit(client: TestClient, world: World) -> None:
    before = json.loads(_read(client, world))  # now cached
    with world.engine.begin() as connection:
        _disable_result_trigger(connection, connection.dialect.name)
        connection.execute(
            text("UPDATE results SET total_tco2e = total_tco2e / 2 WHERE id = :i"),
            {"i": world.result_a},
        )
    after = json.loads(_read(client, world))
    assert after["commitment"] == {"state": "differs", "differs": ["total_tco2e"]}
    assert after["total_tco2e"] == before["total_tco2e"]  # the export, as lodged


def test_a_changed_export_is_refused_on_a_cache_hit(client: TestClient, world: World) -> None:
    _read(client, world)  # now cached
    with world.engine.begin() as connection:
        _disable_result_trigger(connection, connection.dialect.name)
        connection.execute(
            text("UPDATE results SET result_json = result_json || ' ' WHERE id = :i"),
            {"i": world.result_a},
        )
    answer = client.get(f"/api/results/{world.result_a}", headers=world.bearer("enterprise"))
    assert answer.status_code == 409
    assert "does not match its SHA-256" in answer.json()["detail"]


def test_a_result_of_another_organisation_stays_hidden_when_cached(
    client: TestClient, world: World
) -> None:
    _read(client, world)  # cached for 甲's user
    answer = client.get(f"/api/results/{world.result_a}", headers=world.bearer("enterprise_b"))
    assert answer.status_code == 404


def test_the_cache_is_bounded(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents.clear()
    monkeypatch.setattr(documents, "CACHE_SIZE", 1)
    _read(client, world)
    other = client.get(f"/api/results/{world.result_b}", headers=world.bearer("enterprise_b"))
    assert other.status_code == 200
    assert documents.cached() == 1  # the older one was dropped
    assert _read(client, world) == _read(client, world)  # and is rendered again alike
