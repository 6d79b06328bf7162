"""schemathesis over the app's OpenAPI document: nothing an authenticated admin or enterprise
user sends makes a 5xx (issue 4), and every answer is one the document describes (issue 12).

Every operation of the document (read when the module is collected, so a route added later is
tried too) is fuzzed twice by schemathesis 4, ``max_examples`` cases each, through the ASGI app on
a seeded SQLite store:

- **positive** — data the schema allows, with the path ids pointing at seeded records (organisation
  甲, its result, the verifier, a spare key of the admin, sequence 0, a real factor), so bodies and
  query strings reach the code behind the lookups rather than stopping at 404;
- **negative** — data the schema forbids (ids included), where the operation has a body or a path
  or query parameter to break.

The checks: ``not_a_server_error`` (a 5xx is a bug whatever the request); the answer's status,
media type, headers and body are the ones the document gives for the operation
(``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``,
``response_schema_conformance``: every 422 is ``{detail, problems}``); and data the document
forbids is refused (``negative_data_rejection``: ``"line": true`` is not line 1). The command-line
run with ``--checks all`` is in docs/api.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode
from sqlalchemy import update

from dualcarbon.factors import default_catalogue
from dualcarbon.security import new_api_key, sha256
from dualcarbon.server import create_app
from dualcarbon.store import session_scope, upgrade
from dualcarbon.store.models import ApiKey

from .world import World, seed, settings_for

MAX_EXAMPLES = 15
"""Cases per operation, mode and user: some 4,500 requests in all, which keeps the whole suite
within its 15 minutes (25 took a minute more of it)."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
USERS = ("admin", "enterprise")


def _operations() -> list[Any]:
    """Every operation × generation mode; negative data only where there is something to make
    invalid (a body, or a path or query parameter; a cookie is any string)."""
    found = []
    for path, item in create_app(settings_for("sqlite://")).openapi()["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            found.append(pytest.param(method.upper(), path, GenerationMode.POSITIVE, id=label))
            if "requestBody" in operation or any(
                p["in"] in ("path", "query") for p in operation.get("parameters", [])
            ):
                found.append(
                    pytest.param(method.upper(), path, GenerationMode.NEGATIVE, id=f"{label} neg")
                )
    return found


OPERATIONS = _operations()


@dataclass
class Served:
    app: FastAPI
    schema: Any
    """the app's document as schemathesis loaded it (through the app, once)"""
    world: World
    path_ids: dict[str, Any]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'api.sqlite'}"
    upgrade(url)
    app = create_app(settings_for(url))
    world = seed(app.state.engine)
    token, prefix = new_api_key()
    with session_scope(world.engine) as session:
        spare = ApiKey(
            user_id=world.users["admin"], name="spare", prefix=prefix, key_hash=sha256(token)
        )
        session.add(spare)
        session.flush()
        spare_id = spare.id
    path_ids = {
        "organisation_id": world.org_a,
        "result_id": world.result_a,
        "user_id": world.users["verifier"],
        "key_id": spare_id,
        "sequence": 0,
        "factor_id": default_catalogue().search(None)[0].ref,
    }
    yield Served(app, schemathesis.openapi.from_asgi("/openapi.json", app), world, path_ids)
    app.state.engine.dispose()


def _keep_key(world: World, who: str) -> None:
    """Undo a revocation of the user's own key (a fuzzed ``DELETE /api/keys/{id}`` may hit it),
    so the cases after it are still authenticated."""
    with session_scope(world.engine) as session:
        session.execute(
            update(ApiKey).where(ApiKey.id == world.key_ids[who]).values(revoked_at=None)
        )


@pytest.mark.parametrize("who", USERS)
@pytest.mark.parametrize(("method", "path", "mode"), OPERATIONS)
def test_no_server_errors(
    served: Served, method: str, path: str, mode: GenerationMode, who: str
) -> None:
    operation = served.schema[path][method]
    headers = served.world.bearer(who)
    fixed = {}
    if mode is GenerationMode.POSITIVE:
        names = {p["name"] for p in operation.definition.raw.get("parameters", [])}
        fixed = {name: value for name, value in served.path_ids.items() if name in names}
    statuses: Counter[int] = Counter()

    # the key is given, not generated: a mutated Authorization header the call then replaces
    # made a "negative" case the server rightly accepted (ST201 on GET /api/factors)
    @given(case=operation.as_strategy(mode, path_parameters=fixed or None, headers=headers))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1
        if method == "DELETE":
            _keep_key(served.world, who)

    fuzz()
    assert statuses, "no request was sent"
    assert 401 not in statuses or path == "/api/auth/login", statuses
