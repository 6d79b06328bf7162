"""The OpenAPI document describes what the server answers (issue 12, "Platform").

Before: every 422 was documented as FastAPI's ``HTTPValidationError`` while the server sends
``{detail, problems}``; 400, 401, 403, 404, 413 and 503 were missing; ``TRACE`` answered 404, not
405; ``"line": true`` was taken for line 1 and ``at=0`` for 1 January 1970.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from dualcarbon.server import create_app

from .world import World, settings_for

ERROR = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app(settings_for("sqlite://")).openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_no_operation_advertises_fastapis_validation_error(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(document)
    assert "ErrorBody" in document["components"]["schemas"]


def test_every_operation_documents_the_errors_it_can_answer(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        expected = {"422", "503"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if method in ("post", "put", "patch", "delete"):
            expected.add("403")
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for status in expected:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == ERROR, (method, path, status)
        assert "Retry-After" in responses["503"]["headers"]


def test_trace_is_405_with_allow(client: TestClient, world: World) -> None:
    response = client.request("TRACE", "/api/organisations", headers=world.bearer("admin"))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert set(response.json()) == {"detail", "problems"}
    missing = client.get("/api/no/such/thing", headers=world.bearer("admin"))
    assert missing.status_code == 404
    assert set(missing.json()) == {"detail", "problems"}


@pytest.mark.parametrize("line", [True, "1", 1.0, "1e0"])
def test_a_comment_line_must_be_a_json_integer(
    client: TestClient, world: World, line: object
) -> None:
    response = client.post(
        f"/api/results/{world.result_a}/comments",
        json={"text": "请核对", "line": line},
        headers=world.bearer("verifier"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["field"] == "body.line"


@pytest.mark.parametrize("at", ["0", "1700000000", "2024-1-2", "2024-01-02T00:00:00"])
def test_a_date_in_the_query_must_be_a_full_date(client: TestClient, world: World, at: str) -> None:
    response = client.get(f"/api/overview?at={at}", headers=world.bearer("regulator"))
    assert response.status_code == 422, response.text
    assert (
        client.get("/api/overview?at=2024-01-02", headers=world.bearer("regulator")).status_code
        == 200
    )


def test_a_validation_error_is_the_error_body(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/auth/login", json={"email": "x@example.cn", "password": "p" * 5000}
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "problems"}
    assert all(
        set(p) == {"file", "sheet", "row", "field", "rule", "rule_zh", "value"}
        for p in body["problems"]
    )


def test_a_text_is_measured_as_sent(client: TestClient, world: World) -> None:
    """maxLength counts the text as sent: 200 characters after a space are 201, refused, although
    the name is stored without the space (schemathesis found one accepted)."""
    response = client.post(
        f"/api/organisations/{world.org_a}/facilities",
        json={"name": " " + "厂" * 200},
        headers=world.bearer("admin"),
    )
    assert response.status_code == 422, response.text
    assert "at most 200 characters" in response.json()["problems"][0]["rule"]


@pytest.mark.parametrize("written", ["2%C2%85", "%2B2", "2_0", "%202", "%EF%BC%92"])
def test_an_id_in_the_url_is_ascii_digits(client: TestClient, world: World, written: str) -> None:
    """``int()`` takes ``"2\\u0085"`` (NEXT LINE is Unicode white space), ``"+2"``, ``"2_0"``,
    a full-width ２: none of them is the id 2 (schemathesis found ``/api/results/2%C2%85``)."""
    response = client.get(f"/api/results/{written}", headers=world.bearer("admin"))
    assert response.status_code == 422, (written, response.text)
    assert client.get(f"/api/results/{world.result_a}", headers=world.bearer("admin")).is_success


def test_a_repeated_query_parameter_is_refused(client: TestClient, world: World) -> None:
    """FastAPI keeps the last of ``?q=a&q=b``; no API route takes a list in its query string,
    so the request is refused instead of half read (schemathesis found it)."""
    response = client.get("/api/factors?q=coal&q=gas", headers=world.bearer("admin"))
    assert response.status_code == 422
    assert "q" in response.json()["problems"][0]["rule"]
    assert client.get("/api/factors?q=coal", headers=world.bearer("admin")).status_code == 200
