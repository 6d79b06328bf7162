"""Factors and methodologies over HTTP; lookups of absent things are 404; the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dualcarbon.factors import default_catalogue
from dualcarbon.server import create_app

from .world import World, settings_for


def test_factor_search_in_chinese(client: TestClient, world: World) -> None:
    response = client.get(
        "/api/factors",
        params={"q": "天然气", "kind": "net_calorific_value"},
        headers=world.bearer("verifier"),
    )
    assert response.status_code == 200
    found = response.json()
    assert found and all(f["factor"]["kind"] == "net_calorific_value" for f in found)
    assert {f["factor"]["source"]["id"] for f in found} >= {"ipcc-2006-v2-ch1", "cn-mee-power-2022"}


def test_factor_by_id_with_slashes_and_versions(client: TestClient, world: World) -> None:
    factor_id = "cn-mee-power-2022/carbon_content_per_heat/coal_unmeasured"
    response = client.get(f"/api/factors/{factor_id}", headers=world.bearer("enterprise"))
    assert response.status_code == 200, response.text
    body = response.json()
    expected = default_catalogue().get(factor_id)
    assert (body["ref"], body["factor"]["value"]) == (expected.ref, expected.value)
    assert body["versions"] == [v.ref for v in default_catalogue().versions(factor_id)]


def test_unknown_factor_is_404(client: TestClient, world: World) -> None:
    response = client.get("/api/factors/no/such/factor", headers=world.bearer("enterprise"))
    assert response.status_code == 404
    assert "no/such/factor" in response.json()["detail"]


def test_methodologies_list_the_revisions(client: TestClient, world: World) -> None:
    response = client.get("/api/methodologies", headers=world.bearer("metrology_reviewer"))
    refs = {m["ref"] for m in response.json()}
    assert {"cn-mee-power-2021@1", "cn-mee-power-2022@1"} <= refs


def test_absent_ids_are_404_not_500(client: TestClient, world: World) -> None:
    for url in ("/api/organisations/987654", "/api/results/987654", "/api/organisations/1/x"):
        response = client.get(url, headers=world.bearer("admin"))
        assert response.status_code == 404, url
    assert client.get("/api/results/abc", headers=world.bearer("admin")).status_code == 422
    absent = client.put(
        "/api/users/987654/organisations",
        json={"organisation_ids": []},
        headers=world.bearer("admin"),
    )
    assert absent.status_code == 404
    duplicate = client.post(
        "/api/organisations", json={"name": " 甲电力有限公司 "}, headers=world.bearer("admin")
    )
    assert duplicate.status_code == 409


def test_openapi_document_generates() -> None:
    schema = create_app(settings_for("sqlite://")).openapi()
    assert schema["info"]["title"] == "dualcarbon"
    upload = schema["paths"]["/api/organisations/{organisation_id}/inventories"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_hostile_input_is_4xx_never_500(client: TestClient, world: World) -> None:
    admin = world.bearer("admin")
    huge = 10**20
    for url in (f"/api/organisations/{huge}", f"/api/results/{huge}", "/api/results/0"):
        assert client.get(url, headers=admin).status_code == 422, url
    assert client.delete(f"/api/keys/{huge}", headers=admin).status_code == 422
    body = {"email": "h@example.cn", "name": "h", "password": "x" * 20, "role": "enterprise"}
    too_big = client.post("/api/users", json={**body, "organisation_id": huge}, headers=admin)
    assert too_big.status_code == 422
    url = f"/api/organisations/{world.org_a}/inventories"
    for content in (b'{"inventory": NaN}', b"[" * 100_000 + b"]" * 100_000):
        response = client.post(
            url, content=content, headers={**admin, "Content-Type": "application/json"}
        )
        assert response.status_code == 422, content[:20]
    deep = client.post(url, files={"file": ("d.yaml", b"[" * 50_000)}, headers=admin)
    assert deep.status_code == 422
