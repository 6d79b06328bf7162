"""Parks on the demo platform: the park manager reads the park's account and evaluation (the
same figures as `dualcarbon parks evaluate` gives from the files), not a member's own accounting
until the member grants it; outsiders do not see the park at all."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from demo_platform import seeded_demo
from dualcarbon.demo import demo_park_path
from dualcarbon.demo.platform import PASSWORD
from dualcarbon.io.park_files import account_park_file
from dualcarbon.server import create_app


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("parks")
    settings = seeded_demo(folder)
    return TestClient(create_app(settings))


def _login(client: TestClient, email: str) -> None:
    client.cookies.clear()
    response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_the_manager_reads_the_parks_figures(platform: TestClient) -> None:
    _login(platform, "park@demo.cn")
    (park,) = platform.get("/api/parks").json()
    assert park["years"] == [2025] and len(park["members"]) == 4
    expected = account_park_file(demo_park_path())
    found = platform.get(f"/api/parks/{park['id']}/years/2025")
    assert found.status_code == 200, found.text
    document = found.json()
    assert document["location_tco2e"] == pytest.approx(expected.location_tco2e, rel=1e-9)
    assert document["market_tco2e"] == pytest.approx(expected.market_tco2e, rel=1e-9)
    assert document["energy_tce"] == pytest.approx(expected.energy_tce, rel=1e-9)
    core = document["evaluation"]["indicators"][0]
    assert core["id"] == "carbon_per_energy" and core["limit"] == 0.2
    page = platform.get(f"/parks/{park['id']}?lang=zh")
    assert page.status_code == 200 and "零碳园区评价" in page.text
    report = platform.get(f"/parks/{park['id']}/years/2025/report?lang=zh")
    assert report.status_code == 200 and "910号" in report.text and "<svg" in report.text


def test_a_members_details_only_once_granted(platform: TestClient) -> None:
    _login(platform, "park@demo.cn")
    (park,) = platform.get("/api/parks").json()
    granted = {m["name"]: m for m in park["members"]}
    chp = next(m for m in park["members"] if m["utility"])
    mill = granted["示例轧钢有限公司"]
    assert chp["details_granted"] and not mill["details_granted"]
    assert platform.get(f"/api/organisations/{chp['organisation_id']}/results").status_code == 200
    closed = platform.get(f"/api/organisations/{mill['organisation_id']}/results")
    assert closed.status_code == 404
    _login(platform, "admin@demo.cn")
    url = f"/api/organisations/{mill['organisation_id']}/parks/{park['id']}/grant"
    assert platform.put(url, json={"granted": True}).status_code == 200
    _login(platform, "park@demo.cn")
    opened = platform.get(f"/api/organisations/{mill['organisation_id']}/results")
    assert opened.status_code == 200 and opened.json()
    _login(platform, "admin@demo.cn")
    assert platform.put(url, json={"granted": False}).status_code == 200
    _login(platform, "park@demo.cn")
    assert platform.get(f"/api/organisations/{mill['organisation_id']}/results").status_code == 404


def test_outsiders_do_not_see_the_park_and_readers_do_not_change_it(
    platform: TestClient,
) -> None:
    _login(platform, "admin@demo.cn")
    (park,) = platform.get("/api/parks").json()
    _login(platform, "manager@demo.cn")  # an enterprise user of a plant outside the park
    assert platform.get("/api/parks").json() == []
    assert platform.get(f"/api/parks/{park['id']}/years/2025").status_code == 404
    _login(platform, "regulator@demo.cn")
    assert platform.get(f"/api/parks/{park['id']}/years/2025").status_code == 200
    refused = platform.put(f"/api/parks/{park['id']}/years/2025", json={"transfers": []})
    assert refused.status_code == 403
    _login(platform, "park@demo.cn")
    created = platform.post(
        "/api/parks", json={"name": "另一个园区", "members": [{"organisation_id": 1}]}
    )
    assert created.status_code == 403


def test_a_declaration_the_inventories_do_not_hold_is_refused(platform: TestClient) -> None:
    _login(platform, "park@demo.cn")
    (park,) = platform.get("/api/parks").json()
    chp = next(m for m in park["members"] if m["utility"])["name"]
    response = platform.put(
        f"/api/parks/{park['id']}/years/2025",
        json={
            "transfers": [
                {
                    "from": chp,
                    "to": "示例轧钢有限公司",
                    "carrier": "electricity",
                    "amount": 80000,
                    "unit": "MWh",
                },
                {"from": chp, "to": "不存在", "carrier": "heat", "amount": 1},
            ]
        },
    )
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert "transfers[2].to" in fields
    # the declaration kept is still the seeded one
    document = platform.get(f"/api/parks/{park['id']}/years/2025").json()
    assert document["internal_electricity_mwh"] == pytest.approx(416100)
