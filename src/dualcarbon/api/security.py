"""Secrets: password hashing (Argon2id), API keys and session tokens (SHA-256 at rest), the
signed session cookie.

Nothing secret is stored: a password as its Argon2id hash (memory-hard, RFC 9106), an API key
and a session token as their SHA-256 (they are long random strings, so a fast hash suffices and
lookups stay cheap). The cookie carries the session token signed with the server's secret key
(itsdangerous), so a forged or truncated cookie is refused before the database is asked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

KEY_SCHEME = "dck"
"""API keys read ``dck_<prefix>_<secret>``: the prefix finds the row, the whole key is hashed."""

_COOKIE_SALT = "dualcarbon.session"


class Passwords:
    """Argon2id hashing with the settings' costs; verification reads the costs from the hash."""

    def __init__(self, memory_kib: int = 65536, time_cost: int = 3) -> None:
        self._hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost)
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with no hash (unknown user) the same work is done, so
        the answer's timing does not tell which e-mail addresses have accounts."""
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
