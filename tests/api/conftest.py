"""Fixtures for the API tests: an app on a migrated store, on SQLite and (when
``DUALCARBON_TEST_POSTGRES_URL`` is set) on PostgreSQL, in its own schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dualcarbon.server import create_app
from postgres import migrate

from .world import BACKENDS, World, database, seed, settings_for


@pytest.fixture(scope="module", params=BACKENDS)
def module_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of an empty database for one test module."""
    yield from database(request.param, tmp_path_factory.mktemp("api"))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database for one test."""
    yield from database(request.param, tmp_path)


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    """A client of an app on a fresh, migrated, empty store."""
    migrate(db_url)  # as upgrade(db_url) does, from a template (tests/postgres.py)
    with TestClient(create_app(settings_for(db_url))) as test_client:
        yield test_client


@pytest.fixture
def world(client: TestClient) -> World:
    """The seeded data in the store of ``client``."""
    return seed(client.app.state.engine)  # type: ignore[attr-defined]
