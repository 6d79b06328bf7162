"""A verifier comments on a result's line and signs it off; the enterprise reads both."""

from fastapi.testclient import TestClient

from .world import World, complete_checklist


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
    complete_checklist(client, world, world.result_a)
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


def test_the_checklist_is_the_sectors_with_automatic_checks(
    client: TestClient, world: World
) -> None:
    """Issue 14, item 2: the verifier's checklist per methodology (the power sector's points
    besides the common ones), each automatic check's suggestion beside the item."""
    got = client.get(f"/api/results/{world.result_a}/checklist", headers=world.bearer("verifier"))
    assert got.status_code == 200, got.text
    checklist = got.json()
    items = {item["id"]: item for item in checklist["items"]}
    assert checklist["sector"] == "power" and "power_carbon_analysis" in items
    assert "cement_clinker" not in items
    assert items["emissions"]["automatic"]["hint"] == "conform"  # every line recomputes
    assert items["method"]["clause"] == "4.2.1.3"
    assert all(item["outcome"] is None for item in items.values())
    assert checklist["open_reasons"] and checklist["approved_signoff_id"] is None


def test_an_approval_takes_a_complete_checklist_and_closed_findings(
    client: TestClient, world: World
) -> None:
    result = f"/api/results/{world.result_a}"
    verifier, enterprise = world.bearer("verifier"), world.bearer("enterprise")
    early = client.post(f"{result}/signoffs", json={"decision": "approved"}, headers=verifier)
    assert early.status_code == 422 and early.json()["problems"][0]["field"] == "checklist"
    complete_checklist(client, world, world.result_a)
    nonconform = client.put(
        f"{result}/checklist/items/laboratory",
        json={"outcome": "nonconform", "note": "报告未注明资质"},
        headers=verifier,
    )
    assert nonconform.status_code == 200
    bare = client.post(f"{result}/signoffs", json={"decision": "approved"}, headers=verifier)
    assert bare.status_code == 422 and "no non-conformity raised" in bare.text
    raised = client.post(
        f"{result}/checklist/findings",
        json={"item": "laboratory", "description": "元素碳检测报告未注明 CMA 资质"},
        headers=verifier,
    )
    assert raised.status_code == 201, raised.text
    finding = raised.json()["id"]
    by_verifier = client.post(
        f"{result}/checklist/findings/{finding}/answer",
        json={"corrective_action": "x"},
        headers=verifier,
    )
    assert by_verifier.status_code == 403  # the enterprise answers
    too_early = client.post(
        f"{result}/checklist/findings/{finding}/close", json={"note": ""}, headers=verifier
    )
    assert too_early.status_code == 422
    answered = client.post(
        f"{result}/checklist/findings/{finding}/answer",
        json={"corrective_action": "补充化验机构 CMA 证书（编号 2024-0001）"},
        headers=enterprise,
    )
    assert answered.status_code == 200, answered.text
    still_open = client.post(f"{result}/signoffs", json={"decision": "approved"}, headers=verifier)
    assert still_open.status_code == 422 and "still open" in still_open.text
    closed = client.post(
        f"{result}/checklist/findings/{finding}/close", json={"note": "已核实"}, headers=verifier
    )
    assert closed.status_code == 200 and closed.json()["closed_by"] == world.email("verifier")
    digest = client.get(f"{result}/checklist", headers=verifier).json()["digest"]
    approved = client.post(
        f"{result}/signoffs", json={"decision": "approved", "note": "核查通过"}, headers=verifier
    )
    assert approved.status_code == 201, approved.text
    assert approved.json()["checklist_sha256"] == digest
    locked = client.put(
        f"{result}/checklist/items/laboratory", json={"outcome": "conform"}, headers=verifier
    )
    assert locked.status_code == 409
    report = client.get(f"{result}/verification-report", headers=enterprise)
    assert report.status_code == 200
    assert "核查结论" in report.text and "补充化验机构 CMA 证书" in report.text
    assert "与当前核查清单一致" in report.text
    english = client.get(f"{result}/verification-report?lang=en", headers=enterprise)
    assert "Conclusion" in english.text and "matches the checklist as it stands" in english.text


def test_the_checklist_of_another_organisation_is_not_found(
    client: TestClient, world: World
) -> None:
    response = client.get(
        f"/api/results/{world.result_b}/checklist", headers=world.bearer("enterprise")
    )
    assert response.status_code == 404


def test_cems_months_attached_are_compared_on_the_checklist(
    client: TestClient, world: World
) -> None:
    """Issue 14, item 2: CEMS against accounting (E_n) among the automatic checks. CEMS months
    equal to the accounting within 2 % with u = 2 % agree (|E_n| ≤ 1); 50 % more do not."""
    from dualcarbon.cems.comparison import accounting_monthly
    from dualcarbon.store import session_scope
    from dualcarbon.store.repository import get_result, load_result

    with session_scope(world.engine) as session:
        stored = get_result(session, world.result_a)
        assert stored is not None
        months = accounting_monthly(load_result(stored))

    def csv(scale: float) -> bytes:
        lines = ["unit,month,co2_t,u_co2_t"] + [
            f"{m.unit},{m.month},{m.co2_t * scale},{0.02 * m.co2_t * scale}" for m in months
        ]
        return ("\n".join(lines) + "\n").encode()

    url = f"/api/results/{world.result_a}/checklist/cems"
    for scale, hint in ((1.01, "conform"), (1.5, "nonconform")):
        attached = client.post(
            url,
            files={"file": ("cems.csv", csv(scale), "text/csv")},
            headers=world.bearer("enterprise"),
        )
        assert attached.status_code == 201, attached.text
        (item,) = [i for i in attached.json()["items"] if i["id"] == "cems_comparison"]
        assert item["automatic"]["hint"] == hint, item
    broken = client.post(
        url,
        files={"file": ("cems.csv", b"unit,month\n#1,1\n", "text/csv")},
        headers=world.bearer("verifier"),
    )
    assert broken.status_code == 422 and "co2_t" in broken.text


def test_what_a_review_found_is_refused_cleanly(client: TestClient, world: World) -> None:
    """An empty CSV cell was a 500; a blank closing note passed; an approval from before the
    checklist existed froze an empty checklist."""
    import datetime as dt

    from dualcarbon.store import session_scope
    from dualcarbon.store.models import ResultSignOff

    result = f"/api/results/{world.result_a}"
    verifier, enterprise = world.bearer("verifier"), world.bearer("enterprise")
    empty_cell = client.post(
        f"{result}/checklist/cems",
        files={"file": ("c.csv", b"unit,month,co2_t,u_co2_t\n#1,,1000,10\n", "text/csv")},
        headers=enterprise,
    )
    assert empty_cell.status_code == 422 and "empty" in empty_cell.text
    raised = client.post(
        f"{result}/checklist/findings",
        json={"item": "method", "description": "x"},
        headers=verifier,
    ).json()
    client.post(
        f"{result}/checklist/findings/{raised['id']}/answer",
        json={"corrective_action": "done"},
        headers=enterprise,
    )
    blank = client.post(
        f"{result}/checklist/findings/{raised['id']}/close", json={"note": "   "}, headers=verifier
    )
    assert blank.status_code == 422
    with session_scope(world.engine) as session:  # an approval lodged before migration 0013
        session.add(
            ResultSignOff(
                result_id=world.result_a,
                user_id=world.users["verifier"],
                decision="approved",
                note="old",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    answered = client.put(
        f"{result}/checklist/items/method", json={"outcome": "conform"}, headers=verifier
    )
    assert answered.status_code == 200, answered.text
