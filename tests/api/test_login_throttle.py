"""Login throttling (docs/api.md) and deleting expired web sessions, on every backend.

Failures live in ``login_failures``; the window is passed by moving the stored ``at`` values back,
never by sleeping.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update

from dualcarbon.api import services
from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.api.throttle import LoginThrottle, TooManyAttemptsError
from dualcarbon.store import session_scope
from dualcarbon.store.models import LoginFailure, WebSession, utcnow

from .world import PASSWORD, World, settings_for

WINDOW = 15 * 60


def _login(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def _fail(client: TestClient, email: str, times: int) -> None:
    for _ in range(times):
        assert _login(client, email, "not the password").status_code == 401


def _retry_after(response: Response) -> int:
    assert response.status_code == 429, response.text
    return int(response.headers["Retry-After"])


def _other_client(client: TestClient, host: str) -> TestClient:
    """A client of the same app from another address (not entered: no second lifespan)."""
    return TestClient(client.app, client=(host, 50000))


def _age_failures(world: World, by: dt.timedelta) -> None:
    """Move every stored failure ``by`` into the past (row by row: SQLite has no interval
    arithmetic)."""
    with session_scope(world.engine) as session:
        for failure in session.scalars(select(LoginFailure)):
            failure.at -= by


def _failures(world: World, email: str | None = None) -> int:
    with session_scope(world.engine) as session:
        query = select(func.count()).select_from(LoginFailure)
        if email is not None:
            query = query.where(LoginFailure.email == email)
        return session.scalar(query) or 0


def test_the_limits_are_settings_with_the_documented_defaults() -> None:
    throttle = LoginThrottle.from_settings(settings_for("sqlite://"))
    assert throttle == LoginThrottle(per_email=5, per_client=20, window_seconds=WINDOW)


def test_sixth_attempt_for_an_email_is_429_even_with_the_right_password(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = world.email("verifier")
    _fail(client, email, 4)
    _fail(client, " Verifier@Example.CN", 1)  # the same account, as the login normalises it
    assert _failures(world, email) == 5

    def never(*args: object) -> None:
        raise AssertionError("the password was checked while throttled")

    monkeypatch.setattr(services, "authenticate", never)
    response = _login(client, email)
    assert 0 < _retry_after(response) <= WINDOW
    assert "too many failed logins" in response.json()["detail"]
    assert COOKIE_NAME not in response.cookies
    assert _failures(world, email) == 5  # a refused attempt is not counted


def test_other_emails_are_unaffected(client: TestClient, world: World) -> None:
    _fail(client, world.email("verifier"), 5)
    assert _login(client, world.email("verifier")).status_code == 429
    assert _login(client, world.email("admin")).status_code == 200
    assert _login(client, world.email("regulator"), "wrong").status_code == 401


def test_per_client_limit(client: TestClient, world: World) -> None:
    for n in range(20):  # one failure each: no e-mail reaches its own limit
        assert _login(client, f"nobody{n}@example.cn", "guess").status_code == 401
    assert _retry_after(_login(client, world.email("admin"))) > 0
    assert _login(_other_client(client, "10.0.0.2"), world.email("admin")).status_code == 200
    assert _login(client, world.email("admin")).status_code == 429  # still, from the first


def test_a_success_clears_the_emails_failures(client: TestClient, world: World) -> None:
    email = world.email("enterprise")
    _fail(client, email, 4)
    assert _login(client, email).status_code == 200
    assert _failures(world, email) == 0
    _fail(client, email, 4)  # 8 failures in the window, but only 4 since the success
    assert _login(client, email).status_code == 200


def test_login_works_again_once_the_window_has_passed(client: TestClient, world: World) -> None:
    email = world.email("admin")
    _fail(client, email, 5)
    assert _login(client, email).status_code == 429
    _age_failures(world, dt.timedelta(minutes=10))
    assert 290 <= _retry_after(_login(client, email)) <= 300  # the oldest leaves in ~5 minutes
    _age_failures(world, dt.timedelta(minutes=5, seconds=1))
    assert _login(client, email).status_code == 200


def test_old_failures_are_deleted_when_a_new_one_is_recorded(
    client: TestClient, world: World
) -> None:
    _fail(client, world.email("admin"), 3)
    _age_failures(world, dt.timedelta(seconds=WINDOW))
    _fail(client, world.email("regulator"), 1)
    assert _failures(world) == 1
    assert _failures(world, world.email("regulator")) == 1


def test_retry_after_is_the_longer_wait_of_both_limits(client: TestClient, world: World) -> None:
    throttle = LoginThrottle(per_email=2, per_client=2, window_seconds=100)
    now = utcnow()
    with session_scope(world.engine) as session:
        for seconds_ago, email in ((90, "a@example.cn"), (50, "a@example.cn"), (10, "b@x.cn")):
            throttle.record_failure(
                session, email, "1.2.3.4", now=now - dt.timedelta(seconds=seconds_ago)
            )
        with pytest.raises(TooManyAttemptsError) as email_and_client:
            throttle.check(session, "A@example.cn", "1.2.3.4", now=now)
        with pytest.raises(TooManyAttemptsError) as email_only:
            throttle.check(session, "a@example.cn", "5.6.7.8", now=now)
        with pytest.raises(TooManyAttemptsError) as client_only:
            throttle.check(session, "c@example.cn", "1.2.3.4", now=now)
        throttle.check(session, "c@example.cn", "5.6.7.8", now=now)  # neither
        throttle.check(session, "a@example.cn", "5.6.7.8", now=now + dt.timedelta(seconds=10))
    assert email_only.value.retry_after == 10  # a@'s older failure (90 s ago) leaves in 10 s
    assert client_only.value.retry_after == 50  # the client's second newest (50 s ago): in 50 s
    assert email_and_client.value.retry_after == 50  # the longer of the two


def test_the_web_login_answers_429_in_chinese(client: TestClient, world: World) -> None:
    email = world.email("admin")
    _fail(client, email, 3)  # the API and the web page share the count
    for _ in range(2):
        page = client.post("/login", data={"email": email, "password": "wrong"})
        assert page.status_code == 401
    page = client.post(
        "/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert page.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in page.text
    assert 0 < int(page.headers["Retry-After"]) <= WINDOW
    assert COOKIE_NAME not in page.cookies
    english = client.post("/login?lang=en", data={"email": email, "password": PASSWORD})
    assert english.status_code == 429
    assert "Too many failed logins; try again in 15 minute(s)" in english.text


def test_expired_sessions_are_deleted_on_the_next_login(client: TestClient, world: World) -> None:
    for who in ("admin", "admin", "verifier", "regulator"):
        assert _login(client, world.email(who)).status_code == 200
    with session_scope(world.engine) as session:
        ids = list(session.scalars(select(WebSession.id).order_by(WebSession.id)))
        assert len(ids) == 4
        past = utcnow() - dt.timedelta(seconds=1)
        session.execute(
            update(WebSession).where(WebSession.id.in_([ids[0], ids[2]])).values(expires_at=past)
        )
    assert _login(client, world.email("enterprise")).status_code == 200
    with session_scope(world.engine) as session:
        left = list(session.scalars(select(WebSession.id).order_by(WebSession.id)))
    assert left[:2] == [ids[1], ids[3]]  # the live ones stay, whoever's they are
    assert len(left) == 3  # and the new one
