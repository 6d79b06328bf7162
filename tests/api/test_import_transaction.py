"""An import holds no database transaction while it reads and accounts the file (issue 12,
"Platform": big imports kept a transaction "idle in transaction" for seconds while accounting).

The reading (``services.inventory_from_json`` / ``inventory_from_upload``) and the accounting
(``services.account``) are wrapped to look at the database at the moment they run: the app's pool
must have no connection lent out (so no session holds a transaction), and on PostgreSQL no backend
of the app may be "idle in transaction". Then the import must still be stored whole. Every way in
is tried: a JSON import, an uploaded YAML file, a correction, and the web page's upload and
correction forms; then a register import (read outside) and a footprint published through the
API and the web form (solved outside).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from dualcarbon.api import registers, services
from dualcarbon.demo import demo_register_path
from dualcarbon.pact import repository as pact_repository
from dualcarbon.server import create_app
from dualcarbon.store import make_engine, upgrade
from pact.conftest import pv_mapping
from pact.test_publish_api import PUBLICATION
from postgres import BACKENDS

from .test_robustness import fresh
from .world import ORG_A, PASSWORD, World, database, seed, settings_for


@pytest.fixture(scope="module", params=BACKENDS)
def named_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of this module; on PostgreSQL its connections are named, to be found in
    ``pg_stat_activity``."""
    for url in database(request.param, tmp_path_factory.mktemp("txn")):
        if request.param == "postgresql":
            name = f"dc-txn-{uuid.uuid4().hex[:12]}"
            url = make_url(url).update_query_dict({"application_name": name})
            url = url.render_as_string(hide_password=False)
        yield url


@pytest.fixture(scope="module")
def world(named_url: str) -> Iterator[World]:
    upgrade(named_url)
    engine = make_engine(named_url)
    yield seed(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(named_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(named_url))) as test_client:
        login = test_client.post(
            "/login", data={"email": world.email("enterprise"), "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        yield test_client


def _idle_in_transaction(world: World, url: str) -> int:
    """The app's PostgreSQL backends idle in a transaction (0 on SQLite)."""
    name = make_url(url).query.get("application_name")
    if name is None:
        return 0
    with world.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                    "AND state LIKE 'idle in transaction%'"
                ),
                {"name": name},
            ).scalar_one()
        )


def _watcher(
    client: TestClient, world: World, url: str, seen: list[tuple[str, int, int]]
) -> Callable[[str, Callable[..., Any]], Callable[..., Any]]:
    """Wraps a step so that, when it runs, (step, connections lent out, backends idle in
    transaction) is noted in ``seen``."""
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]

    def watch(step: str, work: Callable[..., Any]) -> Callable[..., Any]:
        def watching(*args: Any, **kwargs: Any) -> Any:
            seen.append((step, engine.pool.checkedout(), _idle_in_transaction(world, url)))
            return work(*args, **kwargs)

        return watching

    return watch


@pytest.fixture
def watched(
    client: TestClient, world: World, named_url: str, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, int, int]]:
    """(step, connections lent out, backends idle in transaction) at each reading and
    accounting step of the imports the test makes."""
    seen: list[tuple[str, int, int]] = []
    watch = _watcher(client, world, named_url, seen)
    monkeypatch.setattr(services, "account", watch("account", services.account))
    for reader in ("inventory_from_json", "inventory_from_upload"):
        monkeypatch.setattr(services, reader, watch(reader, getattr(services, reader)))
    return seen


def _quiet(seen: list[tuple[str, int, int]], *steps: str) -> None:
    assert [s for s, _, _ in seen] == list(steps), seen
    assert all(lent == 0 and idle == 0 for _, lent, idle in seen), seen


def test_a_json_import_accounts_outside_any_transaction(
    client: TestClient, world: World, watched: list[tuple[str, int, int]]
) -> None:
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        json=fresh(),
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 201, response.text
    _quiet(watched, "inventory_from_json", "account")


def test_an_uploaded_file_and_its_correction_account_outside_any_transaction(
    client: TestClient, world: World, watched: list[tuple[str, int, int]]
) -> None:
    body = fresh()
    upload = yaml.safe_dump(body, allow_unicode=True).encode()
    response = client.post(
        f"/api/organisations/{world.org_a}/inventories",
        files={"file": ("电厂.yaml", upload, "application/x-yaml")},
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 201, response.text
    body["fuel"][0]["consumption"] = body["fuel"][0]["consumption"] * 1.01
    corrected = client.post(
        f"/api/organisations/{world.org_a}/inventories/{response.json()['inventory_id']}"
        "/corrections",
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert corrected.status_code == 201, corrected.text
    _quiet(watched, "inventory_from_upload", "account", "inventory_from_json", "account")


def test_the_web_upload_and_correction_account_outside_any_transaction(
    client: TestClient, world: World, watched: list[tuple[str, int, int]]
) -> None:
    body = fresh()
    response = client.post(
        f"/organisations/{world.org_a}/upload",
        files={"file": ("电厂.yaml", yaml.safe_dump(body, allow_unicode=True).encode())},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    listed = client.get(
        f"/api/organisations/{world.org_a}/inventories", headers=world.bearer("enterprise")
    ).json()
    stored = listed[-1]["id"]
    body["fuel"][0]["consumption"] = body["fuel"][0]["consumption"] * 1.02
    corrected = client.post(
        f"/organisations/{world.org_a}/inventories/{stored}/correct",
        files={"file": ("电厂.yaml", yaml.safe_dump(body, allow_unicode=True).encode())},
        follow_redirects=False,
    )
    assert corrected.status_code == 303, corrected.text
    _quiet(watched, "inventory_from_upload", "account", "inventory_from_upload", "account")


@pytest.fixture
def watched_register_and_footprint(
    client: TestClient, world: World, named_url: str, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, int, int]]:
    """As :func:`watched`, at reading a register and at solving a product system."""
    seen: list[tuple[str, int, int]] = []
    watch = _watcher(client, world, named_url, seen)
    for reader in ("register_from_json", "register_from_upload"):
        monkeypatch.setattr(registers, reader, watch(reader, getattr(registers, reader)))
    monkeypatch.setattr(
        pact_repository,
        "compute_footprint",
        watch("compute_footprint", pact_repository.compute_footprint),
    )
    return seen


def test_a_register_import_reads_outside_any_transaction(
    client: TestClient, world: World, watched_register_and_footprint: list[tuple[str, int, int]]
) -> None:
    register = yaml.safe_load(demo_register_path().read_text(encoding="utf-8"))
    register["register"]["organisation"] = ORG_A
    response = client.post(
        f"/api/organisations/{world.org_a}/instruments",
        files={"file": ("台账.yaml", yaml.safe_dump(register, allow_unicode=True).encode())},
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 201, response.text
    _quiet(watched_register_and_footprint, "register_from_upload")


def test_a_footprint_is_solved_outside_any_transaction(
    client: TestClient, world: World, watched_register_and_footprint: list[tuple[str, int, int]]
) -> None:
    system = json.loads(json.dumps(pv_mapping(), default=str))
    body = {"publication": PUBLICATION, "product_system": system}
    response = client.post(
        f"/api/organisations/{world.org_a}/footprints",
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 201, response.text
    page = client.post(  # the web form, logged in as the same enterprise user
        f"/organisations/{world.org_a}/footprints",
        files={"file": ("光伏.yaml", yaml.safe_dump(body, allow_unicode=True).encode())},
        follow_redirects=False,
    )
    assert page.status_code == 303, page.text
    _quiet(watched_register_and_footprint, "compute_footprint", "compute_footprint")
