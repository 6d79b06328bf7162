"""Login throttling (docs/api.md, decision 0010): per-account exponential back-off that an
attacker cannot turn into a permanent lockout, device cookies, per-address allowance, atomic
counting, the bounded password-hashing gate — on every backend.

Time is a fake clock (``throttle.now`` replaced), never a sleep; nothing asserts a duration.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from dualcarbon.api import services, throttle
from dualcarbon.api.deps import COOKIE_NAME
from dualcarbon.api.throttle import (
    DEVICE_COOKIE,
    Backoff,
    LoginThrottle,
    TooManyAttemptsError,
    account_counter,
)
from dualcarbon.security import HashingBusyError, HashingGate, Passwords
from dualcarbon.store import session_scope
from dualcarbon.store.models import LoginCounter, WebSession, utcnow

from .world import PASSWORD, World, settings_for

T0 = 1_800_000_000.0


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle, "now", fake)
    return fake


def _login(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def _retry_after(response: Response) -> int:
    assert response.status_code == 429, response.text
    return int(response.headers["Retry-After"])


def _from(client: TestClient, host: str) -> TestClient:
    """A client of the same app from another address, with no cookies (not entered: no second
    lifespan)."""
    return TestClient(client.app, client=(host, 50000))


def _count(world: World, key: str) -> int | None:
    with session_scope(world.engine) as session:
        row = session.get(LoginCounter, key)
        return None if row is None else row.failures


def test_the_limits_are_settings_with_the_documented_defaults() -> None:
    limits = LoginThrottle.from_settings(settings_for("sqlite://"))
    assert limits == LoginThrottle(
        per_email=5, per_client=20, max_seconds=900, forget_seconds=86400
    )
    assert [limits.account.delay(n) for n in (1, 4, 5, 6, 7, 14, 15, 60)] == [
        0,
        0,
        1,
        2,
        4,
        512,
        900,
        900,
    ]


def test_the_sql_back_off_is_the_python_one(world: World) -> None:
    """The ``CASE`` the atomic statement uses gives the same waits as :meth:`Backoff.delay`."""
    policies = (Backoff(5), Backoff(20, 1.0, 900.0), Backoff(3, 2.0, 100.0))
    with Session(world.engine) as session:
        for policy in policies:
            for n in range(0, 80):
                sql = session.scalar(select(policy.delay_sql(literal(n))))
                assert sql == pytest.approx(policy.delay(n)), (policy, n)


def test_after_five_failures_the_next_attempt_waits_and_is_not_checked(
    client: TestClient, world: World, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = world.email("verifier")
    for _ in range(4):
        assert _login(client, email, "wrong").status_code == 401
    assert _login(client, " Verifier@Example.CN", "wrong").status_code == 401  # same account
    assert _count(world, account_counter(email)) == 5

    def never(*args: object) -> None:
        raise AssertionError("the password was checked while throttled")

    monkeypatch.setattr(services, "authenticate", never)
    response = _login(client, email)  # even the right password
    assert _retry_after(response) == 1  # the back-off starts at one second
    assert "too many failed logins" in response.json()["detail"]
    assert COOKIE_NAME not in response.cookies
    assert _count(world, account_counter(email)) == 5  # a refused attempt is not counted


def test_the_wait_doubles_and_is_bounded(client: TestClient, world: World, clock: Clock) -> None:
    attacker = _from(client, "203.0.113.9")
    email = world.email("regulator")
    for _ in range(5):
        assert _login(attacker, email, "guess").status_code == 401
    waits = []
    for _ in range(14):
        wait = _retry_after(_login(attacker, email, "guess"))
        waits.append(wait)
        clock.advance(wait)
        assert _login(attacker, email, "guess").status_code == 401
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert max(waits) == 900 and waits[-1] == 900  # the cap
    # the attacker stops: the real user (a new browser, no device cookie) waits at most the cap
    user = _from(client, "198.51.100.7")
    assert 0 < _retry_after(_login(user, email)) <= 900
    clock.advance(900)
    assert _login(user, email).status_code == 200
    assert _count(world, account_counter(email)) is None  # a success clears the account


def test_a_known_device_is_not_locked_out_by_an_attacker(
    client: TestClient, world: World, clock: Clock
) -> None:
    email = world.email("enterprise")
    user = _from(client, "198.51.100.7")
    first = _login(user, email)
    assert first.status_code == 200
    assert DEVICE_COOKIE in first.cookies
    attacker = _from(client, "203.0.113.9")
    for _ in range(5):
        assert _login(attacker, email, "guess").status_code == 401
    assert _retry_after(_login(attacker, email, "guess")) > 0  # the account is backing off
    assert _login(user, email).status_code == 200  # the device cookie: in at once
    assert _retry_after(_login(attacker, email, "guess")) > 0  # the attacker still waits
    # the device cookie is the account's: it does not open another account's lockout
    other = world.email("admin")
    for _ in range(5):
        assert _login(attacker, other, "guess").status_code == 401
    assert _login(user, other).status_code == 429
    # a stolen device cookie gets the same back-off, counted under the device
    thief = _from(client, "192.0.2.66")
    thief.cookies.set(DEVICE_COOKIE, first.cookies[DEVICE_COOKIE])
    for _ in range(5):
        assert _login(thief, email, "guess").status_code == 401
    assert _retry_after(_login(thief, email, "guess")) == 1


def test_an_address_is_slowed_not_shut_and_known_devices_behind_it_pass(
    client: TestClient, world: World, clock: Clock
) -> None:
    office = "10.0.0.1"
    colleague = _from(client, office)
    assert _login(colleague, world.email("admin")).status_code == 200  # has a device cookie
    attacker = _from(client, office)
    for n in range(20):  # one guess each: no account reaches its own limit
        assert _login(attacker, f"nobody{n}@example.cn", "guess").status_code == 401
    newcomer = _from(client, office)
    assert _retry_after(_login(newcomer, world.email("verifier"))) == 1  # slowed, briefly
    assert _login(colleague, world.email("admin")).status_code == 200  # not counted at all
    assert _login(_from(client, "10.0.0.2"), world.email("verifier")).status_code == 200
    clock.advance(1)
    assert _login(newcomer, world.email("verifier")).status_code == 200


def test_successes_from_one_address_give_their_attempt_back(
    client: TestClient, world: World, clock: Clock
) -> None:
    office = _from(client, "10.0.0.1")
    for _ in range(30):  # more than the address's 20, all without a device cookie
        office.cookies.clear()
        assert _login(office, world.email("regulator")).status_code == 200
    assert (_count(world, "address:10.0.0.1") or 0) == 0


def test_a_counter_left_alone_for_a_day_starts_again(
    client: TestClient, world: World, clock: Clock
) -> None:
    email = world.email("admin")
    for _ in range(12):
        response = _login(client, email, "guess")
        if response.status_code == 429:
            clock.advance(_retry_after(response))
            response = _login(client, email, "guess")
        assert response.status_code == 401
    assert (_count(world, account_counter(email)) or 0) == 12
    clock.advance(24 * 3600)
    assert _login(client, email, "guess").status_code == 401
    assert _count(world, account_counter(email)) == 1


class CountingPasswords(Passwords):
    """Counts the Argon2 verifications (under a lock: the tests run them concurrently)."""

    def __init__(self) -> None:
        super().__init__(memory_kib=64, time_cost=1, gate=HashingGate(64, 64))
        self._lock = threading.Lock()
        self.checked = 0

    def verify(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self.checked += 1
        return super().verify(password_hash, password)


def test_sixty_concurrent_guesses_get_at_most_the_limit_checked(world: World, clock: Clock) -> None:
    """Issue 12 measured 17 of 60 checked against a limit of 5: counting is now one atomic
    statement, so exactly the limit goes through, whatever the interleaving."""
    passwords = CountingPasswords()
    limits = LoginThrottle()
    email = world.email("verifier")
    start = threading.Barrier(60)

    def guess(n: int) -> str:
        start.wait()
        with Session(world.engine, expire_on_commit=False) as session:
            try:
                user = limits.authenticate(session, passwords, email, f"guess {n}", "203.0.113.9")
            except TooManyAttemptsError:
                return "throttled"
        return "wrong" if user is None else "in"

    with ThreadPoolExecutor(max_workers=60) as pool:
        outcomes = list(pool.map(guess, range(60)))
    assert passwords.checked <= limits.per_email
    assert outcomes.count("wrong") == passwords.checked
    assert outcomes.count("throttled") == 60 - passwords.checked
    assert "in" not in outcomes
    assert passwords.checked == limits.per_email  # and not fewer: no attempt was lost
    # the real user's known device still gets in at once
    device = "0" * 32
    with Session(world.engine, expire_on_commit=False) as session:
        user = limits.authenticate(session, passwords, email, PASSWORD, "203.0.113.9", device)
    assert user is not None


def test_a_busy_hashing_gate_answers_503_and_counts_nothing(
    client: TestClient, world: World, clock: Clock
) -> None:
    gate = HashingGate(slots=1, queue=0)
    client.app.state.passwords.gate = gate  # type: ignore[attr-defined]
    email = world.email("admin")
    with gate.slot():  # another login is being checked
        response = _login(client, email)
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) >= 1
        page = client.post("/login", data={"email": email, "password": PASSWORD})
        assert page.status_code == 503
        assert "服务器繁忙" in page.text
    assert (_count(world, account_counter(email)) or 0) == 0
    assert _login(client, email).status_code == 200


def test_the_gate_lets_a_bounded_number_wait() -> None:
    gate = HashingGate(slots=1, queue=1, wait_seconds=60)
    waiting = threading.Event()

    def waiter() -> None:
        waiting.set()
        with gate.slot():
            pass

    with gate.slot():
        thread = threading.Thread(target=waiter)
        thread.start()
        waiting.wait()
        for _ in range(1000):  # until the waiter is queued (no sleep: poll the count)
            if gate._waiting == 1:
                break
            threading.Event().wait(0.01)
        with pytest.raises(HashingBusyError), gate.slot():  # the queue is full: refused at once
            pass
    thread.join()
    with gate.slot():  # free again
        pass


def test_the_web_login_answers_429_in_chinese(
    client: TestClient, world: World, clock: Clock
) -> None:
    email = world.email("admin")
    for _ in range(3):  # the API and the web page share the count
        assert _login(client, email, "wrong").status_code == 401
    for _ in range(2):
        page = client.post("/login", data={"email": email, "password": "wrong"})
        assert page.status_code == 401
    page = client.post(
        "/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert page.status_code == 429
    assert "登录失败次数过多，请 1 分钟后再试" in page.text
    assert int(page.headers["Retry-After"]) == 1
    assert COOKIE_NAME not in page.cookies
    english = client.post("/login?lang=en", data={"email": email, "password": PASSWORD})
    assert english.status_code == 429
    assert "Too many failed logins; try again in 1 minute(s)" in english.text
    clock.advance(1)
    done = client.post(
        "/login", data={"email": email, "password": PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303
    assert DEVICE_COOKIE in done.cookies


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
        assert session.scalar(select(func.count()).select_from(WebSession)) == 3
    assert left[:2] == [ids[1], ids[3]]  # the live ones stay, whoever's they are
