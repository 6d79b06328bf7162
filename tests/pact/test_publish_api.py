"""Publishing through the platform API: ``POST /api/organisations/{id}/footprints`` computes and
stores a PACT v3 footprint, ``GET`` lists the versions, ``POST …/pact-clients`` makes the
credentials a partner uses on ``/auth/token``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.world import World, seed, settings_for
from dualcarbon.pact.schema import errors, validate
from dualcarbon.server import create_app
from dualcarbon.store import upgrade

from .conftest import PV_MODULE, pv_mapping
from .servers import https_server, self_signed

PUBLICATION = {
    "company_name": "甲电力有限公司",
    "company_ids": ["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
    "product_ids": ["urn:gtin:4712345060507"],
}


@pytest.fixture
def platform(db_url: str) -> Iterator[tuple[TestClient, World]]:
    upgrade(db_url)
    with TestClient(create_app(settings_for(db_url))) as client:
        yield client, seed(client.app.state.engine)  # type: ignore[attr-defined]


def as_json(raw: dict[str, Any]) -> Any:
    """The YAML mapping as JSON carries it (dates as ISO text)."""
    return json.loads(json.dumps(raw, default=str))


def _url(world: World) -> str:
    return f"/api/organisations/{world.org_a}/footprints"


def test_publish_versions_and_list(platform: tuple[TestClient, World]) -> None:
    client, world = platform
    owner = world.bearer("enterprise")
    body = {"publication": PUBLICATION, "product_system": as_json(pv_mapping())}
    first = client.post(_url(world), json=body, headers=owner)
    assert first.status_code == 201, first.text
    published = first.json()
    assert published["version"] == 1
    assert published["status"] == "Active"
    assert errors("ProductFootprint", published["document"]) == []
    # 69.6319 kgCO2e/m² by hand (tests/pact/test_mapping.py)
    assert published["document"]["pcf"]["pcfExcludingBiogenicUptake"] == "69.6319"
    assert published["pcf_excluding_biogenic_kgco2e"] == pytest.approx(69.63194, abs=1e-4)

    second = client.post(_url(world), json=body, headers=owner)
    assert second.status_code == 201
    assert second.json()["document"]["precedingPfIds"] == [published["id"]]

    listed = client.get(_url(world), headers=world.bearer("verifier"))
    assert listed.status_code == 200
    assert [(f["version"], f["status"]) for f in listed.json()] == [
        (1, "Deprecated"),
        (2, "Active"),
    ]
    assert listed.json()[0]["document"]["status"] == "Deprecated"


def test_publish_a_yaml_upload(platform: tuple[TestClient, World], tmp_path: Path) -> None:
    client, world = platform
    text = yaml.safe_dump(
        {"publication": PUBLICATION, "product_system": pv_mapping(geography="CN-JS")},
        allow_unicode=True,
    )
    response = client.post(
        _url(world),
        files={"file": ("pv-module.yaml", text.encode(), "application/yaml")},
        headers=world.bearer("admin"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["document"]["pcf"]["geographyCountrySubdivision"] == "CN-JS"


def test_the_example_text_as_product_system(platform: tuple[TestClient, World]) -> None:
    """``product_system`` may be the YAML file's text; the example has no mass, so PACT's
    productMassPerDeclaredUnit cannot be filled: 422 naming that field, nothing stored."""
    client, world = platform
    body = {"publication": PUBLICATION, "product_system": PV_MODULE.read_text(encoding="utf-8")}
    response = client.post(_url(world), json=body, headers=world.bearer("enterprise"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "productMassPerDeclaredUnit"
    assert client.get(_url(world), headers=world.bearer("enterprise")).json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_system": {}}, "publication"),
        ({"publication": PUBLICATION}, "product_system"),
        (
            {
                "publication": {**PUBLICATION, "product_ids": ["4712345060507"]},
                "product_system": {},
            },
            "product_ids",
        ),
    ],
)
def test_bad_submissions_are_422(
    platform: tuple[TestClient, World], body: dict[str, Any], field: str
) -> None:
    client, world = platform
    response = client.post(_url(world), json=body, headers=world.bearer("enterprise"))
    assert response.status_code == 422
    assert any(field in (p["field"] or "") for p in response.json()["problems"]), response.json()


def test_pact_client_gets_a_token(platform: tuple[TestClient, World]) -> None:
    client, world = platform
    created = client.post(
        f"/api/organisations/{world.org_a}/pact-clients",
        json={"name": "买方 PCF 系统", "event_url": "https://buyer.example/3/events"},
        headers=world.bearer("enterprise"),
    )
    assert created.status_code == 201, created.text
    credentials = created.json()
    basic = base64.b64encode(
        f"{credentials['client_id']}:{credentials['client_secret']}".encode()
    ).decode()
    token = client.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert token.status_code == 200
    listed = client.get(
        "/3/footprints", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert listed.json() == {"data": []}
    refused = client.post(
        f"/api/organisations/{world.org_a}/pact-clients",
        json={"name": "x", "event_url": "http://buyer.example/3/events"},  # not HTTPS
        headers=world.bearer("enterprise"),
    )
    assert refused.status_code == 422


@pytest.mark.parametrize(
    "extra",
    [
        {"event_auth_url": "https://buyer.example/auth/token"},  # without id and secret
        {"event_client_id": "us", "event_client_secret": "x"},  # without the token URL
    ],
)
def test_partner_credentials_come_together(
    platform: tuple[TestClient, World], extra: dict[str, str]
) -> None:
    client, world = platform
    response = client.post(
        f"/api/organisations/{world.org_a}/pact-clients",
        json={"name": "buyer", "event_url": "https://buyer.example/3/events", **extra},
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 422


def test_partner_credentials_are_accepted(platform: tuple[TestClient, World]) -> None:
    client, world = platform
    response = client.post(
        f"/api/organisations/{world.org_a}/pact-clients",
        json={
            "name": "buyer",
            "event_url": "https://buyer.example/3/events",
            "event_auth_url": "https://buyer.example/auth/token",
            "event_client_id": "us-at-buyer",
            "event_client_secret": "their-secret-for-us",
        },
        headers=world.bearer("admin"),
    )
    assert response.status_code == 201, response.text
    assert "their-secret-for-us" not in response.text


def test_publishing_notifies_clients(db_url: str, tmp_path: Path) -> None:
    """PACT v3 PublishedEvent: the data owner tells its recipients (here a loopback HTTPS
    partner, reachable because the administrator allows private targets, trusted through the CA
    bundle setting) which footprint ids were published."""
    received: list[dict[str, Any]] = []

    async def events(request: Request) -> Response:
        received.append(json.loads(await request.body()))
        return Response(status_code=200)

    partner = Starlette(routes=[Route("/3/events", events, methods=["POST"])])
    cert, key = self_signed(tmp_path, "partner")
    upgrade(db_url)
    settings = settings_for(db_url).model_copy(
        update={"pact_allow_private_event_urls": True, "pact_ca_bundle": str(cert)}
    )
    with (
        TestClient(create_app(settings)) as client,
        https_server(partner, cert, key) as partner_url,
    ):
        world = seed(client.app.state.engine)  # type: ignore[attr-defined]
        made = client.post(
            f"/api/organisations/{world.org_a}/pact-clients",
            json={"name": "buyer", "event_url": f"{partner_url}/3/events"},
            headers=world.bearer("enterprise"),
        )
        assert made.status_code == 201, made.text
        published = client.post(
            _url(world),
            json={"publication": PUBLICATION, "product_system": as_json(pv_mapping())},
            headers=world.bearer("enterprise"),
        )
        assert published.status_code == 201
    assert len(received) == 1  # background tasks ran before the test client returned
    validate("PublishedEvent", received[0])
    assert received[0]["data"]["pfIds"] == [published.json()["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "buyer\x00"}, "body.name"),  # PostgreSQL text cannot hold U+0000
        ({"name": "buyer", "colour": "red"}, "body.colour"),  # no unknown fields, as elsewhere
    ],
)
def test_a_pact_client_body_is_read_like_every_api_body(
    platform: tuple[TestClient, World], body: dict[str, str], field: str
) -> None:
    """The client's body follows the API's one input model: the request names the field (the
    NUL reached PostgreSQL before, where only the database-error net answered 422)."""
    client, world = platform
    response = client.post(
        f"/api/organisations/{world.org_a}/pact-clients",
        json=body,
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["problems"]] == [field]
