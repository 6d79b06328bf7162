"""Every answer of the PACT routes is in PACT's error shape ``{code, message}`` (v3 OpenAPI
``components.schemas.Error``), Starlette's own 404 and 405 included: a partner's client parses one
shape (issue 12: the 405 answered ``{"detail": …}``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dualcarbon.api import Settings
from dualcarbon.server import create_app


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("DUALCARBON_HOME", str(tmp_path / "home"))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'store.sqlite'}",
        secret_key="pact-errors-test",  # type: ignore[arg-type]
        cookie_secure=False,
    )
    return TestClient(create_app(settings))


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/3/footprints", "GET"),
        ("DELETE", "/3/footprints", "GET"),
        ("PUT", "/auth/token", "POST"),
        ("GET", "/3/events", "POST"),
    ],
)
def test_a_method_the_path_does_not_serve_is_405_in_pact_shape(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json() == {"code": "BadRequest", "message": "Method Not Allowed"}


def test_an_unknown_pact_path_is_404_not_found_in_pact_shape(client: TestClient) -> None:
    response = client.get("/3/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"code": "NotFound", "message": "Not Found"}
