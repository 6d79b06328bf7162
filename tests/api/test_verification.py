"""A verifier comments on a result's line and signs it off; the enterprise reads both."""

from fastapi.testclient import TestClient

from .world import World


def test_comment_and_sign_off(client: TestClient, world: World) -> None:
    result = f"/api/results/{world.result_a}"
    verifier, enterprise = world.bearer("verifier"), world.bearer("enterprise")
    made = client.post(
        f"{result}/comments",
        json={"text": "3月入炉煤量请附皮带秤记录", "line": 1},
        headers=verifier,
    )
    assert made.status_code == 201, made.text
    reply = client.post(f"{result}/comments", json={"text": "已补充"}, headers=enterprise)
    assert reply.status_code == 201
    comments = client.get(f"{result}/comments", headers=enterprise).json()
    assert [c["text"] for c in comments] == ["3月入炉煤量请附皮带秤记录", "已补充"]
    assert comments[0]["line"] == 1
    for decision in ("rejected", "approved"):
        signed = client.post(
            f"{result}/signoffs", json={"decision": decision, "note": "核查"}, headers=verifier
        )
        assert signed.status_code == 201, signed.text
    decisions = client.get(f"{result}/signoffs", headers=enterprise).json()
    assert [d["decision"] for d in decisions] == ["rejected", "approved"]  # the last one stands


def test_enterprise_cannot_sign_off_its_own_result(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/results/{world.result_a}/signoffs",
        json={"decision": "approved"},
        headers=world.bearer("enterprise"),
    )
    assert response.status_code == 403


def test_comment_on_a_line_that_does_not_exist(client: TestClient, world: World) -> None:
    response = client.post(
        f"/api/results/{world.result_a}/comments",
        json={"text": "x", "line": 100000},
        headers=world.bearer("verifier"),
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "line"


def test_a_result_over_http_carries_its_uncertainty(client: TestClient, world: World) -> None:
    document = client.get(f"/api/results/{world.result_a}", headers=world.bearer("verifier"))
    found = document.json()["uncertainty"]
    assert found["method"] == "gum" and found["coverage"] == 0.95
    assert abs(found["value"] - document.json()["total_tco2e"]) < 1e-6 * found["value"]
    assert found["U"] >= 0 and found["lines"]


def test_metrology_reviewer_reads_the_register(client: TestClient, world: World) -> None:
    headers = world.bearer("metrology_reviewer")
    listing = client.get(
        f"/api/organisations/{world.org_a}/instruments?at=2024-03-05", headers=headers
    ).json()
    states = {i["id"]: i["state"] for i in listing}
    assert states["BS-101"] == "overdue" and states["GK-01"] == "valid"  # demo-register.yaml
    detail = client.get(
        f"/api/organisations/{world.org_a}/instruments/BS-101", headers=headers
    ).json()
    assert any(r["certificate"] for r in detail["calibrations"])
    assert (
        client.get(
            f"/api/organisations/{world.org_a}/instruments/NOPE", headers=headers
        ).status_code
        == 404
    )
