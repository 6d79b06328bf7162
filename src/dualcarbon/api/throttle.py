"""Login throttling, kept in the database so that it holds across server processes (docs/api.md).

Decision: after ``login_failures_per_email`` (5) failed logins for one e-mail address, or
``login_failures_per_client`` (20) failed logins from one client address, within
``login_window_seconds`` (15 minutes), further attempts answer 429 with ``Retry-After`` — the
seconds until the oldest counted failure leaves the window — *without* the password being checked
(so a guess made while throttled reveals nothing, and costs no Argon2 work). A refused attempt is
not recorded itself, so waiting out ``Retry-After`` is enough. A successful login clears that
e-mail's failures (not the client's: one address may be a whole office behind a NAT). Each
recorded failure first deletes the failures older than the window, so the table stays small
without a cleaning job.

Failures are rows of ``login_failures`` (migration 0006): e-mail address (as the login
normalises it: trimmed, lower case), client address (``request.client.host``; behind a reverse
proxy, uvicorn's ``--proxy-headers``/``--forwarded-allow-ips`` make it the real client), time.
Counting and recording are separate statements, so a burst of concurrent attempts may get a few
more guesses than the limit; the limit still holds for any sustained guessing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from dualcarbon.api import services
from dualcarbon.api.security import Passwords
from dualcarbon.api.settings import Settings
from dualcarbon.errors import DualcarbonError
from dualcarbon.store.models import LoginFailure, User, utcnow

UNKNOWN_CLIENT = "unknown"
"""The client address recorded when the server does not know it."""

_EMAIL_LENGTH = 320
_CLIENT_LENGTH = 100


class TooManyAttemptsError(DualcarbonError):
    """Too many failed logins within the window (HTTP 429 with ``Retry-After``)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins; try again in {retry_after} s")


def email_key(email: str) -> str:
    """The e-mail address as failures are counted: as :func:`services.authenticate` looks it up
    (trimmed, lower case), cut to the column's length."""
    printable = "".join(c for c in email if ord(c) >= 32)  # PostgreSQL text holds no U+0000
    return printable.strip().lower()[:_EMAIL_LENGTH]


def client_key(client: str | None) -> str:
    return (client or UNKNOWN_CLIENT)[:_CLIENT_LENGTH]


@dataclass(frozen=True)
class LoginThrottle:
    """The limits; methods take the request's database session."""

    per_email: int = 5
    per_client: int = 20
    window_seconds: int = 15 * 60

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        return cls(
            per_email=settings.login_failures_per_email,
            per_client=settings.login_failures_per_client,
            window_seconds=settings.login_window_seconds,
        )

    @property
    def window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.window_seconds)

    def _wait(
        self, session: Session, which: ColumnElement[bool], limit: int, now: dt.datetime
    ) -> int | None:
        """Seconds until fewer than ``limit`` failures matching ``which`` are in the window, or
        ``None`` when there already are."""
        times = list(
            session.scalars(
                select(LoginFailure.at)
                .where(which, LoginFailure.at > now - self.window)
                .order_by(LoginFailure.at.desc())
                .limit(limit)
            )
        )
        if len(times) < limit:
            return None
        leaves = times[-1] + self.window  # the oldest of the ``limit`` counted failures
        return max(1, math.ceil((leaves - now).total_seconds()))

    def check(
        self, session: Session, email: str, client: str | None, now: dt.datetime | None = None
    ) -> None:
        """Raise :class:`TooManyAttemptsError` if this e-mail or this client is throttled."""
        now = now or utcnow()
        waits = [
            self._wait(session, LoginFailure.email == email_key(email), self.per_email, now),
            self._wait(session, LoginFailure.client == client_key(client), self.per_client, now),
        ]
        longest = max((w for w in waits if w is not None), default=None)
        if longest is not None:
            raise TooManyAttemptsError(longest)

    def record_failure(
        self, session: Session, email: str, client: str | None, now: dt.datetime | None = None
    ) -> None:
        """Note a failed login (and forget the failures older than the window); commits."""
        now = now or utcnow()
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
        session.add(LoginFailure(email=email_key(email), client=client_key(client), at=now))
        session.commit()

    def clear(self, session: Session, email: str) -> None:
        """Forget the failures of this e-mail address (after a successful login); commits."""
        session.execute(delete(LoginFailure).where(LoginFailure.email == email_key(email)))
        session.commit()

    def authenticate(
        self,
        session: Session,
        passwords: Passwords,
        email: str,
        password: str,
        client: str | None,
    ) -> User | None:
        """:func:`services.authenticate` behind the throttle: raises :class:`TooManyAttemptsError`
        before the password is looked at when throttled; records a failure or clears them."""
        self.check(session, email, client)
        user = services.authenticate(session, passwords, email, password)
        if user is None:
            self.record_failure(session, email, client)
        else:
            self.clear(session, email)
        return user
