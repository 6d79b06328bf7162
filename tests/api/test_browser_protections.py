"""Cross-site request forgery is refused and every answer carries the security headers
(issue 12, "Platform": a comment posted with ``Origin: https://evil.example`` was accepted).

The checks (decision 0011, ``dualcarbon.api.csrf``): an unsafe request with the session cookie,
or a login, passes when ``Sec-Fetch-Site`` says same-origin, else when ``Origin`` is the server's
own, else when ``Referer`` is; one showing another origin is refused with 403 and changes nothing.
A request with an API key and no cookie is not a browser's and is not judged.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.server import create_app
from dualcarbon.store import make_engine, session_scope, upgrade
from dualcarbon.store.models import ResultComment

from .world import PASSWORD, World, seed, settings_for

EVIL = "https://evil.example"
OWN = "http://testserver"
"""The origin TestClient's requests reach (its default base URL)."""


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    upgrade(module_db_url)
    engine = make_engine(module_db_url)
    yield seed(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def app_url(module_db_url: str, world: World) -> str:
    return module_db_url


def _browser(url: str, world: World, who: str = "verifier", **settings: object) -> TestClient:
    """A client signed in through the login form (with its own origin, as a browser sends it)."""
    config = settings_for(url).model_copy(update=settings)
    client = TestClient(create_app(config))
    response = client.post(
        "/login",
        data={"email": world.email(who), "password": PASSWORD},
        headers={"Origin": OWN, "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert COOKIE_NAME in client.cookies
    return client


def _comments(world: World) -> int:
    with session_scope(world.engine) as session:
        return session.scalar(select(func.count()).select_from(ResultComment)) or 0


@pytest.fixture
def browser(app_url: str, world: World) -> Iterator[TestClient]:
    client = _browser(app_url, world)
    yield client
    client.close()
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


def _comment(client: TestClient, world: World, headers: dict[str, str]) -> int:
    response = client.post(
        f"/results/{world.result_a}/comments",
        data={"text": "请核对二月的低位发热量"},
        headers=headers,
        follow_redirects=False,
    )
    return response.status_code


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Origin": "http://testserver.evil.example"},
        {"Origin": "http://testserver:8080"},
        {"Sec-Fetch-Site": "cross-site", "Origin": EVIL},
        {"Sec-Fetch-Site": "same-site", "Origin": "https://other.testserver"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Referer": f"{EVIL}/attack.html"},
        {"Sec-Fetch-Site": "cross-site", "Origin": OWN},  # the browser's verdict comes first
    ],
    ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()),
)
def test_a_cross_site_comment_is_refused(
    browser: TestClient, world: World, headers: dict[str, str]
) -> None:
    before = _comments(world)
    assert _comment(browser, world, headers) == 403
    assert _comments(world) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": OWN},
        {"Origin": OWN},
        {"Origin": "https://testserver"},  # behind a proxy ending TLS: the server sees http
        {"Referer": f"{OWN}/results/1?lang=en"},
        {"Sec-Fetch-Site": "none"},
        {},  # no browser sends a POST without Origin: not a forgery riding a cookie
    ],
    ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items()) or "none",
)
def test_a_same_origin_comment_is_stored(
    browser: TestClient, world: World, headers: dict[str, str]
) -> None:
    before = _comments(world)
    assert _comment(browser, world, headers) == 303
    assert _comments(world) == before + 1


def test_the_refusal_is_a_page_on_the_web_and_the_error_shape_on_the_api(
    browser: TestClient, world: World
) -> None:
    page = browser.post(
        "/logout", headers={"Origin": EVIL}, follow_redirects=False
    )  # a forged logout
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "已拒绝来自其他网站的请求" in page.text
    api = browser.post(
        f"/api/results/{world.result_a}/comments",
        json={"text": "forged"},
        headers={"Origin": EVIL},
    )
    assert api.status_code == 403
    assert api.json()["problems"][0]["field"] == "origin"
    assert browser.get("/api/me").status_code == 200  # still signed in: the logout was refused


def test_a_cross_site_login_is_refused(app_url: str, world: World) -> None:
    """Login CSRF: another site must not sign a visitor into an account of its choosing."""
    with TestClient(create_app(settings_for(app_url))) as client:
        for path, body in (
            ("/login", {"data": {"email": world.email("admin"), "password": PASSWORD}}),
            ("/api/auth/login", {"json": {"email": world.email("admin"), "password": PASSWORD}}),
        ):
            response = client.post(
                path,
                headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
                follow_redirects=False,
                **body,  # type: ignore[arg-type]
            )
            assert response.status_code == 403, path
            assert COOKIE_NAME not in response.cookies


def test_an_api_key_request_is_not_judged_by_its_origin(app_url: str, world: World) -> None:
    """A browser never attaches an API key by itself: a keyed request without the cookie is
    not a forgery, whatever page it came from."""
    before = _comments(world)
    with TestClient(create_app(settings_for(app_url))) as client:
        response = client.post(
            f"/api/results/{world.result_a}/comments",
            json={"text": "from a partner's dashboard"},
            headers={**world.bearer("verifier"), "Origin": EVIL},
        )
    assert response.status_code == 201, response.text
    assert _comments(world) == before + 1


def test_a_trusted_origin_may_post(app_url: str, world: World) -> None:
    """The public name behind a proxy that rewrites Host is listed in trusted_origins."""
    client = _browser(app_url, world, trusted_origins=["https://carbon.example.cn"])
    before = _comments(world)
    assert _comment(client, world, {"Origin": "https://carbon.example.cn"}) == 303
    assert _comment(client, world, {"Origin": EVIL}) == 403
    assert _comments(world) == before + 1
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


# -- headers ---------------------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(browser: TestClient, world: World) -> None:
    for path in (
        "/",
        f"/results/{world.result_a}",
        f"/results/{world.result_a}/report",
        "/api/me",
        "/openapi.json",
        "/no/such/page",
        "/3/footprints",
    ):
        headers = browser.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, path
        assert "default-src 'self'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers  # plain HTTP: never (RFC 6797 §7.2)


def test_hsts_only_over_https(app_url: str, world: World) -> None:
    with TestClient(create_app(settings_for(app_url)), base_url="https://testserver") as client:
        assert client.get("/login").headers["strict-transport-security"] == "max-age=31536000"


def _inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.DOTALL)


def test_the_policy_allows_every_inline_script_the_pages_carry(
    browser: TestClient, world: World
) -> None:
    """Each inline script of a served page has its SHA-256 in the policy (a script changed in a
    template without its hash would be blocked by the browser), and no page uses an inline event
    handler (``onclick=…``), which no hash can allow."""
    scripts = 0
    for path in ("/", f"/results/{world.result_a}", f"/results/{world.result_a}/report"):
        response = browser.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        for script in _inline_scripts(response.text):
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy, path
            scripts += 1
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", response.text), path
    assert scripts >= 1  # the report's "open every section before printing"
