"""Login throttling with exponential back-off, counted atomically in the database (docs/api.md,
docs/decisions/0010-lockout-sessions-audit.md).

The policy follows OWASP's Authentication Cheat Sheet, "Protect Against Automated Attacks" and
"Account Lockout"
(https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html#account-lockout)
and OWASP's device cookies
(https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies):

- **Per account, exponential back-off.** An account (its e-mail, as the login normalises it)
  gets ``free`` attempts (5); after that each attempt must wait ``base × 2^(n − free)`` seconds
  after the previous one (1 s, 2 s, 4 s …), at most ``max_seconds`` (15 min). A success clears
  the count. The wait is bounded, so once an attacker stops, the real user gets in within
  ``max_seconds``.
- **Known devices are not locked out.** A successful login sets a signed device cookie naming
  the account. A login to that account presenting it is counted under the device instead of the
  account and the address, so an attacker guessing elsewhere (even behind the same NAT) cannot
  lock out a user on a browser they have used before; a stolen device cookie still gives only
  the same back-off.
- **Per address, a larger allowance.** Attempts from one client address without a device cookie
  get ``free`` 20, then the same back-off: an office behind one NAT is slowed, not shut out, and
  its users with a device cookie are not counted at all. A success gives its attempt back.
- **Atomic counting.** An attempt *reserves* its place before the password is checked, in one
  ``INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING`` (PostgreSQL and SQLite ≥ 3.35): the row
  is locked for the update and the ``WHERE`` sees the latest count, so of N concurrent guesses
  at most ``free`` are let through to Argon2, never more (issue 12 measured 17 of 60 against a
  limit of 5 with the old read-then-write).

A refused attempt answers 429 with ``Retry-After`` (seconds until the next attempt is allowed),
changes no counter and costs no Argon2 work. Counters not touched for ``forget_seconds`` (a day)
start again from zero; they are deleted by later failures, so the table needs no cleaning job.
Times are POSIX seconds from :func:`now`, which tests replace (an injectable clock) instead of
sleeping.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Table, case, delete, literal, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from dualcarbon.api import services
from dualcarbon.api.settings import Settings
from dualcarbon.errors import DualcarbonError
from dualcarbon.security import Passwords
from dualcarbon.store.models import LoginCounter, User

UNKNOWN_CLIENT = "unknown"
"""The client address recorded when the server does not know it."""

DEVICE_COOKIE = "dualcarbon_device"
DEVICE_MAX_AGE_SECONDS = 180 * 24 * 3600
_DEVICE_SALT = "dualcarbon.device"
_KEY_LENGTH = 400
_EMAIL_LENGTH = 320
_CLIENT_LENGTH = 100


_TABLE = cast(Table, LoginCounter.__table__)


def now() -> float:
    """The throttle's clock, POSIX seconds (tests replace it rather than sleep)."""
    return time.time()


class TooManyAttemptsError(DualcarbonError, RuntimeError):
    """Too many failed attempts: wait ``retry_after`` seconds (HTTP 429 with ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins; try again in {retry_after} s")


def email_key(email: str) -> str:
    """The e-mail address as attempts are counted: as :func:`services.authenticate` looks it up
    (trimmed, lower case), cut to the column's length."""
    printable = "".join(c for c in email if ord(c) >= 32)  # PostgreSQL text holds no U+0000
    return printable.strip().lower()[:_EMAIL_LENGTH]


def client_key(client: str | None) -> str:
    return (client or UNKNOWN_CLIENT)[:_CLIENT_LENGTH]


def account_counter(email: str) -> str:
    return f"account:{email_key(email)}"


def address_counter(client: str | None) -> str:
    return f"address:{client_key(client)}"


def device_counter(device: str) -> str:
    return f"device:{device}"


@dataclass(frozen=True)
class Backoff:
    """``free`` attempts, then each one ``base_seconds × 2^(n − free)`` after the previous one,
    at most ``max_seconds``; a counter idle for ``forget_seconds`` starts again."""

    free: int
    base_seconds: float = 1.0
    max_seconds: float = 15 * 60
    forget_seconds: float = 24 * 3600

    def delay(self, failures: int) -> float:
        """The wait after the ``failures``-th counted attempt [s]."""
        if failures < self.free:
            return 0.0
        exponent = min(failures - self.free, 62)
        return float(min(self.max_seconds, self.base_seconds * 2**exponent))

    def _steps(self) -> int:
        """How many doublings until the wait reaches ``max_seconds``."""
        ratio = max(self.max_seconds / self.base_seconds, 1.0)
        return math.ceil(math.log2(ratio)) + 1

    def delay_sql(self, failures: ColumnElement[int]) -> ColumnElement[float]:
        """:meth:`delay` as SQL (a ``CASE`` over the doublings: SQLite has no ``power``)."""
        whens: list[tuple[ColumnElement[bool], float]] = [(failures < self.free, 0.0)]
        whens += [
            (failures == self.free + k, self.delay(self.free + k)) for k in range(self._steps())
        ]
        return case(*whens, else_=literal(float(self.max_seconds)))

    def wait(self, failures: int, last_at: float, at: float) -> float:
        """Seconds from ``at`` until the next attempt is allowed (0 when it is)."""
        if at - last_at >= self.forget_seconds:
            return 0.0
        return max(0.0, last_at + self.delay(failures) - at)


def _upsert(
    session: Session,
    values: dict[str, object],
    changes: dict[str, object],
    where: ColumnElement[bool],
) -> Insert:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET … WHERE …`` in the session's dialect."""
    table = _TABLE
    if session.get_bind().dialect.name == "postgresql":
        return (
            postgresql_insert(table)
            .values(**values)
            .on_conflict_do_update(index_elements=[table.c.key], set_=changes, where=where)
        )
    return (
        sqlite_insert(table)
        .values(**values)
        .on_conflict_do_update(index_elements=[table.c.key], set_=changes, where=where)
    )


class Counters:
    """The ``login_counters`` table: reserve an attempt atomically, read a wait, clear."""

    @staticmethod
    def reserve(session: Session, key: str, policy: Backoff, at: float) -> bool:
        """Count one attempt under ``key`` if it is allowed now; ``False`` if it must wait.
        One statement, committed at once, so concurrent attempts queue on the row."""
        table = _TABLE
        stale = table.c.last_at <= at - policy.forget_seconds
        statement = _upsert(
            session,
            {"key": key[:_KEY_LENGTH], "failures": 1, "last_at": at},
            {"failures": case((stale, 1), else_=table.c.failures + 1), "last_at": at},
            or_(stale, table.c.last_at + policy.delay_sql(table.c.failures) <= at),
        ).returning(table.c.failures)
        counted = session.execute(statement).scalar_one_or_none()
        session.commit()
        return counted is not None

    @staticmethod
    def wait(session: Session, key: str, policy: Backoff, at: float) -> float:
        row = session.get(LoginCounter, key[:_KEY_LENGTH], populate_existing=True)
        return 0.0 if row is None else policy.wait(row.failures, row.last_at, at)

    @staticmethod
    def give_back(session: Session, key: str) -> None:
        """Uncount one attempt (a success from a shared address; a reservation not used)."""
        table = _TABLE
        session.execute(
            update(table)
            .where(table.c.key == key[:_KEY_LENGTH], table.c.failures > 0)
            .values(failures=table.c.failures - 1)
        )
        session.commit()

    @staticmethod
    def clear(session: Session, keys: Sequence[str]) -> None:
        session.execute(
            delete(LoginCounter).where(LoginCounter.key.in_([k[:_KEY_LENGTH] for k in keys]))
        )
        session.commit()

    @staticmethod
    def forget_old(session: Session, policy: Backoff, at: float) -> None:
        session.execute(
            delete(LoginCounter).where(LoginCounter.last_at <= at - policy.forget_seconds)
        )
        session.commit()


def guarded(
    session: Session, counters: Sequence[tuple[str, Backoff]], at: float | None = None
) -> float:
    """Reserve one attempt under every counter, or none: raises :class:`TooManyAttemptsError`
    (the longest wait) if any must wait. Returns the time used, for :func:`settle`."""
    at = now() if at is None else at
    waits = [Counters.wait(session, key, policy, at) for key, policy in counters]
    if max(waits, default=0.0) <= 0:
        reserved: list[str] = []
        for key, policy in counters:
            if not Counters.reserve(session, key, policy, at):
                break  # a concurrent attempt took the last place: give ours back
            reserved.append(key)
        else:
            return at
        for key in reserved:
            Counters.give_back(session, key)
        waits = [Counters.wait(session, key, policy, at) for key, policy in counters]
    raise TooManyAttemptsError(max(1, math.ceil(max(waits, default=1.0))))


class DeviceCookies:
    """The device cookie: the account's e-mail and a random device id, signed with the server's
    key, so a device is recognised for that account only and cannot be forged."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_DEVICE_SALT)

    def issue(self, email: str) -> str:
        return self._serializer.dumps({"e": email_key(email), "d": secrets.token_urlsafe(16)})

    def device_of(self, cookie: str | None, email: str) -> str | None:
        """The device id (hashed) if ``cookie`` is a valid device cookie of ``email``."""
        if not cookie:
            return None
        try:
            value = self._serializer.loads(cookie, max_age=DEVICE_MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(value, dict) or value.get("e") != email_key(email):
            return None
        device = value.get("d")
        if not isinstance(device, str):
            return None
        return hashlib.sha256(device.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LoginThrottle:
    """The limits; methods take the request's database session."""

    per_email: int = 5
    per_client: int = 20
    max_seconds: int = 15 * 60
    forget_seconds: int = 24 * 3600

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        return cls(
            per_email=settings.login_failures_per_email,
            per_client=settings.login_failures_per_client,
            max_seconds=settings.login_backoff_max_seconds,
            forget_seconds=settings.login_forget_seconds,
        )

    def _backoff(self, free: int) -> Backoff:
        return Backoff(free, 1.0, float(self.max_seconds), float(self.forget_seconds))

    @property
    def account(self) -> Backoff:
        return self._backoff(self.per_email)

    @property
    def address(self) -> Backoff:
        return self._backoff(self.per_client)

    def counters(
        self, email: str, client: str | None, device: str | None
    ) -> list[tuple[str, Backoff]]:
        """Where an attempt counts: under its device if it has one for this account, else under
        the address and the account."""
        if device is not None:
            return [(device_counter(device), self.account)]
        return [(address_counter(client), self.address), (account_counter(email), self.account)]

    def authenticate(
        self,
        session: Session,
        passwords: Passwords,
        email: str,
        password: str,
        client: str | None,
        device: str | None = None,
    ) -> User | None:
        """:func:`services.authenticate` behind the throttle: raises :class:`TooManyAttemptsError`
        before the password is looked at when an attempt must wait; on success clears the
        account's and device's counts and gives the address its attempt back."""
        counters = self.counters(email, client, device)
        at = guarded(session, counters)
        try:
            user = services.authenticate(session, passwords, email, password)
        except BaseException:  # the check did not happen (busy server): uncount it
            for key, _ in counters:
                Counters.give_back(session, key)
            raise
        if user is None:
            Counters.forget_old(session, self.account, at)
            return None
        if device is not None:  # the account's count stays: an attacker gains nothing from it
            Counters.clear(session, [device_counter(device)])
        else:
            Counters.clear(session, [account_counter(email)])
            Counters.give_back(session, address_counter(client))
        return user
