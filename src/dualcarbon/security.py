"""Secrets: password hashing (Argon2id), API keys and session tokens (SHA-256 at rest), the
signed session cookie.

Nothing secret is stored: a password as its Argon2id hash (memory-hard, RFC 9106), an API key
and a session token as their SHA-256 (they are long random strings, so a fast hash suffices and
lookups stay cheap). The cookie carries the session token signed with the server's secret key
(itsdangerous), so a forged or truncated cookie is refused before the database is asked.

Argon2id costs memory on purpose (64 MiB a hash by default), so checking passwords is bounded:
:class:`HashingGate` lets a few run at once and a few more wait briefly; past that a check is
refused at once with :class:`HashingBusyError` (HTTP 503, ``Retry-After``) instead of queueing
without end — 60 concurrent wrong PACT secrets took a server to 1.5 GiB before (issue 12).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dualcarbon.errors import DualcarbonError

KEY_SCHEME = "dck"
"""API keys read ``dck_<prefix>_<secret>``: the prefix finds the row, the whole key is hashed."""

_COOKIE_SALT = "dualcarbon.session"


class HashingBusyError(DualcarbonError, RuntimeError):
    """Every password-hashing slot is busy and the short queue is full (HTTP 503)."""

    retry_after = 1

    def __init__(self) -> None:
        super().__init__("the server is busy checking passwords; try again shortly")


class HashingGate:
    """At most ``slots`` hashes at once; at most ``queue`` more callers wait, each for at most
    ``wait_seconds``; anyone beyond is refused at once with :class:`HashingBusyError`."""

    def __init__(self, slots: int = 4, queue: int = 16, wait_seconds: float = 5.0) -> None:
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._queue = queue
        self._waiting = 0
        self._wait_seconds = wait_seconds

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._free.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self._queue:
                    raise HashingBusyError
                self._waiting += 1
            try:
                got = self._free.acquire(timeout=self._wait_seconds)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not got:
                raise HashingBusyError
        try:
            yield
        finally:
            self._free.release()


class Passwords:
    """Argon2id hashing with the settings' costs; verification reads the costs from the hash.
    Both go through one :class:`HashingGate` (web and API logins, PACT's ``/auth/token``)."""

    def __init__(
        self, memory_kib: int = 65536, time_cost: int = 3, gate: HashingGate | None = None
    ) -> None:
        self._hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self.gate = gate or HashingGate()

    def hash(self, password: str) -> str:
        with self.gate.slot():
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with no hash (unknown user) the same work is done, so
        the answer's timing does not tell which e-mail addresses have accounts. Raises
        :class:`HashingBusyError` when the gate is full."""
        with self.gate.slot():
            try:
                return self._hasher.verify(password_hash or self._dummy, password) and bool(
                    password_hash
                )
            except (VerificationError, InvalidHashError):
                return False


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same_digest(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_api_key() -> tuple[str, str]:
    """A fresh key and its lookup prefix: ``("dck_<prefix>_<secret>", "<prefix>")``."""
    prefix = secrets.token_hex(6)
    return f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_key_prefix(token: str) -> str | None:
    """The lookup prefix of a key in the right shape, else ``None``."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1]


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class CookieSigner:
    """Signs session tokens for the cookie and reads them back (refusing old or forged ones)."""

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=_COOKIE_SALT)
        self._max_age = max_age_seconds

    def sign(self, token: str) -> str:
        return self._serializer.dumps(token)

    def unsign(self, cookie: str) -> str | None:
        try:
            token = self._serializer.loads(cookie, max_age=self._max_age)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        return token if isinstance(token, str) else None
