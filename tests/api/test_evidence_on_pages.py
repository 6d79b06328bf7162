"""Pages and API answers show what the evidence log commits to (issue 12).

Before 0008, halving ``results.total_tco2e`` behind the update trigger changed the overview and the
organisation's result list, and a plain UPDATE turned a verifier's approval into a rejection.
Now each view compares the rows with their lodged entries and shows the log's figures, saying
that the row differs.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from .world import PASSWORD, World, complete_checklist


def _approve(client: TestClient, world: World) -> None:
    complete_checklist(client, world, world.result_a)
    signed = client.post(
        f"/api/results/{world.result_a}/signoffs",
        json={"decision": "approved", "note": "核查通过"},
        headers=world.bearer("verifier"),
    )
    assert signed.status_code == 201, signed.text


def _overview_row(client: TestClient, world: World) -> dict:  # type: ignore[type-arg]
    found = client.get("/api/overview", headers=world.bearer("regulator")).json()
    return next(r for r in found["organisations"] if r["organisation_id"] == world.org_a)


def _halve_total(world: World) -> None:
    with world.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER results_immutable"))
        else:
            connection.execute(text("ALTER TABLE results DISABLE TRIGGER results_immutable"))
        connection.execute(
            text("UPDATE results SET total_tco2e = total_tco2e / 2 WHERE id = :i"),
            {"i": world.result_a},
        )


def _reject_behind_the_trigger(world: World) -> None:
    with world.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER result_signoffs_no_update"))
        else:
            connection.execute(text("ALTER TABLE result_signoffs DISABLE TRIGGER USER"))
        connection.execute(text("UPDATE result_signoffs SET decision = 'rejected'"))


def test_a_halved_total_is_shown_as_lodged_and_flagged(client: TestClient, world: World) -> None:
    before = _overview_row(client, world)
    assert before["evidence_mismatch"] == []
    listed = client.get(
        f"/api/organisations/{world.org_a}/results", headers=world.bearer("enterprise")
    ).json()
    assert [r["evidence"] for r in listed] == ["lodged"]
    _halve_total(world)
    after = _overview_row(client, world)
    assert after["total_tco2e"] == before["total_tco2e"]  # the log's figure, not the row's
    assert after["evidence_mismatch"] == [world.result_a]
    (row,) = client.get(
        f"/api/organisations/{world.org_a}/results", headers=world.bearer("enterprise")
    ).json()
    assert row["evidence"] == "differs" and row["differs"] == ["total_tco2e"]
    assert row["total_tco2e"] == listed[0]["total_tco2e"]
    document = client.get(f"/api/results/{world.result_a}", headers=world.bearer("enterprise"))
    assert document.json()["commitment"] == {"state": "differs", "differs": ["total_tco2e"]}
    client.post("/api/auth/login", json={"email": "regulator@example.cn", "password": PASSWORD})
    for lang, words in (("zh", "与存证日志不符"), ("en", "does not match the evidence log")):
        page = client.get(f"/results/{world.result_a}?lang={lang}")
        assert page.status_code == 200
        assert words in page.text
        organisation = client.get(f"/organisations/{world.org_a}?lang={lang}")
        assert words in organisation.text
    overview = client.get("/overview?lang=en")
    assert "differs from the evidence log" in overview.text


def test_an_approval_rewritten_to_a_rejection_still_shows_the_approval(
    client: TestClient, world: World
) -> None:
    _approve(client, world)
    assert _overview_row(client, world)["verification"] == "approved"
    _reject_behind_the_trigger(world)
    row = _overview_row(client, world)
    assert row["verification"] == "approved"  # what the verifier lodged
    assert row["evidence_mismatch"] == [world.result_a]
    client.post("/api/auth/login", json={"email": "regulator@example.cn", "password": PASSWORD})
    page = client.get(f"/results/{world.result_a}?lang=zh")
    assert "此签署记录与存证日志不符，日志中为：" in page.text
    page = client.get(f"/results/{world.result_a}?lang=en")
    assert "this sign-off does not match the evidence log, which holds: " in page.text
