"""Projects on the platform (issue 15, item 5): a project developer claims a monitoring period
with its organisation's stored register; who may read it; the registry refuses a second claim
(409) and an issuance locks the period; the report is the period accounted again."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from fastapi.testclient import TestClient

from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.io.register_files import read_register
from dualcarbon.security import Passwords, new_api_key, sha256
from dualcarbon.store import session_scope
from dualcarbon.store.models import ApiKey, User
from dualcarbon.store.repository import save_register

from .test_robustness import _web_cookie
from .world import ORG_A, PASSWORD, World

BUNDLED = resources.files("dualcarbon.demo").joinpath("data", "projects")


def developer(client: TestClient, world: World) -> dict[str, str]:
    """A project developer of 甲 with the offshore example's meters in its register."""
    with (
        session_scope(world.engine) as session,
        resources.as_file(BUNDLED.joinpath("offshore-wind-meters.yaml")) as meters,
    ):
        register = read_register(meters)
        save_register(session, ORG_A, register.model_copy(update={"organisation": ORG_A}))
        user = User(
            email="developer@example.cn",
            name="developer",
            password_hash=Passwords(memory_kib=64, time_cost=1).hash(PASSWORD),
            role="project_developer",
            organisation_id=world.org_a,
            active=True,
        )
        session.add(user)
        session.flush()
        token, prefix = new_api_key()
        session.add(ApiKey(user_id=user.id, name="t", prefix=prefix, key_hash=sha256(token)))
    return {"Authorization": f"Bearer {token}"}


def offshore(owner: str = ORG_A) -> dict[str, Any]:
    document = yaml.safe_load(BUNDLED.joinpath("offshore-wind.yaml").read_text(encoding="utf-8"))
    document["project"]["owner"] = owner
    for key in ("grid_connected",):
        document["project"][key] = str(document["project"][key])
    for period in ("crediting_period", "monitoring_period"):
        document["project"][period] = {k: str(v) for k, v in document["project"][period].items()}
    return document


def claim(client: TestClient, world: World, headers: dict[str, str], **kw: Any) -> Any:
    return client.post(
        f"/api/organisations/{world.org_a}/projects/periods", json=offshore(**kw), headers=headers
    )


def test_a_developer_claims_and_the_period_reads_back(client: TestClient, world: World) -> None:
    headers = developer(client, world)
    answer = claim(client, world, headers)
    assert answer.status_code == 201, answer.text
    period = answer.json()["period"]
    assert answer.json()["months_claimed"] == 12
    # the offshore example by hand: (net supply with March–May taken × 0.998) × (0.7921 + 0.3870)/2
    got = client.get(f"/api/projects/periods/{period['id']}", headers=headers)
    assert got.status_code == 200, got.text
    stored = got.json()
    net = sum(row["net_supply_mwh"] for row in stored["by_year"])
    assert period["total_tco2e"] == stored["total_tco2e"]
    assert abs(period["total_tco2e"] - net * (0.7921 * 0.5 + 0.3870 * 0.5)) < 1e-6
    report = client.get(f"/api/projects/periods/{period['id']}/report", headers=headers)
    assert report.status_code == 200 and f"{period['total_tco2e']:,.2f}" in report.text
    assert "GK-OW-01 未按期检定" in report.text or "GK-OW-01" in report.text


def test_who_may_read_and_write(client: TestClient, world: World) -> None:
    headers = developer(client, world)
    period = claim(client, world, headers).json()["period"]["id"]
    for who in ("verifier", "regulator", "admin"):
        seen = client.get(f"/api/projects/periods/{period}", headers=world.bearer(who))
        assert seen.status_code == 200, who
    hidden = client.get(f"/api/projects/periods/{period}", headers=world.bearer("enterprise_b"))
    assert hidden.status_code == 404
    listed = client.get("/api/projects/periods", headers=world.bearer("enterprise_b")).json()
    assert listed == []
    # an enterprise user of 甲 accounts emissions, not projects
    assert claim(client, world, world.bearer("enterprise")).status_code == 403


def test_a_second_claim_is_refused_and_an_issuance_locks(client: TestClient, world: World) -> None:
    headers = developer(client, world)
    period = claim(client, world, headers).json()["period"]
    again = claim(client, world, headers)
    assert again.status_code == 409
    assert "overlaps" in again.json()["detail"]
    body = {"issued_tco2e": 600000.0, "notice": "测试签发 2026-001"}
    refused = client.post(
        f"/api/projects/periods/{period['id']}/issuance", json=body, headers=headers
    )
    assert refused.status_code == 403  # the registry's act, recorded by an admin
    issued = client.post(
        f"/api/projects/periods/{period['id']}/issuance", json=body, headers=world.bearer("admin")
    )
    assert issued.status_code == 201 and issued.json()["issued_tco2e"] == 600000.0
    twice = client.post(
        f"/api/projects/periods/{period['id']}/issuance", json=body, headers=world.bearer("admin")
    )
    assert twice.status_code == 409


def test_the_owner_must_be_the_organisation(client: TestClient, world: World) -> None:
    answer = claim(client, world, developer(client, world), owner="别家公司")
    assert answer.status_code == 422
    assert any(p["field"] == "owner" for p in answer.json()["problems"])


def test_the_developer_claims_on_the_organisation_page(client: TestClient, world: World) -> None:
    developer(client, world)
    browser = TestClient(client.app)
    browser.cookies.set(COOKIE_NAME, _web_cookie(client.app, world, "developer"))  # type: ignore[arg-type]
    page = browser.get(f"/organisations/{world.org_a}")
    assert 'id="project-upload"' in page.text
    assert 'id="no-access"' not in page.text  # the emissions results are not its business
    body = yaml.safe_dump(offshore(), allow_unicode=True).encode()
    posted = browser.post(
        f"/organisations/{world.org_a}/projects",
        files={"file": ("海上风电项目.yaml", body, "application/x-yaml")},
        follow_redirects=True,
    )
    assert posted.status_code == 200, posted.text
    assert 'id="project-done"' in posted.text and "DEMO-OW-01" in posted.text
    again = browser.post(
        f"/organisations/{world.org_a}/projects",
        files={"file": ("海上风电项目.yaml", body, "application/x-yaml")},
    )
    assert again.status_code == 409 and "重叠" in again.text
    period = client.get("/api/projects/periods", headers=world.bearer("admin")).json()[0]["id"]
    report = browser.get(f"/projects/periods/{period}")
    assert report.status_code == 200 and "监测报告" in report.text


def test_a_period_is_corrected_before_issuance(client: TestClient, world: World) -> None:
    headers = developer(client, world)
    first = claim(client, world, headers).json()["period"]
    document = offshore()
    document["grid_supply"][0]["export"] = 90000  # January read again from the voucher
    answer = client.post(
        f"/api/projects/periods/{first['id']}/corrections", json=document, headers=headers
    )
    assert answer.status_code == 201, answer.text
    second = answer.json()["period"]
    assert second["corrects"] == first["id"] and second["total_tco2e"] < first["total_tco2e"]
    listed = client.get("/api/projects/periods", headers=headers).json()
    assert [p["id"] for p in listed] == [second["id"]]
    again = client.post(
        f"/api/projects/periods/{first['id']}/corrections", json=document, headers=headers
    )
    assert again.status_code == 409
