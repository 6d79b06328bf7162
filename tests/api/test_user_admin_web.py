"""The admin's user administration page (Chinese first, English with ?lang=en): the list, the
forms, the audit trail; non-admins are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dualcarbon.web.i18n import USER_WORDS

from .world import PASSWORD, World


def _browser(client: TestClient, world: World, who: str) -> TestClient:
    browser = TestClient(client.app)
    page = browser.post(
        "/login", data={"email": world.email(who), "password": PASSWORD}, follow_redirects=False
    )
    assert page.status_code == 303, page.text
    return browser


def test_both_languages_have_the_same_words() -> None:
    assert USER_WORDS["zh"].keys() == USER_WORDS["en"].keys()


def test_the_admin_deactivates_a_user_from_the_page(client: TestClient, world: World) -> None:
    admin = _browser(client, world, "admin")
    home = admin.get("/")
    assert 'href="/admin/users?lang=zh"' in home.text
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert "用户管理" in page.text and "用户审计记录" in page.text
    assert world.email("enterprise_b") in page.text
    target = world.users["enterprise_b"]
    victim = _browser(client, world, "enterprise_b")
    done = admin.post(
        f"/admin/users/{target}/deactivate",
        data={"reason": "合同到期"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/users?lang=zh&done=deactivate"
    after = admin.get(done.headers["location"])
    assert "已完成：停用" in after.text
    assert "合同到期" in after.text  # the audit trail, shown to the admin
    assert "已停用" in after.text
    assert victim.get("/", follow_redirects=False).status_code == 303  # back to the login
    english = admin.get("/admin/users?lang=en")
    assert "User audit trail" in english.text and "deactivated" in english.text


def test_a_refused_change_is_shown_and_nothing_is_done(client: TestClient, world: World) -> None:
    admin = _browser(client, world, "admin")
    target = world.users["verifier"]
    no_org = admin.post(
        f"/admin/users/{target}/role?lang=en",
        data={"role": "enterprise", "organisation_id": "", "reason": "moved"},
    )
    assert no_org.status_code == 422
    assert (
        "Not done: organisation_id: an enterprise or project developer user belongs to an "
        "organisation" in no_org.text
    )
    last_admin = admin.post(
        f"/admin/users/{world.users['admin']}/deactivate", data={"reason": "bye"}
    )
    assert last_admin.status_code == 409
    assert "最后一个" in last_admin.text or "last active admin" in last_admin.text
    short = admin.post(f"/admin/users/{target}/password", data={"password": "short", "reason": "x"})
    assert short.status_code == 422
    assert "short" not in short.text.split('id="users-error"')[1].split("</p>")[0]
    page = admin.get("/admin/users?lang=en")
    assert page.text.count('<td colspan="6">') == 1  # the trail is still empty: nothing done


def test_the_other_forms_work(client: TestClient, world: World) -> None:
    admin = _browser(client, world, "admin")
    target = world.users["regulator"]
    for path, data in (
        ("role", {"role": "verifier", "organisation_id": "", "reason": "重新分工"}),
        ("password", {"password": "another long passphrase", "reason": "忘记密码"}),
        ("revoke-sessions", {"reason": "设备丢失", "revoke_api_keys": "1"}),
        ("deactivate", {"reason": "离职"}),
        ("activate", {"reason": "返聘"}),
    ):
        done = admin.post(f"/admin/users/{target}/{path}", data=data, follow_redirects=False)
        assert done.status_code == 303, (path, done.text)
    trail = admin.get("/api/users/audit", params={"user_id": target}).json()
    assert [e["action"] for e in trail] == [
        "activate",
        "deactivate",
        "revoke_sessions",
        "reset_password",
        "role",
    ]


def test_non_admins_cannot_see_the_page(client: TestClient, world: World) -> None:
    for who in ("regulator", "enterprise"):
        browser = _browser(client, world, who)
        assert browser.get("/admin/users").status_code == 403
        refused = browser.post(
            f"/admin/users/{world.users['admin']}/deactivate", data={"reason": "x"}
        )
        assert refused.status_code == 403
        assert 'href="/admin/users' not in browser.get("/").text
    assert TestClient(client.app).get("/admin/users", follow_redirects=False).status_code == 303
