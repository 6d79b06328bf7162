"""Publishing from the organisation page: the form posts the same document as the API, the page
lists the versions, and each version's GB/T 24067 study report is recomputed from the product
system stored with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml
from fastapi.testclient import TestClient

from api.world import PASSWORD, World, seed, settings_for
from dualcarbon.server import create_app
from dualcarbon.store import upgrade

from .conftest import pv_mapping

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


def _login(client: TestClient, world: World, role: str) -> None:
    login = client.post("/login", data={"email": world.email(role), "password": PASSWORD})
    assert login.status_code in (200, 303)


def _upload(client: TestClient, world: World, document: dict[str, object]) -> object:
    text = yaml.safe_dump(document, allow_unicode=True)
    return client.post(
        f"/organisations/{world.org_a}/footprints?lang=zh",
        files={"file": ("pv.yaml", text.encode(), "application/yaml")},
        follow_redirects=True,
    )


def test_publish_list_and_report_from_the_page(platform: tuple[TestClient, World]) -> None:
    client, world = platform
    _login(client, world, "enterprise")
    page = _upload(client, world, {"publication": PUBLICATION, "product_system": pv_mapping()})
    assert page.status_code == 200  # type: ignore[attr-defined]
    text = page.text  # type: ignore[attr-defined]
    assert "已发布产品碳足迹" in text and "footprint-table" in text
    # 69.6319 kgCO2e per m² (summed by hand in tests/unit/footprint/test_footprint.py)
    assert "69.63 kgCO2e / 1 square meter" in text
    listed = client.get(f"/api/organisations/{world.org_a}/footprints").json()
    assert len(listed) == 1
    report = client.get(f"/footprints/{listed[0]['id']}?lang=en")
    assert report.status_code == 200
    assert "CFP study report" in report.text or "study report" in report.text
    assert "69.63" in report.text and "<svg" in report.text


def test_a_broken_upload_is_shown_and_nothing_stored(platform: tuple[TestClient, World]) -> None:
    client, world = platform
    _login(client, world, "enterprise")
    broken = pv_mapping()
    broken["processes"][0]["exchanges"][1]["unit"] = "zorkmid"
    page = _upload(client, world, {"publication": PUBLICATION, "product_system": broken})
    assert page.status_code == 422  # type: ignore[attr-defined]
    assert "unknown unit" in page.text and "process wafer" in page.text  # type: ignore[attr-defined]
    assert client.get(f"/api/organisations/{world.org_a}/footprints").json() == []


def test_another_organisation_cannot_read_the_report(platform: tuple[TestClient, World]) -> None:
    client, world = platform
    _login(client, world, "enterprise")
    _upload(client, world, {"publication": PUBLICATION, "product_system": pv_mapping()})
    footprint = client.get(f"/api/organisations/{world.org_a}/footprints").json()[0]["id"]
    client.post("/logout")
    _login(client, world, "enterprise_b")
    assert client.get(f"/footprints/{footprint}").status_code in (403, 404)
    assert client.get("/footprints/no-such-id").status_code == 404
